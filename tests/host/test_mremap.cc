// Host tests for mm/mremap.cc against the page-table model: shrink, grow in
// place, MREMAP_MAYMOVE (the pages move with the range), MREMAP_FIXED over
// an existing mapping, MREMAP_DONTUNMAP, and Linux's errno for each refusal;
// every step followed by the full invariant check.
#include <doctest/doctest.h>

#include <kernel/errno.h>

#include "mm_test_util.h"

namespace {

constexpr unsigned long P = PAGE_SIZE;
constexpr unsigned long RW = PROT_READ | PROT_WRITE;
constexpr unsigned long ANON = MAP_PRIVATE | MAP_ANONYMOUS;

struct TestMm {
  MmTestEnv env{64ull << 20};
  mm_struct* mm = mm_alloc();
  PtModel pt;
  TestMm() {
    REQUIRE(mm != nullptr);
    pt.attach(mm);
  }
  ~TestMm() { mmput(mm); }
  unsigned long mmap(unsigned long addr, unsigned long len, unsigned long flags = ANON) {
    const long r = sys_mmap(mm, addr, len, RW, flags, ~0ul, 0);
    REQUIRE(r > 0);
    check_mm(mm);
    return static_cast<unsigned long>(r);
  }
  long mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
              unsigned long new_addr = 0) {
    const long r = sys_mremap(mm, addr, old_len, new_len, flags, new_addr);
    check_mm(mm);
    return r;
  }
  void populate(unsigned long a, unsigned long len) {
    MmapWriteGuard g{mm};
    mm_populate(mm, a, len);
  }
  bool mapped(unsigned long a) {
    vm_area_struct* v = find_vma(mm, a);
    return v && v->vm_start <= a;
  }
  // Pages the model has mapped in [a, a + len).
  size_t present(unsigned long a, unsigned long len) {
    size_t n = 0;
    for (auto it = pt.present.lower_bound(a); it != pt.present.end() && it->first < a + len; ++it) n++;
    return n;
  }
};

}  // namespace

TEST_CASE("mremap: shrink unmaps the tail, grow in place when the next page is free") {
  TestMm t;
  const unsigned long a = t.mmap(0, 4 * P);
  t.populate(a, 4 * P);
  CHECK(t.mremap(a, 4 * P, 2 * P, 0) == static_cast<long>(a));
  CHECK(t.present(a, 4 * P) == 2);
  CHECK(find_vma(t.mm, a)->vm_end == a + 2 * P);
  CHECK(t.mremap(a, 2 * P, 3 * P, 0) == static_cast<long>(a));  // the freed page is free again
  CHECK(find_vma(t.mm, a)->vm_end == a + 3 * P);
  CHECK(t.present(a, 3 * P) == 2);  // growing faults nothing in
}

TEST_CASE("mremap: a blocked grow is ENOMEM without MAYMOVE and moves the pages with it") {
  TestMm t;
  const unsigned long hi = t.mmap(0, P, ANON);
  const unsigned long lo = t.mmap(hi - 2 * P, 2 * P, ANON | MAP_FIXED);  // lo's end touches hi: no room
  t.populate(lo, 2 * P);
  CHECK(t.mremap(lo, 2 * P, 6 * P, 0) == -ENOMEM);
  const long moved = t.mremap(lo, 2 * P, 6 * P, MREMAP_MAYMOVE);
  REQUIRE(moved > 0);
  const unsigned long m = static_cast<unsigned long>(moved);
  CHECK(m != lo);
  CHECK(t.present(m, 6 * P) == 2);   // the two pages came along
  CHECK(t.present(lo, 2 * P) == 0);  // and left the old place
  CHECK_FALSE(t.mapped(lo));  // unmapped there
  vm_area_struct* v = find_vma(t.mm, m);
  CHECK(v->vm_start == m);
  CHECK(v->vm_end == m + 6 * P);
}

TEST_CASE("mremap: MREMAP_FIXED replaces what was at new_addr; DONTUNMAP keeps the old VMA empty") {
  TestMm t;
  const unsigned long a = t.mmap(0, 2 * P);
  const unsigned long b = t.mmap(0, 4 * P);
  t.populate(a, 2 * P);
  t.populate(b, 4 * P);
  CHECK(t.mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, b) == static_cast<long>(b));
  CHECK(t.present(b, 2 * P) == 2);      // a's two pages replaced b's first two
  CHECK(t.present(b + 2 * P, 2 * P) == 2);  // b's tail untouched
  CHECK_FALSE(t.mapped(a));
  const unsigned long c = t.mmap(0, 2 * P);
  t.populate(c, 2 * P);
  const long d = t.mremap(c, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
  REQUIRE(d > 0);
  CHECK(t.mapped(c));  // still mapped
  CHECK(t.present(c, 2 * P) == 0);          // but empty
  CHECK(t.present(static_cast<unsigned long>(d), 2 * P) == 2);
}

TEST_CASE("msync: errors as Linux, a hole is ENOMEM (MS_ASYNC stops at it, MS_SYNC looks on)") {
  TestMm t;
  const unsigned long a = t.mmap(0, 4 * P);
  REQUIRE(sys_munmap(t.mm, a + P, P) == 0);  // [a, a+P) hole [a+2P, a+4P)
  CHECK(sys_msync(t.mm, a, 4 * P, MS_ASYNC) == -ENOMEM);
  CHECK(sys_msync(t.mm, a, 4 * P, MS_SYNC) == -ENOMEM);
  CHECK(sys_msync(t.mm, a, P, MS_SYNC) == 0);
  CHECK(sys_msync(t.mm, a + 2 * P, 2 * P - 1, MS_ASYNC) == 0);  // the length rounds up
  CHECK(sys_msync(t.mm, a + P, P, MS_ASYNC) == -ENOMEM);
  CHECK(sys_msync(t.mm, a, 0, MS_SYNC) == 0);
  CHECK(sys_msync(t.mm, a + 1, P, MS_SYNC) == -EINVAL);
  CHECK(sys_msync(t.mm, a, P, MS_SYNC | MS_ASYNC) == -EINVAL);
  CHECK(sys_msync(t.mm, a, P, 0x100) == -EINVAL);
  CHECK(sys_msync(t.mm, ~0ul & PAGE_MASK, 2 * P, MS_SYNC) == -ENOMEM);  // wraps
}

TEST_CASE("mremap errno as Linux") {
  TestMm t;
  const unsigned long a = t.mmap(0, 2 * P);
  CHECK(t.mremap(a + 1, P, 2 * P, MREMAP_MAYMOVE) == -EINVAL);            // unaligned
  CHECK(t.mremap(a, P, 0, MREMAP_MAYMOVE) == -EINVAL);                    // new size 0
  CHECK(t.mremap(a, P, 2 * P, 8) == -EINVAL);                             // unknown flag
  CHECK(t.mremap(a, P, 2 * P, MREMAP_FIXED, a + 8 * P) == -EINVAL);       // FIXED needs MAYMOVE
  CHECK(t.mremap(a, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) == -EINVAL);  // DONTUNMAP: same size
  CHECK(t.mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, a + P) == -EINVAL);  // overlap
  CHECK(t.mremap(a + 64 * P, P, 2 * P, MREMAP_MAYMOVE) == -EFAULT);       // nothing mapped
  CHECK(t.mremap(a, 4 * P, 8 * P, MREMAP_MAYMOVE) == -EFAULT);            // spans past the VMA
}
