/* Setting the wall clock: clock_settime and settimeofday. Only the refusals
 * are checked here, since a success would set the clock of the machine the
 * Linux reference runs on (the successful path is the KTAP case
 * timer.settimeofday_moves_the_wall_clock): which clocks can be set, the
 * time's validity (checked before the privilege), EFAULT, and EPERM without
 * CAP_SYS_TIME. */
#include "check.h"

#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct kernel_tz {
  int minuteswest, dsttime;
};

static void refusals(const char* who) {
  char name[128];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
#define NAME(s) (snprintf(name, sizeof name, "%s: %s", who, s), name)
  CHECK_SYS(NAME("clock_settime CLOCK_MONOTONIC"), clock_settime(CLOCK_MONOTONIC, &now), EINVAL);
  CHECK_SYS(NAME("clock_settime CLOCK_TAI"), clock_settime(CLOCK_TAI, &now), EINVAL);
  CHECK_SYS(NAME("clock_settime CLOCK_BOOTTIME"), clock_settime(CLOCK_BOOTTIME, &now), EINVAL);
  CHECK_SYS(NAME("clock_settime an unknown clock"), clock_settime(77, &now), EINVAL);
  CHECK_SYS(NAME("clock_settime a bad pointer"), syscall(SYS_clock_settime, CLOCK_REALTIME, (void*)16), EFAULT);
  struct timespec bad = {now.tv_sec, 1000000000};
  CHECK_SYS(NAME("clock_settime nanoseconds out of range"), clock_settime(CLOCK_REALTIME, &bad), EINVAL);
  bad = (struct timespec){-1, 0};
  CHECK_SYS(NAME("clock_settime a negative time"), clock_settime(CLOCK_REALTIME, &bad), EINVAL);
  struct timeval tv = {now.tv_sec, 2000000};
  CHECK_SYS(NAME("settimeofday microseconds out of range"), syscall(SYS_settimeofday, &tv, NULL), EINVAL);
  CHECK_SYS(NAME("settimeofday a bad time pointer"), syscall(SYS_settimeofday, (void*)16, NULL), EFAULT);
  CHECK_SYS(NAME("settimeofday a bad zone pointer"), syscall(SYS_settimeofday, NULL, (void*)16), EFAULT);
}

int main(void) {
  refusals("root");
  /* Not here: a time before the boot and a zone beyond 15 hours are EINVAL
   * only after the CAP_SYS_TIME check, which a reference machine without
   * that capability would answer instead (the KTAP case has the first). */
  struct timespec epoch = {0, 0};
  /* glibc refuses a time and a zone together itself. */
  struct timeval tv;
  struct timezone tz = {0, 0};
  gettimeofday(&tv, NULL);
  CHECK_SYS("root: settimeofday with a time and a zone (glibc)", settimeofday(&tv, &tz), EINVAL);

  pid_t pid = fork();
  if (pid == 0) {
    if (setuid(1000)) _exit(2);
    refusals("user");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    CHECK_SYS("user: clock_settime CLOCK_REALTIME", clock_settime(CLOCK_REALTIME, &now), EPERM);
    CHECK_SYS("user: settimeofday", settimeofday(&tv, NULL), EPERM);
    struct kernel_tz zone = {60, 0};
    CHECK_SYS("user: settimeofday a zone", syscall(SYS_settimeofday, NULL, &zone), EPERM);
    CHECK_SYS("user: clock_settime to the epoch (validity first: it is valid, so EPERM)",
              clock_settime(CLOCK_REALTIME, &epoch), EPERM);
    fflush(stdout);
    _exit(check_failed ? 1 : 0);
  }
  check_child("user: the child ran its checks", pid);
  return check_summary("settime");
}
