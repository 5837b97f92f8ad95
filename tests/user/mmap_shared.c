/* MAP_SHARED mappings of a regular file: stores through the mapping are
 * the file's bytes for read(2), write(2) shows in the mapping, two
 * mappings of one page alias, a forked child's stores reach the parent,
 * a MAP_PRIVATE mapping keeps its own copies, msync answers, and
 * truncation takes the pages past the new end out of every mapping
 * (SIGBUS there, private copies included) until the file grows again. The
 * file lives in a fresh directory under $TMPDIR (default /tmp). */
#include "check_fault.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL

static void check_touch(const char* name, volatile char* p, int store, const char* want) {
  const char* got = check_access(p, store);
  check_line(strcmp(got, want) == 0, name, got, want);
}

int main(void) {
  check_catch_faults();

  const char* tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  mkdir(tmpdir, 01777);
  char dir[256], path[300];
  snprintf(dir, sizeof dir, "%s/mmap-shared-XXXXXX", tmpdir);
  check_true("a scratch directory", mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/file", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  check_true("create the file", fd >= 0);
  if (fd < 0) return check_summary("mmap_shared");
  char page[PG];
  memset(page, 'a', PG);
  int ok = write(fd, page, PG) == (ssize_t)PG;
  memset(page, 'b', PG);
  ok &= write(fd, page, PG) == (ssize_t)PG;
  check_true("write two pages", ok);

  char* s = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  check_true("mmap MAP_SHARED of three pages over a two-page file", s != MAP_FAILED);
  if (s == MAP_FAILED) return check_summary("mmap_shared");
  check_true("the mapping shows the file", s[0] == 'a' && s[PG - 1] == 'a' && s[PG] == 'b' && s[2 * PG - 1] == 'b');

  memcpy(s + 10, "stored", 6);
  char buf[16] = {0};
  check_true("a store through the mapping is read by pread",
             pread(fd, buf, 8, 8) == 8 && memcmp(buf, "aastored", 8) == 0);
  check_true("pwrite is seen through the mapping",
             pwrite(fd, "written", 7, PG + 100) == 7 && memcmp(s + PG + 100, "written", 7) == 0);
  struct stat st;
  check_true("stores do not change the size", fstat(fd, &st) == 0 && st.st_size == (off_t)(2 * PG));

  char* t = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
  check_true("a second MAP_SHARED mapping at offset 4096", t != MAP_FAILED);
  if (t != MAP_FAILED) {
    memcpy(t + 200, "alias", 5);
    check_true("both mappings show the same page", memcmp(s + PG + 200, "alias", 5) == 0);
  }

  char* u = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  check_true("a MAP_PRIVATE mapping of the file", u != MAP_FAILED);
  if (u != MAP_FAILED) {
    check_true("it shows the shared stores", memcmp(u + 10, "stored", 6) == 0 && memcmp(u + PG + 200, "alias", 5) == 0);
    memcpy(u + 10, "PRIVATE", 7);
    check_true("its store stays private", memcmp(s + 10, "stored", 6) == 0 && pread(fd, buf, 7, 10) == 7 &&
                                                memcmp(buf, "stored", 6) == 0);
    check_true("a page it never wrote shows a later pwrite",
               pwrite(fd, "later", 5, PG + 300) == 5 && memcmp(u + PG + 300, "later", 5) == 0);
  }

  CHECK_SYS("msync MS_SYNC", msync(s, 2 * PG, MS_SYNC), 0);
  CHECK_SYS("msync MS_ASYNC", msync(s, 2 * PG, MS_ASYNC), 0);
  CHECK_SYS("msync MS_INVALIDATE", msync(s, 2 * PG, MS_INVALIDATE), 0);
  CHECK_SYS("msync MS_SYNC|MS_ASYNC", msync(s, PG, MS_SYNC | MS_ASYNC), EINVAL);

  /* A child's stores through the shared mapping reach us; through the
     private one they do not. */
  pid_t pid = fork();
  if (pid == 0) {
    memcpy(s + 20, "child", 5);
    if (u != MAP_FAILED) memcpy(u + 20, "CHILD", 5);
    _exit(0);
  }
  int status = -1;
  waitpid(pid, &status, 0);
  check_true("a child's store through MAP_SHARED is ours", status == 0 && memcmp(s + 20, "child", 5) == 0);
  check_true("a child's store through MAP_PRIVATE is not", u == MAP_FAILED || memcmp(u + 20, "aaaaa", 5) == 0);

  /* Past the page holding the last byte: SIGBUS. */
  check_touch("load in the last page of the file", s + 2 * PG - 1, 0, "ok");
  check_touch("load in the page past the end", s + 2 * PG, 0, "SIGBUS BUS_ADRERR");
  check_touch("store in the page past the end", s + 2 * PG, 1, "SIGBUS BUS_ADRERR");

  /* Truncation into page 1: its tail reads zero in the mappings, page 1
     itself stays, everything from page 2 on goes (a private copy too). */
  if (u != MAP_FAILED) u[PG + 1] = 'P'; /* a private copy of page 1 */
  CHECK_SYS("ftruncate to 4096 + 100", ftruncate(fd, PG + 100), 0);
  check_true("the shared mapping's tail of the last page reads zero", s[PG + 99] == 'b' && s[PG + 100] == 0 &&
                                                                         s[2 * PG - 1] == 0);
  check_touch("load in the truncated page (shared)", s + PG + 500, 0, "ok");
  check_true("a private copy made before the truncation keeps its bytes", u == MAP_FAILED || u[PG + 1] == 'P');
  CHECK_SYS("ftruncate to 100", ftruncate(fd, 100), 0);
  check_touch("load past the new end (shared)", s + PG, 0, "SIGBUS BUS_ADRERR");
  check_touch("load past the new end (second mapping)", t != MAP_FAILED ? t : s + PG, 0, "SIGBUS BUS_ADRERR");
  check_touch("load past the new end (private copy)", u != MAP_FAILED ? u + PG + 1 : s + PG, 0, "SIGBUS BUS_ADRERR");
  check_touch("load before the end (shared)", s + 99, 0, "ok");

  /* Growing back: the pages return as zeros. */
  CHECK_SYS("ftruncate to three pages", ftruncate(fd, 3 * PG), 0);
  check_true("page 1 is zero again", s[PG] == 0 && s[PG + 200] == 0 && (t == MAP_FAILED || t[200] == 0));
  check_true("the private mapping sees the zeros", u == MAP_FAILED || (u[PG + 1] == 0 && u[2 * PG] == 0));
  memcpy(s + 2 * PG + 7, "hole", 4);
  check_true("a store into the grown part is the file's", pread(fd, buf, 4, 2 * PG + 7) == 4 && memcmp(buf, "hole", 4) == 0);

  /* A read-only descriptor: shared for reading, never writable. */
  int ro = open(path, O_RDONLY);
  CHECK_MAP("MAP_SHARED PROT_WRITE of a read-only descriptor", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
            EACCES);
  char* r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
  check_true("MAP_SHARED PROT_READ of a read-only descriptor", r != MAP_FAILED && memcmp(r + 10, "stored", 6) == 0);
  if (r != MAP_FAILED) {
    CHECK_SYS("mprotect it writable", mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES);
    munmap(r, PG);
  }
  close(ro);

  /* The mappings outlive the descriptor and the name. */
  close(fd);
  unlink(path);
  memcpy(s + 30, "after", 5);
  check_true("the shared mapping works after close and unlink", memcmp(s + 30, "after", 5) == 0 && s[10] == 's');
  munmap(s, 3 * PG);
  if (t != MAP_FAILED) munmap(t, PG);
  if (u != MAP_FAILED) munmap(u, 3 * PG);
  rmdir(dir);
  return check_summary("mmap_shared");
}
