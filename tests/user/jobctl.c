/* Signals meeting blocking calls and job control: SIGPIPE and EPIPE,
 * reads and writes of a pipe interrupted by a signal (EINTR without
 * SA_RESTART, restarted with it), stop and continue reported by wait4
 * (WUNTRACED, WCONTINUED) and by SIGCHLD's si_code, SA_NOCLDSTOP,
 * children reaped at once when SIGCHLD is ignored or SA_NOCLDWAIT is set,
 * rt_sigtimedwait, ppoll on pipes (with a signal mask) and pause(). */
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void on_sig(int sig) {
  (void)sig;
  handled++;
}

static void handle(int sig, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sig;
  sa.sa_flags = flags;
  sigaction(sig, &sa, NULL);
}

/* Waits until pid shows state c in /proc/<pid>/stat (at most ~30 s: the
 * machine may be busy with other emulators). */
static int wait_state(pid_t pid, char c) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (int i = 0; i < 3000; i++) {
    FILE* f = fopen(path, "r");
    if (f) {
      size_t n = fread(buf, 1, sizeof buf - 1, f);
      fclose(f);
      buf[n] = 0;
      char* p = strrchr(buf, ')');
      if (p && p[1] == ' ' && p[2] == c) return 1;
    }
    usleep(10000);
  }
  return 0;
}

static const char* describe(int st, char* buf, size_t size) {
  if (WIFEXITED(st)) snprintf(buf, size, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(st)));
  else if (WIFSTOPPED(st)) snprintf(buf, size, "stopped by SIG%s", sigabbrev_np(WSTOPSIG(st)));
  else if (WIFCONTINUED(st)) snprintf(buf, size, "continued");
  else snprintf(buf, size, "status %#x", st);
  return buf;
}

static void status_is(const char* name, int st, const char* want) {
  char buf[64];
  check_line(strcmp(describe(st, buf, sizeof buf), want) == 0, name, buf, want);
}

static void sigpipe(void) {
  int p[2];
  if (pipe(p)) exit(2);
  close(p[0]);
  pid_t pid = fork();
  if (pid == 0) {
    (void)!write(p[1], "x", 1);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  status_is("write to a pipe with no reader", st, "killed by SIGPIPE");
  signal(SIGPIPE, SIG_IGN);
  CHECK_SYS("the same with SIGPIPE ignored", write(p[1], "x", 1), EPIPE);
  signal(SIGPIPE, SIG_DFL);
  close(p[1]);
}

/* A child blocks in fn; the parent signals it once it sleeps; the child's
 * exit code says what the call returned (0: -1 EINTR, 1: restarted and
 * got the data, else something else). */
static int interrupted(int restart, int writer) {
  int p[2];
  if (pipe(p)) exit(2);
  pid_t pid = fork();
  if (pid == 0) {
    handle(SIGUSR1, restart ? SA_RESTART : 0);
    char buf[8];
    if (writer) {
      close(p[0]);
      exit(3);
    }
    close(p[1]);
    errno = 0;
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR && handled == 1) _exit(0);
    if (n == 1 && handled == 1) _exit(1);
    _exit(4);
  }
  close(p[0]);
  int ok = wait_state(pid, 'S');
  kill(pid, SIGUSR1);
  if (restart) {
    usleep(50000);
    (void)!write(p[1], "x", 1);
  }
  int st;
  waitpid(pid, &st, 0);
  close(p[1]);
  return ok && WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static void pipe_signals(void) {
  check_eq("pipe read interrupted without SA_RESTART: EINTR", interrupted(0, 0), 0);
  check_eq("pipe read interrupted with SA_RESTART: restarted", interrupted(1, 0), 1);

  /* A write into a full pipe. */
  int p[2];
  if (pipe(p)) exit(2);
  pid_t pid = fork();
  if (pid == 0) {
    handle(SIGUSR1, 0);
    close(p[0]);
    static char big[65536];
    if (write(p[1], big, sizeof big) != (ssize_t)sizeof big) _exit(5);
    errno = 0;
    ssize_t n = write(p[1], "y", 1);
    _exit(n < 0 && errno == EINTR ? 0 : 6);
  }
  close(p[1]);
  int ok = wait_state(pid, 'S');
  kill(pid, SIGUSR1);
  int st;
  waitpid(pid, &st, 0);
  check_eq("pipe write into a full pipe interrupted: EINTR", ok && WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0);
  close(p[0]);
}

static volatile sig_atomic_t chld_codes[8];
static volatile sig_atomic_t nchld;
static void on_chld(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  if (nchld < 8) chld_codes[nchld++] = si->si_code;
}

/* In a session of its own (the caller may be init, whose children's
 * group is orphaned: SIGTSTP would be discarded there), each subject in a
 * group of its own with this process, its parent, outside it. */
static void stop_continue_in_session(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  nchld = 0;
  int go[2];
  if (pipe(go)) exit(2);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    raise(SIGSTOP);
    char c;
    (void)!read(go[0], &c, 1);  /* exits only once the parent saw the continue's SIGCHLD */
    _exit(7);
  }
  int st;
  check_eq("waitpid(WUNTRACED) reports the stop", waitpid(pid, &st, WUNTRACED) == pid, 1);
  status_is("its status", st, "stopped by SIGSTOP");
  check_eq("waitpid(WUNTRACED|WNOHANG) does not report it twice", waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
  kill(pid, SIGCONT);
  check_eq("waitpid(WCONTINUED) reports the continue", waitpid(pid, &st, WCONTINUED) == pid, 1);
  status_is("its status", st, "continued");
  /* The continued child sends that SIGCHLD itself: wait for it, or the
   * exit's SIGCHLD could merge with it (standard signals do not queue). */
  for (int i = 0; i < 500 && nchld < 2; i++) usleep(10000);
  (void)!write(go[1], "x", 1);
  close(go[0]);
  close(go[1]);
  check_eq("waitpid reaps the exit", waitpid(pid, &st, 0) == pid, 1);
  status_is("its status", st, "exited 7");
  char codes[64];
  size_t len = 0;
  for (int i = 0; i < nchld; i++)
    len += (size_t)snprintf(codes + len, sizeof codes - len, "%s%s", i ? " " : "",
                            chld_codes[i] == CLD_STOPPED ? "stopped" : chld_codes[i] == CLD_CONTINUED ? "continued"
                                                                 : chld_codes[i] == CLD_EXITED  ? "exited"
                                                                                                : "other");
  codes[len] = 0;
  check_line(strcmp(codes, "stopped continued exited") == 0, "SIGCHLD si_codes", codes, "stopped continued exited");

  /* SIGTSTP stops too; SA_NOCLDSTOP: no SIGCHLD for the stop. */
  sa.sa_flags |= SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  nchld = 0;
  pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    raise(SIGTSTP);
    _exit(0);
  }
  check_eq("waitpid(WUNTRACED) after SIGTSTP", waitpid(pid, &st, WUNTRACED) == pid, 1);
  status_is("its status", st, "stopped by SIGTSTP");
  check_eq("waitpid without WUNTRACED does not see a stop", waitpid(pid, &st, WNOHANG), 0);
  kill(pid, SIGCONT);
  waitpid(pid, &st, 0);
  status_is("continued and exited", st, "exited 0");
  check_eq("SA_NOCLDSTOP: SIGCHLD only for the exit", nchld, 1);

  /* SIGKILL ends a stopped child. */
  pid = fork();
  if (pid == 0) {
    raise(SIGSTOP);
    _exit(0);
  }
  waitpid(pid, &st, WUNTRACED);
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  status_is("SIGKILL to a stopped child", st, "killed by SIGKILL");
  signal(SIGCHLD, SIG_DFL);
}

static void stop_continue(void) {
  pid_t pid = fork();
  if (pid == 0) {
    check_total = check_failed = 0;
    setsid();
    stop_continue_in_session();
    fflush(stdout);
    _exit(check_failed ? 1 : 0);
  }
  int st;
  waitpid(pid, &st, 0);
  check_eq("stop and continue: child", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

static void autoreap(void) {
  signal(SIGCHLD, SIG_IGN);
  for (int i = 0; i < 3; i++)
    if (fork() == 0) _exit(0);
  int st;
  CHECK_SYS("SIGCHLD ignored: wait blocks until all exit, then ECHILD", wait(&st), ECHILD);
  signal(SIGCHLD, SIG_DFL);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sig;
  sa.sa_flags = SA_NOCLDWAIT;
  sigaction(SIGCHLD, &sa, NULL);
  handled = 0;
  if (fork() == 0) _exit(0);
  CHECK_SYS("SA_NOCLDWAIT: wait gives ECHILD", wait(&st), ECHILD);
  check_eq("SA_NOCLDWAIT with a handler: SIGCHLD still sent", handled, 1);
  signal(SIGCHLD, SIG_DFL);
}

static void sigtimedwait_checks(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, NULL);
  kill(getpid(), SIGUSR2);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  struct timespec ts = {1, 0};
  check_eq("sigtimedwait takes the pending SIGUSR2", sigtimedwait(&set, &si, &ts), SIGUSR2);
  check_eq("its si_code is SI_USER", si.si_code, SI_USER);
  check_eq("its si_pid is ours", si.si_pid == getpid(), 1);
  ts.tv_sec = 0;
  ts.tv_nsec = 20000000;
  CHECK_SYS("sigtimedwait with nothing pending times out", sigtimedwait(&set, &si, &ts), EAGAIN);
  ts.tv_nsec = 2000000000;
  CHECK_SYS("sigtimedwait with a bad timeout", sigtimedwait(&set, &si, &ts), EINVAL);
  union sigval v = {.sival_int = 42};
  sigqueue(getpid(), SIGUSR2, v);
  check_eq("sigwaitinfo takes a queued one", sigwaitinfo(&set, &si), SIGUSR2);
  check_eq("with its value", si.si_value.sival_int, 42);
  check_eq("and SI_QUEUE", si.si_code, SI_QUEUE);
  /* Another signal, handled, interrupts the wait. */
  handle(SIGALRM, 0);
  handled = 0;
  pid_t pid = fork();
  if (pid == 0) {
    usleep(100000);
    kill(getppid(), SIGALRM);
    _exit(0);
  }
  CHECK_SYS("sigwaitinfo interrupted by a handled signal", sigwaitinfo(&set, &si), EINTR);
  waitpid(pid, NULL, 0);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  signal(SIGALRM, SIG_DFL);
}

static void poll_checks(void) {
  int p[2];
  if (pipe(p)) exit(2);
  struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  struct timespec zero = {0, 0};
  check_eq("ppoll: empty pipe, write end writable", ppoll(fds, 2, &zero, NULL), 1);
  check_eq("  read end revents", fds[0].revents, 0);
  check_eq("  write end revents", fds[1].revents, POLLOUT);
  (void)!write(p[1], "x", 1);
  check_eq("ppoll: data in the pipe", ppoll(fds, 1, &zero, NULL), 1);
  check_eq("  read end revents", fds[0].revents, POLLIN);
  struct pollfd bad = {1000, POLLIN, 0};
  check_eq("ppoll: a closed descriptor", ppoll(&bad, 1, &zero, NULL), 1);
  check_eq("  revents POLLNVAL", bad.revents, POLLNVAL);
  struct pollfd neg = {-1, POLLIN, 7};
  check_eq("ppoll: a negative fd is skipped", ppoll(&neg, 1, &zero, NULL), 0);
  check_eq("  revents 0", neg.revents, 0);
  close(p[1]);
  char c;
  (void)!read(p[0], &c, 1);
  check_eq("ppoll: writer gone", ppoll(fds, 1, &zero, NULL), 1);
  check_eq("  revents POLLHUP", fds[0].revents, POLLHUP);
  close(p[0]);
  if (pipe(p)) exit(2);
  close(p[0]);
  struct pollfd w = {p[1], POLLOUT, 0};
  check_eq("ppoll: reader gone", poll(&w, 1, 0), 1);
  check_eq("  revents POLLOUT|POLLERR", w.revents, POLLOUT | POLLERR);
  close(p[1]);

  /* Blocking: woken by a writer, or by a signal the mask lets through. */
  if (pipe(p)) exit(2);
  pid_t pid = fork();
  if (pid == 0) {
    usleep(50000);
    (void)!write(p[1], "z", 1);
    _exit(0);
  }
  struct pollfd r = {p[0], POLLIN, 0};
  check_eq("poll sleeps until a writer comes", poll(&r, 1, 5000), 1);
  waitpid(pid, NULL, 0);
  struct timespec ts = {0, 30000000};
  (void)!read(p[0], &c, 1);
  check_eq("ppoll times out", ppoll(&r, 1, &ts, NULL), 0);
  handle(SIGUSR1, 0);
  sigset_t block, none;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &block, NULL);
  kill(getpid(), SIGUSR1);
  handled = 0;
  CHECK_SYS("ppoll whose mask unblocks a pending signal", ppoll(&r, 1, NULL, &none), EINTR);
  check_eq("  the handler ran", handled, 1);
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  check_eq("  and the old mask is back", sigismember(&now, SIGUSR1), 1);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  close(p[0]);
  close(p[1]);

  pid = fork();
  if (pid == 0) {
    usleep(50000);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  handled = 0;
  CHECK_SYS("pause returns once a handler ran", pause(), EINTR);
  check_eq("  the handler ran", handled, 1);
  waitpid(pid, NULL, 0);
  signal(SIGUSR1, SIG_DFL);
}

int main(void) {
  sigpipe();
  pipe_signals();
  stop_continue();
  autoreap();
  sigtimedwait_checks();
  poll_checks();
  return check_summary("jobctl");
}
