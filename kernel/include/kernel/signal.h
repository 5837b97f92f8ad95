/*
 * Signals (kernel/signal.cc; the frame and delivery are
 * arch/riscv/kernel/signal.cc). Linux's model:
 *
 *   task_struct
 *     blocked, pending       per task: the mask and the signals sent to it
 *                            alone (tkill/tgkill, faults)
 *     sighand -> sighand_struct   handler table: refcounted, shared with
 *                            CLONE_SIGHAND, copied at fork, reset at exec;
 *                            its siglock guards every field below
 *     signal  -> signal_struct    per process: shared_pending (kill), the
 *                            stop state, flags
 *     sigpending (flag)      Linux's TIF_SIGPENDING: set by a sender when
 *                            an unblocked signal arrives, recomputed by the
 *                            task itself; checked on every return to user
 *                            mode and by interruptible sleeps
 *
 * Locking: sighand->siglock (interrupts off) guards the handler table and
 * the pending sets and blocked masks of every task sharing it. A sender
 * reaches it with lock_task_sighand(), which copes with the task exiting
 * (sighand is freed through RCU). A sender wakes a task sleeping
 * TASK_INTERRUPTIBLE (signal_wake_up); interruptible sleeps check
 * signal_pending(current) after prepare_to_wait and return -ERESTARTSYS
 * (or -EINTR / -ERESTARTNOHAND / -ERESTART_RESTARTBLOCK) when it is set.
 *
 * Thread groups are one task each until CLONE_THREAD exists: a process's
 * signals (kill) are queued on signal->shared_pending and delivered to that
 * task.
 */
#pragma once

#include <atomic>

#include <kernel/signal_abi.h>
#include <kernel/spinlock.h>
#include <kernel/rcupdate.h>

struct task_struct;
struct pt_regs;

struct sighand_struct {
  std::atomic<int> count{1};
  SpinLock siglock;
  k_sigaction action[_NSIG];
  rcu_head rcu;
};

// signal_struct::flags
constexpr unsigned SIGNAL_STOP_STOPPED = 0x00000001;    // stopped by SIGSTOP & co until SIGCONT
constexpr unsigned SIGNAL_STOP_CONTINUED = 0x00000002;  // continued, not yet reported to wait4(WCONTINUED)
constexpr unsigned SIGNAL_GROUP_EXIT = 0x00000004;      // a fatal signal is ending the process
constexpr unsigned SIGNAL_CLD_CONTINUED = 0x00000020;   // continued: the parent's SIGCHLD is still to send
constexpr unsigned SIGNAL_UNKILLABLE = 0x00000040;    // init: ignores signals it does not handle

struct signal_struct {
  std::atomic<int> count{1};
  sigpending shared_pending;
  unsigned flags = 0;
  int group_exit_code = 0;      // the wait status of every thread once SIGNAL_GROUP_EXIT is set
  // The live threads of the group (task->thread_node), changed under
  // tasklist_lock and the siglock, read under either; a thread leaves it in
  // exit_notify. Empty: the group is dead (the leader's parent is told).
  list_head thread_head;
  task_struct* group_exec_task = nullptr;  // execve in progress: the others exit quietly (de_thread)
  int stop_code = 0;            // the stop signal, until wait4(WUNTRACED) reports it
  int nr_queued = 0;            // sigqueue entries of this process (RLIMIT_SIGPENDING stand-in)
  rcu_head rcu;
};

// A signal being delivered: what get_signal() dequeued and the action to run.
struct ksignal {
  k_sigaction ka;
  kernel_siginfo info;
  int sig;
};

// Queued real-time signals per process, Linux's RLIMIT_SIGPENDING (a fixed
// figure here: there are no per-user counts).
constexpr int SIGQUEUE_MAX = 1024;

void signals_init();

// Holds t's siglock (interrupts off) while t has signal state; sighand()
// is null when it has none (a kernel thread, or released at reap).
class TaskSighandLock {
 public:
  explicit TaskSighandLock(task_struct* t);
  ~TaskSighandLock();
  TaskSighandLock(const TaskSighandLock&) = delete;
  TaskSighandLock& operator=(const TaskSighandLock&) = delete;
  sighand_struct* sighand() const { return sh_; }

 private:
  unsigned long flags_;
  sighand_struct* sh_ = nullptr;
};

// ---- sending -------------------------------------------------------------
enum class PidType { PID, TGID };
// The siginfo a signal from the kernel carries (SI_KERNEL), or from the
// calling task (SI_USER, its pid and uid).
constexpr int SEND_SIG_NOINFO = 0, SEND_SIG_PRIV = 1;
// Sends sig to p (priv: SEND_SIG_PRIV for the kernel, SEND_SIG_NOINFO for
// the calling task). 0, or -ESRCH when p has no signal state (exited).
int send_sig(int sig, task_struct* p, int priv);
int send_sig_info(int sig, const kernel_siginfo* info, task_struct* p, PidType type);
// Sends sig to every process in group pgrp (tasklist_lock held): 0 if it
// reached one, else the last error (-ESRCH: an empty group).
int kill_pgrp_info(int sig, const kernel_siginfo* info, int pgrp);
// Drops the signals in mask from p, their queued siginfos too (siglock held).
void flush_sigqueue_mask(signal_struct* s, uint64_t mask, sigpending* p);
// The siginfo of a signal the calling task sends (kill: SI_USER, tkill:
// SI_TKILL): its pid and uid.
kernel_siginfo user_siginfo(int sig, int code);
// A fault the current task caused: delivered even if blocked or ignored
// (the action reverts to SIG_DFL then, which kills), as Linux's
// force_sig_info. Returns 0.
int force_sig_fault(int sig, int code, uint64_t addr);
int force_sig(int sig);
// The parent learns that tsk exited (sig is SIGCHLD, or the exit_signal
// given to clone): queues it with CLD_EXITED/KILLED and the status from
// tsk->exit_code (wait-status encoding); tasklist_lock held (the parent
// stays). Returns true when the parent ignores SIGCHLD or set SA_NOCLDWAIT
// (Linux then reaps the child at once; here it still waits for wait4).
bool do_notify_parent(task_struct* tsk, int sig);

// The parent learns that tsk stopped or continued (why: CLD_STOPPED,
// CLD_CONTINUED): SIGCHLD unless it set SA_NOCLDSTOP, and its wait4 looks
// again. No lock held.
void do_notify_parent_cldstop(task_struct* tsk, int why, int sig);

// ---- the receiving task ----------------------------------------------------
inline bool signal_pending(const task_struct* p);
// Something fatal is pending: a sleep that cannot be interrupted otherwise
// may still give up.
bool fatal_signal_pending(task_struct* p);
// Dequeues the next signal to act on and runs default actions (terminate,
// ignore, stop) itself; true with *ksig filled in when a handler must run.
bool get_signal(ksignal* ksig);
// After the arch code built (or failed to build) the handler's frame:
// blocks sa_mask and the signal itself (unless SA_NODEFER), or forces
// SIGSEGV when the frame could not be written.
void signal_setup_done(bool failed, ksignal* ksig);
// The caller's next pending signal outside mask, dequeued into *info (its
// siglock held); 0 when none.
int dequeue_signal_locked(const kernel_sigset_t* mask, kernel_siginfo* info);
// The mask to put back once a handler frame is built (rt_sigsuspend ran
// with a temporary one).
void restore_saved_sigmask();
// The mask the handler's frame records: rt_sigsuspend's saved one, if any.
const kernel_sigset_t* sigmask_to_save();
void set_current_blocked(const kernel_sigset_t* set);
// Whether sig would be left to the default action or ignored in tsk (for
// the unhandled-signal log).
bool unhandled_signal(task_struct* tsk, int sig);

// ---- process lifetime (fork / exec / exit) ----------------------------------
// fork/clone: share (CLONE_SIGHAND) or copy the handler table.
int copy_sighand(unsigned long clone_flags, task_struct* p);
// fork/clone: share (CLONE_THREAD) or create the process's signal_struct;
// also gives p the parent's blocked mask and alternate stack and an empty
// pending set, as Linux's dup_task_struct/copy_process do.
int copy_signal(unsigned long clone_flags, task_struct* p);
// exec: handlers reset to SIG_DFL, SIG_IGN kept unless force_default; the
// table is unshared first if another process shares it.
int flush_signal_handlers(task_struct* t, bool force_default);
// exit: the task takes no more signals; its pending ones are dropped, and
// another thread is woken for process signals it would have taken.
void exit_signals(task_struct* tsk);
// exit_group, a fatal signal, execve: SIGKILL to every other live thread
// of tsk's group (siglock held); how many there were.
int zap_other_threads(task_struct* tsk);
// The task is being freed: drop its sighand and signal_struct references.
void release_task_signals(task_struct* tsk);
// Gives a kernel-made task (init, tests) fresh signal state: SIG_DFL
// handlers, nothing pending or blocked.
int init_task_signals(task_struct* p);

// ---- arch (arch/riscv/kernel/signal.cc) -------------------------------------------
// Called by exit_to_user_mode while signal_pending(current): delivers one
// signal (builds the handler's frame) or restarts the interrupted system
// call. True when a handler frame was set up.
bool arch_do_signal_or_restart(pt_regs* regs);
// The sigreturn trampoline page: made at boot, mapped by exec into each new
// address space as [vdso] (mm->context.vdso); arch_vma_name names it for
// /proc/<pid>/maps (null for any other VMA).
struct mm_struct;
struct vm_area_struct;
void vdso_init();
int arch_setup_additional_pages(mm_struct* mm);
const char* arch_vma_name(const vm_area_struct* vma);

#include <kernel/sched.h>

// An unblocked signal waits for the task (Linux's TIF_SIGPENDING test).
inline bool signal_pending(const task_struct* p) { return p->sigpending_flag.load(std::memory_order_acquire); }
