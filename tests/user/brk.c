/* brk: the raw system call returns the new break, or the old one when it
 * refuses; growing gives zeroed memory, shrinking takes it away. */
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

static uintptr_t sys_brk(uintptr_t b) { return (uintptr_t)syscall(SYS_brk, b); }

static sigjmp_buf jb;
static volatile int faults;
static void on_segv(int sig) {
  (void)sig;
  faults++;
  siglongjmp(jb, 1);
}

/* 1 when reading p faults. */
static int read_faults(volatile unsigned char* p) {
  int before = faults;
  if (sigsetjmp(jb, 1) == 0) (void)*p;
  return faults != before;
}

static int all_zero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

int main(void) {
  signal(SIGSEGV, on_segv);
  const uintptr_t b0 = sys_brk(0);
  check_true("brk(0) is non-zero", b0 != 0);
  check_true("brk(0) again is the same", sys_brk(0) == b0);
  check_true("sbrk(0) agrees with brk(0)", (uintptr_t)sbrk(0) == b0);

  /* Grow by three pages and a bit: the exact value comes back. */
  const uintptr_t want = b0 + 3 * PG + 123;
  check_true("grow returns the requested break", sys_brk(want) == want);
  unsigned char* heap = (unsigned char*)b0;
  check_true("grown heap reads zero", all_zero(heap, 3 * PG + 123));
  for (size_t i = 0; i < 3 * PG + 123; i++) heap[i] = (unsigned char)i;
  check_true("grown heap keeps writes", heap[3 * PG + 122] == (unsigned char)(3 * PG + 122));

  /* Shrink to one page: the rest goes away. */
  const uintptr_t small = b0 + PG;
  check_true("shrink returns the requested break", sys_brk(small) == small);
  const uintptr_t gone = (b0 + 3 * PG + 123 - 1) & ~(PG - 1);
  check_true("memory past the shrunk break faults", read_faults((unsigned char*)gone));
  check_true("memory below the break stays", !read_faults(heap) && heap[5] == 5);

  /* Grow again: what comes back beyond the old end is zero. */
  check_true("grow again", sys_brk(b0 + 3 * PG) == b0 + 3 * PG);
  check_true("regrown pages read zero", all_zero(heap + 2 * PG, PG));

  /* Refusals return the current break unchanged. */
  const uintptr_t cur = sys_brk(0);
  /* glibc's static start-up has already moved the break (its TLS block),
   so the heap starts below b0: page 1 is below it for sure. */
  check_true("brk below the start is refused", sys_brk(PG) == cur);
  check_true("brk to a huge address is refused", sys_brk((uintptr_t)1 << 62) == cur);
  check_true("brk into a mapping is refused",
             mmap((void*)(cur + 8 * PG), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) !=
                     MAP_FAILED &&
                 sys_brk(cur + 16 * PG) == cur);
  check_true("break unchanged after refusals", sys_brk(0) == cur);

  check_true("back to the start", sys_brk(b0) == b0);
  /* The page holding b0 may still hold glibc's start-up allocation. */
  check_true("whole heap gone", read_faults((unsigned char*)((b0 + PG - 1) & ~(PG - 1))));
  return check_summary("brk");
}
