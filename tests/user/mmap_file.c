/* File-backed mmap over the program's own file (argv[0], so it works from
 * an initramfs too): contents match read(), MAP_PRIVATE writes stay
 * private, access checks against the open mode, SIGBUS past the end of
 * the file, and the errnos for fds that cannot be mapped. (No write-only
 * open of our own file: Linux refuses it with ETXTBSY while we run.) */
#include "check_fault.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096UL

int main(int argc, char** argv) {
  (void)argc;
  check_catch_faults();

  int fd = open(argv[0], O_RDONLY);
  check_true("open our own file", fd >= 0);
  if (fd < 0) return check_summary("mmap_file");
  struct stat st;
  fstat(fd, &st);
  unsigned char first[PG];
  check_true("read the first page", pread(fd, first, PG, 0) == (ssize_t)PG);

  unsigned char* p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
  check_true("mmap PROT_READ MAP_PRIVATE", p != MAP_FAILED);
  check_true("mapping shows the file's bytes", p != MAP_FAILED && memcmp(p, first, PG) == 0);
  check_true("it is an ELF file", p != MAP_FAILED && memcmp(p, "\177ELF", 4) == 0);

  unsigned char* w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  check_true("MAP_PRIVATE writable mapping of a read-only fd", w != MAP_FAILED);
  if (w != MAP_FAILED) {
    w[1] = 'X';
    check_true("private write is seen in the mapping", w[1] == 'X');
    unsigned char again[4];
    check_true("private write does not reach the file", pread(fd, again, 4, 0) == 4 && again[1] == 'E');
    check_true("nor another mapping of it", p != MAP_FAILED && p[1] == 'E');
    munmap(w, PG);
  }
  CHECK_MAP("MAP_SHARED writable mapping of a read-only fd", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
            EACCES);
  CHECK_MAP("MAP_SHARED read-only mapping", mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0), 0);
  CHECK_MAP("offset not page aligned", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
  if (p != MAP_FAILED) CHECK_SYS("mprotect a read-only-fd MAP_PRIVATE mapping writable", mprotect(p, PG, PROT_READ | PROT_WRITE), 0);

  /* A mapping that runs past the end of the file: the page holding the
     end reads zeros after it; whole pages past it raise SIGBUS. */
  const size_t size = (size_t)st.st_size;
  const size_t last = (size - 1) & ~(PG - 1); /* the page holding the last byte */
  unsigned char* t = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, last);
  check_true("mmap over the end of the file", t != MAP_FAILED);
  if (t != MAP_FAILED) {
    int zeros = 1;
    for (size_t i = size - last; i < PG; i++) zeros &= t[i] == 0;
    check_true("tail of the last page reads zero", zeros);
    const char* r = check_access((volatile char*)(t + PG + 8), 0);
    check_line(strcmp(r, "SIGBUS BUS_ADRERR") == 0, "page past the end of the file", r, "SIGBUS BUS_ADRERR");
    check_true("SIGBUS si_addr is the address", check_fault_addr == t + PG + 8);
  }

  CHECK_MAP("mmap of a closed fd", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 1000, 0), EBADF);
  int dfd = open("/", O_RDONLY | O_DIRECTORY);
  CHECK_MAP("mmap of a directory", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
  close(dfd);
  close(fd);
  /* The mapping outlives the fd. */
  check_true("mapping still readable after close", p != MAP_FAILED && p[0] == 0x7f);
  return check_summary("mmap_file");
}
