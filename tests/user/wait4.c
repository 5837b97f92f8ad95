/* wait4 beyond fork.c: the exit-code byte at its edges, deaths by signals
 * sent by the parent and by abort, the rusage argument, bad options and a
 * bad status pointer (the child is reaped all the same), waiting for one
 * pid among several, and an orphan re-parented to us: init when this runs
 * as pid 1, else the subreaper it makes itself with prctl, so that the
 * answer is the same in both places. */
#include "check.h"
#include "check_wait.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t spawn_exit(int code) {
  pid_t pid = fork();
  if (pid == 0) _exit(code);
  return pid;
}

static pid_t spawn_pause(void) {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

int main(void) {
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);

  status_is("exit code 0", reap(spawn_exit(0)), "exited 0");
  status_is("exit code 1", reap(spawn_exit(1)), "exited 1");
  status_is("exit code 128", reap(spawn_exit(128)), "exited 128");
  status_is("exit code 255", reap(spawn_exit(255)), "exited 255");
  status_is("exit code 257 keeps the low byte", reap(spawn_exit(257)), "exited 1");

  pid_t p = spawn_pause();
  CHECK_SYS("kill SIGTERM", kill(p, SIGTERM), 0);
  status_is("killed by the parent's SIGTERM", reap(p), "killed by SIGTERM");
  p = spawn_pause();
  CHECK_SYS("kill SIGKILL", kill(p, SIGKILL), 0);
  status_is("killed by the parent's SIGKILL", reap(p), "killed by SIGKILL");
  p = fork();
  if (p == 0) abort();
  status_is("abort() with RLIMIT_CORE 0", reap(p), "killed by SIGABRT");
  p = fork();
  if (p == 0) {
    raise(SIGUSR1);
    _exit(0);
  }
  status_is("raise(SIGUSR1), default action", reap(p), "killed by SIGUSR1");

  /* rusage: filled for the reaped child. */
  p = spawn_exit(3);
  struct rusage ru;
  memset(&ru, 0xff, sizeof ru);
  int st;
  check_true("wait4 with rusage returns the pid", wait4(p, &st, 0, &ru) == p);
  check_true("rusage filled (times non-negative, maxrss set)",
             ru.ru_utime.tv_sec >= 0 && ru.ru_stime.tv_sec >= 0 && ru.ru_utime.tv_usec < 1000000 && ru.ru_maxrss >= 0);
  status_is("wait4 with rusage: status", st, "exited 3");

  /* Bad arguments. */
  p = spawn_exit(4);
  CHECK_SYS("wait4 with unknown option bits", wait4(p, &st, 0x10000000, NULL), EINVAL);
  CHECK_SYS("wait4 with a bad status pointer", wait4(p, (int*)16, 0, NULL), EFAULT);
  CHECK_SYS("the child was reaped all the same", wait4(p, &st, WNOHANG, NULL), ECHILD);
  CHECK_SYS("wait4 of pid 0x7fffffff", wait4(0x7fffffff, &st, 0, NULL), ECHILD);

  /* One pid among several, in an order that is not the exit order. */
  pid_t a = spawn_exit(10), b = spawn_exit(11), c = spawn_exit(12);
  status_is("waitpid of the second child", reap(b), "exited 11");
  status_is("waitpid of the third child", reap(c), "exited 12");
  status_is("waitpid of the first child", reap(a), "exited 10");
  CHECK_SYS("no children left", wait(&st), ECHILD);

  /* An orphan: our child forks a grandchild and exits; the grandchild's
   * new parent is us (pid 1 is everyone's reaper; elsewhere we ask to be
   * a subreaper). The grandchild tells us its parent through its status. */
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t me = getpid();
  int fds[2];
  CHECK_SYS("pipe", pipe(fds), 0);
  p = fork();
  if (p == 0) {
    pid_t g = fork();
    if (g == 0) {
      char c1;
      close(fds[1]);
      (void)!read(fds[0], &c1, 1); /* until the parent has exited */
      while (getppid() == p) usleep(1000);
      _exit(getppid() == me ? 0 : 9);
    }
    _exit(g > 0 ? 0 : 1);
  }
  status_is("the orphan's parent exits", reap(p), "exited 0");
  close(fds[0]);
  close(fds[1]); /* the grandchild's read returns 0 now */
  st = -1;
  pid_t g = wait(&st);
  check_true("the orphan is ours to reap", g > 0 && g != p);
  status_is("the orphan saw us as its parent", st, "exited 0");
  return check_summary("wait4");
}
