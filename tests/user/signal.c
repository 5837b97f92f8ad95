/* Signals without faults: rt_sigaction argument checks, SA_SIGINFO from
 * kill (SI_USER) and sigqueue (SI_QUEUE), blocking and pending,
 * SA_RESETHAND, SA_NODEFER, default actions seen through wait, ignored
 * signals, sigaltstack limits. */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int hits, last_code, last_pid, last_value, depth, max_depth;

static void info_handler(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  hits++;
  last_code = si->si_code;
  last_pid = si->si_pid;
  last_value = si->si_value.sival_int;
}

static void nested_handler(int sig) {
  hits++;
  depth++;
  if (depth > max_depth) max_depth = depth;
  if (hits < 3) raise(sig); /* delivered at once only when not blocked */
  depth--;
}

static void install(int sig, void (*h)(int, siginfo_t*, void*), void (*plain)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (h) sa.sa_sigaction = h;
  else sa.sa_handler = plain;
  sa.sa_flags = flags | (h ? SA_SIGINFO : 0);
  sigaction(sig, &sa, NULL);
}

static int child_status(int sig, int ignore) {
  pid_t pid = fork();
  if (pid == 0) {
    if (ignore) signal(sig, SIG_IGN);
    raise(sig);
    _exit(0);
  }
  int st = -1;
  waitpid(pid, &st, 0);
  return st;
}

static void status_line(const char* name, int st, int want_sig) {
  char obs[64], exp[64];
  if (WIFSIGNALED(st)) snprintf(obs, sizeof obs, "killed by %s", sigabbrev_np(WTERMSIG(st)));
  else if (WIFEXITED(st)) snprintf(obs, sizeof obs, "exited %d", WEXITSTATUS(st));
  else snprintf(obs, sizeof obs, "status %#x", st);
  if (want_sig) snprintf(exp, sizeof exp, "killed by %s", sigabbrev_np(want_sig));
  else snprintf(exp, sizeof exp, "exited 0");
  check_line(strcmp(obs, exp) == 0, name, obs, exp);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  CHECK_SYS("sigaction on signal 0", sigaction(0, &sa, NULL), EINVAL);
  CHECK_SYS("sigaction on signal 65", sigaction(65, &sa, NULL), EINVAL);
  CHECK_SYS("sigaction on SIGKILL", sigaction(SIGKILL, &sa, NULL), EINVAL);
  CHECK_SYS("sigaction on SIGSTOP", sigaction(SIGSTOP, &sa, NULL), EINVAL);
  CHECK_SYS("sigaction query of SIGKILL", sigaction(SIGKILL, NULL, &sa), 0);
  CHECK_SYS("kill with signal 65", kill(getpid(), 65), EINVAL);
  CHECK_SYS("kill of a pid that does not exist", kill(0x3ffffff, SIGUSR1), ESRCH);
  CHECK_SYS("kill with signal 0 probes", kill(getpid(), 0), 0);

  install(SIGUSR1, info_handler, NULL, 0);
  CHECK_SYS("kill self SIGUSR1", kill(getpid(), SIGUSR1), 0);
  check_eq("handler ran", hits, 1);
  check_line(last_code == SI_USER, "kill si_code", last_code == SI_USER ? "SI_USER" : "other", "SI_USER");
  check_true("kill si_pid is ours", last_pid == getpid());
  union sigval v = {.sival_int = 4242};
  CHECK_SYS("sigqueue self SIGUSR1", sigqueue(getpid(), SIGUSR1, v), 0);
  check_line(last_code == SI_QUEUE, "sigqueue si_code", last_code == SI_QUEUE ? "SI_QUEUE" : "other", "SI_QUEUE");
  check_eq("sigqueue si_value", last_value, 4242);

  /* Blocked: pending until unblocked, then delivered once. */
  sigset_t set, old, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  hits = 0;
  CHECK_SYS("block SIGUSR1", sigprocmask(SIG_BLOCK, &set, &old), 0);
  raise(SIGUSR1);
  raise(SIGUSR1);
  check_eq("blocked signal not delivered", hits, 0);
  sigpending(&pend);
  check_true("blocked signal is pending", sigismember(&pend, SIGUSR1));
  CHECK_SYS("unblock SIGUSR1", sigprocmask(SIG_SETMASK, &old, NULL), 0);
  check_eq("standard signals do not queue: delivered once", hits, 1);
  sigfillset(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
  sigprocmask(SIG_BLOCK, NULL, &old);
  check_true("SIGKILL and SIGSTOP cannot be blocked", !sigismember(&old, SIGKILL) && !sigismember(&old, SIGSTOP));
  sigemptyset(&set);
  sigprocmask(SIG_SETMASK, &set, NULL);
  CHECK_SYS("sigprocmask with a bad how", sigprocmask(12345, &set, NULL), EINVAL);

  /* Real-time signals queue. */
  install(SIGRTMIN, info_handler, NULL, 0);
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN);
  hits = 0;
  sigprocmask(SIG_BLOCK, &set, &old);
  for (int i = 0; i < 3; i++) sigqueue(getpid(), SIGRTMIN, v);
  sigprocmask(SIG_SETMASK, &old, NULL);
  check_eq("real-time signals queue: delivered three times", hits, 3);

  /* The handler's own signal is blocked inside it, unless SA_NODEFER. */
  install(SIGUSR2, NULL, nested_handler, 0);
  hits = depth = max_depth = 0;
  raise(SIGUSR2);
  check_eq("without SA_NODEFER the re-raise waits: depth", max_depth, 1);
  check_eq("without SA_NODEFER: handler runs", hits, 3);
  install(SIGUSR2, NULL, nested_handler, SA_NODEFER);
  hits = depth = max_depth = 0;
  raise(SIGUSR2);
  check_eq("with SA_NODEFER the re-raise nests: depth", max_depth, 3);

  /* SA_RESETHAND: the second one takes the default action. */
  pid_t pid = fork();
  if (pid == 0) {
    install(SIGUSR1, info_handler, NULL, SA_RESETHAND);
    raise(SIGUSR1);
    raise(SIGUSR1);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  status_line("SA_RESETHAND: second SIGUSR1 kills", st, SIGUSR1);

  status_line("default SIGTERM", child_status(SIGTERM, 0), SIGTERM);
  status_line("default SIGABRT", child_status(SIGABRT, 0), SIGABRT);
  status_line("ignored SIGTERM", child_status(SIGTERM, 1), 0);
  status_line("default SIGCHLD is ignored", child_status(SIGCHLD, 0), 0);
  status_line("default SIGWINCH is ignored", child_status(SIGWINCH, 0), 0);

  /* sigaltstack limits. */
  stack_t ss;
  memset(&ss, 0, sizeof ss);
  /* The kernel's MINSIGSTKSZ (asm-generic: 2048); glibc's macro is a
     sysconf() under _GNU_SOURCE and may be larger. */
  ss.ss_sp = malloc(2048);
  ss.ss_size = 2047;
  CHECK_SYS("sigaltstack smaller than MINSIGSTKSZ", sigaltstack(&ss, NULL), ENOMEM);
  ss.ss_size = 2048;
  ss.ss_flags = 0x1234;
  CHECK_SYS("sigaltstack with bad flags", sigaltstack(&ss, NULL), EINVAL);
  ss.ss_flags = SS_DISABLE;
  CHECK_SYS("sigaltstack disable", sigaltstack(&ss, NULL), 0);
  return check_summary("signal");
}
