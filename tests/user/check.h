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
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Waits for a child that printed checks of its own and exits 1 if one
 * failed (2 if it could not set itself up): its failure counts here. */
static inline void check_child(const char* name, pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  check_true(name, WIFEXITED(st) && WEXITSTATUS(st) != 2);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 1) check_failed++;
}

/* A fresh directory /tmp/<what>-<pid> for a program's files, and a path in it. */
static char check_dir[64];
static inline void check_make_dir(const char* what) {
  mkdir("/tmp", 01777);
  snprintf(check_dir, sizeof check_dir, "/tmp/%s-%d", what, (int)getpid());
  if (mkdir(check_dir, 0755)) {
    perror("mkdir");
    exit(2);
  }
}
/* Removes a tree (as the caller may: the programs run as root). */
static inline void check_remove_tree(const char* path) {
  DIR* d = opendir(path);
  if (d) {
    struct dirent* e;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char sub[512];
      if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub) continue;
      if (e->d_type == DT_DIR) check_remove_tree(sub);
      else unlink(sub);
    }
    closedir(d);
  }
  rmdir(path);
}
static inline void check_remove_dir(void) { check_remove_tree(check_dir); }
static inline const char* at(const char* name) {
  static char buf[4][160];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", check_dir, name);
  return buf[i];
}

static inline int check_summary(const char* prog) {
  printf("%s: %d checks, %d failed\n", prog, check_total, check_failed);
  return check_failed ? 1 : 0;
}
