/*
 * newfstatat, fstat (the riscv64 struct stat of fs/stat.h) and readlinkat.
 */
#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/syscalls.h>

namespace {

constexpr int AT_NO_AUTOMOUNT = 0x800;
constexpr int AT_STATX_SYNC_TYPE = 0x6000;

long put_stat(inode* ino, uintptr_t statbuf) {
  kstat k;
  vfs_getattr(ino, &k);
  linux_stat st;
  stat_to_user_layout(k, &st);
  return copy_to_user(statbuf, &st, sizeof(st)) ? -EFAULT : 0;
}

}  // namespace

long sys_newfstatat(int dfd, uintptr_t filename, uintptr_t statbuf, int flag) {
  if (flag & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;
  UserPath name(filename, flag & AT_EMPTY_PATH);
  if (name.err()) return name.err();
  if (name.empty()) {  // the descriptor itself (fstat)
    if (dfd == AT_FDCWD) {
      AtStart at(dfd, name.get());
      if (at.err()) return at.err();
      return put_stat(at.start()->d_inode, statbuf);
    }
    FdRef f(static_cast<unsigned>(dfd));
    if (dfd < 0 || !f) return -EBADF;
    return put_stat(f->f_inode, statbuf);
  }
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  auto d = path_lookupat(at.root(), at.start(), name.get(), (flag & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW);
  if (!d) return d.error().err;
  const long err = put_stat(d.value()->d_inode, statbuf);
  dput(d.value());
  return err;
}

long sys_fstat(unsigned int fd, uintptr_t statbuf) {
  FdRef f(fd);
  if (!f) return -EBADF;
  return put_stat(f->f_inode, statbuf);
}

long sys_readlinkat(int dfd, uintptr_t path, uintptr_t buf, int bufsiz) {
  if (bufsiz <= 0) return -EINVAL;
  UserPath name(path, true);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  dentry* d;
  if (name.empty()) {  // Linux: the O_PATH descriptor of a symlink, else ENOENT
    if (dfd == AT_FDCWD) return -ENOENT;
    d = dget(at.start());
  } else {
    auto res = path_lookupat(at.root(), at.start(), name.get(), 0);
    if (!res) return res.error().err;
    d = res.value();
  }
  long ret;
  inode* ino = d->d_inode;
  if (!S_ISLNK(ino->i_mode) || !ino->i_op || !ino->i_op->get_link) {
    ret = name.empty() ? -ENOENT : -EINVAL;
  } else {
    char* target = static_cast<char*>(kmalloc(PATH_MAX, GFP_KERNEL));
    if (!target) {
      ret = -ENOMEM;
    } else {
      ret = ino->i_op->get_link(d, target, PATH_MAX);
      if (ret >= 0) {
        const size_t n = static_cast<size_t>(ret) < static_cast<size_t>(bufsiz) ? static_cast<size_t>(ret)
                                                                                  : static_cast<size_t>(bufsiz);
        ret = copy_to_user(buf, target, n) ? -EFAULT : static_cast<long>(n);
      }
      kfree(target);
    }
  }
  dput(d);
  return ret;
}
