/*
 * Path lookup (Linux's namei): from a starting directory, one component at
 * a time, through mounts, "." and "..", and symlinks.
 *
 * The walk keeps the unwalked rest of the path in a PATH_MAX buffer. A
 * symlink met on the way is expanded in place: rest := target + "/" + rest
 * (too long: -ENAMETOOLONG), and the walk goes on from the link's
 * directory (or from the root for an absolute target). So nested links
 * cost no recursion and no stack; at most MAXSYMLINKS (40) links are
 * followed per lookup, then -ELOOP, as Linux.
 *
 * ".." never leaves the caller's root, and from the root of a mounted file
 * system it goes to the parent of the directory it covers.
 */
#include <fs/fs.h>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/slab.h>

namespace {

bool is_dir(const dentry* d) { return S_ISDIR(d->d_inode->i_mode); }

// The root of whatever is mounted on d, or d (dcache_lock held).
dentry* cross_mounts(dentry* d) {
  while (d->d_mounted) {
    dentry* root = dget(d->d_mounted->s_root);
    dput(d);
    d = root;
  }
  return d;
}

dentry* follow_dotdot(const lookup_root& r, dentry* d) {
  for (;;) {
    if (d == r.root) return d;
    if (d == d->d_sb->s_root && d->d_sb->s_mountpoint) {
      dentry* mp = dget(d->d_sb->s_mountpoint);
      dput(d);
      d = mp;
      continue;
    }
    dentry* up = dget(d->d_parent);
    dput(d);
    return up;
  }
}

class Walker {
 public:
  explicit Walker(const lookup_root& r) : r_(r) {}
  ~Walker() {
    if (cur_) dput(cur_);
    kfree(buf_);
  }

  // Walks name; with `parent_only` it stops before the last component and
  // leaves it in last_/last_len_.
  int walk(dentry* start, const char* name, unsigned flags, bool parent_only) {
    const size_t n = strnlen(name, PATH_MAX);
    if (n == PATH_MAX) return -ENAMETOOLONG;
    if (n == 0) return -ENOENT;
    buf_ = static_cast<char*>(kmalloc(2 * PATH_MAX, GFP_KERNEL));
    if (!buf_) return -ENOMEM;
    link_ = buf_ + PATH_MAX;
    memcpy(buf_, name, n + 1);
    len_ = n;
    cur_ = dget(buf_[0] == '/' ? r_.root : start);
    size_t p = 0;
    for (;;) {
      while (p < len_ && buf_[p] == '/') p++;
      if (p == len_) break;  // only slashes left: the walk ends at cur_
      size_t q = p;
      while (q < len_ && buf_[q] != '/') q++;
      const size_t clen = q - p;
      if (clen > NAME_MAX) return -ENAMETOOLONG;
      size_t after = q;
      while (after < len_ && buf_[after] == '/') after++;
      const bool last = after == len_;
      const bool slash = last && q != len_;
      if (!is_dir(cur_)) return -ENOTDIR;
      if (int err = inode_permission(r_.cred, cur_->d_inode, MAY_EXEC)) return err;
      if (last && parent_only) {
        memcpy(last_, buf_ + p, clen);
        last_[clen] = 0;
        last_len_ = clen;
        trailing_slash_ = slash;
        return 0;
      }
      if (clen == 1 && buf_[p] == '.') {
        p = q;
        continue;
      }
      if (clen == 2 && buf_[p] == '.' && buf_[p + 1] == '.') {
        VfsMutexGuard g{dcache_lock};
        cur_ = follow_dotdot(r_, cur_);
        p = q;
        continue;
      }
      dentry* child;
      {
        VfsMutexGuard g{dcache_lock};
        auto res = lookup_one_locked(cur_, buf_ + p, clen);
        if (!res) return res.error().err;
        child = res.value();
      }
      if (S_ISLNK(child->d_inode->i_mode) && (!last || slash || (flags & LOOKUP_FOLLOW))) {
        const int err = expand_link(child, q);
        dput(child);
        if (err) return err;
        p = 0;
        continue;
      }
      dput(cur_);
      cur_ = child;
      p = q;
    }
    if (parent_only) {  // "/" or a path of "/"s: no last component
      last_len_ = 0;
      last_[0] = 0;
      return 0;
    }
    const bool trailing = len_ > 0 && buf_[len_ - 1] == '/';
    if ((flags & LOOKUP_DIRECTORY) || trailing)
      if (!is_dir(cur_)) return -ENOTDIR;
    return 0;
  }

  dentry* take() {
    dentry* d = cur_;
    cur_ = nullptr;
    return d;
  }
  const char* last() const { return last_; }
  size_t last_len() const { return last_len_; }
  bool trailing_slash() const { return trailing_slash_; }

 private:
  // buf_ := target + "/" + buf_[rest..]; the walk restarts at 0 from the
  // link's directory (cur_) or the root.
  int expand_link(dentry* link, size_t rest) {
    if (++links_ > MAXSYMLINKS) return -ELOOP;
    if (!link->d_inode->i_op || !link->d_inode->i_op->get_link) return -EINVAL;
    const long t = link->d_inode->i_op->get_link(link, link_, PATH_MAX);
    if (t < 0) return static_cast<int>(t);
    if (t == 0) return -ENOENT;
    const size_t rlen = len_ - rest;
    const size_t tlen = static_cast<size_t>(t);
    if (tlen + 1 + rlen >= PATH_MAX) return -ENAMETOOLONG;
    memmove(buf_ + tlen + 1, buf_ + rest, rlen);
    memcpy(buf_, link_, tlen);
    buf_[tlen] = '/';
    len_ = tlen + 1 + rlen;
    // A target "x" with no rest must not gain a trailing slash: "x/" would
    // demand a directory. Drop the separator when nothing follows it.
    if (rlen == 0) len_ = tlen;
    buf_[len_] = 0;
    if (link_[0] == '/') {
      dput(cur_);
      cur_ = dget(r_.root);
    }
    return 0;
  }

  const lookup_root& r_;
  dentry* cur_ = nullptr;
  char* buf_ = nullptr;
  char* link_ = nullptr;
  size_t len_ = 0;
  unsigned links_ = 0;
  char last_[NAME_MAX + 1] = {};
  size_t last_len_ = 0;
  bool trailing_slash_ = false;
};

}  // namespace

Result<dentry*> lookup_one_locked(dentry* dir, const char* name, size_t len) {
  dentry* d = d_lookup_locked(dir, name, len);
  if (!d) {
    if (!dir->d_inode->i_op || !dir->d_inode->i_op->lookup) return Error{-ENOENT, "no such entry"};
    auto res = dir->d_inode->i_op->lookup(dir, name, len);
    if (!res) return res.error();
    d = res.value();
  }
  return cross_mounts(d);
}

Result<dentry*> path_lookupat(const lookup_root& r, dentry* start, const char* name, unsigned flags) {
  Walker w{r};
  if (int err = w.walk(start, name, flags, false)) return Error{err, "path lookup"};
  return w.take();
}

Result<nameidata_parent> path_parentat(const lookup_root& r, dentry* start, const char* name) {
  Walker w{r};
  if (int err = w.walk(start, name, 0, true)) return Error{err, "path lookup"};
  nameidata_parent nd;
  nd.parent = w.take();
  nd.last_len = w.last_len();
  nd.trailing_slash = w.trailing_slash();
  memcpy(nd.last, w.last(), w.last_len() + 1);
  return nd;
}

int inode_permission(const cred* c, const inode* ino, int mask) {
  const unsigned mode = ino->i_mode;
  const unsigned want = static_cast<unsigned>(mask) & (MAY_READ | MAY_WRITE | MAY_EXEC);
  // Exactly one class applies: owner, else group member, else others (an
  // owner denied by its own bits is denied even if others may).
  unsigned bits = mode;
  if (ino->i_uid == c->fsuid)
    bits = mode >> 6;
  else if (cred_in_group(c, ino->i_gid))
    bits = mode >> 3;
  if (!(want & ~bits & 7)) return 0;
  if (!cred_capable_fs(c)) return -EACCES;
  // CAP_DAC_OVERRIDE: any directory, any read or write; an execution
  // only of something some x bit allows.
  if (S_ISDIR(mode) || !(want & MAY_EXEC) || (mode & 0111)) return 0;
  return -EACCES;
}

bool check_sticky(const cred* c, const inode* dir, const inode* victim) {
  if (!(dir->i_mode & S_ISVTX)) return false;
  return victim->i_uid != c->fsuid && dir->i_uid != c->fsuid && !cred_capable_fs(c);
}

void inode_init_owner(inode* ino, const inode* dir) {
  const cred* c = current_fs_cred();
  ino->i_uid = c->fsuid;
  if (dir && (dir->i_mode & S_ISGID)) {
    ino->i_gid = dir->i_gid;
    if (S_ISDIR(ino->i_mode))
      ino->i_mode |= S_ISGID;
    else if ((ino->i_mode & (S_ISGID | 0010 /* S_IXGRP */)) == (S_ISGID | 0010) && !cred_in_group(c, dir->i_gid) &&
             !cred_capable_fs(c))
      ino->i_mode &= static_cast<umode_t>(~S_ISGID);  // CAP_FSETID keeps it
  } else {
    ino->i_gid = c->fsgid;
  }
}

Result<char*> d_path(const lookup_root& r, dentry* d, char* buf, size_t size) {
  if (size == 0) return Error{-ENAMETOOLONG, "d_path: no room"};
  char* p = buf + size - 1;
  *p = 0;
  auto prepend = [&](const char* s, size_t n) -> bool {
    if (static_cast<size_t>(p - buf) < n) return false;
    p -= n;
    memcpy(p, s, n);
    return true;
  };
  VfsMutexGuard g{dcache_lock};
  if (d->d_parent == d && d != d->d_sb->s_root) {  // an anonymous object: its name alone
    if (!prepend(d->d_name, d->d_len)) return Error{-ENAMETOOLONG, "d_path: too long"};
    return p;
  }
  const bool deleted = !(d->d_flags & DCACHE_LINKED) && d != d->d_sb->s_root;
  if (deleted && !prepend(" (deleted)", 10)) return Error{-ENAMETOOLONG, "d_path: too long"};
  bool any = false;
  while (d != r.root) {
    if (d == d->d_sb->s_root) {
      if (!d->d_sb->s_mountpoint) break;  // outside the caller's root: path from the global root
      d = d->d_sb->s_mountpoint;
      continue;
    }
    if (!prepend(d->d_name, d->d_len) || !prepend("/", 1)) return Error{-ENAMETOOLONG, "d_path: too long"};
    any = true;
    d = d->d_parent;
  }
  if (!any && !prepend("/", 1)) return Error{-ENAMETOOLONG, "d_path: too long"};
  return p;
}
