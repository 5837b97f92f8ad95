/* Process groups and sessions: setsid/setpgid/getpgid/getsid and their
 * errnos, kill(0) and kill(-pgid), wait4 for pid 0 and -pgid, and an
 * orphaned process group with a stopped member getting SIGHUP and
 * SIGCONT when its last tie outside exits. Everything runs in a child
 * that first makes its own session (what the test starts in differs:
 * init's group 0 on our kernel, the harness's group under qemu-user), and
 * ids are printed only as relations ("the caller's pid"). */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_count;
static void on_usr1(int sig) {
  (void)sig;
  usr1_count++;
}

static void sync_read(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) _exit(9);
}

static void leader(void) {
  const pid_t me = getpid();
  check_eq("setsid returns the caller's pid", setsid() == me, 1);
  check_eq("getsid(0) is the caller's pid", getsid(0) == me, 1);
  check_eq("getpgrp() is the caller's pid", getpgrp() == me, 1);
  check_eq("getpgid(0) is getpgrp()", getpgid(0) == getpgrp(), 1);
  CHECK_SYS("setsid again (a session leader)", setsid(), EPERM);
  CHECK_SYS("setpgid(0, 0) of a session leader", setpgid(0, 0), EPERM);
  CHECK_SYS("setpgid with pgid -1", setpgid(0, -1), EINVAL);
  CHECK_SYS("setpgid of the parent (not ours)", setpgid(getppid(), 0), ESRCH);
  CHECK_SYS("getpgid of no such process", getpgid(999999), ESRCH);
  CHECK_SYS("getsid of no such process", getsid(999999), ESRCH);
  check_eq("getsid of the parent is another session", getsid(getppid()) != me, 1);

  /* A child inherits the group and the session; it may move to a group of
   * its own and back, but not into one that does not exist. */
  int go[2], done[2];
  if (pipe(go) || pipe(done)) _exit(8);
  pid_t b = fork();
  if (b == 0) {
    check_total = check_failed = 0;
    check_eq("child: in the parent's group", getpgrp() == me, 1);
    check_eq("child: in the parent's session", getsid(0) == me, 1);
    CHECK_SYS("child: setpgid(0, 0)", setpgid(0, 0), 0);
    check_eq("child: now leads its own group", getpgrp() == getpid(), 1);
    CHECK_SYS("child: setpgid(0, parent's group)", setpgid(0, me), 0);
    check_eq("child: back in the parent's group", getpgrp() == me, 1);
    CHECK_SYS("child: setpgid into a group that does not exist", setpgid(0, 999999), EPERM);
    CHECK_SYS("child: setsid (its pid names no group)", setsid(), 0);
    if (write(done[1], "x", 1) != 1) _exit(9);
    sync_read(go[0]);
    _exit(check_failed ? 1 : 0);
  }
  sync_read(done[0]);
  CHECK_SYS("setpgid of a child in another session", setpgid(b, b), EPERM);
  CHECK_SYS("getpgid of that child", getpgid(b) == b ? 0 : -1, 0);
  if (write(go[1], "x", 1) != 1) _exit(9);
  int st;
  waitpid(b, &st, 0);
  check_eq("child: exit status", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);

  /* kill(0) and kill(-pgid) reach the group's members. */
  signal(SIGUSR1, on_usr1);
  pid_t same = fork();
  if (same == 0) {
    for (;;) pause();
  }
  pid_t other = fork();
  if (other == 0) {
    setpgid(0, 0);
    for (;;) pause();
  }
  setpgid(other, other);  /* either side may win the race; both set the same */
  usr1_count = 0;
  CHECK_SYS("kill(0, SIGUSR1)", kill(0, SIGUSR1), 0);
  check_eq("kill(0) reached the caller", usr1_count, 1);
  CHECK_SYS("kill(-pgid, 0) of the other group", kill(-other, 0), 0);
  CHECK_SYS("kill(-pgid) of a group that does not exist", kill(-999999, SIGUSR1), ESRCH);
  CHECK_SYS("kill(-pgid, SIGKILL) of the other group", kill(-other, SIGKILL), 0);
  /* wait4(0) sees only children in our group; wait4(-pgid) the others. */
  CHECK_SYS("waitpid(-pgid) reaps the other group's child", waitpid(-other, &st, 0) == other ? 0 : -1, 0);
  check_eq("it was killed by SIGKILL", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGKILL);
  CHECK_SYS("waitpid(-pgid) again: no such child", waitpid(-other, &st, WNOHANG), ECHILD);
  check_eq("waitpid(0, WNOHANG) with our group's child running", waitpid(0, &st, WNOHANG), 0);
  kill(same, SIGKILL);
  check_eq("waitpid(0) reaps it", waitpid(0, &st, 0) == same, 1);
  CHECK_SYS("waitpid(0) with no children left", waitpid(0, &st, 0), ECHILD);

  /* An orphaned group with a stopped member gets SIGHUP and SIGCONT. */
  int report[2];
  if (pipe(report)) _exit(8);
  pid_t mid = fork();
  if (mid == 0) {
    pid_t d = fork();
    if (d == 0) {
      close(report[0]);
      setpgid(0, 0);
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = on_usr1;
      sigaction(SIGHUP, &sa, NULL);
      usr1_count = 0;  /* counts SIGHUP from here (the copy from the parent had kill(0)'s) */
      raise(SIGSTOP);
      /* Continued: SIGHUP was handled first or right after. */
      for (int i = 0; i < 1000 && !usr1_count; i++) usleep(10000);
      char msg = usr1_count ? 'H' : 'C';
      if (write(report[1], &msg, 1) != 1) _exit(9);
      _exit(0);
    }
    setpgid(d, d);
    /* Its group is orphaned when we exit: once its stop is complete (what
     * the orphan rule looks at), which WUNTRACED reports. */
    int dst;
    _exit(waitpid(d, &dst, WUNTRACED) == d && WIFSTOPPED(dst) ? 0 : 1);
  }
  close(report[1]);
  waitpid(mid, &st, 0);
  check_eq("the middle process saw the member stopped", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
  char got = '-';
  if (read(report[0], &got, 1) != 1) got = '-';
  char obs[2] = {got, 0};
  check_line(got == 'H', "orphaned stopped group: continued with SIGHUP", obs, "H");
  while (wait(NULL) > 0) {
  }
}

int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    leader();
    const int rc = check_summary("pgrp");
    fflush(stdout);
    _exit(rc);
  }
  int st;
  waitpid(pid, &st, 0);
  /* The orphan was re-parented to init (or to us when we are init). */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}
