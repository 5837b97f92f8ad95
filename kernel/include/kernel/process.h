/*
 * User processes: pids, the process tree, fork/clone, exit and wait
 * (kernel/pid.cc, kernel/fork.cc, kernel/exit.cc).
 *
 * A process is a thread group (CLONE_THREAD): tasks sharing one
 * signal_struct, listed on signal->thread_head while alive, with tgid the
 * pid of the first, the group_leader. The tree links leaders only, as
 * Linux's: task->parent, the parent's `children` list through each
 * child's `sibling`; a child forked by any thread hangs off its group's
 * leader (so wait4 in any thread sees it), and a thread's `parent` is its
 * leader's. All of it changes only under tasklist_lock (interrupts off). A process that exits becomes a zombie (task->zombie, its wait
 * status in exit_code) until its parent collects it with wait4; then its
 * pid is freed with the task_struct. Children of an exiting process move
 * to init (pid 1), which reaps orphans.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>  // W* wait options

#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <lib/container_of.h>
#include <lib/list.h>

extern SpinLock tasklist_lock;

// ---- pids (kernel/pid.cc) ----
constexpr int PID_MAX_DEFAULT = 32768;
constexpr int RESERVED_PIDS = 300;
// A fresh pid (cyclic, as Linux), or -EAGAIN when none is left.
int alloc_pid();
void free_pid(int pid);
// The pid hash: attach when the task becomes visible, detach when reaped.
void attach_pid(task_struct* p);
void detach_pid(task_struct* p);
// The task with that pid, or null; caller holds tasklist_lock.
task_struct* find_task_by_pid(int pid);
// The smallest pid above `after` in the hash, or -1 (/proc's readdir);
// caller holds tasklist_lock.
int next_task_pid(int after);
// A pid number used as a process group or session id stays allocated
// until its last user lets go (free_pid is the task's own put).
void get_pid_nr(int nr);
void put_pid_nr(int nr);
// Pids in use (tests).
unsigned nr_pids_used();
// The boot path keeps pid 1 (it becomes init).
void pid_init(task_struct* init);
task_struct* child_reaper();
// execve from a thread of init makes that thread init (de_thread).
void set_child_reaper(task_struct* p);

// ---- wait statuses (Linux's encoding, <sys/wait.h>) ----
constexpr int exit_status_exited(int code) { return (code & 0xff) << 8; }
constexpr int exit_status_signaled(int sig) { return sig & 0x7f; }
constexpr bool status_exited(int st) { return (st & 0x7f) == 0; }
constexpr int status_exit_code(int st) { return (st >> 8) & 0xff; }
constexpr int status_term_sig(int st) { return st & 0x7f; }
// What a shell reports for it (and QEMU's exit status for init): the exit
// code, or 128 + the signal.
constexpr int status_to_shell(int st) { return status_exited(st) ? status_exit_code(st) : 128 + status_term_sig(st); }

// WNOHANG, WUNTRACED, WCONTINUED, __WNOTHREAD, __WALL, __WCLONE: the
// toolchain's <stdlib.h> defines them (Linux's values) as macros already.
static_assert(WNOHANG == 1 && WUNTRACED == 2 && WCONTINUED == 8 && __WALL == 0x40000000);

// ---- exit (kernel/exit.cc) ----
// Ends the calling process with wait status `code` (exit_status_*).
[[noreturn]] void do_exit(long code);
// Ends every thread of the calling process: the first caller's status is
// the group's (signal->group_exit_code), the others are sent SIGKILL.
[[noreturn]] void do_group_exit(int exit_code);
// execve (Linux's de_thread): the other threads of the caller's group are
// killed and waited for; a caller that is not the group leader then takes
// over the leader's pid and place in the tree.
void de_thread(task_struct* tsk);
// Reaps a child like wait4 (pid semantics, options): its pid, 0 (WNOHANG,
// none ready), -ECHILD; *status gets the wait status.
long kernel_wait4(int pid, int* status, int options);
// The calling process gives up its address space (exit, exec).
void exit_mm(task_struct* tsk);
// A child changed state (exit, stop, continue): waiting parents look again.
void wake_up_parent();
// Starts the thread that frees children nobody waits for (SIGCHLD
// ignored, SA_NOCLDWAIT).
void reaper_init();

// ---- fork (kernel/fork.cc) ----
struct kernel_clone_args {
  uint64_t flags;          // CLONE_* without the exit signal
  int exit_signal;
  uintptr_t stack;         // new user sp, 0: the parent's
  uintptr_t tls;
  uintptr_t parent_tid, child_tid;
};
// New process (or thread of mm) from the current one; the child's pid or -errno.
long kernel_clone(const kernel_clone_args* args);
// The task lets go of its mm (exit, exec): clear_child_tid, and a vfork
// parent waiting for that is released.
void mm_release(task_struct* tsk);
void complete_vfork_done(std::atomic<bool>* done);

// ---- process groups and sessions (kernel/pgrp.cc) ----
// Calls fn(p) on every user process, zombies included (tasklist_lock
// held): the tree under init, where every orphan is re-parented.
template <typename Fn>
void for_each_process(Fn fn) {
  task_struct* root = child_reaper();
  if (!root) return;
  task_struct* p = root;
  for (;;) {
    fn(p);
    if (!list_empty(&p->children)) {
      p = container_of(p->children.next, &task_struct::sibling);
      continue;
    }
    while (p != root && p->sibling.next == &p->parent->children) p = p->parent;
    if (p == root) return;
    p = container_of(p->sibling.next, &task_struct::sibling);
  }
}
// fork: p joins parent's group and session; reap: it leaves them.
void pgrp_fork(task_struct* p, const task_struct* parent);
void pgrp_release(task_struct* p);
// Would group pgrp be orphaned (no member with a parent in another group
// of its session) without `ignored`? tasklist_lock held.
bool will_become_orphaned_pgrp(int pgrp, const task_struct* ignored);
bool is_current_pgrp_orphaned();
// tsk exits (parent null) or loses parent to a reparenting: if that
// orphans its group and the group has a stopped member, SIGHUP and
// SIGCONT to the group (tasklist_lock held).
void kill_orphaned_pgrp(task_struct* tsk, task_struct* parent);

// Default resource limits (Linux's INIT_RLIMITS).
void init_task_rlimits(task_struct* p);
