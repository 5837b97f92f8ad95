/*
 * Shared by the system-call files of fs/: the caller's descriptor table,
 * a held file by descriptor, path names copied from user memory, and the
 * starting point of an *at lookup.
 */
#pragma once

#include <fs/fdtable.h>
#include <fs/fs.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <mm/slab.h>

inline files_struct* current_files() { return get_current()->files; }

// A reference to the file behind fd for the scope, or null (EBADF).
class FdRef {
 public:
  explicit FdRef(unsigned fd) : f_(current_files() ? fget(current_files(), fd) : nullptr) {}
  ~FdRef() {
    if (f_) fput(f_);
  }
  FdRef(const FdRef&) = delete;
  FdRef& operator=(const FdRef&) = delete;
  file* get() const { return f_; }
  file* operator->() const { return f_; }
  explicit operator bool() const { return f_ != nullptr; }

 private:
  file* f_;
};

// A path name from user memory (Linux's getname): a PATH_MAX kmalloc
// buffer, freed with the object. err() is 0, -EFAULT or -ENAMETOOLONG;
// an empty name is -ENOENT unless allow_empty.
class UserPath {
 public:
  UserPath(uintptr_t user, bool allow_empty = false);
  ~UserPath() { kfree(buf_); }
  UserPath(const UserPath&) = delete;
  UserPath& operator=(const UserPath&) = delete;
  int err() const { return err_; }
  const char* get() const { return buf_; }
  bool empty() const { return buf_ && buf_[0] == 0; }

 private:
  char* buf_ = nullptr;
  int err_ = 0;
};

// The root, cwd and start directory of an *at call: dfd is AT_FDCWD or a
// directory descriptor (ignored for an absolute name, as Linux).
class AtStart {
 public:
  AtStart(int dfd, const char* name);
  ~AtStart();
  AtStart(const AtStart&) = delete;
  AtStart& operator=(const AtStart&) = delete;
  int err() const { return err_; }
  const lookup_root& root() const { return r_; }
  dentry* start() const { return start_; }

 private:
  lookup_root r_{};
  dentry* start_ = nullptr;
  int err_ = 0;
};

// Linux's user_path_at: the dentry (referenced) that the user's name at
// filename names, relative to dfd as an *at call; -EFAULT, -ENOENT (an
// empty name), -EBADF, -ENOTDIR or the lookup's error.
Result<dentry*> user_path_at(int dfd, uintptr_t filename, unsigned lookup_flags);
