/* select(2) and pselect6(2) (glibc's select and pselect on riscv64 are the
 * pselect6 system call): which sets report which descriptors, the count,
 * the sets written back, the timeout written back, EBADF for a closed
 * descriptor in a set, EINVAL for a negative count or a bad timeout, EFAULT
 * for a bad set, an interrupting signal (EINTR) and pselect's signal mask. */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) {
  (void)sig;
  got_usr1 = 1;
}

/* The descriptors < n set in s, as "3 5" (or "none"). */
static const char* members(const fd_set* s, int n) {
  static char buf[128];
  size_t len = 0;
  buf[0] = 0;
  for (int fd = 0; fd < n; fd++)
    if (FD_ISSET(fd, s)) len += (size_t)snprintf(buf + len, sizeof buf - len, len ? " %d" : "%d", fd);
  return len ? buf : "none";
}

/* s holds exactly a and b (each -1 for none). */
static void fill(fd_set* s, int a, int b) {
  FD_ZERO(s);
  if (a >= 0) FD_SET(a, s);
  if (b >= 0) FD_SET(b, s);
}

static void check_set(const char* name, const fd_set* s, int n, const char* expected) {
  const char* got = members(s, n);
  check_line(strcmp(got, expected) == 0, name, got, expected);
}

int main(void) {
  int p[2], q[2];
  if (pipe(p) || pipe(q)) return 2;
  /* Put the pipes at known descriptors, above whatever the harness left open. */
  if (dup2(p[0], 10) < 0 || dup2(p[1], 11) < 0 || dup2(q[0], 12) < 0 || dup2(q[1], 13) < 0) return 2;
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
  const int r1 = 10, w1 = 11, r2 = 12, w2 = 13;
  fd_set rd, wr, ex;
  struct timeval tv;

  /* Nothing to read yet; both write ends are writable. */
  fill(&rd, r1, r2);
  fill(&wr, w1, w2);
  fill(&ex, r1, -1);
  tv = (struct timeval){0, 0};
  check_eq("empty pipes: the count", select(14, &rd, &wr, &ex, &tv), 2);
  check_set("empty pipes: readable", &rd, 14, "none");
  check_set("empty pipes: writable", &wr, 14, "11 13");
  check_set("empty pipes: exceptional", &ex, 14, "none");

  /* Data in the first pipe; a descriptor in two sets counts twice. */
  if (write(w1, "x", 1) != 1) return 2;
  fill(&rd, r1, r2);
  fill(&wr, w1, -1);
  fill(&ex, -1, -1);
  tv = (struct timeval){0, 0};
  check_eq("data in one pipe: the count", select(14, &rd, &wr, NULL, &tv), 2);
  check_set("data in one pipe: readable", &rd, 14, "10");
  check_set("data in one pipe: writable", &wr, 14, "11");

  /* n limits what is looked at: fds >= n are left out and cleared. */
  fill(&rd, r1, r2);
  tv = (struct timeval){0, 0};
  check_eq("n = 12 leaves out fd 12: the count", select(12, &rd, NULL, NULL, &tv), 1);
  check_set("n = 12 leaves out fd 12: readable", &rd, 14, "10");

  /* The write end closed: the read end is readable (end of file). */
  close(w2);
  fill(&rd, r2, -1);
  tv = (struct timeval){0, 0};
  check_eq("writer gone: the count", select(14, &rd, NULL, NULL, &tv), 1);
  check_set("writer gone: readable", &rd, 14, "12");

  /* A timeout with nothing ready: 0, empty sets, no time left. */
  char c;
  if (read(r1, &c, 1) != 1) return 2;
  fill(&rd, r1, -1);
  tv = (struct timeval){0, 20000};
  check_eq("timeout: the count", select(14, &rd, NULL, NULL, &tv), 0);
  check_set("timeout: readable", &rd, 14, "none");
  check_true("timeout: the time left is zero", tv.tv_sec == 0 && tv.tv_usec == 0);

  /* Time left is written back when something is ready before the end. */
  fill(&wr, w1, -1);
  tv = (struct timeval){5, 0};
  check_eq("ready at once with 5 s to wait: the count", select(14, NULL, &wr, NULL, &tv), 1);
  check_true("ready at once: most of the 5 s are left", tv.tv_sec == 4 || (tv.tv_sec == 5 && tv.tv_usec == 0));

  /* No sets at all: a sleep. */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tv = (struct timeval){0, 30000};
  check_eq("no descriptors: the count", select(0, NULL, NULL, NULL, &tv), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  check_true("no descriptors: slept at least the timeout",
             (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) >= 30000000L);

  /* Errors. */
  fill(&rd, 20, -1);
  tv = (struct timeval){0, 0};
  CHECK_SYS("a closed descriptor in a set", select(21, &rd, NULL, NULL, &tv), EBADF);
  fill(&rd, 20, -1);
  tv = (struct timeval){0, 0};
  check_eq("a closed descriptor at or above n is not looked at", select(20, &rd, NULL, NULL, &tv), 0);
  tv = (struct timeval){0, 0};
  CHECK_SYS("n negative", select(-1, NULL, NULL, NULL, &tv), EINVAL);
  tv = (struct timeval){-1, 0};
  CHECK_SYS("a negative timeout", select(1, NULL, NULL, NULL, &tv), EINVAL);
  /* glibc carries whole seconds out of tv_usec before the call. */
  fill(&wr, w1, -1);
  tv = (struct timeval){0, 2500000};
  check_eq("2500000 microseconds: the count", select(14, NULL, &wr, NULL, &tv), 1);
  check_true("2500000 microseconds: about 2.5 s are left", tv.tv_sec == 2 && tv.tv_usec > 400000);
  tv = (struct timeval){0, 0};
  CHECK_SYS("a set at a bad address", select(14, (fd_set*)16, NULL, NULL, &tv), EFAULT);
  struct timespec ts = {0, 1000000000};
  CHECK_SYS("pselect6: nanoseconds out of range", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &ts, NULL), EINVAL);
  /* The sixth argument points to {sigset pointer, size}; a wrong size is EINVAL. */
  sigset_t none;
  sigemptyset(&none);
  struct {
    const sigset_t* ss;
    size_t len;
  } bad_size = {&none, 4};
  ts = (struct timespec){0, 0};
  CHECK_SYS("pselect6: a signal set of the wrong size", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts, &bad_size),
            EINVAL);
  ts = (struct timespec){0, 0};
  CHECK_SYS("pselect6: the signal argument at a bad address",
            syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts, (void*)16), EFAULT);

  /* A signal with a handler ends the wait: EINTR. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  const pid_t self = getpid();
  pid_t child = fork();
  if (child == 0) {
    usleep(50000);
    kill(self, SIGUSR1);
    _exit(0);
  }
  fill(&rd, r1, -1);
  tv = (struct timeval){5, 0};
  CHECK_SYS("a signal interrupts the wait", select(14, &rd, NULL, NULL, &tv), EINTR);
  check_true("the handler ran", got_usr1);
  waitpid(child, NULL, 0);

  /* pselect: SIGUSR1 blocked outside, let through during the wait. */
  got_usr1 = 0;
  sigset_t block, wait_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, NULL);
  child = fork();
  if (child == 0) {
    usleep(50000);
    kill(self, SIGUSR1);
    _exit(0);
  }
  sigemptyset(&wait_mask);
  fill(&rd, r1, -1);
  ts = (struct timespec){5, 0};
  CHECK_SYS("pselect: the mask lets SIGUSR1 in", pselect(14, &rd, NULL, NULL, &ts, &wait_mask), EINTR);
  check_true("pselect: the handler ran", got_usr1);
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  check_true("pselect: SIGUSR1 is blocked again afterwards", sigismember(&now, SIGUSR1));
  waitpid(child, NULL, 0);
  /* With the mask blocking it, a pending SIGUSR1 does not interrupt. */
  got_usr1 = 0;
  kill(self, SIGUSR1);
  fill(&rd, r1, -1);
  ts = (struct timespec){0, 20000000};
  check_eq("pselect: a blocked pending signal leaves the timeout", pselect(14, &rd, NULL, NULL, &ts, &block), 0);
  check_true("pselect: its handler has not run", !got_usr1);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  check_true("unblocked afterwards, the handler runs", got_usr1);
  return check_summary("select");
}
