/*
 * Signals: queues, sending, dequeueing and default actions, and the signal
 * state's lifetime across fork, exec and exit. The data structures and the
 * locking are described in kernel/signal.h; the system calls are in
 * kernel/sys_signal.cc and the handler frame in arch/riscv/kernel/signal.cc.
 *
 * Sending (send_signal_locked, siglock held):
 *   prepare_signal    a stop signal discards pending SIGCONT and vice
 *                     versa (SIGCONT also resumes a stopped process); an
 *                     exiting target or an ignored, unblocked signal ends
 *                     here (a blocked one stays queued: the handler may
 *                     change before it is unblocked)
 *   legacy_queue      a standard signal already pending is dropped
 *   sigqueue          the siginfo is queued (real-time signals each time,
 *                     up to SIGQUEUE_MAX per process; past that a
 *                     sigqueue() fails with EAGAIN and kill() still sets
 *                     the bit without the siginfo)
 *   complete_signal   unless blocked: sigpending flag, wake an
 *                     interruptible sleeper
 *
 * Stop and continue: a stop signal's default action stops the whole
 * process in get_signal (an interruptible sleep) until SIGCONT or SIGKILL
 * arrives; the stop is recorded (signal->stop_code) for wait4(WUNTRACED)
 * and told to the parent with SIGCHLD/CLD_STOPPED. SIGCONT marks the
 * process continued (for wait4(WCONTINUED)); the continued task itself
 * sends its parent SIGCHLD/CLD_CONTINUED (SA_NOCLDSTOP: neither). A
 * SIGTSTP/SIGTTIN/SIGTTOU whose default action would stop a process of an
 * orphaned process group is discarded.
 */
#include <kernel/signal.h>

#include <linux/sched.h>  // CLONE_* (UAPI values)

#include <new>

#include <asm/irqflags.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/time.h>
#include <lib/container_of.h>
#include <lib/string.h>
#include <mm/slab.h>

namespace {

kmem_cache* sigqueue_cachep;
kmem_cache* sighand_cachep;
kmem_cache* signal_cachep;

void init_sigpending(sigpending* p) {
  INIT_LIST_HEAD(&p->list);
  sigemptyset(&p->signal);
}

sigqueue* sigqueue_alloc(signal_struct* s, bool override_limit) {
  if (!override_limit && s->nr_queued >= SIGQUEUE_MAX) return nullptr;
  void* mem = kmem_cache_alloc(sigqueue_cachep, GFP_ATOMIC);
  if (!mem) return nullptr;
  s->nr_queued++;
  return new (mem) sigqueue;
}

void sigqueue_free(signal_struct* s, sigqueue* q) {
  s->nr_queued--;
  kmem_cache_free(sigqueue_cachep, q);
}

void flush_sigqueue(signal_struct* s, sigpending* p) { flush_sigqueue_mask(s, ~uint64_t{0}, p); }


// Sets the flag when t has an unblocked signal pending; true then. Only the
// task itself clears it (recalc_sigpending): a sender only ever sets it.
bool recalc_sigpending_tsk(task_struct* t) {
  const uint64_t pending = t->pending.signal.sig | t->signal->shared_pending.signal.sig;
  if ((pending & ~t->blocked.sig) || (t->signal->flags & SIGNAL_GROUP_EXIT)) {
    t->sigpending_flag.store(true, std::memory_order_release);
    return true;
  }
  return false;
}

void recalc_sigpending() {
  task_struct* t = get_current();
  if (!recalc_sigpending_tsk(t)) t->sigpending_flag.store(false, std::memory_order_relaxed);
}

void signal_wake_up(task_struct* t) {
  t->sigpending_flag.store(true, std::memory_order_release);
  wake_up_state(t, TASK_INTERRUPTIBLE);
}

bool sig_ignored(task_struct* t, int sig, bool force) {
  // A blocked signal stays queued: the action may change before it is
  // unblocked.
  if (sigismember(&t->blocked, sig)) return false;
  const uint64_t handler = t->sighand->action[sig - 1].sa.sa_handler;
  // init keeps only what it handles, except SIGKILL/SIGSTOP from the kernel.
  if ((t->signal->flags & SIGNAL_UNKILLABLE) && handler == SIG_DFL && !(force && sig_kernel_only(sig)))
    return true;
  return sig_handler_ignored(handler, sig);
}

// False: the signal is to be dropped: the process is dying, or (sent to
// the thread alone) the thread is.
bool prepare_signal(int sig, task_struct* p, bool force, PidType type) {
  signal_struct* s = p->signal;
  if ((s->flags & SIGNAL_GROUP_EXIT) || (type == PidType::PID && (p->flags & PF_EXITING))) return false;
  if (sig_kernel_stop(sig)) {
    flush_sigqueue_mask(s, sigmask(SIGCONT), &s->shared_pending);
    flush_sigqueue_mask(s, sigmask(SIGCONT), &p->pending);
  } else if (sig == SIGCONT) {
    flush_sigqueue_mask(s, SIG_KERNEL_STOP_MASK, &s->shared_pending);
    flush_sigqueue_mask(s, SIG_KERNEL_STOP_MASK, &p->pending);
    if (s->flags & SIGNAL_STOP_STOPPED) {
      // Reported by the continued task itself (get_signal), which may
      // take its parent's locks; the sender holds ours.
      s->flags = (s->flags & ~SIGNAL_STOP_STOPPED) | SIGNAL_STOP_CONTINUED | SIGNAL_CLD_CONTINUED;
      s->stop_code = 0;
      wake_up_state(p, TASK_INTERRUPTIBLE);
    }
  }
  return !sig_ignored(p, sig, force);
}

// fn(o) for each live thread o of tsk's group but tsk (under the siglock),
// until fn returns true.
template <class F>
void for_each_other_thread(task_struct* tsk, F fn) {
  list_head* head = &tsk->signal->thread_head;
  for (list_head* e = head->next; e != head; e = e->next) {
    task_struct* o = container_of(e, &task_struct::thread_node);
    if (o != tsk && fn(o)) return;
  }
}

bool wants_signal(int sig, const task_struct* t) {
  return !sigismember(&t->blocked, sig) && !(t->flags & PF_EXITING);
}

// A signal for the whole process wakes one thread that can take it: the
// one it was sent to if it may, else the first other live thread that
// does not block it (Linux's complete_signal, without its fatal-signal
// shortcut: the thread that dequeues a fatal one ends the group). With
// none, it waits in shared_pending for a thread to unblock it.
void complete_signal(int sig, task_struct* t) {
  if (wants_signal(sig, t)) {
    signal_wake_up(t);
    return;
  }
  for_each_other_thread(t, [sig](task_struct* o) {
    if (!wants_signal(sig, o)) return false;
    signal_wake_up(o);
    return true;
  });
}

int send_signal_locked(int sig, const kernel_siginfo* info, task_struct* t, PidType type, bool force) {
  if (!prepare_signal(sig, t, force, type)) return 0;
  signal_struct* s = t->signal;
  sigpending* pending = type == PidType::PID ? &t->pending : &s->shared_pending;
  if (legacy_queue(pending->signal, sig)) return 0;
  if (sig != SIGKILL) {
    // kill() may not fail for want of memory: a standard signal, or one
    // the kernel sends, goes past the limit (and loses its siginfo only
    // when even that allocation fails).
    const bool override_limit = sig < SIGRTMIN && info->si_code >= 0;
    if (sigqueue* q = sigqueue_alloc(s, override_limit)) {
      q->info = *info;
      list_add_tail(&q->list, &pending->list);
    } else if (sig >= SIGRTMIN && info->si_code != SI_USER) {
      return -EAGAIN;
    }
  }
  sigaddset(&pending->signal, sig);
  if (type != PidType::PID) complete_signal(sig, t);
  else if (!sigismember(&t->blocked, sig)) signal_wake_up(t);
  return 0;
}

// Takes one siginfo of `sig` off the queue; the bit stays set while
// another one is queued.
void collect_signal(signal_struct* s, int sig, sigpending* list, kernel_siginfo* info) {
  sigqueue* first = nullptr;
  bool more = false;
  for (list_head* e = list->list.next; e != &list->list; e = e->next) {
    sigqueue* q = container_of(e, &sigqueue::list);
    if (q->info.si_signo != sig) continue;
    if (first) {
      more = true;
      break;
    }
    first = q;
  }
  if (!more) sigdelset(&list->signal, sig);
  if (first) {
    list_del_init(&first->list);
    *info = first->info;
    sigqueue_free(s, first);
  } else {
    *info = kernel_siginfo{};  // its siginfo was never queued: a plain kill()
    info->si_signo = sig;
    info->si_code = SI_USER;
  }
}

int dequeue_from(signal_struct* s, sigpending* pending, const kernel_sigset_t* mask, kernel_siginfo* info) {
  const int sig = next_signal(pending->signal, *mask);
  if (sig) collect_signal(s, sig, pending, info);
  return sig;
}

// The caller's next signal outside mask (its own queue first, then the
// process's); 0 when none.
int dequeue_signal(task_struct* t, const kernel_sigset_t* mask, kernel_siginfo* info) {
  int sig = dequeue_from(t->signal, &t->pending, mask, info);
  if (!sig) sig = dequeue_from(t->signal, &t->signal->shared_pending, mask, info);
  recalc_sigpending();
  return sig;
}

int force_sig_info(const kernel_siginfo* info) {
  task_struct* t = get_current();
  const int sig = info->si_signo;
  TaskSighandLock l{t};
  if (!l.sighand()) return -ESRCH;
  k_sigaction* action = &t->sighand->action[sig - 1];
  const bool blocked = sigismember(&t->blocked, sig);
  if (blocked || action->sa.sa_handler == SIG_IGN) {
    action->sa.sa_handler = SIG_DFL;
    if (blocked) sigdelset(&t->blocked, sig);
  }
  if (action->sa.sa_handler == SIG_DFL) t->signal->flags &= ~SIGNAL_UNKILLABLE;
  const int ret = send_signal_locked(sig, info, t, PidType::PID, false);
  recalc_sigpending_tsk(t);  // an unblocked one already pending counts now
  return ret;
}

sighand_struct* sighand_alloc() {
  void* mem = kmem_cache_alloc(sighand_cachep, GFP_KERNEL);
  return mem ? new (mem) sighand_struct : nullptr;
}

void sighand_free_rcu(rcu_head* head) {
  sighand_struct* sh = container_of(head, &sighand_struct::rcu);
  sh->~sighand_struct();
  kmem_cache_free(sighand_cachep, sh);
}

void signal_struct_free_rcu(rcu_head* head) {
  signal_struct* s = container_of(head, &signal_struct::rcu);
  flush_sigqueue(s, &s->shared_pending);
  s->~signal_struct();
  kmem_cache_free(signal_cachep, s);
}

signal_struct* signal_struct_alloc() {
  void* mem = kmem_cache_alloc(signal_cachep, GFP_KERNEL);
  if (!mem) return nullptr;
  signal_struct* s = new (mem) signal_struct;
  init_sigpending(&s->shared_pending);
  return s;
}

bool sigkill_pending(task_struct* t) {
  return sigismember(&t->pending.signal, SIGKILL) || sigismember(&t->signal->shared_pending.signal, SIGKILL);
}

// SIGCHLD's si_utime: the child's CPU time in clock ticks (USER_HZ 100);
// user and system time are not told apart, so it is all utime.
long runtime_clock_t(const task_struct* t) {
  const uint64_t hz = timebase_hz();
  return hz ? static_cast<long>(t->se.sum_exec_runtime / (hz / 100 ? hz / 100 : 1)) : 0;
}

}  // namespace

int dequeue_signal_locked(const kernel_sigset_t* mask, kernel_siginfo* info) {
  return dequeue_signal(get_current(), mask, info);
}

void flush_sigqueue_mask(signal_struct* s, uint64_t mask, sigpending* p) {
  if (!(p->signal.sig & mask)) return;
  sigdelsetmask(&p->signal, mask);
  for (list_head* e = p->list.next; e != &p->list;) {
    sigqueue* q = container_of(e, &sigqueue::list);
    e = e->next;
    if (sigmask(q->info.si_signo) & mask) {
      list_del_init(&q->list);
      sigqueue_free(s, q);
    }
  }
}

TaskSighandLock::TaskSighandLock(task_struct* t) : flags_(arch_local_irq_save()) {
  for (;;) {
    rcu_read_lock();
    sighand_struct* sh = __atomic_load_n(&t->sighand, __ATOMIC_ACQUIRE);
    if (!sh) {
      rcu_read_unlock();
      return;
    }
    sh->siglock.lock();
    // Still t's: release_task_signals clears the pointer under this lock
    // before the last reference goes, so it cannot be freed while held.
    if (__atomic_load_n(&t->sighand, __ATOMIC_RELAXED) == sh) {
      rcu_read_unlock();
      sh_ = sh;
      return;
    }
    sh->siglock.unlock();
    rcu_read_unlock();
  }
}

TaskSighandLock::~TaskSighandLock() {
  if (sh_) sh_->siglock.unlock();
  arch_local_irq_restore(flags_);
}

void signals_init() {
  // Linux's flags: SLAB_ACCOUNT caches merge only with each other.
  sigqueue_cachep =
      kmem_cache_create("sigqueue", sizeof(sigqueue), alignof(sigqueue), SLAB_PANIC | SLAB_ACCOUNT, nullptr);
  sighand_cachep = kmem_cache_create("sighand_cache", sizeof(sighand_struct), alignof(sighand_struct),
                                     SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, nullptr);
  signal_cachep = kmem_cache_create("signal_cache", sizeof(signal_struct), alignof(signal_struct),
                                    SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, nullptr);
}

int send_sig_info(int sig, const kernel_siginfo* info, task_struct* p, PidType type) {
  TaskSighandLock l{p};
  if (!l.sighand()) return -ESRCH;
  return send_signal_locked(sig, info, p, type, info->si_code == SI_KERNEL);
}

kernel_siginfo user_siginfo(int sig, int code) {
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = code;
  info._sifields._kill.pid = get_current()->tgid;
  info._sifields._kill.uid = current_cred()->uid;
  return info;
}

int send_sig(int sig, task_struct* p, int priv) {
  kernel_siginfo info = priv ? kernel_siginfo{} : user_siginfo(sig, SI_USER);
  if (priv) {
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
  }
  return send_sig_info(sig, &info, p, PidType::TGID);
}

int force_sig_fault(int sig, int code, uint64_t addr) {
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = code;
  info._sifields._sigfault.addr = addr;
  return force_sig_info(&info);
}

int force_sig(int sig) {
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = SI_KERNEL;
  return force_sig_info(&info);
}

bool fatal_signal_pending(task_struct* p) { return signal_pending(p) && p->signal && sigkill_pending(p); }

bool do_notify_parent(task_struct* tsk, int sig) {
  task_struct* parent = tsk->parent;
  if (!parent) return true;
  kernel_siginfo info;
  info.si_signo = sig;
  info._sifields._sigchld.pid = tsk->tgid;
  info._sifields._sigchld.uid = task_cred_ids(tsk).uid;
  info._sifields._sigchld.utime = runtime_clock_t(tsk);
  const int status = tsk->exit_code;
  if (status & 0x7f) {
    info.si_code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
    info._sifields._sigchld.status = status & 0x7f;
  } else {
    info.si_code = CLD_EXITED;
    info._sifields._sigchld.status = (status >> 8) & 0xff;
  }
  bool autoreap = false;
  {
    TaskSighandLock l{parent};
    if (!l.sighand()) return true;
    const k_sigaction& ka = parent->sighand->action[SIGCHLD - 1];
    if (sig == SIGCHLD && (ka.sa.sa_handler == SIG_IGN || (ka.sa.sa_flags & SA_NOCLDWAIT))) {
      // POSIX: the child is not left as a zombie; with SIG_IGN no signal.
      autoreap = true;
      if (ka.sa.sa_handler == SIG_IGN) sig = 0;
    }
    if (sig > 0 && sig <= _NSIG) send_signal_locked(sig, &info, parent, PidType::TGID, false);
  }
  return autoreap;
}

void do_notify_parent_cldstop(task_struct* tsk, int why, int sig) {
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    task_struct* parent = tsk->group_leader->parent;
    if (!parent) return;
    kernel_siginfo info;
    info.si_signo = SIGCHLD;
    info.si_code = why;
    info._sifields._sigchld.pid = tsk->tgid;
    info._sifields._sigchld.uid = task_cred_ids(tsk).uid;
    info._sifields._sigchld.status = sig;
    info._sifields._sigchld.utime = runtime_clock_t(tsk);
    TaskSighandLock l{parent};
    if (l.sighand() && !(l.sighand()->action[SIGCHLD - 1].sa.sa_flags & SA_NOCLDSTOP))
      send_signal_locked(SIGCHLD, &info, parent, PidType::TGID, false);
  }
  wake_up_parent();
}

// ---- the receiving task --------------------------------------------------------

void set_current_blocked(const kernel_sigset_t* set) {
  task_struct* t = get_current();
  kernel_sigset_t newset = *set;
  sigdelsetmask(&newset, SIG_KERNEL_ONLY_MASK);
  SpinLockIrqSaveGuard g{t->sighand->siglock};
  t->blocked = newset;
  recalc_sigpending();
}

const kernel_sigset_t* sigmask_to_save() {
  task_struct* t = get_current();
  return t->restore_sigmask ? &t->saved_sigmask : &t->blocked;
}

void restore_saved_sigmask() {
  task_struct* t = get_current();
  if (!t->restore_sigmask) return;
  t->restore_sigmask = false;
  set_current_blocked(&t->saved_sigmask);
}

bool get_signal(ksignal* ksig) {
  task_struct* t = get_current();
  sighand_struct* sh = t->sighand;
  for (;;) {
    const unsigned long flags = arch_local_irq_save();
    sh->siglock.lock();
    auto unlock = [&] {
      sh->siglock.unlock();
      arch_local_irq_restore(flags);
    };
    signal_struct* s = t->signal;
    if ((s->flags & SIGNAL_GROUP_EXIT) || (s->group_exec_task && s->group_exec_task != t)) {
      // Another thread ended the group (exit_group, a fatal signal) or is
      // in execve: this one goes too, with the group's status.
      unlock();
      do_group_exit(0);
    }
    if (t->signal->flags & SIGNAL_CLD_CONTINUED) {
      t->signal->flags &= ~SIGNAL_CLD_CONTINUED;
      unlock();
      do_notify_parent_cldstop(t, CLD_CONTINUED, SIGCONT);
      continue;
    }
    if ((t->signal->flags & SIGNAL_STOP_STOPPED) && !sigkill_pending(t)) {
      // Stopped: sleep until SIGCONT clears the flag or SIGKILL comes
      // (each sender takes the siglock, so neither wakeup is lost).
      set_current_state(TASK_INTERRUPTIBLE);
      unlock();
      schedule();
      continue;
    }
    kernel_siginfo info;
    const int signr = dequeue_signal(t, &t->blocked, &info);
    if (!signr) {
      unlock();
      return false;
    }
    k_sigaction* ka = &sh->action[signr - 1];
    if (ka->sa.sa_handler == SIG_IGN) {
      unlock();
      continue;
    }
    if (ka->sa.sa_handler != SIG_DFL) {
      ksig->ka = *ka;
      ksig->info = info;
      ksig->sig = signr;
      if (ka->sa.sa_flags & SA_RESETHAND) ka->sa.sa_handler = SIG_DFL;
      unlock();
      return true;
    }
    const SigDefault action = sig_default_action(signr);
    if (action == SigDefault::Ignore || ((t->signal->flags & SIGNAL_UNKILLABLE) && !sig_kernel_only(signr))) {
      unlock();
      continue;
    }
    if (action == SigDefault::Stop) {
      if (signr != SIGSTOP) {
        // POSIX: SIGTSTP, SIGTTIN and SIGTTOU do not stop a process of an
        // orphaned group (nobody would continue it): discarded.
        unlock();
        if (is_current_pgrp_orphaned()) continue;
        arch_local_irq_save();
        sh->siglock.lock();
        if (t->signal->flags & SIGNAL_CLD_CONTINUED) {  // a SIGCONT came meanwhile: it wins
          unlock();
          continue;
        }
      }
      t->signal->flags = (t->signal->flags | SIGNAL_STOP_STOPPED) & ~SIGNAL_STOP_CONTINUED;
      t->signal->stop_code = signr;
      unlock();
      do_notify_parent_cldstop(t, CLD_STOPPED, signr);
      continue;
    }
    // Terminate the whole group (a core-dump signal too: no core is
    // written, so the status is the bare signal number).
    unlock();
    do_group_exit(exit_status_signaled(signr));
  }
}

void signal_setup_done(bool failed, ksignal* ksig) {
  if (failed) {
    // Could not write the frame: SIGSEGV, which kills if it was SIGSEGV's
    // own handler that could not run.
    if (ksig->sig == SIGSEGV) {
      TaskSighandLock l{get_current()};
      if (l.sighand()) l.sighand()->action[SIGSEGV - 1].sa.sa_handler = SIG_DFL;
    }
    force_sig(SIGSEGV);
    return;
  }
  task_struct* t = get_current();
  kernel_sigset_t blocked;
  sigorsets(&blocked, &t->blocked, &ksig->ka.sa.sa_mask);
  if (!(ksig->ka.sa.sa_flags & SA_NODEFER)) sigaddset(&blocked, ksig->sig);
  t->restore_sigmask = false;
  set_current_blocked(&blocked);
}

bool unhandled_signal(task_struct* tsk, int sig) {
  if (tsk == child_reaper()) return true;
  TaskSighandLock l{tsk};
  if (!l.sighand()) return true;
  const uint64_t handler = l.sighand()->action[sig - 1].sa.sa_handler;
  return handler == SIG_IGN || handler == SIG_DFL;
}

// ---- lifetime --------------------------------------------------------------------

int copy_sighand(unsigned long clone_flags, task_struct* p) {
  task_struct* cur = get_current();
  if ((clone_flags & CLONE_SIGHAND) && cur->sighand) {
    cur->sighand->count.fetch_add(1, std::memory_order_relaxed);
    p->sighand = cur->sighand;
    return 0;
  }
  sighand_struct* sh = sighand_alloc();
  if (!sh) return -ENOMEM;
  if (cur->sighand) {
    SpinLockIrqSaveGuard g{cur->sighand->siglock};
    memcpy(sh->action, cur->sighand->action, sizeof(sh->action));
  }
  p->sighand = sh;
  return 0;
}

int copy_signal(unsigned long clone_flags, task_struct* p) {
  task_struct* cur = get_current();
  init_sigpending(&p->pending);
  p->sigpending_flag.store(false, std::memory_order_relaxed);
  p->restore_sigmask = false;
  p->restart_block = {};
  p->blocked = cur->blocked;
  // A thread sharing the address space does not share the stack it
  // handles signals on (sigaltstack(2)); a forked child keeps it.
  p->sas = (clone_flags & CLONE_VM) && !(clone_flags & CLONE_VFORK) ? sigaltstack_state{} : cur->sas;
  if ((clone_flags & CLONE_THREAD) && cur->signal) {
    cur->signal->count.fetch_add(1, std::memory_order_relaxed);
    p->signal = cur->signal;
    return 0;
  }
  p->signal = signal_struct_alloc();
  return p->signal ? 0 : -ENOMEM;
}

int init_task_signals(task_struct* p) {
  sighand_struct* sh = sighand_alloc();
  signal_struct* s = signal_struct_alloc();
  if (!sh || !s) {
    if (sh) sighand_free_rcu(&sh->rcu);
    if (s) signal_struct_free_rcu(&s->rcu);
    return -ENOMEM;
  }
  init_sigpending(&p->pending);
  sigemptyset(&p->blocked);
  p->sas = {};
  p->restart_block = {};
  list_add_tail(&p->thread_node, &s->thread_head);  // p is not visible to anyone yet
  p->signal = s;
  __atomic_store_n(&p->sighand, sh, __ATOMIC_RELEASE);
  return 0;
}

int flush_signal_handlers(task_struct* t, bool force_default) {
  // Unshare first: another process keeps the handlers it shares with us.
  sighand_struct* old = t->sighand;
  if (old->count.load(std::memory_order_acquire) > 1) {
    sighand_struct* sh = sighand_alloc();
    if (!sh) return -ENOMEM;
    {
      SpinLockIrqSaveGuard g{old->siglock};
      memcpy(sh->action, old->action, sizeof(sh->action));
      __atomic_store_n(&t->sighand, sh, __ATOMIC_RELEASE);
    }
    if (old->count.fetch_sub(1, std::memory_order_acq_rel) == 1) call_rcu(&old->rcu, sighand_free_rcu);
  }
  SpinLockIrqSaveGuard g{t->sighand->siglock};
  for (k_sigaction& ka : t->sighand->action) {
    if (force_default || ka.sa.sa_handler != SIG_IGN) ka.sa.sa_handler = SIG_DFL;
    ka.sa.sa_flags = 0;
    sigemptyset(&ka.sa.sa_mask);
  }
  // execve(2): the new program starts without an alternate signal stack.
  t->sas = {};
  return 0;
}

void exit_signals(task_struct* tsk) {
  TaskSighandLock l{tsk};
  if (!l.sighand()) return;
  tsk->flags |= PF_EXITING;
  flush_sigqueue(tsk->signal, &tsk->pending);
  tsk->sigpending_flag.store(false, std::memory_order_relaxed);
  // A signal for the process this thread was woken for but will not take
  // goes to another thread that can.
  for_each_other_thread(tsk, [](task_struct* o) {
    if (recalc_sigpending_tsk(o)) wake_up_state(o, TASK_INTERRUPTIBLE);
    return false;
  });
}

int zap_other_threads(task_struct* tsk) {
  int n = 0;
  for_each_other_thread(tsk, [&n](task_struct* o) {
    n++;
    sigaddset(&o->pending.signal, SIGKILL);
    signal_wake_up(o);
    return false;
  });
  return n;
}

void release_task_signals(task_struct* tsk) {
  sighand_struct* sh = tsk->sighand;
  if (!sh) return;
  signal_struct* s = tsk->signal;  // null when fork failed between the two copies
  {
    SpinLockIrqSaveGuard g{sh->siglock};
    if (s) flush_sigqueue(s, &tsk->pending);
    if (!list_empty(&tsk->thread_node)) list_del_init(&tsk->thread_node);  // a kernel test task: never exit_notify'd
    __atomic_store_n(&tsk->sighand, nullptr, __ATOMIC_RELEASE);
    tsk->signal = nullptr;
  }
  if (sh->count.fetch_sub(1, std::memory_order_acq_rel) == 1) call_rcu(&sh->rcu, sighand_free_rcu);
  if (s && s->count.fetch_sub(1, std::memory_order_acq_rel) == 1) call_rcu(&s->rcu, signal_struct_free_rcu);
}
