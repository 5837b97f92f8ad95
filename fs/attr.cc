/*
 * Changing an inode's attributes (Linux's fs/attr.c and the chmod half of
 * fs/open.c): notify_change applies an iattr through the file system's
 * i_op->setattr, or simple_setattr for a file system that keeps its
 * attributes in the inode itself (ramfs, pipes, device nodes). fchmod,
 * fchmodat, fchown, fchownat (glibc's chown and lchown on riscv64) and
 * truncate (a size change by name) are the system calls on top.
 *
 * Locking: the change is made under the inode's i_rwsem, the lock
 * vfs_getattr reads under, so a stat sees the old mode or the new one
 * with its ctime, never half of it.
 */
#include "internal.h"

#include <kernel/syscalls.h>

namespace {

constexpr unsigned kGroupExec = 00010;  // S_IXGRP

// The mode after the ATTR_KILL_* bits of ia_valid: a chown drops the
// set-user-ID bit, and the set-group-ID bit where it means set-group-ID
// (group execute set; without it, mandatory locking).
unsigned mode_after_kills(unsigned mode, unsigned ia_valid) {
  if (ia_valid & ATTR_KILL_SUID) mode &= ~static_cast<unsigned>(S_ISUID);
  if ((ia_valid & ATTR_KILL_SGID) && (mode & (S_ISGID | kGroupExec)) == (S_ISGID | kGroupExec))
    mode &= ~static_cast<unsigned>(S_ISGID);
  return mode;
}

}  // namespace

int simple_setattr(dentry* d, const iattr* attr) {
  inode* ino = d->d_inode;
  if (attr->ia_valid & ATTR_UID) ino->i_uid = attr->ia_uid;
  if (attr->ia_valid & ATTR_GID) ino->i_gid = attr->ia_gid;
  if (attr->ia_valid & ATTR_MODE) ino->i_mode = static_cast<umode_t>(attr->ia_mode);
  if (attr->ia_valid & ATTR_CTIME) ino->i_ctime = attr->ia_ctime;
  return 0;
}

int notify_change(dentry* d, iattr* attr) {
  inode* ino = d->d_inode;
  if (attr->ia_valid & ATTR_CTIME) attr->ia_ctime = current_time();
  VfsMutexGuard g{ino->i_rwsem};
  // Only the permission bits change; the file type is the inode's.
  if (attr->ia_valid & ATTR_MODE)
    attr->ia_mode = static_cast<umode_t>((attr->ia_mode & S_IALLUGO) | (ino->i_mode & ~S_IALLUGO));
  const unsigned before = (attr->ia_valid & ATTR_MODE) ? attr->ia_mode : ino->i_mode;
  const unsigned mode = mode_after_kills(before, attr->ia_valid);
  if (mode != before) {
    attr->ia_valid |= ATTR_MODE;
    attr->ia_mode = static_cast<umode_t>(mode);
  }
  if (ino->i_op && ino->i_op->setattr) return ino->i_op->setattr(d, attr);
  return simple_setattr(d, attr);
}

namespace {

// Linux's chmod_common: the new permission bits with the ctime, by the
// owner or with CAP_FOWNER (fsuid 0), else EPERM; S_ISGID is dropped when
// the caller is not in the file's group (and has no CAP_FSETID), as
// Linux's setattr_prepare does.
int chmod_common(dentry* d, unsigned mode) {
  const cred* c = current_cred();
  const inode* ino = d->d_inode;
  if (c->fsuid != ino->i_uid && !cred_capable_fs(c)) return -EPERM;
  if (!cred_in_group(c, ino->i_gid) && !cred_capable_fs(c)) mode &= ~static_cast<unsigned>(S_ISGID);
  iattr attr{};
  attr.ia_valid = ATTR_MODE | ATTR_CTIME;
  attr.ia_mode = static_cast<umode_t>(mode & S_IALLUGO);
  return notify_change(d, &attr);
}

// Linux's chown_common with setattr_prepare's rules: a new owner only with
// CAP_CHOWN (fsuid 0 here), or the owner "changing" it to itself; a new
// group with CAP_CHOWN, or by the owner to its own group or one of its
// supplementary groups. -1 leaves either as it is.
int chown_common(dentry* d, unsigned user, unsigned group) {
  const cred* c = current_cred();
  const inode* ino = d->d_inode;
  iattr attr{};
  attr.ia_valid = ATTR_CTIME;
  const bool privileged = cred_capable_fs(c);
  if (user != ~0u) {
    if (!privileged && !(c->fsuid == ino->i_uid && user == ino->i_uid)) return -EPERM;
    attr.ia_valid |= ATTR_UID;
    attr.ia_uid = user;
  }
  if (group != ~0u) {
    if (!privileged && !(c->fsuid == ino->i_uid && (group == ino->i_gid || cred_in_group(c, group)))) return -EPERM;
    attr.ia_valid |= ATTR_GID;
    attr.ia_gid = group;
  }
  if (!S_ISDIR(ino->i_mode)) {
    attr.ia_valid |= ATTR_KILL_SUID | ATTR_KILL_SGID;
    // Dropping a set-id bit is a mode change, which only the owner (or
    // CAP_FOWNER) may make: even chown(-1, -1) is EPERM then.
    const bool drops = mode_after_kills(ino->i_mode, attr.ia_valid) != ino->i_mode;
    if (drops && !privileged && c->fsuid != ino->i_uid) return -EPERM;
  }
  return notify_change(d, &attr);
}

}  // namespace

long sys_fchown(unsigned int fd, unsigned user, unsigned group) {
  FdRef f(fd);
  if (!f || (f->f_mode & FMODE_PATH)) return -EBADF;
  return chown_common(f->f_dentry, user, group);
}

long sys_fchownat(int dfd, uintptr_t filename, unsigned user, unsigned group, int flag) {
  if (flag & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  UserPath name(filename, flag & AT_EMPTY_PATH);
  if (name.err()) return name.err();
  AtStart at(dfd, name.get());
  if (at.err()) return at.err();
  if (name.empty()) return chown_common(at.start(), user, group);  // the descriptor's own file
  auto d = path_lookupat(at.root(), at.start(), name.get(), (flag & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW);
  if (!d) return d.error().err;
  const int err = chown_common(d.value(), user, group);
  dput(d.value());
  return err;
}

long sys_fchmod(unsigned int fd, unsigned mode) {
  FdRef f(fd);
  if (!f || (f->f_mode & FMODE_PATH)) return -EBADF;  // fdget: an O_PATH descriptor is no file here
  return chmod_common(f->f_dentry, mode);
}

long sys_fchmodat(int dfd, uintptr_t filename, unsigned mode) {
  // The system call has no flags: a symlink is always followed.
  auto d = user_path_at(dfd, filename, LOOKUP_FOLLOW);
  if (!d) return d.error().err;
  const int err = chmod_common(d.value(), mode);
  dput(d.value());
  return err;
}

// Linux's do_sys_truncate / vfs_truncate: a regular file the caller may
// write, by name (the file system's setsize unmaps what lies past the new
// end from every mapping).
long sys_truncate(uintptr_t path, loff_t length) {
  if (length < 0) return -EINVAL;
  auto d = user_path_at(AT_FDCWD, path, LOOKUP_FOLLOW);
  if (!d) return d.error().err;
  inode* ino = d.value()->d_inode;
  int err;
  if (S_ISDIR(ino->i_mode))
    err = -EISDIR;
  else if (!S_ISREG(ino->i_mode))
    err = -EINVAL;
  else
    err = inode_permission(current_cred(), ino, MAY_WRITE);
  if (!err) {
    VfsMutexGuard g{ino->i_rwsem};
    err = vfs_truncate_locked(ino, length);
  }
  dput(d.value());
  return err;
}
