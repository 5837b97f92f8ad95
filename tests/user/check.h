/*
 * Tiny harness for the ABI conformance programs. Each check prints one
 * deterministic line (no addresses, no pids), "name: observed", followed by
 * "  FAIL (expected ...)" when the observation is not Linux's answer, so
 * the output of a run on our kernel can be compared line by line with the
 * reference run under qemu-riscv64. main() ends with check_summary(),
 * which prints the counts and gives the exit status (0: all passed).
 */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_total, check_failed;

/* Prints "name: text" and records whether it matched. */
static inline void check_line(int ok, const char* name, const char* observed, const char* expected) {
  check_total++;
  if (ok) {
    printf("%s: %s\n", name, observed);
  } else {
    check_failed++;
    printf("%s: %s  FAIL (expected %s)\n", name, observed, expected);
  }
  fflush(stdout);
}

static inline const char* errname(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "E?";
}

/* A system call's result: "0", "ok" for a non-negative value or "-1 EXXX". */
static inline void check_errno(const char* name, long ret, int err, int expected_err) {
  char obs[64], exp[64];
  if (ret >= 0) snprintf(obs, sizeof obs, "ok");
  else snprintf(obs, sizeof obs, "-1 %s", errname(err));
  if (expected_err) snprintf(exp, sizeof exp, "-1 %s", errname(expected_err));
  else snprintf(exp, sizeof exp, "ok");
  check_line(strcmp(obs, exp) == 0, name, obs, exp);
}

/* Expects the call to fail with expected_err (0: to succeed). */
#define CHECK_SYS(name, call, expected_err)      \
  do {                                           \
    errno = 0;                                   \
    long check_ret_ = (long)(call);              \
    check_errno(name, check_ret_, errno, expected_err); \
  } while (0)

#define CHECK_MAP(name, call, expected_err)                                 \
  do {                                                                      \
    errno = 0;                                                              \
    void* check_p_ = (call);                                                \
    check_errno(name, check_p_ == MAP_FAILED ? -1 : 0, errno, expected_err); \
  } while (0)

/* A boolean property. */
static inline void check_true(const char* name, int cond) { check_line(cond, name, cond ? "yes" : "no", "yes"); }

/* An integer observation. */
static inline void check_eq(const char* name, long observed, long expected) {
  char obs[32], exp[32];
  snprintf(obs, sizeof obs, "%ld", observed);
  snprintf(exp, sizeof exp, "%ld", expected);
  check_line(observed == expected, name, obs, exp);
}

static inline int check_summary(const char* prog) {
  printf("%s: %d checks, %d failed\n", prog, check_total, check_failed);
  return check_failed ? 1 : 0;
}
