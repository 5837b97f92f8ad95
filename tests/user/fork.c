/* fork + wait: exit statuses, death by signal, WNOHANG, ECHILD, reaping in
 * any order, SIGCHLD with CLD_EXITED, copy-on-write isolation. */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int sigchld_count, sigchld_code;
static void on_chld(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  sigchld_count++;
  sigchld_code = si->si_code;
}

/* Forks a child running fn and returns its wait status. */
static int run_child(void (*fn)(void)) {
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    _exit(99);
  }
  int st = -1;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
  return st;
}

static void exit_42(void) { _exit(42); }
static void exit_256(void) { exit(256); }
static void kill_self(void) { raise(SIGKILL); }
static void null_deref(void) {
  /* No core file from qemu-user or the host. */
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
  *(volatile int*)0 = 1;
}
static void return_from_main_style(void) { exit(7); }

static void status_line(const char* name, int st, int want_exit, int want_sig) {
  char obs[64], exp[64];
  if (st == -1) snprintf(obs, sizeof obs, "no status");
  else if (WIFEXITED(st)) snprintf(obs, sizeof obs, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(obs, sizeof obs, "killed by %s", sigabbrev_np(WTERMSIG(st)));
  else snprintf(obs, sizeof obs, "status %#x", st);
  if (want_sig) snprintf(exp, sizeof exp, "killed by %s", sigabbrev_np(want_sig));
  else snprintf(exp, sizeof exp, "exited %d", want_exit);
  check_line(strcmp(obs, exp) == 0, name, obs, exp);
}

int main(void) {
  int st;
  errno = 0;
  CHECK_SYS("wait with no children", wait(&st), ECHILD);
  CHECK_SYS("waitpid WNOHANG with no children", waitpid(-1, &st, WNOHANG), ECHILD);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);

  status_line("child _exit(42)", run_child(exit_42), 42, 0);
  status_line("child exit(256) keeps the low byte", run_child(exit_256), 0, 0);
  status_line("child exit(7)", run_child(return_from_main_style), 7, 0);
  status_line("child raise(SIGKILL)", run_child(kill_self), 0, SIGKILL);
  status_line("child null dereference", run_child(null_deref), 0, SIGSEGV);
  check_true("SIGCHLD delivered", sigchld_count > 0);

  /* WNOHANG while the child waits on a pipe, then let it go. */
  int p[2];
  CHECK_SYS("pipe", pipe(p), 0);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    _exit(read(p[0], &c, 1) == 1 ? c : 100);
  }
  close(p[0]);
  check_eq("WNOHANG while the child runs", waitpid(pid, &st, WNOHANG), 0);
  CHECK_SYS("waitpid of a pid that is not a child", waitpid(1, &st, WNOHANG), ECHILD);
  sigchld_count = 0;
  if (write(p[1], "\x11", 1) != 1) return 1;
  check_true("waitpid returns the child's pid", waitpid(pid, &st, 0) == pid);
  status_line("child exits with what it read", st, 0x11, 0);
  check_true("SIGCHLD for the exit", sigchld_count == 1);
  check_line(sigchld_code == CLD_EXITED, "SIGCHLD si_code", sigchld_code == CLD_EXITED ? "CLD_EXITED" : "other",
             "CLD_EXITED");

  /* Copy-on-write: private memory diverges after fork, shared does not. */
  char* priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char* shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  static char data_var = 'd';
  priv[0] = 'p';
  priv[4096] = 'q';
  shared[0] = 's';
  pid = fork();
  if (pid == 0) {
    int ok = priv[0] == 'p' && priv[4096] == 'q' && data_var == 'd';
    priv[0] = 'c';
    data_var = 'c';
    shared[0] = 'c';
    ok = ok && priv[0] == 'c' && data_var == 'c';
    _exit(ok ? 0 : 1);
  }
  waitpid(pid, &st, 0);
  status_line("child saw the parent's memory and its own writes", st, 0, 0);
  check_true("parent's private page unchanged", priv[0] == 'p' && priv[4096] == 'q');
  check_true("parent's data unchanged", data_var == 'd');
  check_true("shared page shows the child's write", shared[0] == 'c');

  /* Five children, reaped in whatever order they finish. */
  int seen = 0;
  for (int i = 0; i < 5; i++)
    if (fork() == 0) _exit(10 + i);
  for (int i = 0; i < 5; i++) {
    if (wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) >= 10 && WEXITSTATUS(st) < 15)
      seen |= 1 << (WEXITSTATUS(st) - 10);
  }
  check_eq("five children reaped, each status once", seen, 0x1f);
  CHECK_SYS("then no children are left", wait(&st), ECHILD);

  /* getpid/getppid across fork. */
  pid_t me = getpid();
  pid = fork();
  if (pid == 0) _exit(getppid() == me && getpid() != me ? 0 : 1);
  waitpid(pid, &st, 0);
  status_line("child's getppid is the parent", st, 0, 0);
  return check_summary("fork");
}
