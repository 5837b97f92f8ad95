/*
 * What /proc reads about processes: a snapshot of one task taken under
 * tasklist_lock (the task cannot be reaped meanwhile), and the pids in
 * order for readdir.
 *
 * A task's mm is read and referenced (mmget) under tasklist_lock too:
 * exit_mm and exec clear or replace task->mm under that lock, so the mm
 * seen here still has its users count above zero.
 */
#include <fs/fdtable.h>
#include <kernel/process.h>
#include <kernel/signal.h>
#include <kernel/time.h>
#include <lib/string.h>
#include <mm/mmap.h>

#include "internal.h"

namespace {

char state_char(const task_struct* p) {
  if (p->zombie) return 'Z';
  const unsigned s = task_state(p);
  if (s & TASK_DEAD) return 'X';
  if (p->signal && (p->signal->flags & SIGNAL_STOP_STOPPED) && (s & TASK_INTERRUPTIBLE)) return 'T';
  if (s & TASK_UNINTERRUPTIBLE) return 'D';
  if (s & TASK_INTERRUPTIBLE) return 'S';
  return 'R';
}

// timebase ticks -> USER_HZ (100) clock ticks, as /proc/<pid>/stat counts.
unsigned long to_clock_ticks(uint64_t cycles) {
  const uint64_t hz = timebase_hz();
  return hz ? static_cast<unsigned long>(cycles / (hz / 100)) : 0;
}

}  // namespace

bool proc_task_info(int pid, ProcTaskInfo* out, bool want_mm, bool want_groups) {
  SpinLockIrqSaveGuard g{tasklist_lock};
  task_struct* p = find_task_by_pid(pid);
  if (!p) return false;
  // The process's ids live in its group leader (kernel/process.h).
  const task_struct* leader = p->group_leader;
  out->pid = p->pid;
  out->tgid = p->tgid ? p->tgid : p->pid;
  out->ppid = leader->parent ? leader->parent->tgid : 0;
  out->pgrp = leader->pgrp;
  out->session = leader->session;
  // The live threads, and a leader that exited first until it is reaped.
  out->nr_threads = 1;
  if (p->signal) {
    out->nr_threads = list_empty(&leader->thread_node) ? 1 : 0;
    for (const list_head* e = p->signal->thread_head.next; e != &p->signal->thread_head; e = e->next)
      out->nr_threads++;
  }
  memcpy(out->comm, p->comm, sizeof(out->comm));
  out->comm[sizeof(out->comm) - 1] = 0;
  out->state = state_char(p);
  out->start_time_ticks = to_clock_ticks(p->start_time);
  out->utime_ticks = to_clock_ticks(p->se.sum_exec_runtime);
  out->ids = task_cred_ids(p);
  // One word, read without fs->lock (tasklist_lock keeps the task's
  // fs_struct alive); a task without its own uses init_fs.
  const fs_struct* fs = p->fs ? p->fs : init_fs;
  out->umask = fs ? static_cast<int>(__atomic_load_n(&fs->umask, __ATOMIC_RELAXED)) : -1;
  out->groups = nullptr;
  if (want_groups) {
    rcu_read_lock();
    out->groups = get_group_info(__atomic_load_n(&p->cred, __ATOMIC_ACQUIRE)->groups);
    rcu_read_unlock();
  }
  out->mm = nullptr;
  if (want_mm && p->mm && !p->zombie) {
    mmget(p->mm);
    out->mm = p->mm;
  }
  return true;
}

int proc_next_pid(int after) {
  SpinLockIrqSaveGuard g{tasklist_lock};
  return next_task_pid(after);
}

int proc_self_pid() {
  task_struct* t = get_current();
  return t->tgid ? t->tgid : t->pid;
}
