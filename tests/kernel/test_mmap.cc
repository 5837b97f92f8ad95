// The VMA layer on the kernel's own SLAB and RwLock: an address space with
// many VMAs built, searched, cut and torn down (the semantics are host-tested
// in tests/host/test_mmap*.cc; this checks it runs in the kernel).
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <mm/mmap.h>

namespace {

constexpr unsigned long P = PAGE_SIZE;
constexpr unsigned long ANON = MAP_PRIVATE | MAP_ANONYMOUS;

}  // namespace

KTEST(mmap, many_vmas_find_split_merge_teardown) {
  const long committed = vm_memory_committed();
  mm_struct* mm = mm_alloc();
  ASSERT_TRUE(mm);
  EXPECT_EQ(mm->mmap_base, TASK_SIZE - (128ul << 20));
  const unsigned long base = 0x10000000;
  constexpr int N = 2000;
  // Alternating protections: nothing merges.
  for (int i = 0; i < N; i++) {
    const unsigned long a = base + i * P;
    ASSERT_EQ(sys_mmap(mm, a, P, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE, ANON | MAP_FIXED, ~0ul, 0),
              static_cast<long>(a));
  }
  EXPECT_EQ(mm->map_count, N);
  int found = 0;
  {
    MmapReadGuard g{mm};
    for (int i = 0; i < N; i++) {
      vm_area_struct* v = find_vma(mm, base + i * P + 123);
      found += v && v->vm_start == base + i * P;
    }
  }
  EXPECT_EQ(found, N);
  // Making every VMA writable merges them all into one (the read-only ones
  // are charged and become VM_ACCOUNT like the others).
  EXPECT_EQ(sys_mprotect(mm, base, N * P, PROT_READ | PROT_WRITE), 0);
  EXPECT_EQ(mm->map_count, 1);
  // A hole in the middle splits it; MAP_FIXED_NOREPLACE sees the rest.
  EXPECT_EQ(sys_munmap(mm, base + 10 * P, 5 * P), 0);
  EXPECT_EQ(mm->map_count, 2);
  EXPECT_EQ(sys_mmap(mm, base + 9 * P, 2 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED_NOREPLACE, ~0ul, 0), -EEXIST);
  EXPECT_EQ(sys_mmap(mm, 0, P, PROT_READ, ANON, ~0ul, 0), static_cast<long>(mm->mmap_base - P));
  EXPECT_GT(vm_memory_committed(), committed);
  mmput(mm);
  EXPECT_EQ(vm_memory_committed(), committed);
}
