/*
 * Credentials: their lifetime, the supplementary groups, and Linux's rules
 * for changing ids (kernel/sys.c __sys_setuid & co, kernel/groups.c,
 * security/commoncap.c's exec and setuid fix-ups), as pure functions of
 * the old cred. The structures and the sharing rules are described in
 * kernel/cred.h; the system calls that install the results are in
 * kernel/sys_cred.cc. This file also builds for the host tests.
 */
#include <kernel/cred.h>

#include <new>

#include <kernel/errno.h>
#include <lib/container_of.h>
#include <mm/slab.h>

group_info init_groups;
cred init_cred{.groups = &init_groups};

namespace {

// Linux's uid_valid(): every id but -1 exists in the initial namespace.
constexpr bool id_valid(uint32_t id) { return id != INVALID_UID; }

void cred_free_rcu(rcu_head* head) {
  cred* c = container_of(head, &cred::rcu);
  put_group_info(c->groups);
  c->~cred();
  kfree(c);
}

}  // namespace

void put_cred(const cred* c) {
  cred* m = const_cast<cred*>(c);
  if (m->usage.fetch_sub(1, std::memory_order_acq_rel) == 1) call_rcu(&m->rcu, cred_free_rcu);
}

cred* cred_dup(const cred* old) {
  void* mem = kmalloc(sizeof(cred), GFP_KERNEL);
  if (!mem) return nullptr;
  cred* c = new (mem) cred;
  cred_copy_ids(c, old);
  c->groups = get_group_info(old->groups);
  return c;
}

void cred_copy_ids(cred* to, const cred* from) {
  to->uid = from->uid;
  to->euid = from->euid;
  to->suid = from->suid;
  to->fsuid = from->fsuid;
  to->gid = from->gid;
  to->egid = from->egid;
  to->sgid = from->sgid;
  to->fsgid = from->fsgid;
}

// ---- groups ---------------------------------------------------------------------

group_info* groups_alloc(unsigned n) {
  void* mem = kmalloc(sizeof(group_info) + size_t{n} * sizeof(kgid_t), GFP_KERNEL);
  if (!mem) return nullptr;
  group_info* g = new (mem) group_info;
  g->ngroups = n;
  g->gid = reinterpret_cast<kgid_t*>(g + 1);
  return g;
}

void put_group_info(group_info* g) {
  if (g->usage.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    g->~group_info();
    kfree(g);
  }
}

void groups_sort(group_info* g) {
  // Heap sort: up to NGROUPS_MAX entries, no recursion, no extra memory.
  kgid_t* a = g->gid;
  const size_t n = g->ngroups;
  auto sift = [a](size_t root, size_t end) {
    for (;;) {
      size_t child = 2 * root + 1;
      if (child >= end) return;
      if (child + 1 < end && a[child + 1] > a[child]) child++;
      if (a[root] >= a[child]) return;
      const kgid_t t = a[root];
      a[root] = a[child];
      a[child] = t;
      root = child;
    }
  };
  for (size_t i = n / 2; i-- > 0;) sift(i, n);
  for (size_t end = n; end > 1; end--) {
    const kgid_t t = a[0];
    a[0] = a[end - 1];
    a[end - 1] = t;
    sift(0, end - 1);
  }
}

bool groups_search(const group_info* g, kgid_t gid) {
  size_t lo = 0, hi = g->ngroups;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (g->gid[mid] == gid) return true;
    if (g->gid[mid] < gid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

void set_groups(cred* c, group_info* g) {
  put_group_info(c->groups);
  c->groups = g;
}

bool cred_in_group(const cred* c, kgid_t gid) { return gid == c->fsgid || groups_search(c->groups, gid); }

// ---- set*id --------------------------------------------------------------------------
//
// Linux's rules, with CAP_SETUID/CAP_SETGID = euid 0 (kernel/cred.h).
// Whenever the effective id changes, the file-system id follows it.

int cred_setuid(cred* nw, const cred* old, kuid_t uid) {
  if (!id_valid(uid)) return -EINVAL;
  if (cred_capable_setid(old)) {
    nw->uid = nw->suid = uid;  // privileged: all of them
  } else if (uid != old->uid && uid != old->suid) {
    return -EPERM;
  }
  nw->euid = nw->fsuid = uid;
  return 0;
}

int cred_setreuid(cred* nw, const cred* old, kuid_t ruid, kuid_t euid) {
  const bool cap = cred_capable_setid(old);
  if (ruid != INVALID_UID) {
    if (ruid != old->uid && ruid != old->euid && !cap) return -EPERM;
    nw->uid = ruid;
  }
  if (euid != INVALID_UID) {
    if (euid != old->uid && euid != old->euid && euid != old->suid && !cap) return -EPERM;
    nw->euid = euid;
  }
  // The saved id follows the effective one when the real id is set or the
  // effective one moves away from the old real id.
  if (ruid != INVALID_UID || (euid != INVALID_UID && euid != old->uid)) nw->suid = nw->euid;
  nw->fsuid = nw->euid;
  return 0;
}

int cred_setresuid(cred* nw, const cred* old, kuid_t ruid, kuid_t euid, kuid_t suid) {
  auto is_new = [old](kuid_t id) { return id != INVALID_UID && id != old->uid && id != old->euid && id != old->suid; };
  if ((is_new(ruid) || is_new(euid) || is_new(suid)) && !cred_capable_setid(old)) return -EPERM;
  if (ruid != INVALID_UID) nw->uid = ruid;
  if (euid != INVALID_UID) nw->euid = euid;
  if (suid != INVALID_UID) nw->suid = suid;
  nw->fsuid = nw->euid;
  return 0;
}

int cred_setgid(cred* nw, const cred* old, kgid_t gid) {
  if (!id_valid(gid)) return -EINVAL;
  if (cred_capable_setid(old)) {
    nw->gid = nw->sgid = gid;
  } else if (gid != old->gid && gid != old->sgid) {
    return -EPERM;
  }
  nw->egid = nw->fsgid = gid;
  return 0;
}

int cred_setregid(cred* nw, const cred* old, kgid_t rgid, kgid_t egid) {
  const bool cap = cred_capable_setid(old);
  if (rgid != INVALID_GID) {
    if (rgid != old->gid && rgid != old->egid && !cap) return -EPERM;
    nw->gid = rgid;
  }
  if (egid != INVALID_GID) {
    if (egid != old->gid && egid != old->egid && egid != old->sgid && !cap) return -EPERM;
    nw->egid = egid;
  }
  if (rgid != INVALID_GID || (egid != INVALID_GID && egid != old->gid)) nw->sgid = nw->egid;
  nw->fsgid = nw->egid;
  return 0;
}

int cred_setresgid(cred* nw, const cred* old, kgid_t rgid, kgid_t egid, kgid_t sgid) {
  auto is_new = [old](kgid_t id) { return id != INVALID_GID && id != old->gid && id != old->egid && id != old->sgid; };
  if ((is_new(rgid) || is_new(egid) || is_new(sgid)) && !cred_capable_setid(old)) return -EPERM;
  if (rgid != INVALID_GID) nw->gid = rgid;
  if (egid != INVALID_GID) nw->egid = egid;
  if (sgid != INVALID_GID) nw->sgid = sgid;
  nw->fsgid = nw->egid;
  return 0;
}

bool cred_setfsuid(cred* nw, const cred* old, kuid_t uid) {
  if (!id_valid(uid) || uid == old->fsuid) return false;
  if (uid != old->uid && uid != old->euid && uid != old->suid && !cred_capable_setid(old)) return false;
  nw->fsuid = uid;
  return true;
}

bool cred_setfsgid(cred* nw, const cred* old, kgid_t gid) {
  if (!id_valid(gid) || gid == old->fsgid) return false;
  if (gid != old->gid && gid != old->egid && gid != old->sgid && !cred_capable_setid(old)) return false;
  nw->fsgid = gid;
  return true;
}

bool cred_exec(cred* nw, unsigned mode, kuid_t file_uid, kgid_t file_gid) {
  constexpr unsigned S_ISUID_ = 04000, S_ISGID_ = 02000, S_IXGRP_ = 00010;
  if (mode & S_ISUID_) nw->euid = file_uid;
  if ((mode & (S_ISGID_ | S_IXGRP_)) == (S_ISGID_ | S_IXGRP_)) nw->egid = file_gid;
  nw->suid = nw->fsuid = nw->euid;
  nw->sgid = nw->fsgid = nw->egid;
  // commoncap's "privilege-elevated exec": effective ids not the real ones.
  return nw->euid != nw->uid || nw->egid != nw->gid;
}
