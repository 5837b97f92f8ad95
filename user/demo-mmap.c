/*
 * demo-mmap: anonymous mappings from mmap to munmap.
 *
 * Maps 16 pages, shows the mapping's line in /proc/self/maps, checks that
 * fresh pages read as zero, writes a pattern, makes one page read-only with
 * mprotect (its own line in maps: the VMA was split), grows the mapping
 * with mremap (data kept, the new part zero), and unmaps it. Exits 1 at the
 * first failed call or wrong value.
 */
#include "util.h"

#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL

/* Prints the lines of /proc/self/maps that overlap [lo, hi). */
static void show_maps(const char* when, void* lo, void* hi) {
  static char buf[65536];
  if (read_file("/proc/self/maps", buf, sizeof buf) < 0) die_errno("/proc/self/maps");
  printf("  /proc/self/maps %s:\n", when);
  for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    unsigned long start, end;
    if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start < (uintptr_t)hi && end > (uintptr_t)lo)
      printf("    %s\n", line);
  }
}

static void expect_bytes(const char* what, const unsigned char* p, size_t len, unsigned char (*want)(size_t)) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != want(i)) die("%s: byte %zu is %#x, expected %#x", what, i, p[i], want(i));
  printf("  %s: %zu bytes ok\n", what, len);
}

static unsigned char zero(size_t i) { return (void)i, 0; }
static unsigned char pattern(size_t i) { return (unsigned char)(i / PG * 7 + i % 251); }

int main(void) {
  size_t len = 16 * PG;
  printf("demo-mmap: mmap 16 pages PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS\n");
  unsigned char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die_errno("mmap");
  show_maps("after mmap", p, p + len);
  expect_bytes("fresh pages read as zero", p, len, zero);
  for (size_t i = 0; i < len; i++) p[i] = pattern(i);
  expect_bytes("pattern written and read back", p, len, pattern);

  printf("demo-mmap: mprotect page 5 PROT_READ (the VMA splits in three)\n");
  if (mprotect(p + 5 * PG, PG, PROT_READ) < 0) die_errno("mprotect");
  show_maps("after mprotect", p, p + len);
  expect_bytes("every page still reads back", p, len, pattern);
  if (mprotect(p + 5 * PG, PG, PROT_READ | PROT_WRITE) < 0) die_errno("mprotect back");

  printf("demo-mmap: mremap to 64 pages, MREMAP_MAYMOVE\n");
  unsigned char* q = mremap(p, len, 4 * len, MREMAP_MAYMOVE);
  if (q == MAP_FAILED) die_errno("mremap");
  show_maps("after mremap", q, q + 4 * len);
  expect_bytes("data kept across mremap", q, len, pattern);
  expect_bytes("grown part reads as zero", q + len, 3 * len, zero);

  printf("demo-mmap: munmap\n");
  if (munmap(q, 4 * len) < 0) die_errno("munmap");
  show_maps("after munmap (no lines)", q, q + 4 * len);
  printf("demo-mmap: ok\n");
  return finish(0);
}
