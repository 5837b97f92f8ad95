/*
 * init: pid 1 of the default initramfs.
 *
 *   init [SHELL [ARGS...]]     (default: /bin/sh -i)
 *
 * Prints a banner with uname, reports the kernel's self-test summary when
 * the kernel log says one (the "ktest: N passed, ..." line, read with
 * syslog(2) like dmesg; a kernel without that call or without the line is
 * reported as such, nothing is made up), then runs the shell on the console
 * with PATH=/bin. Our kernel provides /proc itself, so init mounts nothing
 * there; under Linux (the benchmarks' reference boots the same initramfs)
 * /proc is absent until mounted, and init mounts it when /proc/self is
 * missing so that ps, free and cat /proc/... work on both.
 *
 * As pid 1 it also reaps orphans: every child the kernel re-parents to it
 * is collected while it waits for the shell. When the shell ends, init exits
 * with the shell's status (128 + N when a signal killed it); the kernel
 * powers off and QEMU's exit status is that status. Extra words on the
 * kernel command line after "--" reach init as arguments, which replace the
 * shell's command (a test runs `init /bin/sh /tests/script`).
 */
#include "util.h"

#include <signal.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

extern char** environ;

enum { SYSLOG_ACTION_READ_ALL = 3, SYSLOG_ACTION_SIZE_BUFFER = 10 };

/* Prints the kernel log's self-test summary line, or why there is none. */
static void report_selftests(void) {
  int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
  if (size <= 0) size = 1 << 16;
  char* log = malloc((size_t)size + 1);
  if (!log) {
    printf("init: self-tests: no memory to read the kernel log\n");
    return;
  }
  int n = klogctl(SYSLOG_ACTION_READ_ALL, log, size);
  if (n < 0) {
    printf("init: self-tests: kernel log not readable (syslog: %s); see the boot log above\n",
           strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
    free(log);
    return;
  }
  log[n] = '\0';
  /* The last summary line wins (a kernel could run the tests twice). */
  const char* found = NULL;
  for (const char* p = log; (p = strstr(p, "ktest: ")); p++)
    if (strstr(p, " passed, ") && strchr(p, '\n') > strstr(p, " passed, ")) found = p;
  if (found) printf("init: self-tests: %.*s\n", (int)(strchrnul(found, '\n') - found), found);
  else printf("init: self-tests: none in the kernel log\n");
  free(log);
}

/* Mounts proc on /proc unless the kernel already shows one there. */
static void ensure_proc(void) {
  struct stat st;
  if (stat("/proc/self", &st) == 0) return;
  if (mkdir("/proc", 0555) < 0 && errno != EEXIST) {
    report_errno("mkdir /proc", errno);
    return;
  }
  if (mount("proc", "/proc", "proc", 0, NULL) < 0) report_errno("mount proc on /proc", errno);
  else printf("init: mounted proc on /proc\n");
}

int main(int argc, char** argv) {
  struct utsname u;
  if (uname(&u) < 0) die_errno("uname");
  printf("\ninit: %s %s %s on %s, pid %d\n", u.sysname, u.release, u.version, u.machine, (int)getpid());
  report_selftests();
  ensure_proc();

  char* default_shell[] = {"/bin/sh", "-i", NULL};
  char** shell = argc > 1 ? argv + 1 : default_shell;
  char* env[] = {"PATH=/bin", "HOME=/", "TERM=linux", NULL};
  /* Keep an environment given by the caller (tests pass their PATH); the
   * kernel gives pid 1 only HOME and TERM. */
  char** child_env = getenv("PATH") ? environ : env;

  printf("init: starting %s; `help` lists the commands, `exit` powers off\n", shell[0]);
  fflush(stdout);
  pid_t sh = fork();
  if (sh < 0) die_errno("fork");
  if (sh == 0) {
    execve(shell[0], shell, child_env);
    report_errno(shell[0], errno);
    _exit(127);
  }

  /* Reap every child until the shell itself ends. */
  for (;;) {
    int st;
    pid_t pid = wait4(-1, &st, 0, NULL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      die_errno("wait4");
    }
    if (pid != sh) continue;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
    printf("init: %s ended with status %d; powering off\n", shell[0], code);
    fflush(stdout);
    return code;
  }
}
