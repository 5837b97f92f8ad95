/* syslog(2) (klogctl): the kernel log as dmesg reads it. Checked: the
 * errnos for bad actions and arguments, the "<level>" prefix of every line
 * READ_ALL returns, and that an unprivileged process may not read or
 * change the log destructively (CAP_SYSLOG). Nothing that would change the
 * host's console is called under qemu-user (it passes syslog through). */
#include "check.h"

#include <stdlib.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
  ACT_CLOSE = 0, ACT_OPEN = 1, ACT_READ = 2, ACT_READ_ALL = 3, ACT_READ_CLEAR = 4, ACT_CLEAR = 5,
  ACT_CONSOLE_OFF = 6, ACT_CONSOLE_ON = 7, ACT_CONSOLE_LEVEL = 8, ACT_SIZE_UNREAD = 9, ACT_SIZE_BUFFER = 10,
};

int main(void) {
  const int root = geteuid() == 0;
  check_true("SIZE_BUFFER is positive (or EPERM when not root and the log is restricted)",
             klogctl(ACT_SIZE_BUFFER, NULL, 0) > 0 || (!root && errno == EPERM));
  CHECK_SYS("action -1", klogctl(-1, NULL, 0), EINVAL);
  CHECK_SYS("action 11", klogctl(11, NULL, 0), EINVAL);
  if (root) {
    CHECK_SYS("READ_ALL into NULL", klogctl(ACT_READ_ALL, NULL, 16), EINVAL);
    char b[8];
    CHECK_SYS("READ_ALL with length -1", klogctl(ACT_READ_ALL, b, -1), EINVAL);
    check_eq("READ_ALL with length 0", klogctl(ACT_READ_ALL, b, 0), 0);
    CHECK_SYS("CONSOLE_LEVEL 0", klogctl(ACT_CONSOLE_LEVEL, NULL, 0), EINVAL);
    CHECK_SYS("CONSOLE_LEVEL 9", klogctl(ACT_CONSOLE_LEVEL, NULL, 9), EINVAL);
    check_eq("OPEN", klogctl(ACT_OPEN, NULL, 0), 0);
    check_eq("CLOSE", klogctl(ACT_CLOSE, NULL, 0), 0);
    int size = klogctl(ACT_SIZE_BUFFER, NULL, 0);
    char* log = malloc((size_t)size + 1);
    int n = klogctl(ACT_READ_ALL, log, size);
    int prefixed = n >= 0;
    for (int i = 0; i < n && prefixed; i++) {
      const int line_start = i == 0 || log[i - 1] == '\n';
      if (line_start) prefixed = i + 2 < n && log[i] == '<' && log[i + 1] >= '0' && log[i + 1] <= '7' && log[i + 2] == '>';
    }
    check_true("READ_ALL: every line starts with <level>", prefixed);
    /* Not "at most the buffer": Linux counts the unread records as READ
     * would print them, prefixes included, which exceeds SIZE_BUFFER when
     * the log is full of short lines (the host's log did after a day). */
    check_true("SIZE_UNREAD is not negative", klogctl(ACT_SIZE_UNREAD, NULL, 0) >= 0);
    free(log);
  }
  /* An unprivileged child (nobody, when we can become it; we are already
   * unprivileged otherwise): the destructive and console actions are EPERM. */
  pid_t pid = fork();
  if (pid == 0) {
    if (root && (setgid(65534) < 0 || setuid(65534) < 0)) _exit(2);
    char b[64];
    int ok = 1;
    ok &= klogctl(ACT_READ, b, sizeof b) < 0 && errno == EPERM;
    ok &= klogctl(ACT_READ_CLEAR, b, sizeof b) < 0 && errno == EPERM;
    ok &= klogctl(ACT_CLEAR, NULL, 0) < 0 && errno == EPERM;
    ok &= klogctl(ACT_CONSOLE_OFF, NULL, 0) < 0 && errno == EPERM;
    ok &= klogctl(ACT_CONSOLE_LEVEL, NULL, 7) < 0 && errno == EPERM;
    ok &= klogctl(ACT_SIZE_UNREAD, NULL, 0) < 0 && errno == EPERM;
    _exit(ok ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  check_true("unprivileged: READ, READ_CLEAR, CLEAR, CONSOLE_OFF, CONSOLE_LEVEL, SIZE_UNREAD are EPERM",
             WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return check_summary("syslog");
}
