/*
 * The credential system calls (Linux's kernel/sys.c and kernel/groups.c):
 * the getuid family, set[re[s]]uid/gid, setfsuid/gid, getgroups and
 * setgroups, and the calling task's side of kernel/cred.h (current_cred,
 * prepare_creds, commit_creds, what fork and exit do with creds).
 *
 * Each set call copies the caller's cred, lets the pure rule of
 * kernel/cred.cc edit the copy, and installs it; the rule's errno comes
 * back unchanged. Only the task itself ever replaces its cred, so reading
 * its own needs nothing; others read under rcu_read_lock.
 */
#include <kernel/cred.h>

#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

const cred* current_cred() { return get_current()->cred; }

cred* prepare_creds() { return cred_dup(current_cred()); }

void commit_creds(cred* nw) {
  task_struct* t = get_current();
  const cred* old = t->cred;
  __atomic_store_n(&t->cred, nw, __ATOMIC_RELEASE);
  put_cred(old);
}

cred_ids task_cred_ids(task_struct* t) {
  rcu_read_lock();
  const cred* c = __atomic_load_n(&t->cred, __ATOMIC_ACQUIRE);
  const cred_ids ids{c->uid, c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid, c->fsgid};
  rcu_read_unlock();
  return ids;
}

void copy_creds(task_struct* p, const task_struct* parent) {
  const cred* old = p->cred;
  p->cred = get_cred(parent->cred);
  put_cred(old);
}

void exit_creds(task_struct* t) {
  if (t->cred) put_cred(t->cred);
  t->cred = nullptr;
}

namespace {

// Runs rule on a copy of the caller's cred and installs the result.
template <typename Rule>
long change_creds(Rule rule) {
  cred* nw = prepare_creds();
  if (!nw) return -ENOMEM;
  const int err = rule(nw, current_cred());
  if (err) {
    abort_creds(nw);
    return err;
  }
  commit_creds(nw);
  return 0;
}

long put_ids(uintptr_t u0, uintptr_t u1, uintptr_t u2, uint32_t a, uint32_t b, uint32_t c) {
  if (copy_to_user(u0, &a, 4) || copy_to_user(u1, &b, 4) || copy_to_user(u2, &c, 4)) return -EFAULT;
  return 0;
}

}  // namespace

long sys_getuid() { return current_cred()->uid; }
long sys_geteuid() { return current_cred()->euid; }
long sys_getgid() { return current_cred()->gid; }
long sys_getegid() { return current_cred()->egid; }

long sys_getresuid(uintptr_t uruid, uintptr_t ueuid, uintptr_t usuid) {
  const cred* c = current_cred();
  return put_ids(uruid, ueuid, usuid, c->uid, c->euid, c->suid);
}

long sys_getresgid(uintptr_t urgid, uintptr_t uegid, uintptr_t usgid) {
  const cred* c = current_cred();
  return put_ids(urgid, uegid, usgid, c->gid, c->egid, c->sgid);
}

long sys_setuid(uint32_t uid) {
  return change_creds([uid](cred* nw, const cred* old) { return cred_setuid(nw, old, uid); });
}

long sys_setreuid(uint32_t ruid, uint32_t euid) {
  return change_creds([=](cred* nw, const cred* old) { return cred_setreuid(nw, old, ruid, euid); });
}

long sys_setresuid(uint32_t ruid, uint32_t euid, uint32_t suid) {
  return change_creds([=](cred* nw, const cred* old) { return cred_setresuid(nw, old, ruid, euid, suid); });
}

long sys_setgid(uint32_t gid) {
  return change_creds([gid](cred* nw, const cred* old) { return cred_setgid(nw, old, gid); });
}

long sys_setregid(uint32_t rgid, uint32_t egid) {
  return change_creds([=](cred* nw, const cred* old) { return cred_setregid(nw, old, rgid, egid); });
}

long sys_setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid) {
  return change_creds([=](cred* nw, const cred* old) { return cred_setresgid(nw, old, rgid, egid, sgid); });
}

// setfsuid/setfsgid return the old id whether or not it changed (out of
// memory included: Linux gives no error either).
long sys_setfsuid(uint32_t uid) {
  const long old_fsuid = current_cred()->fsuid;
  change_creds([uid](cred* nw, const cred* old) { return cred_setfsuid(nw, old, uid) ? 0 : -EPERM; });
  return old_fsuid;
}

long sys_setfsgid(uint32_t gid) {
  const long old_fsgid = current_cred()->fsgid;
  change_creds([gid](cred* nw, const cred* old) { return cred_setfsgid(nw, old, gid) ? 0 : -EPERM; });
  return old_fsgid;
}

long sys_getgroups(int gidsetsize, uintptr_t ugrouplist) {
  if (gidsetsize < 0) return -EINVAL;
  const group_info* g = current_cred()->groups;
  const long n = g->ngroups;
  if (gidsetsize) {
    if (n > gidsetsize) return -EINVAL;
    if (copy_to_user(ugrouplist, g->gid, static_cast<size_t>(n) * sizeof(kgid_t))) return -EFAULT;
  }
  return n;
}

long sys_setgroups(int gidsetsize, uintptr_t ugrouplist) {
  if (!cred_capable_setid(current_cred())) return -EPERM;
  if (static_cast<unsigned>(gidsetsize) > CRED_NGROUPS_MAX) return -EINVAL;
  group_info* g = groups_alloc(static_cast<unsigned>(gidsetsize));
  if (!g) return -ENOMEM;
  if (copy_from_user(g->gid, ugrouplist, static_cast<size_t>(gidsetsize) * sizeof(kgid_t))) {
    put_group_info(g);
    return -EFAULT;
  }
  groups_sort(g);
  cred* nw = prepare_creds();
  if (!nw) {
    put_group_info(g);
    return -ENOMEM;
  }
  set_groups(nw, g);
  commit_creds(nw);
  return 0;
}
