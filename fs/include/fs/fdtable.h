/*
 * Per-task file state: the descriptor table (files_struct) and the root
 * and working directory (fs_struct), Linux's names.
 *
 * files_struct: fd[i] is the file behind descriptor i or null, and bit i
 * of close_on_exec says FD_CLOEXEC. The arrays grow by doubling up to
 * NR_OPEN_MAX (RLIMIT_NOFILE's default soft limit, 1024); a new
 * descriptor is the lowest free one, as POSIX requires. fork copies the
 * table (dup_fd: every file gets one more reference, the copy shares the
 * open files and their positions); count > 1 only for CLONE_FILES sharers.
 * file_lock (a spinlock) guards the arrays; it is never held across an
 * allocation or an fput, which may sleep.
 *
 * fs_struct: referenced root and cwd dentries (chdir swaps them under
 * lock); fork copies it, CLONE_FS shares it.
 */
#pragma once

#include <atomic>

#include <fs/fs.h>
#include <mm/env.h>

constexpr unsigned NR_OPEN_DEFAULT = 64;
constexpr unsigned NR_OPEN_MAX = 1024;
constexpr int FD_CLOEXEC = 1;

struct files_struct {
  std::atomic<int> count{1};
  MmLock file_lock;
  unsigned max_fds = 0;
  file** fd = nullptr;
  unsigned long* close_on_exec = nullptr;  // max_fds bits
};

struct fs_struct {
  std::atomic<int> users{1};
  MmLock lock;
  dentry* root = nullptr;
  dentry* pwd = nullptr;
  unsigned umask = 022;
};

// A new empty table; null when out of memory.
files_struct* alloc_files();
// fork: a copy of oldf (same open files, one more reference each); null
// when out of memory.
files_struct* dup_fd(files_struct* oldf);
// exit (and exec's unshare): drops a reference; the last one closes every file.
void put_files_struct(files_struct* files);
// exec: closes every descriptor marked close-on-exec.
void do_close_on_exec(files_struct* files);

// The lowest free descriptor >= start, installed with f (taking over the
// caller's reference); -EMFILE when none below NR_OPEN_MAX, -ENOMEM.
int alloc_fd_install(files_struct* files, unsigned start, file* f, bool cloexec);
// The file behind fd with a new reference, or null (-EBADF for the caller).
file* fget(files_struct* files, unsigned fd);
// close(fd): 0 or -EBADF.
int close_fd(files_struct* files, unsigned fd);
// dup3's core: newfd becomes a copy of oldfd (closing what was there).
int replace_fd(files_struct* files, unsigned newfd, file* f, bool cloexec);
int get_close_on_exec(files_struct* files, unsigned fd);  // 0/1 or -EBADF
int set_close_on_exec(files_struct* files, unsigned fd, bool on);

fs_struct* alloc_fs_struct(dentry* root, dentry* pwd);  // takes its own references
fs_struct* copy_fs_struct(fs_struct* old);
void put_fs_struct(fs_struct* fs);
// chdir: pwd becomes d (takes a reference).
void set_fs_pwd(fs_struct* fs, dentry* d);
// The root and cwd as a lookup starting point (referenced; put with
// put_lookup_root).
lookup_root get_lookup_root(fs_struct* fs);
void put_lookup_root(const lookup_root& r);

// fork (kernel/fork.cc): the child shares (CLONE_FILES / CLONE_FS) or
// copies the parent's tables; 0 or -ENOMEM (nothing left taken). exit
// drops them (safe to call twice).
struct task_struct;
int copy_files_and_fs(uint64_t clone_flags, task_struct* parent, task_struct* child);
void exit_files_and_fs(task_struct* tsk);

// Kernel threads without their own fs_struct use this one (root = cwd = "/").
extern fs_struct* init_fs;
// The calling task's fs_struct (init_fs for a task without one).
fs_struct* current_fs();
