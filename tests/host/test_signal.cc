// Host tests for the signal rules (kernel/include/kernel/signal_abi.h)
// and the riscv64 signal frame layout (arch/riscv/include/asm/sigframe.h).
#include <doctest/doctest.h>

#include <bitset>
#include <random>

#include <asm/sigframe.h>
#include <kernel/signal_abi.h>

namespace {

// The model: bit i of a std::bitset<64> is signal i + 1.
std::bitset<64> model(const kernel_sigset_t& s) { return std::bitset<64>(s.sig); }
uint64_t bits(const std::bitset<64>& b) { return b.to_ullong(); }

}  // namespace

TEST_SUITE("signal") {
  TEST_CASE("sigset operations against a bitset model (random)") {
    std::mt19937_64 rng(6);
    for (int round = 0; round < 2000; round++) {
      kernel_sigset_t a{rng()}, b{rng()}, r;
      const int sig = static_cast<int>(rng() % 64) + 1;
      std::bitset<64> ma = model(a), mb = model(b);
      CHECK(sigismember(&a, sig) == ma.test(sig - 1));
      kernel_sigset_t c = a;
      sigaddset(&c, sig);
      CHECK(c.sig == bits(std::bitset<64>(ma).set(sig - 1)));
      sigdelset(&c, sig);
      CHECK(c.sig == bits(std::bitset<64>(ma).reset(sig - 1)));
      sigorsets(&r, &a, &b);
      CHECK(r.sig == bits(ma | mb));
      sigandsets(&r, &a, &b);
      CHECK(r.sig == bits(ma & mb));
      sigandnsets(&r, &a, &b);
      CHECK(r.sig == bits(ma & ~mb));
    }
    kernel_sigset_t s;
    CHECK(sigisemptyset(&s));
    sigfillset(&s);
    CHECK(sigismember(&s, 1));
    CHECK(sigismember(&s, 64));
    sigemptyset(&s);
    CHECK(sigisemptyset(&s));
  }

  TEST_CASE("next_signal: synchronous faults first, then the lowest number, blocked ones never (random)") {
    std::mt19937_64 rng(61);
    for (int round = 0; round < 5000; round++) {
      const kernel_sigset_t pending{rng() & rng()}, blocked{rng() & rng()};
      const uint64_t ready = pending.sig & ~blocked.sig;
      const int got = next_signal(pending, blocked);
      if (!ready) {
        CHECK(got == 0);
        continue;
      }
      REQUIRE(got >= 1);
      REQUIRE(got <= 64);
      CHECK((ready & sigmask(got)));
      const bool sync = sigmask(got) & SYNCHRONOUS_MASK;
      // Nothing lower in its class is ready, and no synchronous one is
      // passed over for an asynchronous one.
      for (int s = 1; s <= 64; s++) {
        if (!(ready & sigmask(s)) || s == got) continue;
        const bool s_sync = sigmask(s) & SYNCHRONOUS_MASK;
        if (s_sync == sync) CHECK(s > got);
        else CHECK_FALSE(s_sync);
      }
    }
    kernel_sigset_t p, none;
    sigaddset(&p, SIGUSR1);
    sigaddset(&p, SIGSEGV);
    sigaddset(&p, SIGHUP);
    CHECK(next_signal(p, none) == SIGSEGV);
    kernel_sigset_t b;
    sigaddset(&b, SIGSEGV);
    CHECK(next_signal(p, b) == SIGHUP);
  }

  TEST_CASE("default actions: Linux's classes for every signal") {
    for (int sig = 1; sig <= 64; sig++) {
      SigDefault want = SigDefault::Terminate;
      switch (sig) {
        case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
        case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
          want = SigDefault::CoreDump;
          break;
        case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
          want = SigDefault::Ignore;
          break;
        case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
          want = SigDefault::Stop;
          break;
        default:
          break;
      }
      CAPTURE(sig);
      CHECK(sig_default_action(sig) == want);
    }
    // Real-time signals terminate, whatever their number's low bits say.
    CHECK(sig_default_action(SIGRTMIN + SIGSEGV) == SigDefault::Terminate);
    CHECK(sig_default_action(SIGRTMIN + SIGCHLD) == SigDefault::Terminate);
  }

  TEST_CASE("rt_sigaction rules: signal range, SIGKILL/SIGSTOP, flags and mask cleaned") {
    CHECK(sigaction_check(0, false) == -EINVAL);
    CHECK(sigaction_check(65, false) == -EINVAL);
    CHECK(sigaction_check(-1, true) == -EINVAL);
    CHECK(sigaction_check(SIGKILL, true) == -EINVAL);
    CHECK(sigaction_check(SIGSTOP, true) == -EINVAL);
    CHECK(sigaction_check(SIGKILL, false) == 0);  // a query is fine
    CHECK(sigaction_check(SIGSTOP, false) == 0);
    for (int sig = 1; sig <= 64; sig++)
      if (sig != SIGKILL && sig != SIGSTOP) CHECK(sigaction_check(sig, true) == 0);

    struct sigaction act;
    act.sa_handler = 0x1234;
    act.sa_flags = SA_SIGINFO | SA_RESTART | SA_RESTORER | SA_UNSUPPORTED | 0x100000000ull | SA_ONSTACK |
                   SA_NODEFER | SA_RESETHAND | SA_NOCLDSTOP;
    sigfillset(&act.sa_mask);
    const struct sigaction got = sigaction_sanitize(act);
    CHECK(got.sa_handler == 0x1234);
    CHECK(got.sa_flags ==
          (SA_SIGINFO | SA_RESTART | SA_ONSTACK | SA_NODEFER | SA_RESETHAND | SA_NOCLDSTOP));
    CHECK_FALSE(sigismember(&got.sa_mask, SIGKILL));
    CHECK_FALSE(sigismember(&got.sa_mask, SIGSTOP));
    CHECK(sigismember(&got.sa_mask, SIGSEGV));

    CHECK(sig_handler_ignored(SIG_IGN, SIGTERM));
    CHECK(sig_handler_ignored(SIG_DFL, SIGCHLD));
    CHECK_FALSE(sig_handler_ignored(SIG_DFL, SIGTERM));
    CHECK_FALSE(sig_handler_ignored(0x1000, SIGCHLD));
  }

  TEST_CASE("rt_sigprocmask: how, and SIGKILL/SIGSTOP never blocked (random)") {
    std::mt19937_64 rng(62);
    for (int round = 0; round < 1000; round++) {
      const kernel_sigset_t old{rng() & ~SIG_KERNEL_ONLY_MASK}, set{rng()};
      kernel_sigset_t out;
      REQUIRE(sigprocmask_apply(SIG_BLOCK, old, set, &out) == 0);
      CHECK(out.sig == ((old.sig | set.sig) & ~SIG_KERNEL_ONLY_MASK));
      REQUIRE(sigprocmask_apply(SIG_UNBLOCK, old, set, &out) == 0);
      CHECK(out.sig == (old.sig & ~set.sig));
      REQUIRE(sigprocmask_apply(SIG_SETMASK, old, set, &out) == 0);
      CHECK(out.sig == (set.sig & ~SIG_KERNEL_ONLY_MASK));
      out = kernel_sigset_t{42};
      CHECK(sigprocmask_apply(3 + static_cast<int>(rng() % 1000), old, set, &out) == -EINVAL);
      CHECK(sigprocmask_apply(-1, old, set, &out) == -EINVAL);
      CHECK(out.sig == 42);  // untouched on error
    }
  }

  TEST_CASE("sigaltstack: size, flags, EPERM while on it, what it reports") {
    sigaltstack_state st;
    stack_t oss;
    REQUIRE(do_sigaltstack(&st, nullptr, &oss, 0x5000) == 0);
    CHECK(oss.ss_flags == SS_DISABLE);
    CHECK(oss.ss_sp == 0);
    CHECK(oss.ss_size == 0);

    stack_t ss;
    ss.ss_sp = 0x10000;
    ss.ss_size = MINSIGSTKSZ - 1;
    CHECK(do_sigaltstack(&st, &ss, nullptr, 0x5000) == -ENOMEM);
    ss.ss_flags = 0x1234;
    ss.ss_size = MINSIGSTKSZ;
    CHECK(do_sigaltstack(&st, &ss, nullptr, 0x5000) == -EINVAL);
    ss.ss_flags = SS_ONSTACK;  // accepted as 0, as Linux
    REQUIRE(do_sigaltstack(&st, &ss, nullptr, 0x5000) == 0);
    CHECK(st.sp == 0x10000);
    CHECK(st.size == MINSIGSTKSZ);

    // Running on it: reported SS_ONSTACK, any change refused.
    const uint64_t inside = 0x10000 + 100;
    REQUIRE(do_sigaltstack(&st, nullptr, &oss, inside) == 0);
    CHECK(oss.ss_flags == SS_ONSTACK);
    CHECK(oss.ss_sp == 0x10000);
    CHECK(oss.ss_size == MINSIGSTKSZ);
    ss.ss_flags = SS_DISABLE;
    CHECK(do_sigaltstack(&st, &ss, nullptr, inside) == -EPERM);
    // The top of the stack counts as on it, its base not (sp > base).
    CHECK(on_sig_stack(st, 0x10000 + MINSIGSTKSZ));
    CHECK_FALSE(on_sig_stack(st, 0x10000));
    CHECK_FALSE(on_sig_stack(st, 0x10000 + MINSIGSTKSZ + 1));

    // Off it: disable clears it.
    REQUIRE(do_sigaltstack(&st, &ss, &oss, 0x5000) == 0);
    CHECK(oss.ss_flags == 0);
    CHECK(st.size == 0);
    CHECK(st.sp == 0);
    REQUIRE(do_sigaltstack(&st, nullptr, &oss, 0x5000) == 0);
    CHECK(oss.ss_flags == SS_DISABLE);

    // SS_AUTODISARM: reported back, and never "on" it.
    ss = stack_t{0x20000, static_cast<int>(SS_AUTODISARM), SIGSTKSZ};
    REQUIRE(do_sigaltstack(&st, &ss, nullptr, 0x5000) == 0);
    REQUIRE(do_sigaltstack(&st, nullptr, &oss, 0x20000 + 8) == 0);
    CHECK(static_cast<unsigned>(oss.ss_flags) == SS_AUTODISARM);
  }

  TEST_CASE("sigsp: the alternate stack only for SA_ONSTACK, only when not already on it") {
    sigaltstack_state st{0x10000, SIGSTKSZ, 0};
    CHECK(sigsp(st, 0x5000, 0) == 0x5000);
    CHECK(sigsp(st, 0x5000, SA_ONSTACK) == 0x10000 + SIGSTKSZ);
    CHECK(sigsp(st, 0x10000 + 64, SA_ONSTACK) == 0x10000 + 64);  // nested: keep going down it
    sigaltstack_state none;
    CHECK(sigsp(none, 0x5000, SA_ONSTACK) == 0x5000);
  }

  TEST_CASE("system-call restart: Linux's table") {
    using R = SyscallRestart;
    struct Row {
      long ret;
      R no_handler, handler, handler_restart;
    };
    const Row rows[] = {
        {-ERESTARTSYS, R::Restart, R::Eintr, R::Restart},
        {-ERESTARTNOINTR, R::Restart, R::Restart, R::Restart},
        {-ERESTARTNOHAND, R::Restart, R::Eintr, R::Eintr},
        {-ERESTART_RESTARTBLOCK, R::RestartBlock, R::Eintr, R::Eintr},
        {-EINTR, R::None, R::None, R::None},
        {0, R::None, R::None, R::None},
        {-EAGAIN, R::None, R::None, R::None},
        {515, R::None, R::None, R::None},
    };
    for (const Row& r : rows) {
      CAPTURE(r.ret);
      CHECK(syscall_restart_action(r.ret, false, 0) == r.no_handler);
      CHECK(syscall_restart_action(r.ret, false, SA_RESTART) == r.no_handler);
      CHECK(syscall_restart_action(r.ret, true, SA_SIGINFO) == r.handler);
      CHECK(syscall_restart_action(r.ret, true, SA_RESTART | SA_SIGINFO) == r.handler_restart);
    }
  }

  TEST_CASE("standard signals coalesce, real-time ones queue") {
    kernel_sigset_t p;
    CHECK_FALSE(legacy_queue(p, SIGUSR1));
    sigaddset(&p, SIGUSR1);
    sigaddset(&p, SIGRTMIN);
    sigaddset(&p, SIGRTMAX);
    CHECK(legacy_queue(p, SIGUSR1));
    CHECK_FALSE(legacy_queue(p, SIGRTMIN));
    CHECK_FALSE(legacy_queue(p, SIGRTMAX));
  }

  TEST_CASE("ABI numbers (asm-generic) and frame offsets a handler reads") {
    CHECK(SIGCHLD == 17);
    CHECK(SIGSYS == 31);
    CHECK(BUS_ADRALN == 1);
    CHECK(BUS_ADRERR == 2);  // regression: was 1 (BUS_ADRALN's value)
    CHECK(SEGV_MAPERR == 1);
    CHECK(SEGV_ACCERR == 2);
    CHECK(SI_TKILL == -6);
    CHECK(SA_RESTART == 0x10000000);
    CHECK(MINSIGSTKSZ == 2048);
    // The frame: a1 = &info at +0, a2 = &uc at +128; in uc the mask at 40
    // and the registers at 176, pc first and a0 at 10 * 8; FP at 176 + 256.
    CHECK(offsetof(rt_sigframe, info) == 0);
    CHECK(offsetof(rt_sigframe, uc) == 128);
    CHECK(offsetof(ucontext, uc_sigmask) == 40);
    CHECK(offsetof(ucontext, uc_mcontext) == 176);
    CHECK(offsetof(user_regs_struct, a0) == 80);
    CHECK(offsetof(user_regs_struct, sp) == 16);
    CHECK(offsetof(sigcontext, sc_fpregs) == 256);
    CHECK(sizeof(rt_sigframe) == 1088);
    CHECK(offsetof(kernel_siginfo, _sifields._sigfault.addr) == 16);
  }
}
