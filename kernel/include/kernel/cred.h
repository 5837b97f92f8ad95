/*
 * Credentials (Linux's struct cred, kernel/cred.c and the id rules of
 * kernel/sys.c and kernel/groups.c).
 *
 *   cred          the ids a task acts with: real (uid/gid: who it is),
 *                 effective (euid/egid: what it may do), saved
 *                 (suid/sgid: what it may switch back to), file system
 *                 (fsuid/fsgid: whom file access checks see; they follow
 *                 euid/egid unless setfsuid/setfsgid moved them), and the
 *                 supplementary groups
 *   group_info    the supplementary groups, sorted, refcounted, shared by
 *                 every cred copied from one that had them
 *
 * A cred is never changed once a task uses it: a change makes a copy
 * (prepare_creds), edits it and installs it (commit_creds), as Linux.
 * So a reader needs no lock on the fields: the calling task reads its own
 * (current_cred()); another task's is read under rcu_read_lock() (or
 * tasklist_lock, which keeps the task), and the old cred replaced by a
 * commit is freed after an RCU grace period.
 *
 * Privilege: there are no capability sets. A task has CAP_SETUID,
 * CAP_SETGID and CAP_KILL when its euid is 0, and the file-system
 * capabilities (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER) when
 * its fsuid is 0: what Linux's capability rules give a task that never
 * used capset or prctl(PR_SET_KEEPCAPS) (root's effective set follows
 * euid, its file-system subset follows fsuid, and neither can come back
 * once no id is 0).
 *
 * The rule functions (cred_setuid, ...) are pure: they take the old cred
 * and a copy of it to edit, and return 0 or the errno Linux's system call
 * gives. kernel/sys_cred.cc wraps them as the system calls; the host
 * tests run them against a table of Linux's answers.
 */
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>

#include <kernel/rcupdate.h>

using kuid_t = uint32_t;
using kgid_t = uint32_t;

// (uid_t)-1: "leave this id alone" in the set*id calls, and never a valid id.
constexpr kuid_t INVALID_UID = ~kuid_t{0};
constexpr kgid_t INVALID_GID = ~kgid_t{0};
constexpr kuid_t GLOBAL_ROOT_UID = 0;
constexpr kgid_t GLOBAL_ROOT_GID = 0;
// Linux's NGROUPS_MAX (the C library's <limits.h> has a macro of that name).
constexpr int CRED_NGROUPS_MAX = 65536;

struct group_info {
  std::atomic<int> usage{1};
  unsigned ngroups = 0;
  kgid_t* gid = nullptr;  // ngroups entries, sorted; stored right after the struct
};

struct cred {
  std::atomic<long> usage{1};
  kuid_t uid = 0, suid = 0, euid = 0, fsuid = 0;
  kgid_t gid = 0, sgid = 0, egid = 0, fsgid = 0;
  group_info* groups = nullptr;  // never null (init_groups: none)
  rcu_head rcu{};
};

// Root with no supplementary groups: kernel threads, init before exec.
extern group_info init_groups;
extern cred init_cred;

// ---- lifetime (kernel/cred.cc) ---------------------------------------------
inline const cred* get_cred(const cred* c) {
  const_cast<cred*>(c)->usage.fetch_add(1, std::memory_order_relaxed);
  return c;
}
// Drops a reference; the last one frees the cred after an RCU grace period.
void put_cred(const cred* c);
// to's ids (not its groups or count) become from's.
void cred_copy_ids(cred* to, const cred* from);
// A private copy of old (one reference, the caller's), or null.
cred* cred_dup(const cred* old);
// Frees a copy that was never installed (Linux's abort_creds).
inline void abort_creds(cred* c) { put_cred(c); }

inline group_info* get_group_info(group_info* g) {
  g->usage.fetch_add(1, std::memory_order_relaxed);
  return g;
}
void put_group_info(group_info* g);
// Room for n groups (unsorted, ngroups = n), or null.
group_info* groups_alloc(unsigned n);
void groups_sort(group_info* g);
bool groups_search(const group_info* g, kgid_t gid);
// c's groups become g (the caller's reference moves to c).
void set_groups(cred* c, group_info* g);

// ---- privilege and membership -------------------------------------------------
inline bool cred_capable_setid(const cred* c) { return c->euid == GLOBAL_ROOT_UID; }
// CAP_SYS_TIME (and the other capabilities outside the file-system set):
// what a process with euid 0 has without capset.
inline bool cred_capable_sys(const cred* c) { return c->euid == GLOBAL_ROOT_UID; }
inline bool cred_capable_fs(const cred* c) { return c->fsuid == GLOBAL_ROOT_UID; }
// gid is c's file-system group or one of its supplementary groups.
bool cred_in_group(const cred* c, kgid_t gid);

// ---- the rules of the set*id calls ------------------------------------------------
// Each edits nw (a copy of old) as the system call of that name would,
// and returns 0, -EPERM or -EINVAL. Arguments are the user's values:
// INVALID_UID (-1) leaves an id alone where the call allows it.
int cred_setuid(cred* nw, const cred* old, kuid_t uid);
int cred_setreuid(cred* nw, const cred* old, kuid_t ruid, kuid_t euid);
int cred_setresuid(cred* nw, const cred* old, kuid_t ruid, kuid_t euid, kuid_t suid);
int cred_setgid(cred* nw, const cred* old, kgid_t gid);
int cred_setregid(cred* nw, const cred* old, kgid_t rgid, kgid_t egid);
int cred_setresgid(cred* nw, const cred* old, kgid_t rgid, kgid_t egid, kgid_t sgid);
// setfsuid/setfsgid never fail: they return whether nw differs (the call
// itself returns the old fsuid/fsgid either way).
bool cred_setfsuid(cred* nw, const cred* old, kuid_t uid);
bool cred_setfsgid(cred* nw, const cred* old, kgid_t gid);
// execve of a file with mode/uid/gid: set-user-ID and set-group-ID bits
// (the latter only with group execute, as Linux: without it S_ISGID means
// mandatory locking), then saved and fs ids follow the effective ones.
// Returns whether the new program must run in secure mode (AT_SECURE):
// its effective ids differ from its real ones because of this exec.
bool cred_exec(cred* nw, unsigned mode, kuid_t file_uid, kgid_t file_gid);

// ---- the calling task (kernel only) ------------------------------------------------
#ifndef HOST_TEST
// The calling task's credentials (no reference taken: they live while it does).
const cred* current_cred();
// A copy of the caller's credentials to edit, or null (out of memory).
cred* prepare_creds();
// Installs nw as the caller's credentials (takes over the reference); the
// old ones go after a grace period.
void commit_creds(cred* nw);
struct task_struct;
// A snapshot of another task's ids (under rcu_read_lock inside).
struct cred_ids {
  kuid_t uid, euid, suid, fsuid;
  kgid_t gid, egid, sgid, fsgid;
};
cred_ids task_cred_ids(task_struct* t);
// The task is being freed / forked: drop, or share the parent's.
void exit_creds(task_struct* t);
void copy_creds(task_struct* p, const task_struct* parent);
#endif
