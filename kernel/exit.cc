/*
 * Process exit and wait4 (Linux's kernel/exit.c).
 *
 * do_exit(code), in the dying task (one thread; do_group_exit first makes
 * every other thread of the group exit too, with the group's status):
 *   1. exit_mm: clear_child_tid gets 0 and one futex waiter of it is woken
 *      (pthread_join), a vfork parent is released, the task leaves its
 *      address space (the last user frees it);
 *   2. exit_notify, under tasklist_lock: it leaves its thread group. A
 *      thread that is not the leader is freed by the reaper thread; a
 *      leader becomes a zombie with its wait status in exit_code. When the
 *      group is dead (this was its last thread), the leader's children
 *      move to init (woken if one of them is a zombie already) and its
 *      parent is told; if the group is init's, the machine powers off
 *      instead, with init's status as the exit code (128 + signal when
 *      killed), as DESIGN.md's exit contract;
 *   4. TASK_DEAD and its last schedule(). The task_struct and stack stay
 *      until the parent reaps it in wait4, which also waits for that last
 *      switch to be over (task_reap) before freeing them and the pid.
 *
 * wait4 sleeps on one global queue, child_exit_wait, that every exit,
 * stop and continue wakes: simpler than a queue per process and correct,
 * since each waiter re-checks its own children under tasklist_lock. It
 * also reports stops (WUNTRACED) and continues (WCONTINUED), once each.
 * A child whose parent ignores SIGCHLD (or set SA_NOCLDWAIT) is not left
 * a zombie: it leaves the tree at exit and the reaper thread frees it.
 */
#include <kernel/process.h>

#include <asm/active_mm.h>
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <fs/fdtable.h>
#include <kernel/errno.h>
#include <kernel/futex.h>
#include <kernel/kthread.h>
#include <kernel/panic.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/wait.h>
#include <lib/container_of.h>
#include <lib/string.h>
#include <mm/mmap.h>

namespace {

wait_queue_head child_exit_wait;

constexpr int SIGCHLD_NR = 17;

// Does child p match wait4's pid and options (Linux's eligible_child)?
// pid > 0 that child, -1 any, 0 one in the caller's process group, < -1
// one in group -pid. A child whose exit signal is not SIGCHLD is a
// "clone" child: only __WCLONE or __WALL wait for it (and __WCLONE only
// for those).
bool eligible(const task_struct* p, int pid, int options) {
  if (pid > 0 && p->pid != pid) return false;
  if (pid == 0 && p->pgrp != get_current()->group_leader->pgrp) return false;
  if (pid < -1 && p->pgrp != -pid) return false;
  if (options & __WALL) return true;
  return ((p->exit_signal != SIGCHLD_NR) != 0) == ((options & __WCLONE) != 0);
}

// Children move to init (woken with every other waiter by do_exit, so
// zombies among them are reaped).
void forget_original_parent(task_struct* tsk) {
  task_struct* reaper = child_reaper();
  while (!list_empty(&tsk->children)) {
    task_struct* c = container_of(tsk->children.next, &task_struct::sibling);
    list_del_init(&c->sibling);
    c->parent = reaper;
    list_add_tail(&c->sibling, &reaper->children);
    if (!c->zombie) kill_orphaned_pgrp(c, tsk);
  }
}

// Children nobody waits for (the parent ignores SIGCHLD or set
// SA_NOCLDWAIT) leave the tree at exit; this thread frees each once it is
// off its CPU (task_reap), which the dying task cannot do itself.
SpinLock reap_lock;
list_head reap_list;  // through task->sibling
wait_queue_head reap_wait;

int reaper_thread(void*) {
  for (;;) {
    task_struct* p = nullptr;
    wait_event(reap_wait, [&p] {
      SpinLockIrqSaveGuard g{reap_lock};
      if (list_empty(&reap_list)) return false;
      p = container_of(reap_list.next, &task_struct::sibling);
      list_del_init(&p->sibling);
      return true;
    });
    task_reap(p);
  }
}

void queue_reap(task_struct* p) {
  {
    SpinLockIrqSaveGuard g{reap_lock};
    list_add_tail(&p->sibling, &reap_list);
  }
  wake_up_all(&reap_wait);
}

// The wait status of a dead group: the group's when it ended as a whole
// (exit_group, a fatal signal), else its leader's own.
int group_status(const task_struct* leader) {
  const signal_struct* s = leader->signal;
  return s && (s->flags & SIGNAL_GROUP_EXIT) ? s->group_exit_code : leader->exit_code;
}

// tsk leaves its thread group and becomes a zombie. A thread that is not
// the leader is freed at once (by the reaper thread); the leader stays a
// zombie for its parent, which learns of it (SIGCHLD, wait4) only once the
// whole group is dead: the last thread to exit tells it. True when that
// group is init's: nothing is done then, the machine powers off with
// *init_status.
bool exit_notify(task_struct* tsk, int status, int* init_status) {
  task_struct* leader = tsk->group_leader;
  task_struct* reap[2];
  int nreap = 0;
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    bool group_dead;
    {
      TaskSighandLock l{tsk};
      list_del_init(&tsk->thread_node);
      group_dead = list_empty(&tsk->signal->thread_head);
    }
    tsk->exit_code = status;
    if (group_dead && leader == child_reaper()) {
      *init_status = group_status(leader);
      return true;
    }
    tsk->zombie = true;
    if (tsk != leader) {  // a thread: nobody waits for it
      detach_pid(tsk);
      reap[nreap++] = tsk;
    }
    if (group_dead) {
      forget_original_parent(leader);
      kill_orphaned_pgrp(leader, nullptr);
      leader->exit_code = group_status(leader);
      const bool autoreap = leader->exit_signal > 0 ? do_notify_parent(leader, leader->exit_signal) : false;
      if (autoreap && leader->parent) {
        list_del_init(&leader->sibling);  // never a zombie for its parent
        detach_pid(leader);
        reap[nreap++] = leader;
      }
    }
  }
  for (int i = 0; i < nreap; i++) queue_reap(reap[i]);
  return false;
}

// A stopped child not yet reported (WUNTRACED), or a continued one
// (WCONTINUED): its wait status, 0 if neither. Reporting consumes it.
int take_stop_report(task_struct* c, int options) {
  TaskSighandLock l{c};
  if (!l.sighand()) return 0;
  signal_struct* s = c->signal;
  if ((options & WUNTRACED) && (s->flags & SIGNAL_STOP_STOPPED) && s->stop_code) {
    const int st = (s->stop_code << 8) | 0x7f;
    s->stop_code = 0;
    return st;
  }
  if ((options & WCONTINUED) && (s->flags & SIGNAL_STOP_CONTINUED)) {
    s->flags &= ~SIGNAL_STOP_CONTINUED;
    return 0xffff;
  }
  return 0;
}

}  // namespace

void mm_release(task_struct* tsk) {
  if (tsk->clear_child_tid) {
    // Only someone sharing the mm can see the store (Linux's condition
    // too); that is how pthread_join learns a thread is gone: the 0, then
    // one waiter of the word woken.
    if (tsk->mm && tsk->mm->mm_users.load(std::memory_order_relaxed) > 1) {
      const uint32_t zero = 0;
      if (!copy_to_user(tsk->clear_child_tid, &zero, sizeof(zero)))  // a bad pointer is the process's problem
        futex_wake(tsk->clear_child_tid, 1, FUTEX_BITSET_MATCH_ANY);
    }
    tsk->clear_child_tid = 0;
  }
  if (tsk->vfork_done) {
    complete_vfork_done(tsk->vfork_done);
    tsk->vfork_done = nullptr;
  }
}

void exit_mm(task_struct* tsk) {
  mm_struct* mm = tsk->mm;
  if (!mm) return;
  mm_release(tsk);
  {
    // The task's mm and the CPU's change together; under tasklist_lock so
    // that /proc, which takes a reference on another task's mm under that
    // lock (fs/proc/task.cc), never sees an mm whose last user is gone.
    SpinLockIrqSaveGuard g{tasklist_lock};
    tsk->mm = nullptr;
    switch_mm_irqs_off(nullptr);
  }
  mmput(mm);
}

void do_exit(long code) {
  task_struct* tsk = get_current();
  const int status = static_cast<int>(code);
  exit_signals(tsk);  // no more signals; pending ones dropped
  exit_mm(tsk);
  exit_files_and_fs(tsk);
  int init_status;
  if (exit_notify(tsk, status, &init_status)) {
    pr_info("init exited: status %#x, powering off\n", init_status);
    machine_exit(status_to_shell(init_status));
  }
  wake_up_parent();
  set_current_state(TASK_DEAD);
  schedule();
  panic("do_exit: %s (pid %d) ran after its last switch", tsk->comm, tsk->pid);
}

void do_group_exit(int exit_code) {
  task_struct* tsk = get_current();
  {
    TaskSighandLock l{tsk};
    signal_struct* s = tsk->signal;
    if (!l.sighand()) {
    } else if (s->flags & SIGNAL_GROUP_EXIT) {
      exit_code = s->group_exit_code;  // another thread ended the group first
    } else if (s->group_exec_task && s->group_exec_task != tsk) {
      exit_code = 0;  // another thread is in execve (de_thread): leave quietly
    } else {
      s->flags |= SIGNAL_GROUP_EXIT;
      s->group_exit_code = exit_code;
      zap_other_threads(tsk);
    }
  }
  do_exit(exit_code);
}

void de_thread(task_struct* tsk) {
  signal_struct* s = tsk->signal;
  task_struct* leader = tsk->group_leader;
  {
    TaskSighandLock l{tsk};
    if (!l.sighand() || (s->flags & SIGNAL_GROUP_EXIT)) return;  // dying anyway, on the way out
    if (leader == tsk && list_is_only(&s->thread_head, &tsk->thread_node))
      return;  // alone
    s->group_exec_task = tsk;
    zap_other_threads(tsk);
  }
  // Every exit wakes child_exit_wait (do_exit's wake_up_parent).
  wait_event(child_exit_wait, [&] {
    SpinLockIrqSaveGuard g{tasklist_lock};
    return list_is_only(&s->thread_head, &tsk->thread_node) &&
           (leader == tsk || leader->zombie);
  });
  if (leader != tsk) {
    // Take the leader's identity: its pid (the tgid), its place under its
    // parent, its children; the old leader, a zombie nobody will wait
    // for, is freed with the pid this thread had.
    SpinLockIrqSaveGuard g{tasklist_lock};
    detach_pid(tsk);
    detach_pid(leader);
    const int old_tid = tsk->pid;
    tsk->pid = leader->pid;
    leader->pid = old_tid;
    attach_pid(tsk);
    tsk->parent = leader->parent;
    list_add(&tsk->sibling, &leader->sibling);
    list_del_init(&leader->sibling);
    while (!list_empty(&leader->children)) {
      task_struct* c = container_of(leader->children.next, &task_struct::sibling);
      list_del_init(&c->sibling);
      c->parent = tsk;
      list_add_tail(&c->sibling, &tsk->children);
    }
    tsk->exit_signal = leader->exit_signal;
    leader->exit_signal = -1;
    tsk->session_leader = leader->session_leader;
    tsk->start_time = leader->start_time;
    tsk->group_leader = tsk;
    leader->group_leader = leader;
    if (leader == child_reaper()) set_child_reaper(tsk);
  }
  if (leader != tsk) queue_reap(leader);
  TaskSighandLock l{tsk};
  s->group_exec_task = nullptr;
}

void wake_up_parent() { wake_up_all(&child_exit_wait); }

void reaper_init() {
  INIT_LIST_HEAD(&reap_list);
  if (!kthread_run(reaper_thread, nullptr, "kreaper")) panic("exit: cannot start the reaper thread");
}

long sys_exit(int error_code) { do_exit(exit_status_exited(error_code)); }

long sys_exit_group(int error_code) { do_group_exit(exit_status_exited(error_code)); }

long kernel_wait4(int pid, int* status, int options) {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  if (pid == INT32_MIN) return -ESRCH;  // -INT_MIN overflows (Linux)
  task_struct* self = get_current();
  task_struct* found = nullptr;
  wait_queue_entry w;
  long ret;
  for (;;) {
    prepare_to_wait(&child_exit_wait, &w, TASK_INTERRUPTIBLE);
    bool any = false;
    int reported = 0, report = 0;
    {
      // Children of every thread hang off the group's leader (kernel_clone).
      SpinLockIrqSaveGuard g{tasklist_lock};
      list_head* children = &self->group_leader->children;
      for (list_head* e = children->next; e != children; e = e->next) {
        task_struct* c = container_of(e, &task_struct::sibling);
        if (!eligible(c, pid, options)) continue;
        any = true;
        // A leader whose other threads still run is not dead yet.
        if (c->zombie && (!c->signal || list_empty(&c->signal->thread_head))) {
          found = c;
          list_del_init(&c->sibling);
          detach_pid(c);
          break;
        }
        if ((options & (WUNTRACED | WCONTINUED)) && (report = take_stop_report(c, options)) != 0) {
          reported = c->pid;
          break;
        }
      }
    }
    if (found) {
      ret = found->pid;
      break;
    }
    if (reported) {
      if (status) *status = report;
      ret = reported;
      break;
    }
    if (!any) {
      ret = -ECHILD;
      break;
    }
    if (options & WNOHANG) {
      ret = 0;
      break;
    }
    if (signal_pending(self)) {
      ret = -ERESTARTSYS;
      break;
    }
    schedule();
  }
  finish_wait(&child_exit_wait, &w);
  if (found) {
    if (status) *status = found->exit_code;
    task_reap(found);
  }
  return ret;
}

long sys_wait4(int upid, uintptr_t ustat_addr, int options, uintptr_t uru) {
  int status = 0;
  const long ret = kernel_wait4(upid, &status, options);
  if (ret > 0) {
    // Linux copies after reaping too: a bad pointer loses the status, not the child.
    if (ustat_addr && copy_to_user(ustat_addr, &status, sizeof(status))) return -EFAULT;
    if (uru) {
      static constexpr uint8_t zero_rusage[144] = {};  // struct rusage: no accounting yet
      if (copy_to_user(uru, zero_rusage, sizeof(zero_rusage))) return -EFAULT;
    }
  }
  return ret;
}
