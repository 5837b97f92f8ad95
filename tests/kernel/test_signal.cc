// Signal self-tests on kernel threads given signal state (init_task_signals):
// what a sender queues and how the receiver dequeues it (standard signals
// coalesce, real-time ones queue with their siginfo, faults first), that a
// signal wakes an interruptible sleeper but not a blocked one's, SIGKILL
// cannot be blocked, forced faults override blocking and SIG_IGN, an
// ignored signal is discarded at once, SIGSTOP stops until SIGCONT, the
// handler mask after delivery, and that the queue gives back its memory.
// Delivery to user mode is in the `user` layer (tests/user/signal.c,
// sigsegv.c run as init).
#include <kernel/ktest.h>

#include <atomic>

#include <kernel/kthread.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <asm/active_mm.h>
#include <asm/uaccess.h>
#include <kernel/time.h>
#include <lib/string.h>
#include <mm/mmap.h>
#include <asm/sigframe.h>

#include "user_test.h"

namespace {

constexpr uint64_t FAKE_HANDLER = 0x10000;  // never run: kernel threads do not return to user mode

struct Probe {
  std::atomic<int> stage{0};
  std::atomic<bool> go{false};
  int got[8] = {};
  int codes[8] = {};  // si_code of each signal drain() got
  int flags[8] = {};  // what a test saw along the way
  int n = 0;
  bool pending_seen = false;
};

// Sets a (never run) handler for sig in the current task.
void set_handler(int sig, uint64_t flags = 0) {
  task_struct* t = get_current();
  TaskSighandLock l{t};
  l.sighand()->action[sig - 1].sa.sa_handler = FAKE_HANDLER;
  l.sighand()->action[sig - 1].sa.sa_flags = flags;
}

// Everything get_signal hands out until it has nothing left.
void drain(Probe* pr) {
  ksignal ks;
  while (pr->n < 8 && get_signal(&ks)) {
    pr->got[pr->n] = ks.sig;
    pr->codes[pr->n] = ks.info.si_code;
    pr->n++;
  }
}

task_struct* start_with_signals(int (*fn)(void*), void* arg, const char* name) {
  task_struct* p = kthread_create(fn, arg, "%s", name);
  if (!p) return nullptr;
  if (init_task_signals(p)) {
    kthread_stop(p);
    return nullptr;
  }
  wake_up_process(p);
  return p;
}

// Runs fn(pr) to its end in a kernel thread with signal state; false
// when the thread could not be made.
bool run_probe(int (*fn)(void*), Probe* pr, const char* name) {
  task_struct* p = start_with_signals(fn, pr, name);
  if (!p) return false;
  kthread_join(p);
  return true;
}

// ---- queueing --------------------------------------------------------------

int queue_self(void* arg) {
  auto* pr = static_cast<Probe*>(arg);
  task_struct* self = get_current();
  set_handler(SIGUSR1);
  set_handler(SIGRTMIN + 1);
  set_handler(SIGSEGV);
  kernel_siginfo info = user_siginfo(SIGRTMIN + 1, SI_QUEUE);
  for (int i = 0; i < 3; i++) {
    info._sifields._rt.value.sival_int = 100 + i;
    send_sig_info(SIGRTMIN + 1, &info, self, PidType::TGID);
  }
  send_sig(SIGUSR1, self, 0);
  send_sig(SIGUSR1, self, 0);  // coalesces with the first
  force_sig_fault(SIGSEGV, SEGV_ACCERR, 0x1234);
  pr->pending_seen = signal_pending(self);
  drain(pr);
  release_task_signals(self);
  return 0;
}

KTEST(signal, standard_signals_coalesce_realtime_queue_faults_first) {
  Probe pr;
  ASSERT_TRUE(run_probe(queue_self, &pr, "sig/queue"));
  EXPECT_TRUE(pr.pending_seen);
  ASSERT_EQ(pr.n, 5);
  EXPECT_EQ(pr.got[0], SIGSEGV);  // the synchronous fault first
  EXPECT_EQ(pr.codes[0], SEGV_ACCERR);
  EXPECT_EQ(pr.got[1], SIGUSR1);  // once
  EXPECT_EQ(pr.codes[1], SI_USER);
  for (int i = 2; i < 5; i++) {
    EXPECT_EQ(pr.got[i], SIGRTMIN + 1);
    EXPECT_EQ(pr.codes[i], SI_QUEUE);
  }
}

// ---- blocking and SIGKILL ------------------------------------------------------

int block_then_unblock(void* arg) {
  auto* pr = static_cast<Probe*>(arg);
  task_struct* self = get_current();
  set_handler(SIGUSR2);
  kernel_sigset_t all;
  sigfillset(&all);
  set_current_blocked(&all);
  pr->flags[0] = sigismember(&self->blocked, SIGKILL) || sigismember(&self->blocked, SIGSTOP);
  send_sig(SIGUSR2, self, 1);
  pr->flags[1] = signal_pending(self);  // blocked: not pending for delivery
  ksignal ks;
  pr->flags[2] = get_signal(&ks);       // nothing deliverable
  kernel_sigset_t none;
  set_current_blocked(&none);
  pr->flags[3] = signal_pending(self);  // unblocked: now it is
  drain(pr);
  release_task_signals(self);
  return 0;
}

KTEST(signal, blocked_signal_waits_and_sigkill_is_never_blocked) {
  Probe pr;
  ASSERT_TRUE(run_probe(block_then_unblock, &pr, "sig/block"));
  EXPECT_EQ(pr.flags[0], 0);
  EXPECT_EQ(pr.flags[1], 0);
  EXPECT_EQ(pr.flags[2], 0);
  EXPECT_EQ(pr.flags[3], 1);
  ASSERT_EQ(pr.n, 1);
  EXPECT_EQ(pr.got[0], SIGUSR2);
  EXPECT_EQ(pr.codes[0], SI_KERNEL);
}

// ---- forced faults, ignored signals, handler mask ------------------------------

int forced_and_ignored(void* arg) {
  auto* pr = static_cast<Probe*>(arg);
  task_struct* self = get_current();
  {
    TaskSighandLock l{self};
    l.sighand()->action[SIGBUS - 1].sa.sa_handler = SIG_IGN;
    l.sighand()->action[SIGTERM - 1].sa.sa_handler = SIG_IGN;
  }
  send_sig(SIGTERM, self, 0);
  pr->flags[0] = sigismember(&self->pending.signal, SIGTERM) || sigismember(&self->signal->shared_pending.signal, SIGTERM);
  kernel_sigset_t b;
  sigaddset(&b, SIGBUS);
  set_current_blocked(&b);
  force_sig_fault(SIGBUS, BUS_ADRERR, 0x42);
  // The fault overrides both: unblocked, and back to SIG_DFL.
  pr->flags[1] = sigismember(&self->blocked, SIGBUS);
  pr->flags[2] = self->sighand->action[SIGBUS - 1].sa.sa_handler == SIG_DFL;
  pr->flags[3] = signal_pending(self);
  // Take it off without acting on it (its default would end the task).
  {
    TaskSighandLock l{self};
    flush_sigqueue_mask(self->signal, sigmask(SIGBUS), &self->pending);
  }
  // A handler with a mask: delivery blocks the mask and the signal itself.
  {
    TaskSighandLock l{self};
    k_sigaction& ka = l.sighand()->action[SIGUSR1 - 1];
    ka.sa.sa_handler = FAKE_HANDLER;
    sigemptyset(&ka.sa.sa_mask);
    sigaddset(&ka.sa.sa_mask, SIGUSR2);
  }
  kernel_sigset_t none;
  set_current_blocked(&none);
  send_sig(SIGUSR1, self, 0);
  ksignal ks;
  pr->flags[4] = get_signal(&ks) && ks.sig == SIGUSR1;
  signal_setup_done(false, &ks);
  pr->flags[5] = sigismember(&self->blocked, SIGUSR1) && sigismember(&self->blocked, SIGUSR2);
  release_task_signals(self);
  return 0;
}

KTEST(signal, forced_fault_unblocks_and_unignores_ignored_signal_is_dropped_handler_mask) {
  Probe pr;
  ASSERT_TRUE(run_probe(forced_and_ignored, &pr, "sig/force"));
  EXPECT_EQ(pr.flags[0], 0);
  EXPECT_EQ(pr.flags[1], 0);
  EXPECT_EQ(pr.flags[2], 1);
  EXPECT_EQ(pr.flags[3], 1);
  EXPECT_EQ(pr.flags[4], 1);
  EXPECT_EQ(pr.flags[5], 1);
}

// ---- sleeping ------------------------------------------------------------------

int sleep_interruptible(void* arg) {
  auto* pr = static_cast<Probe*>(arg);
  task_struct* self = get_current();
  set_handler(SIGUSR1);
  pr->stage.store(1);
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    if (signal_pending(self)) break;
    schedule();
  }
  __set_current_state(TASK_RUNNING);
  pr->stage.store(2);
  drain(pr);
  release_task_signals(self);
  return 0;
}

KTEST(signal, signal_wakes_an_interruptible_sleeper) {
  Probe pr;
  task_struct* p = start_with_signals(sleep_interruptible, &pr, "sig/sleep");
  ASSERT_TRUE(p != nullptr);
  while (pr.stage.load() != 1) yield();
  msleep(20);
  EXPECT_EQ(pr.stage.load(), 1);  // still asleep: nothing woke it
  EXPECT_EQ(send_sig(SIGUSR1, p, 1), 0);
  kthread_join(p);
  EXPECT_EQ(pr.stage.load(), 2);
  ASSERT_EQ(pr.n, 1);
  EXPECT_EQ(pr.got[0], SIGUSR1);
}

// The subject's second half: ready (stage 1), then at the test's go takes
// every signal (stage 2) and lets go of its signal state.
int drain_on_go(Probe* pr) {
  pr->stage.store(1);
  while (!pr->go.load()) yield();
  drain(pr);
  pr->stage.store(2);
  release_task_signals(get_current());
  return 0;
}

int stop_and_continue(void* arg) {
  set_handler(SIGUSR1);
  return drain_on_go(static_cast<Probe*>(arg));  // stops inside drain, goes on after SIGCONT with SIGUSR1
}

KTEST(signal, sigstop_stops_until_sigcont) {
  Probe pr;
  task_struct* p = start_with_signals(stop_and_continue, &pr, "sig/stop");
  ASSERT_TRUE(p != nullptr);
  while (pr.stage.load() != 1) yield();
  EXPECT_EQ(send_sig(SIGSTOP, p, 1), 0);
  pr.go.store(true);
  msleep(20);
  EXPECT_EQ(pr.stage.load(), 1);  // stopped
  EXPECT_EQ(task_state(p), TASK_INTERRUPTIBLE);
  EXPECT_EQ(send_sig(SIGUSR1, p, 1), 0);  // handled later, not now
  msleep(10);
  EXPECT_EQ(pr.stage.load(), 1);
  EXPECT_EQ(send_sig(SIGCONT, p, 1), 0);
  kthread_join(p);
  EXPECT_EQ(pr.stage.load(), 2);
  ASSERT_EQ(pr.n, 1);
  EXPECT_EQ(pr.got[0], SIGUSR1);
}

int unkillable(void* arg) {
  task_struct* self = get_current();
  {
    TaskSighandLock l{self};
    self->signal->flags |= SIGNAL_UNKILLABLE;  // what init gets (kernel/main.cc)
  }
  set_handler(SIGUSR2);
  return drain_on_go(static_cast<Probe*>(arg));
}

KTEST(signal, init_takes_only_the_signals_it_handles) {
  Probe pr;
  task_struct* p = start_with_signals(unkillable, &pr, "sig/init");
  ASSERT_TRUE(p != nullptr);
  while (pr.stage.load() != 1) yield();
  EXPECT_EQ(send_sig(SIGTERM, p, 0), 0);  // default action: dropped at once
  EXPECT_EQ(send_sig(SIGKILL, p, 0), 0);  // even SIGKILL, from a process
  EXPECT_EQ(send_sig(SIGTSTP, p, 0), 0);
  EXPECT_FALSE(signal_pending(p));
  EXPECT_EQ(send_sig(SIGUSR2, p, 0), 0);  // handled: delivered
  EXPECT_TRUE(signal_pending(p));
  pr.go.store(true);
  kthread_join(p);
  EXPECT_EQ(pr.stage.load(), 2);
  ASSERT_EQ(pr.n, 1);
  EXPECT_EQ(pr.got[0], SIGUSR2);
}

KTEST(signal, a_task_without_signal_state_is_esrch) {
  Probe pr;
  task_struct* p = kthread_create(queue_self, &pr, "sig/none");
  ASSERT_TRUE(p != nullptr);
  EXPECT_EQ(send_sig(SIGUSR1, p, 1), -ESRCH);
  EXPECT_FALSE(signal_pending(p));
  kthread_stop(p);
}

}  // namespace

// ---- delivery to user mode ---------------------------------------------------------

extern "C" const uint8_t user_prog_sig_segv[], user_prog_sig_segv_end[], user_prog_sig_restart[],
    user_prog_sig_restart_end[], user_prog_sig_altstack[], user_prog_sig_altstack_end[], user_prog_sig_trap[],
    user_prog_sig_trap_end[];

namespace {

KTEST(signal, user_handler_sees_the_fault_and_sigreturn_restores_registers_and_mask) {
  uint64_t r[9];
  ASSERT_EQ(user_test::run(user_prog_sig_segv, user_prog_sig_segv_end, r, 9), exit_status_exited(0));
  EXPECT_EQ(static_cast<long>(r[0]), 0L);  // rt_sigaction
  EXPECT_EQ(r[1], 0x5a5au);                // s2 as before the fault
  EXPECT_EQ(r[2], static_cast<uint64_t>(SIGSEGV));
  EXPECT_EQ(r[3], static_cast<uint64_t>(SEGV_MAPERR));
  EXPECT_EQ(r[4], 0u);                     // si_addr: the NULL load
  EXPECT_NE(r[5], 0u);                     // the faulting pc, which the handler skipped
  EXPECT_EQ(r[6], 0u);                     // uc_sigmask: the mask before
  EXPECT_EQ(r[7], sigmask(SIGSEGV));       // blocked while it runs
  EXPECT_EQ(r[8], 0u);                     // and unblocked by sigreturn
}

// The program sleeps in wait4 for a child that sleeps 300 ms; SIGUSR1
// arrives meanwhile. Returns its results.
void run_interrupted_wait(KTestContext& ktest_ctx_, uint64_t seed, uint64_t* r) {
  user_test::UserImage img;
  img.seed = seed;
  ASSERT_TRUE(user_test::load_image(&img, user_prog_sig_restart, user_prog_sig_restart_end));
  task_struct* t = user_test::spawn(&img);
  ASSERT_TRUE(t != nullptr);
  msleep(100);
  EXPECT_EQ(send_sig(SIGUSR1, t, 0), 0);
  EXPECT_EQ(user_test::join(t), exit_status_exited(0));
  user_test::read_results(&img, r, 5);
  mmput(img.mm);
}

KTEST(signal, wait4_restarts_with_sa_restart_else_eintr) {
  uint64_t r[5];
  run_interrupted_wait(ktest_ctx_, 1, r);
  EXPECT_GT(static_cast<long>(r[0]), 1L);
  EXPECT_EQ(r[1], r[0]);                    // restarted: the child
  EXPECT_EQ(r[2], 0u);
  EXPECT_EQ(r[3], 1u);                      // the handler ran once
  EXPECT_EQ(static_cast<uint32_t>(r[4]), 0x500u);
  run_interrupted_wait(ktest_ctx_, 0, r);
  EXPECT_EQ(static_cast<long>(r[1]), -EINTR);
  EXPECT_EQ(r[2], r[0]);                    // the second wait4 got it
  EXPECT_EQ(r[3], 1u);
}

KTEST(signal, kill_self_runs_the_handler_on_the_alternate_stack) {
  uint64_t r[8];
  ASSERT_EQ(user_test::run(user_prog_sig_altstack, user_prog_sig_altstack_end, r, 8), exit_status_exited(0));
  EXPECT_EQ(static_cast<long>(r[0]), 0L);  // sigaltstack
  EXPECT_EQ(static_cast<long>(r[1]), 0L);  // kill
  EXPECT_EQ(static_cast<int>(r[3]), SI_USER);
  EXPECT_EQ(static_cast<long>(static_cast<int>(r[4])), static_cast<long>(r[7]));  // si_pid: ourselves
  EXPECT_EQ(r[5], static_cast<uint64_t>(SS_ONSTACK));
  EXPECT_EQ(static_cast<long>(r[6]), -EPERM);
  // The handler's sp is in the upper half of the page (the alternate
  // stack), 16-byte aligned, below the frame.
  const uint64_t page_off = r[2];
  EXPECT_EQ(page_off % 16, 0u);
  EXPECT_GE(page_off, 2048u);
  EXPECT_LE(page_off, 4096u - sizeof(rt_sigframe));
}

KTEST(signal, vdso_page_holds_the_trampoline_read_exec_never_writable) {
  user_test::UserImage img;
  ASSERT_TRUE(user_test::load_image(&img, user_prog_sig_segv, user_prog_sig_segv_end));
  const uint64_t base = img.mm->context.vdso;
  EXPECT_NE(base, 0u);
  {
    MmapReadGuard g{img.mm};
    const vm_area_struct* vma = find_vma(img.mm, base);
    ASSERT_TRUE(vma != nullptr && vma->vm_start == base);
    EXPECT_EQ(vma->vm_end - vma->vm_start, PAGE_SIZE);
    EXPECT_EQ(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_MAYWRITE | VM_MAYSHARE), VM_READ | VM_EXEC);
    const char* name = arch_vma_name(vma);
    EXPECT_TRUE(name && strcmp(name, "[vdso]") == 0);
  }
  uint32_t insn[2] = {};
  kthread_use_mm(img.mm);
  EXPECT_EQ(copy_from_user(insn, base, sizeof(insn)), 0u);
  kthread_unuse_mm(img.mm);
  EXPECT_EQ(insn[0], 0x08b00893u);  // li a7, 139
  EXPECT_EQ(insn[1], 0x00000073u);  // ecall
  EXPECT_EQ(sys_mprotect(img.mm, base, PAGE_SIZE, PROT_READ | PROT_WRITE), -EACCES);
  mmput(img.mm);
}

KTEST(signal, ebreak_is_sigtrap_at_its_pc) {
  uint64_t r[4];
  ASSERT_EQ(user_test::run(user_prog_sig_trap, user_prog_sig_trap_end, r, 4), exit_status_exited(0));
  EXPECT_NE(r[0], 0u);
  EXPECT_EQ(r[1], r[0]);  // si_addr: the instruction, as Linux's do_trap_break
  EXPECT_EQ(static_cast<int>(r[2]), TRAP_BRKPT);
  EXPECT_EQ(r[3], r[0]);
}

}  // namespace
