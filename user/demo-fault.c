/*
 * demo-fault: demand paging, counted.
 *
 * mmap gives address space, not memory: a page is allocated by the page
 * fault of its first access. This maps 16 MiB, reads every page (each read
 * fault maps the shared zero page), writes every page (each write fault
 * allocates a zeroed page, replacing the zero page), and grows the heap with
 * brk and touches it. It prints the minor-fault count from getrusage and the
 * time per page for each step. The counts are the kernel's (under qemu-user
 * they are the emulator's own), so they are shown, not checked; the data
 * is checked.
 */
#include "util.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#define PG 4096UL

static long minflt(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) < 0) die_errno("getrusage");
  return ru.ru_minflt;
}

static double now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) die_errno("clock_gettime");
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs step over npages and prints faults and time per page. */
static void measure(const char* what, void (*step)(volatile unsigned char*, size_t), volatile unsigned char* p,
                    size_t npages) {
  long f0 = minflt();
  double t0 = now();
  step(p, npages);
  double t1 = now();
  long f1 = minflt();
  printf("  %-34s %6zu pages, %6ld minor faults, %8.0f ns/page\n", what, npages, f1 - f0,
         (t1 - t0) * 1e9 / (double)npages);
}

static void read_pages(volatile unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i * PG] != 0) die("page %zu of fresh memory reads %#x, not zero", i, p[i * PG]);
}

static void write_pages(volatile unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i * PG] = (unsigned char)(i | 1);
}

static void check_pages(volatile unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i * PG] != (unsigned char)(i | 1)) die("page %zu lost its value", i);
    if (p[i * PG + 1] != 0) die("page %zu is not zero past the written byte", i);
  }
}

int main(void) {
  size_t npages = (16UL << 20) / PG;
  printf("demo-fault: 16 MiB anonymous mapping, touched page by page\n");
  unsigned char* p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die_errno("mmap");
  measure("read (zero page mapped)", read_pages, p, npages);
  measure("write (zeroed page allocated)", write_pages, p, npages);
  measure("read again (no faults expected)", check_pages, p, npages);
  if (munmap(p, npages * PG) < 0) die_errno("munmap");

  size_t heap_pages = (4UL << 20) / PG;
  printf("demo-fault: heap grown by 4 MiB with brk\n");
  unsigned char* brk0 = sbrk(0);
  if (brk0 == (void*)-1) die_errno("sbrk(0)");
  unsigned char* base = (unsigned char*)(((unsigned long)brk0 + PG - 1) & ~(PG - 1));
  if (brk(base + heap_pages * PG) < 0) die_errno("brk grow");
  measure("write heap pages", write_pages, base, heap_pages);
  measure("read heap pages back", check_pages, base, heap_pages);
  if (brk(brk0) < 0) die_errno("brk shrink");
  printf("demo-fault: ok\n");
  return finish(0);
}
