/*
 * Helpers shared by the programs in user/: error reports that name the
 * program, the failing call and errno's name, and I/O loops that handle
 * short writes and EINTR. Every program checks every system call's result
 * and says which one failed; these keep that to one line at each call.
 */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "prog: what: ENOENT (No such file or directory)" on stderr. */
static inline void report_errno(const char* what, int err) {
  fflush(stdout);  /* keep the console's order: what was printed before the error comes first */
  const char* name = strerrorname_np(err);
  fprintf(stderr, "%s: %s: %s (%s)\n", program_invocation_short_name, what, name ? name : "E?",
          strerror(err));
}

/* Reports errno for `what` and exits 1. */
static inline _Noreturn void die_errno(const char* what) {
  report_errno(what, errno);
  exit(1);
}

/* Reports a message and exits 1. */
__attribute__((format(printf, 1, 2))) static inline _Noreturn void die(const char* fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "%s: ", program_invocation_short_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

/* Writes all of buf; returns 0, or -1 with errno set. */
static inline int write_all(int fd, const void* buf, size_t len) {
  const char* p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * Reads a whole (small) file such as /proc/meminfo into buf, NUL-terminated;
 * returns its length, or -1 with errno set. /proc files are generated on
 * each read, so the loop reads until end of file rather than trusting
 * st_size (which is 0 for them).
 */
static inline long read_file(const char* path, char* buf, size_t size) {
  FILE* f = fopen(path, "re");
  if (!f) return -1;
  size_t len = fread(buf, 1, size - 1, f);
  int err = ferror(f) ? errno : 0;
  fclose(f);
  if (err) {
    errno = err;
    return -1;
  }
  buf[len] = '\0';
  return (long)len;
}

/* main's return: flushes stdout and turns a failed write into status 1. */
static inline int finish(int ret) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    report_errno("write to stdout", errno);
    return 1;
  }
  return ret;
}
