/* mmap, munmap, mprotect, madvise, mremap: argument checks with Linux's
 * errnos, zero fill, replacement by MAP_FIXED, holes. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int all_bytes(const unsigned char* p, size_t n, unsigned char v) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != v) return 0;
  return 1;
}

int main(void) {
  check_eq("page size", sysconf(_SC_PAGESIZE), PG);

  /* Argument checks (mm/mmap.c ksys_mmap_pgoff / do_mmap). */
  CHECK_MAP("mmap length 0", mmap(NULL, 0, RW, ANON, -1, 0), EINVAL);
  CHECK_MAP("mmap neither shared nor private", mmap(NULL, PG, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
  CHECK_MAP("mmap unaligned offset", mmap(NULL, PG, RW, ANON, -1, 1), EINVAL);
  CHECK_MAP("mmap unaligned fixed address", mmap((void*)0x10000001UL, PG, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
  CHECK_MAP("mmap huge length", mmap(NULL, 1UL << 62, RW, ANON, -1, 0), ENOMEM);
  CHECK_MAP("mmap file without fd", mmap(NULL, PG, RW, MAP_PRIVATE, -1, 0), EBADF);
  CHECK_MAP("mmap length wraps after rounding", mmap(NULL, (size_t)-1, RW, ANON, -1, 0), ENOMEM);

  /* A fresh anonymous mapping is page aligned and zero. */
  unsigned char* a = mmap(NULL, 4 * PG, RW, ANON, -1, 0);
  check_true("anonymous mapping", a != MAP_FAILED);
  if (a == MAP_FAILED) return check_summary("mmap");
  check_true("anonymous mapping is page aligned", ((uintptr_t)a & (PG - 1)) == 0);
  check_true("anonymous mapping reads zero", all_bytes(a, 4 * PG, 0));
  memset(a, 0xa5, 4 * PG);
  check_true("anonymous mapping keeps writes", all_bytes(a, 4 * PG, 0xa5));

  CHECK_MAP("MAP_FIXED_NOREPLACE over a mapping", mmap(a + PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
  check_true("MAP_FIXED_NOREPLACE left the data", all_bytes(a + PG, PG, 0xa5));
  void* r = mmap(a + PG, PG, RW, ANON | MAP_FIXED, -1, 0);
  check_true("MAP_FIXED replaces at the address", r == a + PG);
  check_true("MAP_FIXED replacement reads zero", all_bytes(a + PG, PG, 0) && all_bytes(a, PG, 0xa5) && all_bytes(a + 2 * PG, PG, 0xa5));

  /* munmap */
  CHECK_SYS("munmap unaligned address", munmap(a + 1, PG), EINVAL);
  CHECK_SYS("munmap length 0", munmap(a, 0), EINVAL);
  CHECK_SYS("munmap middle page", munmap(a + 2 * PG, PG), 0);
  CHECK_SYS("munmap a hole again", munmap(a + 2 * PG, PG), 0);
  CHECK_SYS("munmap range beyond user space", munmap((void*)(1UL << 63), PG), EINVAL);

  /* mprotect (mm/mprotect.c do_mprotect_pkey) */
  CHECK_SYS("mprotect unaligned address", mprotect(a + 1, PG, PROT_READ), EINVAL);
  CHECK_SYS("mprotect unknown prot bit", mprotect(a, PG, RW | 0x100), EINVAL);
  CHECK_SYS("mprotect across a hole", mprotect(a, 4 * PG, PROT_READ), ENOMEM);
  CHECK_SYS("mprotect of a hole", mprotect(a + 2 * PG, PG, PROT_READ), ENOMEM);
  CHECK_SYS("mprotect length 0", mprotect(a, 0, PROT_READ), 0);
  CHECK_SYS("mprotect first two pages read-only", mprotect(a, 2 * PG, PROT_READ), 0);
  check_true("read-only pages keep data", all_bytes(a, PG, 0xa5) && all_bytes(a + PG, PG, 0));
  CHECK_SYS("mprotect back to read-write", mprotect(a, 2 * PG, RW), 0);
  a[0] = 1;
  check_eq("write after mprotect", a[0], 1);

  /* PROT_NONE reserve, then open it up. */
  unsigned char* n = mmap(NULL, 2 * PG, PROT_NONE, ANON, -1, 0);
  check_true("PROT_NONE mapping", n != MAP_FAILED);
  CHECK_SYS("mprotect PROT_NONE to read-write", mprotect(n, 2 * PG, RW), 0);
  n[PG] = 7;
  check_eq("PROT_NONE pages usable after mprotect", n[PG] + n[0], 7);

  /* madvise(MADV_DONTNEED) drops private anonymous contents. */
  memset(n, 0x5a, 2 * PG);
  CHECK_SYS("madvise DONTNEED", madvise(n, PG, MADV_DONTNEED), 0);
  check_true("DONTNEED page reads zero, the next keeps data", all_bytes(n, PG, 0) && all_bytes(n + PG, PG, 0x5a));
  CHECK_SYS("madvise unaligned", madvise(n + 1, PG, MADV_DONTNEED), EINVAL);
  CHECK_SYS("madvise unknown advice", madvise(n, PG, 12345), EINVAL);

  /* mremap */
  unsigned char* m = mremap(n, 2 * PG, 8 * PG, MREMAP_MAYMOVE);
  check_true("mremap grow", m != MAP_FAILED);
  if (m != MAP_FAILED) {
    check_true("mremap kept the contents", all_bytes(m + PG, PG, 0x5a));
    check_true("mremap new tail reads zero", all_bytes(m + 2 * PG, 6 * PG, 0));
    CHECK_SYS("munmap the remapped area", munmap(m, 8 * PG), 0);
  }
  CHECK_MAP("mremap unaligned old address", mremap(a + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
  CHECK_MAP("mremap to size 0", mremap(a, PG, 0, MREMAP_MAYMOVE), EINVAL);

  /* Many small mappings, then unmap all in one call covering the holes. */
  unsigned char* big = mmap(NULL, 64 * PG, RW, ANON, -1, 0);
  int split_ok = big != MAP_FAILED;
  for (int i = 0; split_ok && i < 64; i += 2)
    split_ok = mprotect(big + i * PG, PG, PROT_READ) == 0;
  check_true("32 alternating mprotects", split_ok);
  CHECK_SYS("munmap over 64 split pieces", munmap(big, 64 * PG), 0);
  CHECK_SYS("mprotect after munmap", mprotect(big, PG, PROT_READ), ENOMEM);

  CHECK_SYS("munmap the rest", munmap(a, 4 * PG), 0);
  return check_summary("mmap");
}
