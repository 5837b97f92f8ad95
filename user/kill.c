/*
 * kill: sends a signal to processes.
 *
 *   kill [-N | -NAME] PID...     default SIGTERM; NAME with or without "SIG"
 *   kill -l                      lists the signal numbers and names
 */
#include "util.h"

#include <signal.h>

static int parse_signal(const char* s) {
  char* end;
  long n = strtol(s, &end, 10);
  if (*s && !*end) return n > 0 && n < NSIG ? (int)n : -1;
  if (!strncmp(s, "SIG", 3)) s += 3;
  for (int sig = 1; sig < NSIG; sig++) {
    const char* name = sigabbrev_np(sig);
    if (name && !strcmp(name, s)) return sig;
  }
  return -1;
}

int main(int argc, char** argv) {
  int sig = SIGTERM, i = 1;
  if (i < argc && !strcmp(argv[i], "-l")) {
    for (int s = 1; s < NSIG; s++)
      if (sigabbrev_np(s)) printf("%2d SIG%s\n", s, sigabbrev_np(s));
    return finish(0);
  }
  if (i < argc && argv[i][0] == '-') {
    if ((sig = parse_signal(argv[i] + 1)) < 0) die("unknown signal %s", argv[i] + 1);
    i++;
  }
  if (i >= argc) die("usage: kill [-N | -NAME] PID...");
  int ret = 0;
  for (; i < argc; i++) {
    char* end;
    long pid = strtol(argv[i], &end, 10);
    if (!*argv[i] || *end) {
      fprintf(stderr, "kill: %s: not a pid\n", argv[i]);
      ret = 1;
    } else if (kill((pid_t)pid, sig) < 0) {
      report_errno(argv[i], errno);
      ret = 1;
    }
  }
  return ret;
}
