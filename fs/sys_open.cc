/*
 * openat, close, faccessat, chdir/fchdir, getcwd, and the namespace calls
 * (mkdirat, mknodat, unlinkat, symlinkat, linkat).
 */
#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/syscalls.h>
#include <lib/string.h>

namespace {

constexpr unsigned VALID_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK |
                                      00010000 /* O_DSYNC */ | 00020000 /* FASYNC */ | 00040000 /* O_DIRECT */ |
                                      FS_O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | 01000000 /* O_NOATIME */ |
                                      O_CLOEXEC | 04000000 /* __O_SYNC */ | O_PATH | 020000000 /* __O_TMPFILE */;

}  // namespace

long sys_openat(int dfd, uintptr_t filename, int flags, unsigned mode) {
  unsigned fl = static_cast<unsigned>(flags);
  // Linux ignores unknown bits in open(2) (only openat2 refuses them).
  fl &= VALID_OPEN_FLAGS;
  if (fl & 020000000) return -EOPNOTSUPP;  // O_TMPFILE: no unnamed files on ramfs yet
  fl |= FS_O_LARGEFILE;                    // force_o_largefile() on 64-bit
  if (!current_files()) return -EMFILE;
  UserPath name(filename);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  auto f = do_filp_open(at.root(), at.start(), name.get(), fl, static_cast<umode_t>(mode));
  if (!f) return f.error().err;
  const int fd = alloc_fd_install(current_files(), 0, f.value(), fl & O_CLOEXEC);
  if (fd < 0) fput(f.value());
  return fd;
}

long sys_close(unsigned int fd) {
  if (!current_files()) return -EBADF;
  return close_fd(current_files(), fd);
}

long sys_faccessat2(int dfd, uintptr_t filename, int mode, int flags) {
  if (mode & ~(F_OK | R_OK | W_OK | X_OK)) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  UserPath name(filename, flags & AT_EMPTY_PATH);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  // access(2) answers for the real ids (Linux's access_override_creds:
  // fsuid/fsgid := uid/gid for the whole lookup); AT_EACCESS for the
  // effective ones, as open would.
  const cred* c = current_cred();
  cred real;  // lives for this call only: no reference counting, the groups borrowed
  cred_copy_ids(&real, c);
  real.groups = c->groups;
  if (!(flags & AT_EACCESS)) {
    real.fsuid = c->uid;
    real.fsgid = c->gid;
  }
  lookup_root r = at.root();
  r.cred = &real;
  dentry* d;
  if (name.empty()) {
    d = dget(at.start());
  } else {
    auto res = path_lookupat(r, at.start(), name.get(), (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW);
    if (!res) return res.error().err;
    d = res.value();
  }
  const int err = mode == F_OK ? 0 : inode_permission(&real, d->d_inode, mode);
  dput(d);
  return err;
}

long sys_faccessat(int dfd, uintptr_t filename, int mode) { return sys_faccessat2(dfd, filename, mode, 0); }

long sys_chdir(uintptr_t filename) {
  UserPath name(filename);
  if (name.err()) return name.err();
  AtStart at(AT_FDCWD, name.get());
  if (at.err()) return at.err();
  auto d = path_lookupat(at.root(), at.start(), name.get(), LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
  if (!d) return d.error().err;
  int err = inode_permission(at.root().cred, d.value()->d_inode, MAY_EXEC);
  if (!err) set_fs_pwd(current_fs(), d.value());
  dput(d.value());
  return err;
}

long sys_fchdir(unsigned int fd) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (!S_ISDIR(f->f_inode->i_mode)) return -ENOTDIR;
  if (int err = inode_permission(current_cred(), f->f_inode, MAY_EXEC)) return err;
  set_fs_pwd(current_fs(), f->f_dentry);
  return 0;
}

long sys_getcwd(uintptr_t buf, unsigned long size) {
  fs_struct* fs = current_fs();
  if (!fs) return -ENOENT;
  lookup_root r = get_lookup_root(fs);
  long ret;
  char* page = static_cast<char*>(kmalloc(PATH_MAX, GFP_KERNEL));
  if (!page) {
    ret = -ENOMEM;
  } else if (!(r.cwd->d_flags & DCACHE_LINKED) && r.cwd != r.cwd->d_sb->s_root) {
    ret = -ENOENT;  // the cwd was removed
  } else {
    auto p = d_path(r, r.cwd, page, PATH_MAX);
    if (!p) {
      ret = p.error().err;
    } else {
      const size_t len = strlen(p.value()) + 1;
      if (len > size)
        ret = -ERANGE;
      else
        ret = copy_to_user(buf, p.value(), len) ? -EFAULT : static_cast<long>(len);
    }
  }
  kfree(page);
  put_lookup_root(r);
  return ret;
}

long sys_mkdirat(int dfd, uintptr_t pathname, unsigned mode) {
  UserPath name(pathname);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  return vfs_mkdirat(at.root(), at.start(), name.get(), static_cast<umode_t>(mode));
}

long sys_mknodat(int dfd, uintptr_t filename, unsigned mode, unsigned dev) {
  UserPath name(filename);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  // The user encoding of dev (new_decode_dev).
  const unsigned major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return vfs_mknodat(at.root(), at.start(), name.get(), static_cast<umode_t>(mode), MKDEV(major, minor));
}

long sys_unlinkat(int dfd, uintptr_t pathname, int flag) {
  if (flag & ~AT_REMOVEDIR) return -EINVAL;
  UserPath name(pathname);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  return vfs_unlinkat(at.root(), at.start(), name.get(), flag & AT_REMOVEDIR);
}

long sys_symlinkat(uintptr_t oldname, int newdfd, uintptr_t newname) {
  UserPath target(oldname);
  if (target.err()) return target.err();
  UserPath name(newname);
  if (name.err()) return name.err();
  AtStart at(newdfd, name.get());
  if (at.err()) return at.err();
  return vfs_symlinkat(at.root(), target.get(), at.start(), name.get());
}

long sys_linkat(int olddfd, uintptr_t oldname, int newdfd, uintptr_t newname, int flags) {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  UserPath oname(oldname);
  if (oname.err()) return oname.err();
  UserPath nname(newname);
  if (nname.err()) return nname.err();
  AtStart oat(olddfd, oname.get());
  if (oat.err()) return oat.err();
  AtStart nat(newdfd, nname.get());
  if (nat.err()) return nat.err();
  return vfs_linkat(oat.root(), oat.start(), oname.get(), nat.start(), nname.get(),
                    flags & AT_SYMLINK_FOLLOW);
}
