/*
 * cat: copies files (or standard input, or "-") to standard output with
 * read and write, so that generated files such as /proc/slabinfo, whose
 * st_size is 0, come out whole: it reads until read returns 0.
 *
 *   cat [FILE...]
 */
#include "util.h"

#include <fcntl.h>

static int copy(int fd, const char* name) {
  static char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      report_errno(name, errno);
      return 1;
    }
    if (write_all(1, buf, (size_t)n) < 0) die_errno("write");
  }
}

int main(int argc, char** argv) {
  if (argc < 2) return copy(0, "stdin");
  int ret = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-")) {
      ret |= copy(0, "stdin");
      continue;
    }
    int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      report_errno(argv[i], errno);
      ret = 1;
      continue;
    }
    ret |= copy(fd, argv[i]);
    if (close(fd) < 0) {
      report_errno(argv[i], errno);
      ret = 1;
    }
  }
  return ret;
}
