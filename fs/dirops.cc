/*
 * Changes to the namespace by path, as the *at system calls make them:
 * mknod, mkdir, symlink, link, unlink and rmdir. Each resolves the parent
 * (path_parentat), then under dcache_lock checks the last component and
 * calls the parent's inode operation; errors are Linux's (EEXIST, ENOENT,
 * ENOTDIR, EISDIR, ENOTEMPTY, EBUSY, EINVAL, EPERM/EACCES where the file
 * system has no such operation).
 */
#include <fs/fs.h>

#include <kernel/errno.h>
#include <lib/string.h>

namespace {

bool is_dot(const nameidata_parent& nd) { return nd.last_len == 1 && nd.last[0] == '.'; }
bool is_dotdot(const nameidata_parent& nd) { return nd.last_len == 2 && nd.last[0] == '.' && nd.last[1] == '.'; }

// Creates the last component of name with `make` (dcache_lock held, the new
// dentry allocated); EEXIST when something is there.
template <typename Make>
int create_at(const lookup_root& r, dentry* start, const char* name, bool allow_slash, Make make) {
  auto res = path_parentat(r, start, name);
  if (!res) return res.error().err;
  nameidata_parent& nd = res.value();
  int err = 0;
  if (nd.last_len == 0 || is_dot(nd) || is_dotdot(nd)) {
    err = -EEXIST;
  } else {
    VfsMutexGuard g{dcache_lock};
    inode* dir = nd.parent->d_inode;
    auto existing = lookup_one_locked(nd.parent, nd.last, nd.last_len);
    if (existing) {
      dput(existing.value());
      err = -EEXIST;
    } else if (existing.error().err != -ENOENT) {
      err = existing.error().err;
    } else if (nd.trailing_slash && !allow_slash) {
      err = -ENOENT;  // Linux: creating "name/" that is not a directory
    } else if ((err = inode_permission(r.cred, dir, MAY_WRITE | MAY_EXEC)) == 0) {
      dentry* d = d_alloc(nd.parent, nd.last, nd.last_len);
      if (!d) {
        err = -ENOMEM;
      } else {
        err = make(dir, d);
        dput(d);  // linked (and pinned) on success, freed on failure
      }
    }
  }
  dput(nd.parent);
  return err;
}

}  // namespace

int vfs_mknodat(const lookup_root& r, dentry* start, const char* name, umode_t mode, dev_t rdev) {
  switch (mode & S_IFMT) {
    case 0:
      mode |= S_IFREG;
      break;
    case S_IFREG:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
      break;
    case S_IFDIR:
      return -EPERM;
    default:
      return -EINVAL;
  }
  mode = static_cast<umode_t>((mode & S_IFMT) | (mode & 07777 & ~r.umask));
  return create_at(r, start, name, false, [&](inode* dir, dentry* d) {
    if (!dir->i_op || !dir->i_op->create) return -EPERM;
    return dir->i_op->create(dir, d, mode, S_ISCHR(mode) || S_ISBLK(mode) ? rdev : 0);
  });
}

int vfs_mkdirat(const lookup_root& r, dentry* start, const char* name, umode_t mode) {
  // Only the permission bits and S_ISVTX: a directory is set-group-ID by
  // chmod or by inheritance (inode_init_owner), never by mkdir's mode.
  mode = static_cast<umode_t>(S_IFDIR | (mode & (0777 | S_ISVTX) & ~r.umask));
  return create_at(r, start, name, true, [&](inode* dir, dentry* d) {
    if (!dir->i_op || !dir->i_op->create) return -EPERM;
    return dir->i_op->create(dir, d, mode, 0);
  });
}

int vfs_symlinkat(const lookup_root& r, const char* target, dentry* start, const char* name) {
  const size_t tlen = strnlen(target, PATH_MAX);
  if (tlen == 0) return -ENOENT;
  if (tlen == PATH_MAX) return -ENAMETOOLONG;
  return create_at(r, start, name, false, [&](inode* dir, dentry* d) {
    if (!dir->i_op || !dir->i_op->symlink) return -EPERM;
    return dir->i_op->symlink(dir, d, target);
  });
}

int vfs_linkat(const lookup_root& r, dentry* old_start, const char* old_name, dentry* start, const char* name,
               bool follow) {
  auto old = path_lookupat(r, old_start, old_name, follow ? LOOKUP_FOLLOW : 0);
  if (!old) return old.error().err;
  dentry* od = old.value();
  int err;
  if (S_ISDIR(od->d_inode->i_mode)) {
    err = -EPERM;
  } else {
    err = create_at(r, start, name, false, [&](inode* dir, dentry* d) {
      if (dir->i_sb != od->d_inode->i_sb) return -EXDEV;
      if (!dir->i_op || !dir->i_op->link) return -EPERM;
      if (!(od->d_flags & DCACHE_LINKED)) return -ENOENT;
      return dir->i_op->link(od, dir, d);
    });
  }
  dput(od);
  return err;
}

int vfs_unlinkat(const lookup_root& r, dentry* start, const char* name, bool rmdir) {
  auto res = path_parentat(r, start, name);
  if (!res) return res.error().err;
  nameidata_parent& nd = res.value();
  int err;
  if (nd.last_len == 0) {
    err = rmdir ? -EBUSY : -EISDIR;
  } else if (is_dot(nd)) {
    err = rmdir ? -EINVAL : -EISDIR;
  } else if (is_dotdot(nd)) {
    err = rmdir ? -ENOTEMPTY : -EISDIR;
  } else {
    VfsMutexGuard g{dcache_lock};
    inode* dir = nd.parent->d_inode;
    dentry* d = d_lookup_locked(nd.parent, nd.last, nd.last_len);
    if (!d) {
      // Entries a file system makes up (/proc) cannot be removed.
      auto made = lookup_one_locked(nd.parent, nd.last, nd.last_len);
      if (made) {
        dput(made.value());
        err = -EPERM;
      } else {
        err = made.error().err;
      }
    } else {
      const bool isdir = S_ISDIR(d->d_inode->i_mode);
      if ((err = inode_permission(r.cred, dir, MAY_WRITE | MAY_EXEC)) != 0) {
      } else if (check_sticky(r.cred, dir, d->d_inode)) {
        err = -EPERM;
      } else if (rmdir && !isdir) {
        err = -ENOTDIR;
      } else if (!rmdir && isdir) {
        err = -EISDIR;
      } else if (!rmdir && nd.trailing_slash) {
        err = -ENOTDIR;
      } else if (d->d_mounted || d == d->d_sb->s_root) {
        err = -EBUSY;
      } else if (rmdir) {
        err = dir->i_op && dir->i_op->rmdir ? dir->i_op->rmdir(dir, d) : -EPERM;
      } else {
        err = dir->i_op && dir->i_op->unlink ? dir->i_op->unlink(dir, d) : -EPERM;
      }
      dput(d);
    }
  }
  dput(nd.parent);
  return err;
}
