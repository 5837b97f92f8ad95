/*
 * The signal system calls: kill, tkill, tgkill, rt_sigqueueinfo,
 * rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, sigaltstack
 * and restart_syscall (rt_sigreturn is the arch's). Argument rules and
 * errno order are Linux 6.1's; the pure rules live in
 * kernel/signal_abi.h, where the host tests check them.
 *
 * Targets: pid > 0 is that process; -1 every process but init and the
 * caller; 0 the caller's process group, -pgrp that group (kernel/pgrp.cc).
 * Permission is Linux's kill_ok_by_cred (check_kill_permission), and
 * SIGCONT within a session.
 */
#include <kernel/signal.h>

#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/process.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <lib/container_of.h>

namespace {

// Linux's kill_ok_by_cred: the sender's real or effective uid is the
// target's real or saved uid, or the sender has CAP_KILL (euid 0).
bool kill_ok_by_cred(task_struct* t) {
  const cred* c = current_cred();
  const cred_ids tc = task_cred_ids(t);
  return c->euid == tc.suid || c->euid == tc.uid || c->uid == tc.suid || c->uid == tc.uid || c->euid == 0;
}

int check_kill_permission(int sig, const kernel_siginfo* info, task_struct* t) {
  if (!valid_signal(static_cast<unsigned long>(static_cast<unsigned>(sig)))) return -EINVAL;
  if (info->si_code > 0) return 0;  // from the kernel (SI_KERNEL & co), not a user's kill
  if (t->tgid == get_current()->tgid || kill_ok_by_cred(t)) return 0;
  if (sig == SIGCONT && t->group_leader->session == get_current()->group_leader->session) return 0;  // job control within a session
  return -EPERM;
}

int group_send_sig_info(int sig, const kernel_siginfo* info, task_struct* p) {
  int ret = check_kill_permission(sig, info, p);
  if (!ret && sig) ret = send_sig_info(sig, info, p, PidType::TGID);
  return ret;
}

// A live process by pid (tasklist_lock held).
task_struct* find_process(int pid) {
  task_struct* p = find_task_by_pid(pid);
  return p && p->sighand ? p : nullptr;
}

int kill_proc_info(int sig, const kernel_siginfo* info, int pid) {
  SpinLockIrqSaveGuard g{tasklist_lock};
  task_struct* p = pid > 0 ? find_process(pid) : nullptr;
  return p ? group_send_sig_info(sig, info, p) : -ESRCH;
}

int kill_something_info(int sig, const kernel_siginfo* info, int pid) {
  if (pid > 0) return kill_proc_info(sig, info, pid);
  if (pid == -__INT_MAX__ - 1) return -ESRCH;  // -INT_MIN overflows
  task_struct* self = get_current();
  SpinLockIrqSaveGuard g{tasklist_lock};
  if (pid == -1) {
    int ret = 0, count = 0;
    for_each_process([&](task_struct* p) {
      if (p == child_reaper() || p->tgid == self->tgid || !p->sighand) return;
      const int err = group_send_sig_info(sig, info, p);
      count++;
      if (err != -EPERM) ret = err;
    });
    return count ? ret : -ESRCH;
  }
  return kill_pgrp_info(sig, info, pid ? -pid : self->group_leader->pgrp);
}

}  // namespace

int kill_pgrp_info(int sig, const kernel_siginfo* info, int pgrp) {
  bool success = false;
  int ret = -ESRCH;
  for_each_process([&](task_struct* p) {
    if (p->pgrp != pgrp || !p->sighand) return;
    const int err = group_send_sig_info(sig, info, p);
    success |= !err;
    ret = err;
  });
  return success ? 0 : ret;
}

namespace {

long do_tkill(int tgid, int pid, int sig) {
  const kernel_siginfo info = user_siginfo(sig, SI_TKILL);
  SpinLockIrqSaveGuard g{tasklist_lock};
  task_struct* p = find_process(pid);
  if (!p || (tgid > 0 && p->tgid != tgid)) return -ESRCH;
  int err = check_kill_permission(sig, &info, p);
  if (!err && sig) {
    err = send_sig_info(sig, &info, p, PidType::PID);
    if (err == -ESRCH) err = 0;  // exiting: as if delivered
  }
  return err;
}

int do_sigaction(int sig, const struct sigaction* act, struct sigaction* oact) {
  if (const int err = sigaction_check(sig, act != nullptr)) return err;
  task_struct* t = get_current();
  SpinLockIrqSaveGuard g{t->sighand->siglock};
  k_sigaction* k = &t->sighand->action[sig - 1];
  if (oact) *oact = k->sa;
  if (act) {
    k->sa = sigaction_sanitize(*act);
    // POSIX: setting an action that ignores the signal discards it if
    // pending, blocked or not.
    if (sig_handler_ignored(k->sa.sa_handler, sig)) {
      kernel_sigset_t mask;
      sigaddset(&mask, sig);
      flush_sigqueue_mask(t->signal, mask.sig, &t->signal->shared_pending);
      flush_sigqueue_mask(t->signal, mask.sig, &t->pending);
    }
  }
  return 0;
}

long do_no_restart_syscall(restart_block*) { return -EINTR; }

}  // namespace

long sys_kill(int pid, int sig) {
  const kernel_siginfo info = user_siginfo(sig, SI_USER);
  return kill_something_info(sig, &info, pid);
}

long sys_tgkill(int tgid, int pid, int sig) {
  if (pid <= 0 || tgid <= 0) return -EINVAL;
  return do_tkill(tgid, pid, sig);
}

long sys_tkill(int pid, int sig) {
  if (pid <= 0) return -EINVAL;
  return do_tkill(0, pid, sig);
}

long sys_rt_sigqueueinfo(int pid, int sig, uintptr_t uinfo) {
  kernel_siginfo info;
  if (copy_from_user(&info, uinfo, sizeof(info))) return -EFAULT;
  info.si_signo = sig;
  // Nobody may pretend to be the kernel or kill()/tgkill() (which add
  // their own source) to anyone but themselves.
  if ((info.si_code >= 0 || info.si_code == SI_TKILL) && get_current()->tgid != pid) return -EPERM;
  return kill_proc_info(sig, &info, pid);
}

long sys_rt_sigaction(int sig, uintptr_t uact, uintptr_t uoact, size_t sigsetsize) {
  if (sigsetsize != sizeof(kernel_sigset_t)) return -EINVAL;
  struct sigaction act, oact;
  if (uact && copy_from_user(&act, uact, sizeof(act))) return -EFAULT;
  const int err = do_sigaction(sig, uact ? &act : nullptr, uoact ? &oact : nullptr);
  if (!err && uoact && copy_to_user(uoact, &oact, sizeof(oact))) return -EFAULT;
  return err;
}

long sys_rt_sigprocmask(int how, uintptr_t unset, uintptr_t uoset, size_t sigsetsize) {
  if (sigsetsize != sizeof(kernel_sigset_t)) return -EINVAL;
  task_struct* t = get_current();
  const kernel_sigset_t old = t->blocked;
  if (unset) {
    kernel_sigset_t set, next;
    if (copy_from_user(&set, unset, sizeof(set))) return -EFAULT;
    if (const int err = sigprocmask_apply(how, old, set, &next)) return err;
    set_current_blocked(&next);
  }
  if (uoset && copy_to_user(uoset, &old, sizeof(old))) return -EFAULT;
  return 0;
}

long sys_rt_sigpending(uintptr_t uset, size_t sigsetsize) {
  if (sigsetsize > sizeof(kernel_sigset_t)) return -EINVAL;
  task_struct* t = get_current();
  kernel_sigset_t pending;
  {
    SpinLockIrqSaveGuard g{t->sighand->siglock};
    sigorsets(&pending, &t->pending.signal, &t->signal->shared_pending.signal);
    sigandsets(&pending, &pending, &t->blocked);
  }
  return copy_to_user(uset, &pending, sigsetsize) ? -EFAULT : 0;
}

long sys_rt_sigsuspend(uintptr_t unewset, size_t sigsetsize) {
  if (sigsetsize != sizeof(kernel_sigset_t)) return -EINVAL;
  kernel_sigset_t set;
  if (copy_from_user(&set, unewset, sizeof(set))) return -EFAULT;
  task_struct* t = get_current();
  t->saved_sigmask = t->blocked;
  set_current_blocked(&set);
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    if (signal_pending(t)) break;
    schedule();
  }
  __set_current_state(TASK_RUNNING);
  // The handler's frame records the old mask; without a handler the
  // signal code puts it back.
  t->restore_sigmask = true;
  return -ERESTARTNOHAND;
}

// Linux's do_sigtimedwait: a pending signal of the set now, or after
// sleeping with the set unblocked until one comes (its number), the
// timeout passes (-EAGAIN) or another signal interrupts (-EINTR, not
// restarted).
long sys_rt_sigtimedwait(uintptr_t uthese, uintptr_t uinfo, uintptr_t uts, size_t sigsetsize) {
  if (sigsetsize != sizeof(kernel_sigset_t)) return -EINVAL;
  kernel_sigset_t these;
  if (copy_from_user(&these, uthese, sizeof(these))) return -EFAULT;
  struct {
    int64_t tv_sec, tv_nsec;
  } ts{};
  long ticks = MAX_SCHEDULE_TIMEOUT;
  if (uts) {
    if (copy_from_user(&ts, uts, sizeof(ts))) return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return -EINVAL;
    const int64_t tick_ns = 1000000000 / HZ;
    const int64_t max_sec = (MAX_SCHEDULE_TIMEOUT / HZ) - 1;
    ticks = ts.tv_sec >= max_sec ? MAX_SCHEDULE_TIMEOUT
                                 : static_cast<long>((ts.tv_sec * 1000000000 + ts.tv_nsec + tick_ns - 1) / tick_ns);
    if (ticks && ticks != MAX_SCHEDULE_TIMEOUT) ticks++;  // the current tick is partly over
  }
  sigdelsetmask(&these, SIG_KERNEL_ONLY_MASK);
  kernel_sigset_t mask;  // what dequeue skips: everything but the set
  mask.sig = ~these.sig;
  task_struct* t = get_current();
  kernel_siginfo info;
  int sig = 0;
  bool interrupted = false;
  {
    SpinLockIrqSaveGuard g{t->sighand->siglock};
    sig = dequeue_signal_locked(&mask, &info);
  }
  if (!sig && ticks) {
    const kernel_sigset_t real_blocked = t->blocked;
    kernel_sigset_t waiting;
    sigandsets(&waiting, &t->blocked, &mask);  // the set unblocked while asleep
    set_current_blocked(&waiting);
    for (;;) {
      set_current_state(TASK_INTERRUPTIBLE);
      if (signal_pending(t)) {
        interrupted = true;
        break;
      }
      ticks = schedule_timeout(ticks);
      if (!ticks) break;
    }
    __set_current_state(TASK_RUNNING);
    set_current_blocked(&real_blocked);
    SpinLockIrqSaveGuard g{t->sighand->siglock};
    sig = dequeue_signal_locked(&mask, &info);
  }
  if (!sig) return interrupted ? -EINTR : -EAGAIN;
  if (uinfo && (copy_to_user(uinfo, &info, sizeof(info)) || clear_user(uinfo + sizeof(info), SI_MAX_SIZE - sizeof(info))))
    return -EFAULT;
  return sig;
}

long sys_sigaltstack(uintptr_t uss, uintptr_t uoss) {
  stack_t ss, oss;
  if (uss && copy_from_user(&ss, uss, sizeof(ss))) return -EFAULT;
  task_struct* t = get_current();
  const int err = do_sigaltstack(&t->sas, uss ? &ss : nullptr, &oss, current_pt_regs()->sp);
  if (!err && uoss && copy_to_user(uoss, &oss, sizeof(oss))) return -EFAULT;
  return err;
}

long sys_restart_syscall() {
  restart_block* rb = &get_current()->restart_block;
  long (*fn)(restart_block*) = rb->fn ? rb->fn : do_no_restart_syscall;
  rb->fn = nullptr;
  return fn(rb);
}
