// UserPath, AtStart and user_path_at (fs/internal.h).
#include "internal.h"

#include <asm/uaccess.h>

UserPath::UserPath(uintptr_t user, bool allow_empty) {
  buf_ = static_cast<char*>(kmalloc(PATH_MAX, GFP_KERNEL));
  if (!buf_) {
    err_ = -ENOMEM;
    return;
  }
  for (size_t i = 0; i < PATH_MAX; i++) {
    uint8_t c;
    if (get_user_u8(&c, user + i)) {
      err_ = -EFAULT;
      return;
    }
    buf_[i] = static_cast<char>(c);
    if (c == 0) {
      if (i == 0 && !allow_empty) err_ = -ENOENT;
      return;
    }
  }
  err_ = -ENAMETOOLONG;
}

AtStart::AtStart(int dfd, const char* name) {
  fs_struct* fs = current_fs();
  if (!fs) {
    err_ = -ENOENT;
    return;
  }
  r_ = get_lookup_root(fs);
  if (name[0] == '/' || dfd == AT_FDCWD) {
    start_ = dget(r_.cwd);
    return;
  }
  FdRef f(static_cast<unsigned>(dfd));
  if (dfd < 0 || !f) {
    err_ = -EBADF;
    return;
  }
  // An empty name (AT_EMPTY_PATH) means the descriptor itself, whatever it is.
  if (name[0] && !S_ISDIR(f->f_inode->i_mode)) {
    err_ = -ENOTDIR;
    return;
  }
  start_ = dget(f->f_dentry);
}

AtStart::~AtStart() {
  if (start_) dput(start_);
  if (r_.root) put_lookup_root(r_);
}

Result<dentry*> user_path_at(int dfd, uintptr_t filename, unsigned lookup_flags) {
  UserPath name(filename);
  if (name.err()) return Error{name.err(), "user_path_at: the name"};
  AtStart at(dfd, name.get());
  if (at.err()) return Error{at.err(), "user_path_at: the start"};
  return path_lookupat(at.root(), at.start(), name.get(), lookup_flags);
}
