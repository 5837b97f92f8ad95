/*
 * Tasks and the scheduler (kernel/sched.cc, kernel/kthread.cc).
 *
 * A task_struct is one kernel thread: its saved registers (thread, first:
 * switch.S reaches it at offset 0), its guarded kernel stack, and its
 * scheduling state. There is no user mode yet, so every task is a kernel
 * thread and `mm` is null except between kthread_use_mm and
 * kthread_unuse_mm (asm/active_mm.h); a context switch loads next->mm.
 *
 * States are Linux's: TASK_RUNNING (on a run queue or running),
 * TASK_INTERRUPTIBLE / TASK_UNINTERRUPTIBLE (blocked until a wakeup; a
 * signal also wakes an interruptible sleeper, kernel/signal.h), TASK_DEAD
 * (exited, its last switch under way or done), TASK_NEW (created, never
 * woken).
 */
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>

#include <asm/fpu.h>
#include <asm/smp.h>
#include <kernel/cred.h>
#include <kernel/percpu.h>
#include <kernel/preempt.h>
#include <kernel/signal_types.h>
#include <kernel/spinlock.h>
#include <lib/list.h>

struct mm_struct;
struct sighand_struct;
struct signal_struct;
struct files_struct;
struct fs_struct;

constexpr unsigned TASK_RUNNING = 0x0000;
constexpr unsigned TASK_INTERRUPTIBLE = 0x0001;
constexpr unsigned TASK_UNINTERRUPTIBLE = 0x0002;
constexpr unsigned TASK_DEAD = 0x0080;
constexpr unsigned TASK_NEW = 0x0800;
constexpr unsigned TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

// exit_state
constexpr unsigned EXIT_ZOMBIE = 0x0020;  // off its CPU for good: the joiner may free it

// flags
constexpr unsigned PF_IDLE = 0x00000002;
constexpr unsigned PF_EXITING = 0x00000004;  // exiting: takes no more signals
constexpr unsigned PF_FORKNOEXEC = 0x00000040;  // forked and not yet exec'd (setpgid's EACCES)
constexpr unsigned PF_KTHREAD = 0x00200000;

constexpr size_t TASK_COMM_LEN = 16;

// Resource limits (Linux's struct rlimit and RLIMIT_* numbering).
struct rlimit {
  uint64_t rlim_cur, rlim_max;
};
constexpr unsigned RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
                   RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9,
                   RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13,
                   RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;
constexpr uint64_t RLIM_INFINITY = ~uint64_t{0};

// Callee-saved state of a task that is not running (switch.S).
struct thread_struct {
  uint64_t ra;
  uint64_t sp;
  uint64_t s[12];
};

// Per-task scheduling statistics (Linux's sched_entity, runtime part).
struct sched_entity {
  uint64_t exec_start;        // rdtime when it last went on a CPU
  uint64_t sum_exec_runtime;  // timebase ticks spent running
  uint64_t nr_switches;       // times it was switched in
};

struct task_struct {
  thread_struct thread;  // must stay first (switch.S)
  std::atomic<unsigned> __state{TASK_NEW};
  std::atomic<unsigned> exit_state{0};
  unsigned flags = 0;
  int pid = 0;
  char comm[TASK_COMM_LEN] = {};
  uintptr_t stack = 0;              // top of its kernel stack (asm/kstack.h)
  unsigned cpu = 0;                 // the run queue it is on or last ran on; changed only by a wakeup
  std::atomic<bool> on_cpu{false};  // running, or still switching away
  bool on_rq = false;               // on a run queue (or running); under that queue's lock
  cpumask_t cpus_allowed = ~cpumask_t{0};
  unsigned time_slice = 0;          // ticks left before round-robin preemption
  sched_entity se = {};
  list_head run_list;               // on its run queue while runnable and not running
  SpinLock pi_lock;                 // serialises wakeups of this task
  mm_struct* mm = nullptr;          // null: a kernel thread (unless in kthread_use_mm)
  FaultCatch* fault_catch = nullptr;  // its probe_fault() catch while it is switched out
  files_struct* files = nullptr;    // open descriptors (fs/fdtable.h); null: none
  fs_struct* fs = nullptr;          // root and cwd; null: init_fs's
  // Credentials (kernel/cred.h): replaced whole by commit_creds, read by
  // others under RCU. The idle tasks keep init_cred uncounted (they never
  // change it); the boot task and alloc_task take a reference.
  const struct cred* cred = &init_cred;
  // kthread
  int (*threadfn)(void*) = nullptr;
  void* data = nullptr;
  std::atomic<bool> should_stop{false};
  int exit_code = 0;
  // user processes (kernel/process.h): tree and pids under tasklist_lock
  int tgid = 0;                 // its thread group's id: the leader's pid
  task_struct* group_leader = this;  // the thread group's first task (kernel/process.h)
  list_head thread_node;        // on signal->thread_head while it is a live member of its group
  int exit_signal = 0;          // sent to the parent at exit (SIGCHLD for fork, -1 for a thread)
  bool zombie = false;          // exited, wait status in exit_code, not reaped yet
  task_struct* parent = nullptr;
  int pgrp = 0;                 // process group and session ids (kernel/pgrp.cc)
  int session = 0;
  bool session_leader = false;  // it made its session with setsid
  list_head children;           // its children, through their `sibling`
  list_head sibling;
  list_head pid_chain;          // pid hash bucket (kernel/pid.cc)
  uintptr_t set_child_tid = 0;  // CLONE_CHILD_SETTID: the child writes its tid there first
  uintptr_t clear_child_tid = 0;  // set_tid_address / CLONE_CHILD_CLEARTID: 0 written at exit
  uintptr_t robust_list = 0;
  std::atomic<bool>* vfork_done = nullptr;  // CLONE_VFORK: the waiting parent's flag (kernel/fork.cc)
  rlimit rlim[RLIM_NLIMITS] = {};
  uint64_t start_time = 0;      // rdtime at creation
  __riscv_d_ext_state fstate = {};  // user FP registers while switched out (asm/fpu.h)
  // signals (kernel/signal.h): null for kernel threads, which take none
  sighand_struct* sighand = nullptr;
  signal_struct* signal = nullptr;
  kernel_sigset_t blocked;                   // under sighand->siglock
  kernel_sigset_t saved_sigmask;             // rt_sigsuspend's mask to restore after the handler
  bool restore_sigmask = false;
  struct sigpending pending;                 // sent to this task alone
  std::atomic<bool> sigpending_flag{false};  // Linux's TIF_SIGPENDING
  sigaltstack_state sas;                     // the alternate signal stack
  struct restart_block restart_block;        // restart_syscall's continuation
};

static_assert(offsetof(task_struct, thread) == 0);

// The running task (Linux's `current`; a function here, not a macro).
inline task_struct* get_current() { return this_cpu()->curr; }

// Brings up the scheduler on the boot CPU: the running boot path becomes
// task "boot" (pid 1, pinned to CPU 0) and CPU 0 gets its idle task.
void sched_init();
// Each secondary, on its idle stack before going online: the running
// context becomes the CPU's idle task; then cpu_startup_entry() idles.
void sched_init_secondary();
[[noreturn]] void cpu_startup_entry();

void schedule();
void yield();
// The trap exit's preemption point (interrupts off, from a preemptible
// context with a reschedule pending).
void preempt_schedule_irq();
// Timer tick on this CPU: accounts runtime and ends time slices.
void scheduler_tick();
// Whether the trap exit may switch away from the interrupted context.
bool preemptible_at_irq_exit(uint64_t interrupted_sstatus);

// Makes a blocked (or new) task runnable. False when it was not in a state
// of `state` (already running or woken).
bool wake_up_state(task_struct* p, unsigned state);
inline bool wake_up_process(task_struct* p) { return wake_up_state(p, TASK_NORMAL); }
void wake_up_new_task(task_struct* p);

// The sleeping side: set_current_state(), check the condition, schedule().
// The full fence orders the state store before the condition's load, which
// pairs with the fence at the start of a wakeup.
inline void set_current_state(unsigned state) {
  get_current()->__state.store(state, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}
inline void __set_current_state(unsigned state) { get_current()->__state.store(state, std::memory_order_relaxed); }
inline unsigned task_state(const task_struct* p) { return p->__state.load(std::memory_order_relaxed); }

// Between sched.cc and kthread.cc: the task cache (sched_init calls
// task_init), a new task's first switch lands in ret_from_kthread, and
// a dead task's last switch is announced to its joiner.
void task_init();
void task_set_thread_entry(task_struct* p);
void task_dead_notify(task_struct* p);

// A task_struct with a guarded kernel stack and a pid (kernel/kthread.cc),
// named comm, not yet runnable; null when out of memory or pids.
task_struct* alloc_task(const char* comm);
// Waits until p, which has exited, is off its CPU for good, then frees it.
void task_reap(task_struct* p);

// Tasks queued or running on a CPU (the idle task not counted).
unsigned nr_running_on(unsigned cpu);
// task_struct allocation (kernel/kthread.cc): live tasks, for tests.
long nr_tasks();

// Sleeps `timeout` ticks unless woken earlier; returns the ticks left
// (0 when it timed out). The caller sets the task state first, as Linux.
constexpr long MAX_SCHEDULE_TIMEOUT = __LONG_MAX__;
long schedule_timeout(long timeout);
long schedule_timeout_uninterruptible(long timeout);
// Sleeps at least `ms` milliseconds.
void msleep(unsigned ms);
unsigned long msecs_to_jiffies(unsigned ms);
