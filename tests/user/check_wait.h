/*
 * Wait statuses for the ABI programs: a child's status as a line that is
 * the same everywhere ("exited 3", "killed by SIGTERM"), checked against
 * Linux's, and a waitpid that rides out EINTR. Includes check.h.
 */
#pragma once
#include "check.h"

#include <signal.h>
#include <sys/wait.h>

static inline const char* describe(int st, char* buf, size_t size) {
  if (WIFEXITED(st)) snprintf(buf, size, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, size, "killed by SIG%s%s", sigabbrev_np(WTERMSIG(st)), WCOREDUMP(st) ? " (core)" : "");
  else snprintf(buf, size, "status %#x", st);
  return buf;
}

static inline void status_is(const char* name, int st, const char* want) {
  char buf[64];
  check_line(strcmp(describe(st, buf, sizeof buf), want) == 0, name, buf, want);
}

/* The child's wait status (-1 if waitpid failed otherwise than EINTR). */
static inline int reap(pid_t pid) {
  int st = -1;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return st;
}
