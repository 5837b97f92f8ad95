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

namespace {

// One family of ids (the uids or the gids) of a cred: the rules are the
// same for both, with CAP_SETUID or CAP_SETGID (both euid 0 here).
struct IdFamily {
  uint32_t cred::*real;
  uint32_t cred::*eff;
  uint32_t cred::*saved;
  uint32_t cred::*fs;
};
constexpr IdFamily kUids{&cred::uid, &cred::euid, &cred::suid, &cred::fsuid};
constexpr IdFamily kGids{&cred::gid, &cred::egid, &cred::sgid, &cred::fsgid};

int set_id(const IdFamily& f, cred* nw, const cred* old, uint32_t id) {
  if (!id_valid(id)) return -EINVAL;
  if (cred_capable_setid(old)) {
    nw->*f.real = nw->*f.saved = id;  // privileged: all of them
  } else if (id != old->*f.real && id != old->*f.saved) {
    return -EPERM;
  }
  nw->*f.eff = nw->*f.fs = id;
  return 0;
}

int set_re_id(const IdFamily& f, cred* nw, const cred* old, uint32_t real, uint32_t eff) {
  const bool cap = cred_capable_setid(old);
  if (real != INVALID_UID) {
    if (real != old->*f.real && real != old->*f.eff && !cap) return -EPERM;
    nw->*f.real = real;
  }
  if (eff != INVALID_UID) {
    if (eff != old->*f.real && eff != old->*f.eff && eff != old->*f.saved && !cap) return -EPERM;
    nw->*f.eff = eff;
  }
  // The saved id follows the effective one when the real id is set or the
  // effective one moves away from the old real id.
  if (real != INVALID_UID || (eff != INVALID_UID && eff != old->*f.real)) nw->*f.saved = nw->*f.eff;
  nw->*f.fs = nw->*f.eff;
  return 0;
}

int set_res_id(const IdFamily& f, cred* nw, const cred* old, uint32_t real, uint32_t eff, uint32_t saved) {
  auto is_new = [&](uint32_t id) {
    return id != INVALID_UID && id != old->*f.real && id != old->*f.eff && id != old->*f.saved;
  };
  if ((is_new(real) || is_new(eff) || is_new(saved)) && !cred_capable_setid(old)) return -EPERM;
  if (real != INVALID_UID) nw->*f.real = real;
  if (eff != INVALID_UID) nw->*f.eff = eff;
  if (saved != INVALID_UID) nw->*f.saved = saved;
  nw->*f.fs = nw->*f.eff;
  return 0;
}

bool set_fs_id(const IdFamily& f, cred* nw, const cred* old, uint32_t id) {
  if (!id_valid(id) || id == old->*f.fs) return false;
  if (id != old->*f.real && id != old->*f.eff && id != old->*f.saved && !cred_capable_setid(old)) return false;
  nw->*f.fs = id;
  return true;
}

}  // namespace

int cred_setuid(cred* nw, const cred* old, kuid_t uid) { return set_id(kUids, nw, old, uid); }
int cred_setgid(cred* nw, const cred* old, kgid_t gid) { return set_id(kGids, nw, old, gid); }
int cred_setreuid(cred* nw, const cred* old, kuid_t ruid, kuid_t euid) { return set_re_id(kUids, nw, old, ruid, euid); }
int cred_setregid(cred* nw, const cred* old, kgid_t rgid, kgid_t egid) { return set_re_id(kGids, nw, old, rgid, egid); }
int cred_setresuid(cred* nw, const cred* old, kuid_t ruid, kuid_t euid, kuid_t suid) {
  return set_res_id(kUids, nw, old, ruid, euid, suid);
}
int cred_setresgid(cred* nw, const cred* old, kgid_t rgid, kgid_t egid, kgid_t sgid) {
  return set_res_id(kGids, nw, old, rgid, egid, sgid);
}
bool cred_setfsuid(cred* nw, const cred* old, kuid_t uid) { return set_fs_id(kUids, nw, old, uid); }
bool cred_setfsgid(cred* nw, const cred* old, kgid_t gid) { return set_fs_id(kGids, nw, old, gid); }

bool cred_exec(cred* nw, unsigned mode, kuid_t file_uid, kgid_t file_gid) {
  constexpr unsigned S_ISUID_ = 04000, S_ISGID_ = 02000, S_IXGRP_ = 00010;
  if (mode & S_ISUID_) nw->euid = file_uid;
  if ((mode & (S_ISGID_ | S_IXGRP_)) == (S_ISGID_ | S_IXGRP_)) nw->egid = file_gid;
  nw->suid = nw->fsuid = nw->euid;
  nw->sgid = nw->fsgid = nw->egid;
  // commoncap's "privilege-elevated exec": effective ids not the real ones.
  return nw->euid != nw->uid || nw->egid != nw->gid;
}
