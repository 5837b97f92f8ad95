/*
 * Signals: the numbers, the ABI structures and the rules, with no kernel
 * state (the per-task types are in kernel/signal_types.h).
 *
 * Everything here is Linux's riscv64 ABI (asm-generic numbering: 64
 * signals, no SA_RESTORER) and is constexpr or plain data, so the host
 * tests check the rules that the system calls apply (kernel/signal.cc) and
 * the layouts user space reads (kernel_siginfo against siginfo_t).
 *
 *   kernel_sigset_t   one 64-bit word, bit sig-1 for signal sig (its
 *                     operations here, the type in signal_types.h)
 *   kernel_siginfo    the first 48 bytes of the user's 128-byte siginfo_t
 *   struct sigaction  rt_sigaction's argument: handler, flags, mask
 *   stack_t           sigaltstack's argument
 *   sigqueue          one queued siginfo of a sigpending
 *
 * The rules are functions of their inputs: which signal is dequeued next,
 * what a default action does, how a sigaction or sigprocmask argument is
 * checked and cleaned, what sigaltstack accepts, and what an interrupted
 * system call becomes once the signal code knows whether a handler runs.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <kernel/errno.h>
#include <kernel/signal_types.h>
#include <lib/bitops.h>
#include <lib/list.h>

constexpr int _NSIG = 64;

constexpr int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
              SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15,
              SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22,
              SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29,
              SIGPWR = 30, SIGSYS = 31;
// The kernel's first real-time signal (glibc keeps 32 and 33 for itself
// and calls 34 SIGRTMIN).
constexpr int SIGRTMIN = 32, SIGRTMAX = _NSIG;

// sa_flags (asm-generic/signal-defs.h; riscv has no SA_RESTORER and
// clears that bit like every other unknown one).
constexpr uint64_t SA_NOCLDSTOP = 0x00000001, SA_NOCLDWAIT = 0x00000002, SA_SIGINFO = 0x00000004,
                   SA_UNSUPPORTED = 0x00000400, SA_EXPOSE_TAGBITS = 0x00000800, SA_RESTORER = 0x04000000,
                   SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
                   SA_RESETHAND = 0x80000000;
constexpr uint64_t UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART |
                                   SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS;

constexpr uint64_t SIG_DFL = 0, SIG_IGN = 1;  // sa_handler values
constexpr int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

constexpr int SS_ONSTACK = 1, SS_DISABLE = 2;
constexpr unsigned SS_AUTODISARM = 1u << 31;
constexpr unsigned SS_FLAG_BITS = SS_AUTODISARM;
constexpr uint64_t MINSIGSTKSZ = 2048, SIGSTKSZ = 8192;

// si_code: who sent it (<= 0: user space), or why (> 0: the kernel).
constexpr int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3, SI_ASYNCIO = -4,
              SI_SIGIO = -5, SI_TKILL = -6;
constexpr int ILL_ILLOPC = 1, ILL_ILLOPN = 2, ILL_ILLADR = 3, ILL_ILLTRP = 4, ILL_PRVOPC = 5;
constexpr int SEGV_MAPERR = 1, SEGV_ACCERR = 2;
constexpr int BUS_ADRALN = 1, BUS_ADRERR = 2, BUS_OBJERR = 3;
constexpr int TRAP_BRKPT = 1, TRAP_TRACE = 2;
constexpr int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5,
              CLD_CONTINUED = 6;

// ---- sets ------------------------------------------------------------------

static_assert(sizeof(kernel_sigset_t) == _NSIG / 8, "rt_* calls insist on sigsetsize == 8");

// 0 is valid where a signal may be: kill(pid, 0) only checks the target.
constexpr bool valid_signal(unsigned long sig) { return sig <= _NSIG; }
constexpr uint64_t sigmask(int sig) { return uint64_t{1} << (sig - 1); }
constexpr void sigaddset(kernel_sigset_t* s, int sig) { s->sig |= sigmask(sig); }
constexpr void sigdelset(kernel_sigset_t* s, int sig) { s->sig &= ~sigmask(sig); }
constexpr bool sigismember(const kernel_sigset_t* s, int sig) { return s->sig & sigmask(sig); }
constexpr bool sigisemptyset(const kernel_sigset_t* s) { return s->sig == 0; }
constexpr void sigemptyset(kernel_sigset_t* s) { s->sig = 0; }
constexpr void sigfillset(kernel_sigset_t* s) { s->sig = ~uint64_t{0}; }
constexpr void sigaddsetmask(kernel_sigset_t* s, uint64_t m) { s->sig |= m; }
constexpr void sigdelsetmask(kernel_sigset_t* s, uint64_t m) { s->sig &= ~m; }
constexpr void sigorsets(kernel_sigset_t* r, const kernel_sigset_t* a, const kernel_sigset_t* b) { r->sig = a->sig | b->sig; }
constexpr void sigandsets(kernel_sigset_t* r, const kernel_sigset_t* a, const kernel_sigset_t* b) { r->sig = a->sig & b->sig; }
constexpr void sigandnsets(kernel_sigset_t* r, const kernel_sigset_t* a, const kernel_sigset_t* b) { r->sig = a->sig & ~b->sig; }

// Signal classes (Linux's sig_kernel_* masks).
constexpr uint64_t SIG_KERNEL_ONLY_MASK = sigmask(SIGKILL) | sigmask(SIGSTOP);
constexpr uint64_t SIG_KERNEL_STOP_MASK = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);
constexpr uint64_t SIG_KERNEL_COREDUMP_MASK = sigmask(SIGQUIT) | sigmask(SIGILL) | sigmask(SIGTRAP) |
                                              sigmask(SIGABRT) | sigmask(SIGFPE) | sigmask(SIGSEGV) |
                                              sigmask(SIGBUS) | sigmask(SIGSYS) | sigmask(SIGXCPU) | sigmask(SIGXFSZ);
constexpr uint64_t SIG_KERNEL_IGNORE_MASK = sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG);
// Faults the task raised itself: dequeued before anything else so that the
// handler sees the fault it caused, not an older asynchronous signal.
constexpr uint64_t SYNCHRONOUS_MASK = sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) |
                                      sigmask(SIGFPE) | sigmask(SIGSYS);

constexpr bool sig_in(int sig, uint64_t mask) { return sig < SIGRTMIN && (sigmask(sig) & mask); }
constexpr bool sig_kernel_only(int sig) { return sig_in(sig, SIG_KERNEL_ONLY_MASK); }
constexpr bool sig_kernel_stop(int sig) { return sig_in(sig, SIG_KERNEL_STOP_MASK); }
constexpr bool sig_kernel_coredump(int sig) { return sig_in(sig, SIG_KERNEL_COREDUMP_MASK); }
constexpr bool sig_kernel_ignore(int sig) { return sig_in(sig, SIG_KERNEL_IGNORE_MASK); }

// What SIG_DFL does. Core-dump signals terminate with the signal in the
// wait status (no core file is written, so never WCOREDUMP).
enum class SigDefault { Terminate, CoreDump, Ignore, Stop };
constexpr SigDefault sig_default_action(int sig) {
  if (sig_kernel_ignore(sig)) return SigDefault::Ignore;  // SIGCONT continues when sent, then is ignored
  if (sig_kernel_stop(sig)) return SigDefault::Stop;
  if (sig_kernel_coredump(sig)) return SigDefault::CoreDump;
  return SigDefault::Terminate;
}

// The signal dequeued next from `pending` with `blocked` masked: the
// lowest-numbered synchronous fault first, else the lowest number; 0 if none.
constexpr int next_signal(const kernel_sigset_t& pending, const kernel_sigset_t& blocked) {
  uint64_t x = pending.sig & ~blocked.sig;
  if (x & SYNCHRONOUS_MASK) x &= SYNCHRONOUS_MASK;
  return x ? static_cast<int>(__ffs64(x)) + 1 : 0;
}

// ---- user-visible structures -----------------------------------------------

union sigval {
  int sival_int;
  uint64_t sival_ptr;
};

// The part of siginfo_t the kernel fills in; the user's copy is 128 bytes,
// the rest zero. The union starts at 16 on 64-bit Linux.
struct kernel_siginfo {
  int si_signo = 0;
  int si_errno = 0;
  int si_code = 0;
  int _pad = 0;
  union {
    struct {
      int pid;
      unsigned uid;
    } _kill;
    struct {
      int pid;
      unsigned uid;
      union sigval value;
    } _rt;
    struct {
      int pid;
      unsigned uid;
      int status;
      long utime;
      long stime;
    } _sigchld;
    struct {
      uint64_t addr;
    } _sigfault;
    uint64_t _words[4];
  } _sifields = {};
};
constexpr size_t SI_MAX_SIZE = 128;
static_assert(sizeof(kernel_siginfo) == 48);
// Offsets in Linux riscv64's siginfo_t (glibc's, checked with the cross
// compiler): si_code 8, si_pid/si_addr 16, si_uid 20, si_value/si_status
// 24, si_utime 32, si_stime 40.
static_assert(offsetof(kernel_siginfo, si_code) == 8);
static_assert(offsetof(kernel_siginfo, _sifields._kill.pid) == 16);
static_assert(offsetof(kernel_siginfo, _sifields._kill.uid) == 20);
static_assert(offsetof(kernel_siginfo, _sifields._rt.value) == 24);
static_assert(offsetof(kernel_siginfo, _sifields._sigchld.status) == 24);
static_assert(offsetof(kernel_siginfo, _sifields._sigchld.utime) == 32);
static_assert(offsetof(kernel_siginfo, _sifields._sigchld.stime) == 40);
static_assert(offsetof(kernel_siginfo, _sifields._sigfault.addr) == 16);

// rt_sigaction's struct sigaction on riscv64 (no sa_restorer): 24 bytes.
struct sigaction {
  uint64_t sa_handler = SIG_DFL;  // or sa_sigaction with SA_SIGINFO
  uint64_t sa_flags = 0;
  kernel_sigset_t sa_mask;
};
static_assert(sizeof(struct sigaction) == 24 && offsetof(struct sigaction, sa_mask) == 16);

struct k_sigaction {
  struct sigaction sa;
};

struct stack_t {
  uint64_t ss_sp = 0;
  int ss_flags = 0;
  uint64_t ss_size = 0;
};
static_assert(sizeof(stack_t) == 24 && offsetof(stack_t, ss_flags) == 8 && offsetof(stack_t, ss_size) == 16);

// ---- rules -------------------------------------------------------------------

// rt_sigaction: the signal must be valid and, when an action is set,
// catchable. 0 or -EINVAL.
constexpr int sigaction_check(int sig, bool setting) {
  if (sig < 1 || sig > _NSIG) return -EINVAL;
  if (setting && sig_kernel_only(sig)) return -EINVAL;
  return 0;
}

// What is stored: unknown flag bits cleared (so user space can detect
// them, as Linux 5.11+), SIGKILL and SIGSTOP never in the mask.
constexpr struct sigaction sigaction_sanitize(struct sigaction act) {
  act.sa_flags &= UAPI_SA_FLAGS;
  sigdelsetmask(&act.sa_mask, SIG_KERNEL_ONLY_MASK);
  return act;
}

// Whether setting this action discards the signal if pending (POSIX: an
// action that ignores it).
constexpr bool sig_handler_ignored(uint64_t handler, int sig) {
  return handler == SIG_IGN || (handler == SIG_DFL && sig_kernel_ignore(sig));
}

// rt_sigprocmask: the new mask, or -EINVAL for an unknown `how`.
constexpr int sigprocmask_apply(int how, const kernel_sigset_t& old, const kernel_sigset_t& set, kernel_sigset_t* out) {
  kernel_sigset_t r = old;
  switch (how) {
    case SIG_BLOCK: sigorsets(&r, &old, &set); break;
    case SIG_UNBLOCK: sigandnsets(&r, &old, &set); break;
    case SIG_SETMASK: r = set; break;
    default: return -EINVAL;
  }
  sigdelsetmask(&r, SIG_KERNEL_ONLY_MASK);
  *out = r;
  return 0;
}


// Whether sp is on the alternate stack (an SS_AUTODISARM stack never
// counts: it was disarmed when the handler started on it).
constexpr bool on_sig_stack(const sigaltstack_state& s, uint64_t sp) {
  if (s.flags & SS_AUTODISARM) return false;
  return sp > s.sp && sp - s.sp <= s.size;
}
constexpr int sas_ss_flags(const sigaltstack_state& s, uint64_t sp) {
  if (!s.size) return SS_DISABLE;
  return on_sig_stack(s, sp) ? SS_ONSTACK : 0;
}

// sigaltstack(ss, oss) with the user's sp: fills *oss (when given) with the
// old state, then applies ss (when given). 0, -EPERM (running on it),
// -EINVAL (flags), -ENOMEM (smaller than MINSIGSTKSZ).
constexpr int do_sigaltstack(sigaltstack_state* st, const stack_t* ss, stack_t* oss, uint64_t sp) {
  if (oss) {
    *oss = stack_t{};
    oss->ss_sp = st->sp;
    oss->ss_size = st->size;
    oss->ss_flags = static_cast<int>(sas_ss_flags(*st, sp) | (st->flags & SS_FLAG_BITS));
  }
  if (!ss) return 0;
  if (on_sig_stack(*st, sp)) return -EPERM;
  const unsigned flags = static_cast<unsigned>(ss->ss_flags);
  const unsigned mode = flags & ~SS_FLAG_BITS;
  if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -EINVAL;
  sigaltstack_state next{ss->ss_sp, ss->ss_size, flags};
  if (mode == SS_DISABLE) {
    next.sp = 0;
    next.size = 0;
  } else if (ss->ss_size < MINSIGSTKSZ) {
    return -ENOMEM;
  }
  *st = next;
  return 0;
}

// Where a handler's frame goes below: the top of the alternate stack for
// an SA_ONSTACK handler when one is set up and not already in use, else
// the interrupted sp.
constexpr uint64_t sigsp(const sigaltstack_state& s, uint64_t sp, uint64_t sa_flags) {
  if ((sa_flags & SA_ONSTACK) && sas_ss_flags(s, sp) == 0) return s.sp + s.size;
  return sp;
}

// A system call that returned `retval` was interrupted: what becomes of it
// once the signal code knows whether a handler (with sa_flags) runs.
//   Restart       a0 = orig_a0 and sepc back to the ecall
//   RestartBlock  the same, calling restart_syscall (current->restart_block)
//   Eintr         the call returns -EINTR
//   None          not an interrupted call: its value stands
enum class SyscallRestart { None, Restart, RestartBlock, Eintr };
constexpr SyscallRestart syscall_restart_action(long retval, bool handler, uint64_t sa_flags) {
  switch (retval) {
    case -ERESTARTNOINTR: return SyscallRestart::Restart;
    case -ERESTARTSYS:
      return !handler || (sa_flags & SA_RESTART) ? SyscallRestart::Restart : SyscallRestart::Eintr;
    case -ERESTARTNOHAND: return handler ? SyscallRestart::Eintr : SyscallRestart::Restart;
    case -ERESTART_RESTARTBLOCK: return handler ? SyscallRestart::Eintr : SyscallRestart::RestartBlock;
    default: return SyscallRestart::None;
  }
}

// Standard signals do not queue: a second one while the first is pending
// is dropped. Real-time signals queue each instance.
constexpr bool legacy_queue(const kernel_sigset_t& pending, int sig) {
  return sig < SIGRTMIN && sigismember(&pending, sig);
}

// ---- pending signals -----------------------------------------------------------

// One queued siginfo, on a sigpending's list.
struct sigqueue {
  list_head list;
  kernel_siginfo info;
};
