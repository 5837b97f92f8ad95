/*
 * Process groups and sessions (Linux's setpgid/getpgid/setsid/getsid of
 * kernel/sys.c and the orphaned-group rules of kernel/exit.c).
 *
 * Each process carries the ids of its process group and session
 * (task->pgrp, task->session) and whether it leads its session; all
 * three change only under tasklist_lock, and a fork inherits the first
 * two. A group or session has no object of its own: its members are the
 * processes whose id matches, found by walking the process tree. Its id
 * is a pid number that stays allocated while any member uses it
 * (get_pid_nr/put_pid_nr), so it is never handed to a new process while
 * the group or session lasts, as Linux's struct pid references ensure.
 *
 * init starts in group 0 and session 0 (what Linux gives the first
 * process, which the kernel makes), like every process it forks until one
 * calls setsid or setpgid.
 *
 * A process group is orphaned when no member has a parent in another
 * group of the same session (POSIX: nobody left to continue it). When an
 * exit makes a group with a stopped member orphaned, the group gets
 * SIGHUP then SIGCONT (kill_orphaned_pgrp); job-control stops
 * (SIGTSTP/SIGTTIN/SIGTTOU) sent to an orphaned group are discarded
 * (kernel/signal.cc).
 */
#include <kernel/process.h>

#include <kernel/errno.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>

namespace {

// Any process in group pgrp (tasklist_lock held), or null.
task_struct* find_pgrp_member(int pgrp) {
  task_struct* found = nullptr;
  for_each_process([&](task_struct* p) {
    if (!found && p->pgrp == pgrp) found = p;
  });
  return found;
}

bool has_stopped_jobs(int pgrp) {
  bool stopped = false;
  for_each_process([&](task_struct* p) {
    if (p->pgrp == pgrp && p->signal && (p->signal->flags & SIGNAL_STOP_STOPPED)) stopped = true;
  });
  return stopped;
}

void change_pgrp(task_struct* p, int pgrp) {
  if (p->pgrp == pgrp) return;
  get_pid_nr(pgrp);
  put_pid_nr(p->pgrp);
  p->pgrp = pgrp;
}

// The process pid names (0: the caller's), as its group leader, which holds
// the process's group and session; null if none. tasklist_lock held.
const task_struct* process_of(int pid) {
  const task_struct* p = pid ? find_task_by_pid(pid) : get_current();
  return p ? p->group_leader : nullptr;
}

}  // namespace

void pgrp_fork(task_struct* p, const task_struct* parent) {
  p->pgrp = parent->pgrp;
  p->session = parent->session;
  p->session_leader = false;
  get_pid_nr(p->pgrp);
  get_pid_nr(p->session);
}

void pgrp_release(task_struct* p) {
  put_pid_nr(p->pgrp);
  put_pid_nr(p->session);
  p->pgrp = p->session = 0;
}

bool will_become_orphaned_pgrp(int pgrp, const task_struct* ignored) {
  bool orphaned = true;
  for_each_process([&](task_struct* p) {
    if (p->pgrp != pgrp || p == ignored || p->zombie || !p->parent || p->parent == child_reaper()) return;
    if (p->parent->pgrp != pgrp && p->parent->session == p->session) orphaned = false;
  });
  return orphaned;
}

bool is_current_pgrp_orphaned() {
  SpinLockIrqSaveGuard g{tasklist_lock};
  return will_become_orphaned_pgrp(get_current()->group_leader->pgrp, nullptr);
}

void kill_orphaned_pgrp(task_struct* tsk, task_struct* parent) {
  const task_struct* ignored = tsk;
  if (!parent)
    parent = tsk->parent;  // tsk exits: was its parent the group's last tie outside?
  else
    ignored = nullptr;  // tsk loses its parent to a reparenting
  if (!parent) return;
  const int pgrp = tsk->pgrp;
  if (parent->pgrp != pgrp && parent->session == tsk->session && will_become_orphaned_pgrp(pgrp, ignored) &&
      has_stopped_jobs(pgrp)) {
    kernel_siginfo info;
    info.si_code = SI_KERNEL;
    info.si_signo = SIGHUP;
    kill_pgrp_info(SIGHUP, &info, pgrp);
    info.si_signo = SIGCONT;
    kill_pgrp_info(SIGCONT, &info, pgrp);
  }
}

long sys_setpgid(int pid, int pgid) {
  task_struct* self = get_current()->group_leader;  // the ids are the process's, kept in its leader
  if (!pid) pid = self->tgid;
  if (!pgid) pgid = pid;
  if (pgid < 0) return -EINVAL;
  SpinLockIrqSaveGuard g{tasklist_lock};
  task_struct* p = find_task_by_pid(pid);
  if (!p) return -ESRCH;
  p = p->group_leader;
  if (p->parent == self) {
    if (p->session != self->session) return -EPERM;
    if (!(p->flags & PF_FORKNOEXEC)) return -EACCES;  // the child has exec'd
  } else if (p != self) {
    return -ESRCH;
  }
  if (p->session_leader) return -EPERM;
  if (pgid != pid) {
    // Joining a group: it must exist, in the caller's session.
    const task_struct* member = find_pgrp_member(pgid);
    if (!member || member->session != self->session) return -EPERM;
  }
  change_pgrp(p, pgid);
  return 0;
}

long sys_getpgid(int pid) {
  SpinLockIrqSaveGuard g{tasklist_lock};
  const task_struct* p = process_of(pid);
  return p ? p->pgrp : -ESRCH;
}

long sys_getsid(int pid) {
  SpinLockIrqSaveGuard g{tasklist_lock};
  const task_struct* p = process_of(pid);
  return p ? p->session : -ESRCH;
}

long sys_setsid() {
  task_struct* self = get_current()->group_leader;
  const int sid = self->tgid;
  SpinLockIrqSaveGuard g{tasklist_lock};
  // A leader already, or its pid names a process group (whose members
  // would be left in another session): EPERM.
  if (self->session_leader || find_pgrp_member(sid)) return -EPERM;
  self->session_leader = true;
  get_pid_nr(sid);
  put_pid_nr(self->session);
  self->session = sid;
  change_pgrp(self, sid);
  return sid;
}
