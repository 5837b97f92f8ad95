/*
 * open(2)'s core: resolving the name (creating the file for O_CREAT),
 * checking the open mode against the file type and permissions, O_TRUNC,
 * then dentry_open.
 */
#include <fs/fdtable.h>
#include <fs/fs.h>

#include <kernel/errno.h>

namespace {

int may_open(const cred* c, dentry* d, unsigned flags) {
  inode* ino = d->d_inode;
  const unsigned acc = flags & O_ACCMODE;
  if (flags & O_PATH) return 0;
  if (S_ISLNK(ino->i_mode)) return -ELOOP;
  if ((flags & O_DIRECTORY) && !S_ISDIR(ino->i_mode)) return -ENOTDIR;
  if (S_ISDIR(ino->i_mode) && (acc != O_RDONLY || (flags & O_TRUNC) || (flags & O_CREAT))) return -EISDIR;
  if (acc == O_ACCMODE) return -EINVAL;  // Linux's "3": ioctl-only on some drivers; refused here
  const int mask = (acc != O_WRONLY ? MAY_READ : 0) | (acc != O_RDONLY || (flags & O_TRUNC) ? MAY_WRITE : 0);
  return inode_permission(c, ino, mask);
}

// O_CREAT: the existing file (followed unless O_NOFOLLOW/O_EXCL), or a new one.
Result<dentry*> open_create(const lookup_root& r, dentry* start, const char* name, unsigned flags, umode_t mode) {
  auto res = path_parentat(r, start, name);
  if (!res) return res.error();
  nameidata_parent& nd = res.value();
  const bool dot = nd.last_len == 0 || (nd.last_len == 1 && nd.last[0] == '.') ||
                   (nd.last_len == 2 && nd.last[0] == '.' && nd.last[1] == '.');
  if (dot || nd.trailing_slash) {
    dput(nd.parent);
    return Error{-EISDIR, "O_CREAT on a directory name"};
  }
  dentry* d = nullptr;
  bool follow = false;
  int err = 0;
  {
    VfsMutexGuard g{dcache_lock};
    auto existing = lookup_one_locked(nd.parent, nd.last, nd.last_len);
    if (existing) {
      d = existing.value();
      if (flags & O_EXCL) {
        err = -EEXIST;
      } else if (S_ISLNK(d->d_inode->i_mode)) {
        follow = !(flags & O_NOFOLLOW);
        if (!follow) err = -ELOOP;
      }
    } else if (existing.error().err != -ENOENT) {
      err = existing.error().err;
    } else {
      inode* dir = nd.parent->d_inode;
      if (!dir->i_op || !dir->i_op->create) {
        err = -EACCES;
      } else if ((err = inode_permission(r.cred, dir, MAY_WRITE | MAY_EXEC)) == 0) {
        d = d_alloc(nd.parent, nd.last, nd.last_len);
        if (!d) {
          err = -ENOMEM;
        } else {
          err = dir->i_op->create(dir, d, static_cast<umode_t>(S_IFREG | (mode & 07777 & ~r.umask)), 0);
          if (err) {
            dput(d);
            d = nullptr;
          }
        }
      }
    }
  }
  if (err) {
    if (d) dput(d);
    dput(nd.parent);
    return Error{err, "open O_CREAT"};
  }
  if (follow) {
    // A symlink to a file that may not exist yet: Linux creates the target.
    // Resolve the link itself and create through the result's name.
    dput(d);
    auto target = path_lookupat(r, nd.parent, nd.last, LOOKUP_FOLLOW);
    if (!target && target.error().err == -ENOENT) {
      dput(nd.parent);
      return Error{-ENOENT, "O_CREAT through a dangling symlink is not supported"};
    }
    dput(nd.parent);
    return target;
  }
  dput(nd.parent);
  return d;
}

}  // namespace

Result<file*> do_filp_open(const lookup_root& r, dentry* start, const char* name, unsigned flags, umode_t mode) {
  if ((flags & O_PATH) && (flags & O_CREAT)) flags &= ~O_CREAT;
  dentry* d;
  if (flags & O_CREAT) {
    d = TRY(open_create(r, start, name, flags, mode));
  } else {
    const unsigned lf = ((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) | ((flags & O_DIRECTORY) ? LOOKUP_DIRECTORY : 0);
    d = TRY(path_lookupat(r, start, name, lf));
  }
  if (int err = may_open(r.cred, d, flags)) {
    dput(d);
    return Error{err, "open: not allowed"};
  }
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && S_ISREG(d->d_inode->i_mode)) {
    inode* ino = d->d_inode;
    VfsMutexGuard g{ino->i_rwsem};
    if (int err = vfs_truncate_locked(ino, 0)) {
      dput(d);
      return Error{err, "open: O_TRUNC"};
    }
  }
  auto f = dentry_open(d, flags);
  dput(d);
  return f;
}

Result<file*> do_open_execat(const lookup_root& r, dentry* start, const char* name) {
  dentry* d = TRY(path_lookupat(r, start, name, LOOKUP_FOLLOW));
  const inode* ino = d->d_inode;
  int err = 0;
  if (S_ISDIR(ino->i_mode))
    err = -EACCES;
  else if ((err = inode_permission(r.cred, ino, MAY_EXEC)) == 0 && !S_ISREG(ino->i_mode))
    err = -EACCES;
  if (err) {
    dput(d);
    return Error{err, "execve: not an executable file"};
  }
  auto f = dentry_open(d, O_RDONLY);
  dput(d);
  return f;
}
