// Host tests for the VMA layer (mm/vma.cc, mm/mmap.cc, mm/unmapped_area.cc,
// mm/mprotect.cc, mm/madvise.cc, mm/util.cc): directed cases for every
// mechanism and errno, each followed by the full invariant check. The
// randomized differential test is in test_mmap_fuzz.cc.
#include <doctest/doctest.h>

#include <cmath>
#include <kernel/errno.h>

#include "mm_test_util.h"

namespace {

constexpr unsigned long P = PAGE_SIZE;
constexpr unsigned long RW = PROT_READ | PROT_WRITE;
constexpr unsigned long ANON = MAP_PRIVATE | MAP_ANONYMOUS;

struct TestMm {
  MmTestEnv env;
  mm_struct* mm;
  PtModel pt;
  explicit TestMm(uint64_t ram = 64ull << 20) : env(ram), mm(mm_alloc()) {
    REQUIRE(mm != nullptr);
    pt.attach(mm);
  }
  ~TestMm() { mmput(mm); }
  long mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, long off = 0) {
    const long r = sys_mmap(mm, addr, len, prot, flags, static_cast<unsigned long>(-1), off);
    check_mm(mm);
    return r;
  }
  long munmap(unsigned long addr, unsigned long len) {
    const long r = sys_munmap(mm, addr, len);
    check_mm(mm);
    return r;
  }
  long mprotect(unsigned long addr, unsigned long len, unsigned long prot) {
    const long r = sys_mprotect(mm, addr, len, prot);
    check_mm(mm);
    return r;
  }
};

// [start, end, vm_flags & RWX] of every VMA.
struct Span {
  unsigned long start, end, rwx;
  bool operator==(const Span&) const = default;
};
std::vector<Span> spans(mm_struct* mm) {
  std::vector<Span> out;
  for (vm_area_struct* v : vma_list(mm)) out.push_back({v->vm_start, v->vm_end, v->vm_flags & VM_ACCESS_FLAGS});
  return out;
}

}  // namespace

TEST_CASE("mmap layout: Sv39 constants and mmap_base below the stack reservation") {
  TestMm t;
  CHECK(TASK_SIZE == 0x4000000000ul);
  CHECK(t.mm->task_size == TASK_SIZE);
  // 8 MiB stack rlimit + 1 MiB guard is below the 128 MiB minimum gap.
  CHECK(t.mm->mmap_base == TASK_SIZE - (128ul << 20));
  CHECK(TASK_UNMAPPED_BASE == page_align_up(TASK_SIZE / 3));
  CHECK(find_vma(t.mm, 0) == nullptr);
  check_mm(t.mm);
}

TEST_CASE("mmap: top-down below mmap_base, adjacent anonymous mappings merge") {
  TestMm t;
  const long a = t.mmap(0, 3 * P, RW, ANON);
  CHECK(a == static_cast<long>(t.mm->mmap_base - 3 * P));
  const long b = t.mmap(0, 2 * P, RW, ANON);
  CHECK(b == a - static_cast<long>(2 * P));
  // Same flags, contiguous offsets: one VMA.
  CHECK(t.mm->map_count == 1);
  CHECK(spans(t.mm) == std::vector<Span>{{static_cast<unsigned long>(b), t.mm->mmap_base, VM_READ | VM_WRITE}});
  // A different protection does not merge.
  const long c = t.mmap(0, P, PROT_READ, ANON);
  CHECK(c == b - static_cast<long>(P));
  CHECK(t.mm->map_count == 2);
  CHECK(t.mm->total_vm == 6);
}

TEST_CASE("find_vma, find_vma_prev, find_vma_intersection and the vmacache") {
  TestMm t;
  const unsigned long base = 0x10000000;
  for (int i = 0; i < 8; i++)  // alternate protections: 8 VMAs of 2 pages with 1-page holes
    REQUIRE(t.mmap(base + i * 3 * P, 2 * P, i % 2 ? PROT_READ : RW, ANON | MAP_FIXED) ==
            static_cast<long>(base + i * 3 * P));
  CHECK(t.mm->map_count == 8);
  CHECK(find_vma(t.mm, 0) == t.mm->mmap);
  vm_area_struct* v3 = find_vma(t.mm, base + 9 * P);
  REQUIRE(v3);
  CHECK(v3->vm_start == base + 9 * P);
  // An address in a hole gives the VMA above it.
  CHECK(find_vma(t.mm, base + 11 * P) == v3->vm_next);
  CHECK(find_vma(t.mm, base + 24 * P) == nullptr);
  // The cache answers a repeated lookup with the same VMA.
  CHECK(find_vma(t.mm, base + 9 * P + 5) == v3);
  bool cached = false;
  for (auto& s : t.mm->vmacache) cached |= s.vma.load() == v3;
  CHECK(cached);
  vm_area_struct* prev;
  CHECK(find_vma_prev(t.mm, base + 9 * P, &prev) == v3);
  CHECK(prev == v3->vm_prev);
  CHECK(find_vma_prev(t.mm, base + 100 * P, &prev) == nullptr);
  CHECK(prev == vma_list(t.mm).back());
  CHECK(find_vma_prev(t.mm, 0, &prev) == t.mm->mmap);
  CHECK(prev == nullptr);
  CHECK(find_vma_intersection(t.mm, base + 2 * P, base + 3 * P) == nullptr);
  CHECK(find_vma_intersection(t.mm, base + 2 * P, base + 3 * P + 1) == t.mm->mmap->vm_next);
  // Unmapping clears the cache: no stale VMA is returned.
  CHECK(t.munmap(base + 9 * P, 2 * P) == 0);
  for (auto& s : t.mm->vmacache) CHECK(s.vma.load() == nullptr);
  CHECK(find_vma(t.mm, base + 9 * P)->vm_start == base + 12 * P);
}

TEST_CASE("insert_vm_struct: overlap is -ENOMEM, anonymous pgoff from the start, commit charge") {
  TestMm t;
  auto make = [&](unsigned long s, unsigned long e, unsigned long flags) {
    vm_area_struct* v = vm_area_alloc(t.mm);
    REQUIRE(v);
    v->vm_start = s;
    v->vm_end = e;
    v->vm_flags = flags;
    v->vm_page_prot = vm_get_page_prot(flags);
    v->vm_pgoff = 12345;
    return v;
  };
  const unsigned long flags = VM_READ | VM_MAYREAD | VM_MAYWRITE;
  vm_area_struct* a = make(0x100000, 0x104000, flags);
  CHECK(insert_vm_struct(t.mm, a) == 0);
  CHECK(a->vm_pgoff == 0x100);
  vm_area_struct* b = make(0x103000, 0x105000, flags);
  CHECK(insert_vm_struct(t.mm, b) == -ENOMEM);
  vm_area_free(b);
  const long before = vm_memory_committed();
  vm_area_struct* c = make(0x200000, 0x210000, flags | VM_WRITE | VM_ACCOUNT);
  CHECK(insert_vm_struct(t.mm, c) == 0);
  CHECK(vm_memory_committed() == before + 16);
  // Strict overcommit with nothing allowed refuses the charge.
  sysctl_overcommit_memory = OVERCOMMIT_NEVER;
  sysctl_overcommit_ratio = 0;
  vm_area_struct* d = make(0x300000, 0x301000, flags | VM_WRITE | VM_ACCOUNT);
  CHECK(insert_vm_struct(t.mm, d) == -ENOMEM);
  CHECK(vm_memory_committed() == before + 16);
  vm_area_free(d);
  CHECK(t.mm->map_count == 2);
  // insert_vm_struct leaves total_vm to its caller (as in Linux).
  vm_stat_account(t.mm, a->vm_flags, static_cast<long>(vma_pages(a)));
  vm_stat_account(t.mm, c->vm_flags, static_cast<long>(vma_pages(c)));
  check_mm(t.mm);
}

TEST_CASE("munmap: across several VMAs with partial ends, holes are fine") {
  TestMm t;
  const unsigned long base = 0x20000000;
  REQUIRE(t.mmap(base, 4 * P, RW, ANON | MAP_FIXED) == static_cast<long>(base));
  REQUIRE(t.mmap(base + 4 * P, 4 * P, PROT_READ, ANON | MAP_FIXED) > 0);
  REQUIRE(t.mmap(base + 10 * P, 4 * P, RW, ANON | MAP_FIXED) > 0);
  CHECK(t.mm->map_count == 3);
  CHECK(t.munmap(base + 2 * P, 10 * P) == 0);
  CHECK(spans(t.mm) == std::vector<Span>{{base, base + 2 * P, VM_READ | VM_WRITE},
                                         {base + 12 * P, base + 14 * P, VM_READ | VM_WRITE}});
  CHECK(t.mm->total_vm == 4);
  // Unaligned length rounds up; nothing mapped is not an error.
  CHECK(t.munmap(base + 12 * P, P + 1) == 0);
  CHECK(spans(t.mm) == std::vector<Span>{{base, base + 2 * P, VM_READ | VM_WRITE}});
  CHECK(t.munmap(base + 100 * P, P) == 0);
  // Splitting the middle makes two.
  REQUIRE(t.mmap(base + 20 * P, 8 * P, RW, ANON | MAP_FIXED) > 0);
  CHECK(t.munmap(base + 22 * P, 2 * P) == 0);
  CHECK(t.mm->map_count == 3);
}

TEST_CASE("munmap errno: unaligned, zero length, beyond TASK_SIZE") {
  TestMm t;
  CHECK(t.munmap(0x1001, P) == -EINVAL);
  CHECK(t.munmap(0x1000, 0) == -EINVAL);
  CHECK(t.munmap(TASK_SIZE, P) == -EINVAL);
  CHECK(t.munmap(TASK_SIZE - P, 2 * P) == -EINVAL);
  CHECK(t.munmap(TASK_SIZE - P, P) == 0);
  CHECK(t.munmap(0x1000, ~0ul) == -EINVAL);
}

TEST_CASE("mmap errno as Linux riscv64 6.1 answers") {
  TestMm t;
  CHECK(t.mmap(0, 0, RW, ANON) == -EINVAL);                           // zero length
  CHECK(t.mmap(0, P, RW, ANON, 1) == -EINVAL);                        // unaligned offset
  CHECK(t.mmap(0, P, PROT_WRITE, ANON) == -EINVAL);                   // riscv: write-only
  CHECK(t.mmap(0, P, RW, MAP_PRIVATE) == -EBADF);                     // no file descriptors yet
  CHECK(t.mmap(0, P, RW, MAP_ANONYMOUS) == -EINVAL);                  // neither shared nor private
  CHECK(t.mmap(0, P, RW, MAP_ANONYMOUS | MAP_SHARED_VALIDATE) == -EINVAL);
  CHECK(t.mmap(0x10000001, P, RW, ANON | MAP_FIXED) == -EINVAL);      // unaligned fixed address
  CHECK(t.mmap(TASK_SIZE - P, 2 * P, RW, ANON | MAP_FIXED) == -ENOMEM);
  CHECK(t.mmap(TASK_SIZE, P, RW, ANON | MAP_FIXED) == -ENOMEM);
  CHECK(t.mmap(0, TASK_SIZE + P, PROT_READ, ANON | MAP_NORESERVE) == -ENOMEM);
  CHECK(t.mmap(0, ~0ul - 5, PROT_READ, ANON) == -ENOMEM);             // length rounds up to 0
  CHECK(t.mmap(0, P, RW, ANON | MAP_FIXED) == -EPERM);                // below mmap_min_addr
  CHECK(t.mmap(0, P, RW, ANON | MAP_SHARED | MAP_GROWSDOWN) == -EINVAL);
  // A hint below mmap_min_addr is raised to it, not refused.
  CHECK(t.mmap(1, P, RW, ANON) == static_cast<long>(mmap_min_addr));
  CHECK(t.mm->map_count == 1);
}

TEST_CASE("mmap hints: taken when free, else top-down; MAP_FIXED replaces; MAP_FIXED_NOREPLACE -EEXIST") {
  TestMm t;
  const unsigned long hint = 0x30000000;
  CHECK(t.mmap(hint, 4 * P, RW, ANON) == static_cast<long>(hint));
  // Unaligned hint rounds up.
  CHECK(t.mmap(hint + 8 * P + 1, P, RW, ANON) == static_cast<long>(hint + 9 * P));
  // A taken hint falls back to the top-down search.
  CHECK(t.mmap(hint + P, P, RW, ANON) == static_cast<long>(t.mm->mmap_base - P));
  CHECK(t.mmap(hint + 2 * P, 2 * P, PROT_READ, ANON | MAP_FIXED_NOREPLACE) == -EEXIST);
  CHECK(t.mmap(hint + 4 * P, 2 * P, PROT_READ, ANON | MAP_FIXED_NOREPLACE) == static_cast<long>(hint + 4 * P));
  // MAP_FIXED over the middle: the old VMA is split around it.
  CHECK(t.mmap(hint + P, 2 * P, PROT_READ, ANON | MAP_FIXED) == static_cast<long>(hint + P));
  CHECK(spans(t.mm)[0] == Span{hint, hint + P, VM_READ | VM_WRITE});
  CHECK(spans(t.mm)[1] == Span{hint + P, hint + 3 * P, VM_READ});
  CHECK(spans(t.mm)[2] == Span{hint + 3 * P, hint + 4 * P, VM_READ | VM_WRITE});
  // ... and the read-only parts merged: [hint+P, hint+3P) and [hint+4P, hint+6P) are apart.
  CHECK(spans(t.mm)[3] == Span{hint + 4 * P, hint + 6 * P, VM_READ});
  // Replacing with the neighbours' flags merges all three.
  CHECK(t.mmap(hint + P, 2 * P, RW, ANON | MAP_FIXED) == static_cast<long>(hint + P));
  CHECK(spans(t.mm)[0] == Span{hint, hint + 4 * P, VM_READ | VM_WRITE});
}

TEST_CASE("get_unmapped_area: fallback above TASK_UNMAPPED_BASE when nothing fits below mmap_base") {
  TestMm t;
  // Fill [mmap_min_addr, mmap_base) except a gap too small for the request.
  const unsigned long below = t.mm->mmap_base;
  REQUIRE(t.mmap(P, below - 3 * P, PROT_NONE, ANON | MAP_FIXED | MAP_NORESERVE) == static_cast<long>(P));
  CHECK(t.mmap(0, P, PROT_READ, ANON) == static_cast<long>(below - P));
  // Two pages no longer fit below mmap_base: bottom-up from TASK_UNMAPPED_BASE,
  // whose lowest free gap is at mmap_base itself.
  CHECK(t.mmap(0, 2 * P, PROT_READ, ANON) == static_cast<long>(below));
}

TEST_CASE("get_unmapped_area visits O(log n) tree nodes through rb_subtree_gap") {
  TestMm t;
  constexpr int N = 20000;
  const unsigned long base = 0x100000000;
  // N one-page VMAs with one-page holes; one 64-page hole far down.
  for (int i = 0; i < N; i++) {
    const unsigned long a = base + (static_cast<unsigned long>(i) * 2 + (i >= 100 ? 64 : 0)) * P;
    REQUIRE(sys_mmap(t.mm, a, P, PROT_READ, ANON | MAP_FIXED, ~0ul, 0) == static_cast<long>(a));
  }
  check_mm(t.mm);
  CHECK(t.mm->map_count == N);
  const unsigned long highest = vma_list(t.mm).back()->vm_end;
  vm_unmapped_area_info info{};
  info.flags = vm_unmapped_area_info::TOPDOWN;
  info.length = 32 * P;
  info.low_limit = base;
  info.high_limit = highest;  // the big gaps above and below are out of bounds
  unsigned visited = 0;
  const unsigned long addr = vm_unmapped_area(t.mm, &info, &visited);
  CHECK(addr == base + (99 * 2 + 1 + 64 - 32 + 1) * P);
  const double log2n = std::log2(static_cast<double>(N));
  CHECK(visited <= static_cast<unsigned>(4 * log2n));
  MESSAGE("visited " << visited << " of " << N << " nodes (log2 n = " << log2n << ")");
  // Bottom-up finds the same hole, also cheaply.
  info.flags = 0;
  CHECK(vm_unmapped_area(t.mm, &info, &visited) == base + (99 * 2 + 1) * P);
  CHECK(visited <= static_cast<unsigned>(4 * log2n));
  // A request no gap inside the limits can hold fails just as cheaply.
  info.length = 100 * P;
  CHECK(vm_unmapped_area(t.mm, &info, &visited) == static_cast<unsigned long>(-ENOMEM));
  CHECK(visited <= static_cast<unsigned>(4 * log2n));
  // Without limits, the 4 GiB below the first VMA is the answer.
  info.low_limit = P;
  info.high_limit = base + 100 * P;
  info.flags = vm_unmapped_area_info::TOPDOWN;
  CHECK(vm_unmapped_area(t.mm, &info, &visited) == base - 100 * P);
}

TEST_CASE("max_map_count: mmap, split and munmap of a middle give -ENOMEM") {
  TestMm t;
  sysctl_max_map_count = 10;
  const unsigned long base = 0x40000000;
  int i = 0;
  // Three-page VMAs one page apart. Linux refuses a new mapping only once
  // map_count is already above the limit.
  for (; i < 20; i++) {
    const long r = t.mmap(base + i * 4 * P, 3 * P, RW, ANON | MAP_FIXED);
    if (r < 0) {
      CHECK(r == -ENOMEM);
      break;
    }
  }
  CHECK(i == 11);
  CHECK(t.mm->map_count == 11);
  REQUIRE(t.munmap(base + 10 * 4 * P, 3 * P) == 0);
  CHECK(t.mm->map_count == 10);
  // At the limit, nothing may add a VMA: a hole in the middle, a split by mprotect.
  CHECK(t.munmap(base + P, P) == -ENOMEM);
  CHECK(t.mprotect(base + P, P, PROT_READ) == -ENOMEM);
  // Unmapping an end only shrinks a VMA; the split it uses may go over.
  CHECK(t.munmap(base + 2 * P, P) == 0);
  CHECK(t.munmap(base, P) == 0);
  CHECK(t.mm->map_count == 10);
  sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
}

TEST_CASE("mprotect: splits and merges back, partial failure over a hole, EACCES, errno") {
  TestMm t;
  const unsigned long base = 0x50000000;
  REQUIRE(t.mmap(base, 8 * P, RW, ANON | MAP_FIXED) == static_cast<long>(base));
  CHECK(t.mprotect(base + 2 * P, 2 * P, PROT_READ) == 0);
  CHECK(t.mm->map_count == 3);
  CHECK(t.mprotect(base + 2 * P, 2 * P, RW) == 0);
  CHECK(t.mm->map_count == 1);
  // Head and tail changes merge into neighbours.
  REQUIRE(t.mprotect(base, 8 * P, PROT_READ) == 0);
  REQUIRE(t.mprotect(base + 4 * P, 4 * P, RW) == 0);
  CHECK(t.mprotect(base + 3 * P, P, RW) == 0);  // prev's tail into next
  CHECK(spans(t.mm) == std::vector<Span>{{base, base + 3 * P, VM_READ}, {base + 3 * P, base + 8 * P, VM_READ | VM_WRITE}});
  CHECK(t.mprotect(base + 3 * P, P, PROT_READ) == 0);  // next's head into prev
  CHECK(spans(t.mm) == std::vector<Span>{{base, base + 4 * P, VM_READ}, {base + 4 * P, base + 8 * P, VM_READ | VM_WRITE}});
  // A hole stops the walk with -ENOMEM after the part before it changed.
  REQUIRE(t.mmap(base + 10 * P, 2 * P, PROT_READ, ANON | MAP_FIXED) > 0);
  CHECK(t.mprotect(base + 6 * P, 6 * P, PROT_NONE) == -ENOMEM);
  CHECK((find_vma(t.mm, base + 6 * P)->vm_flags & VM_ACCESS_FLAGS) == 0);
  CHECK((find_vma(t.mm, base + 10 * P)->vm_flags & VM_ACCESS_FLAGS) == VM_READ);
  CHECK(t.mprotect(base + 20 * P, P, PROT_READ) == -ENOMEM);  // nothing mapped
  CHECK(t.mprotect(base + 1, P, PROT_READ) == -EINVAL);
  CHECK(t.mprotect(base, 0, PROT_READ) == 0);
  CHECK(t.mprotect(base, P, 0x10) == -EINVAL);  // unknown bit
  CHECK(t.mprotect(base, P, PROT_READ | PROT_SEM) == 0);
  CHECK(t.mprotect(~0ul & PAGE_MASK, 2 * P, PROT_READ) == -ENOMEM);  // wraps
  CHECK(t.mprotect(base, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP) == -EINVAL);
  CHECK(t.mprotect(base, P, PROT_READ | PROT_GROWSDOWN) == -EINVAL);  // not a grows-down VMA
  CHECK(t.mprotect(base, P, PROT_READ | PROT_GROWSUP) == -EINVAL);
  // VM_MAY* bounds: a VMA without VM_MAYWRITE cannot become writable.
  vm_area_struct* v = find_vma(t.mm, base);
  v->vm_flags &= ~VM_MAYWRITE;
  CHECK(t.mprotect(base, P, RW) == -EACCES);
  v->vm_flags |= VM_MAYWRITE;
}

TEST_CASE("mprotect of a grows-down VMA with PROT_GROWSDOWN extends to its start") {
  TestMm t;
  stack_guard_gap = 4 * P;
  const unsigned long base = 0x60000000;
  REQUIRE(t.mmap(base, 8 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN) == static_cast<long>(base));
  CHECK((t.mm->mmap->vm_flags & VM_GROWSDOWN) != 0);
  CHECK(t.mprotect(base + 4 * P, P, PROT_READ | PROT_GROWSDOWN) == 0);
  CHECK(spans(t.mm) == std::vector<Span>{{base, base + 5 * P, VM_READ}, {base + 5 * P, base + 8 * P, VM_READ | VM_WRITE}});
  // The guard gap below it is not offered to a hint.
  CHECK(t.mmap(base - 2 * P, 2 * P, PROT_READ, ANON) != static_cast<long>(base - 2 * P));
  CHECK(t.mmap(base - 6 * P, 2 * P, PROT_READ, ANON) == static_cast<long>(base - 6 * P));
  // rb_subtree_gap excludes the guard (check_mm recomputes it).
  check_mm(t.mm);
}

TEST_CASE("overcommit: private writable memory is charged, read-only and MAP_NORESERVE are not") {
  TestMm t(32ull << 20);
  const unsigned long ram = totalram_pages() * P;
  const long before = vm_memory_committed();
  CHECK(t.mmap(0, ram + P, RW, ANON) == -ENOMEM);  // GUESS: one request beyond RAM
  CHECK(vm_memory_committed() == before);
  const long ro = t.mmap(0, ram + P, PROT_READ, ANON);
  CHECK(ro > 0);
  CHECK(vm_memory_committed() == before);
  CHECK(t.mprotect(static_cast<unsigned long>(ro), ram + P, RW) == -ENOMEM);  // would need the charge
  CHECK(t.mprotect(static_cast<unsigned long>(ro), 4 * P, RW) == 0);
  CHECK(vm_memory_committed() == before + 4);
  CHECK((find_vma(t.mm, static_cast<unsigned long>(ro))->vm_flags & VM_ACCOUNT) != 0);
  const long nr = t.mmap(0, ram + P, RW, ANON | MAP_NORESERVE);
  CHECK(nr > 0);
  CHECK((find_vma(t.mm, static_cast<unsigned long>(nr))->vm_flags & VM_NORESERVE) != 0);
  CHECK(vm_memory_committed() == before + 4);
  // Shared memory charges its object (Linux: the shmem file), once however
  // it is split, until its last piece goes; MAP_NORESERVE does not.
  const long sh = t.mmap(0, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
  CHECK(sh > 0);
  CHECK(vm_memory_committed() == before + 8);
  CHECK(t.mprotect(static_cast<unsigned long>(sh), P, PROT_READ) == 0);
  CHECK(t.munmap(static_cast<unsigned long>(sh) + 2 * P, P) == 0);
  CHECK(vm_memory_committed() == before + 8);
  CHECK(t.mmap(0, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE) > 0);
  CHECK(vm_memory_committed() == before + 8);
  CHECK(t.munmap(static_cast<unsigned long>(sh), 4 * P) == 0);
  CHECK(vm_memory_committed() == before + 4);
  // Unmapping returns the charge.
  CHECK(t.munmap(static_cast<unsigned long>(ro), 2 * P) == 0);
  CHECK(vm_memory_committed() == before + 2);
  // ALWAYS takes anything, NEVER keeps the total under the ratio.
  sysctl_overcommit_memory = OVERCOMMIT_ALWAYS;
  const long big = t.mmap(0, 4 * ram, RW, ANON);
  CHECK(big > 0);
  CHECK(t.munmap(static_cast<unsigned long>(big), 4 * ram) == 0);
  sysctl_overcommit_memory = OVERCOMMIT_NEVER;
  CHECK(t.mmap(0, ram / 2, RW, ANON) == -ENOMEM);
  CHECK(t.mmap(0, ram / 8, RW, ANON) > 0);
}

TEST_CASE("RLIMIT_AS, RLIMIT_DATA and RLIMIT_MEMLOCK") {
  TestMm t;
  t.mm->rlimit_as = 16 * P;
  CHECK(t.mmap(0, 17 * P, PROT_READ, ANON) == -ENOMEM);
  const long a = t.mmap(0x70000000, 16 * P, PROT_READ, ANON | MAP_FIXED);
  CHECK(a > 0);
  // Replacing mapped pages does not count them twice.
  CHECK(t.mmap(0x70000000, 16 * P, RW, ANON | MAP_FIXED) == a);
  t.mm->rlimit_as = ~0ul;
  t.mm->rlimit_data = 20 * P;
  CHECK(t.mmap(0, 8 * P, RW, ANON) == -ENOMEM);  // data: 16 + 8 > 20
  CHECK(t.mmap(0, 8 * P, PROT_READ, ANON) > 0);  // not data
  t.mm->rlimit_data = ~0ul;
  CHECK(t.mmap(0, (8ul << 20) + P, RW, ANON | MAP_LOCKED) == -EAGAIN);
  const long l = t.mmap(0, 4 * P, RW, ANON | MAP_LOCKED);
  CHECK(l > 0);
  CHECK(t.mm->locked_vm == 4);
  CHECK(t.pt.present.count(static_cast<unsigned long>(l)) == 1);  // VM_LOCKED populates
  CHECK(t.munmap(static_cast<unsigned long>(l), 4 * P) == 0);
  CHECK(t.mm->locked_vm == 0);
}

TEST_CASE("MAP_POPULATE faults the range in; munmap, mprotect and MADV_DONTNEED act on present pages") {
  TestMm t;
  const long a = t.mmap(0, 8 * P, RW, ANON | MAP_POPULATE);
  REQUIRE(a > 0);
  const auto ua = static_cast<unsigned long>(a);
  CHECK(t.pt.present.size() == 8);
  CHECK(t.pt.present.at(ua) == vm_get_page_prot(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC));
  CHECK(t.mprotect(ua, 2 * P, PROT_READ) == 0);
  CHECK(t.pt.present.at(ua) == vm_get_page_prot(VM_READ));
  CHECK(sys_madvise(t.mm, ua + 2 * P, 2 * P, MADV_DONTNEED) == 0);
  CHECK(t.pt.present.size() == 6);
  CHECK(t.mm->map_count == 2);  // the VMAs stay
  CHECK(t.munmap(ua + 6 * P, 2 * P) == 0);
  CHECK(t.pt.present.size() == 4);
  // PROT_NONE is not populated.
  const long n = t.mmap(0, 2 * P, PROT_NONE, ANON | MAP_POPULATE);
  CHECK(n > 0);
  CHECK(t.pt.present.size() == 4);
  check_mm(t.mm);
}

TEST_CASE("madvise errno and holes") {
  TestMm t;
  const unsigned long base = 0x80000000;
  REQUIRE(t.mmap(base, 2 * P, RW, ANON | MAP_FIXED | MAP_POPULATE) > 0);
  REQUIRE(t.mmap(base + 3 * P, 2 * P, RW, ANON | MAP_FIXED | MAP_POPULATE) > 0);
  CHECK(sys_madvise(t.mm, base, 5 * P, 12345) == -EINVAL);
  CHECK(sys_madvise(t.mm, base + 1, P, MADV_DONTNEED) == -EINVAL);
  CHECK(sys_madvise(t.mm, base, 0, MADV_DONTNEED) == 0);
  CHECK(sys_madvise(t.mm, base, ~0ul, MADV_DONTNEED) == -EINVAL);  // rounds to 0
  CHECK(sys_madvise(t.mm, base + 10 * P, P, MADV_DONTNEED) == -ENOMEM);
  // The hole is reported after both sides were dropped.
  CHECK(sys_madvise(t.mm, base, 5 * P, MADV_DONTNEED) == -ENOMEM);
  CHECK(t.pt.present.empty());
  // Locked memory needs MADV_DONTNEED_LOCKED.
  const long l = t.mmap(0, 2 * P, RW, ANON | MAP_LOCKED);
  CHECK(sys_madvise(t.mm, static_cast<unsigned long>(l), 2 * P, MADV_DONTNEED) == -EINVAL);
  CHECK(sys_madvise(t.mm, static_cast<unsigned long>(l), 2 * P, MADV_DONTNEED_LOCKED) == 0);
}

TEST_CASE("MAP_HUGETLB: 2 MiB only, aligned length and address, no partial unmap, never merged") {
  TestMm t;
  const unsigned long H = HPAGE_SIZE;
  CHECK(t.mmap(0, P, RW, ANON | MAP_HUGETLB | (30u << MAP_HUGE_SHIFT)) == -EINVAL);  // 1 GiB
  CHECK(t.mmap(0, P, RW, ANON | MAP_HUGETLB | (16u << MAP_HUGE_SHIFT)) == -EINVAL);  // 64 KiB
  const long a = t.mmap(0, P, RW, ANON | MAP_HUGETLB);
  REQUIRE(a > 0);
  const auto ua = static_cast<unsigned long>(a);
  CHECK(ua % H == 0);
  vm_area_struct* v = find_vma(t.mm, ua);
  CHECK(v->vm_end - v->vm_start == H);  // length rounded up to a megapage
  CHECK((v->vm_flags & VM_HUGETLB) != 0);
  CHECK((v->vm_flags & VM_ACCOUNT) == 0);
  const long b = t.mmap(0, H, RW, ANON | MAP_HUGETLB | (21u << MAP_HUGE_SHIFT));
  CHECK(b == a - static_cast<long>(H));
  CHECK(t.mm->map_count == 2);  // adjacent, same flags, but never merged
  CHECK(t.munmap(ua, P) == -EINVAL);  // would split a megapage
  CHECK(t.mprotect(ua, P, PROT_READ) == -EINVAL);
  CHECK(t.munmap(ua, H) == 0);
  CHECK(t.mmap(0x40000000 + P, H, RW, ANON | MAP_HUGETLB | MAP_FIXED) == -EINVAL);
  CHECK(t.mmap(0x40000000, H, RW, ANON | MAP_HUGETLB | MAP_FIXED) == 0x40000000);
  CHECK(t.mmap(0x40000000 + P, H, RW, ANON | MAP_HUGETLB) == 0x40000000 + static_cast<long>(H));  // hint aligned up
  CHECK(t.mmap(0, H, RW, ANON | MAP_HUGETLB, static_cast<long>(P)) == -EINVAL);  // offset not a megapage
  CHECK(t.mmap(0, H, RW, ANON | MAP_HUGETLB | MAP_GROWSDOWN) == -EINVAL);
  CHECK(t.mmap(0, H, RW, MAP_ANONYMOUS | MAP_SHARED_VALIDATE | MAP_HUGETLB | MAP_POPULATE) > 0);
  CHECK(t.mmap(0, H, RW, MAP_ANONYMOUS | MAP_SHARED_VALIDATE | MAP_HUGETLB | MAP_SYNC) == -EOPNOTSUPP);
}

TEST_CASE("shared anonymous mappings: separate objects never merge, pieces of one merge again") {
  TestMm t;
  const long a = t.mmap(0, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
  const long b = t.mmap(0, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
  REQUIRE(a > 0);
  CHECK(b == a - static_cast<long>(4 * P));
  CHECK(t.mm->map_count == 2);
  const auto ua = static_cast<unsigned long>(a);
  CHECK(find_vma(t.mm, ua)->vm_pgoff == 0);
  CHECK(t.mprotect(ua + P, P, PROT_READ) == 0);
  CHECK(t.mm->map_count == 4);
  CHECK(find_vma(t.mm, ua + 2 * P)->vm_pgoff == 2);
  CHECK(t.mprotect(ua + P, P, RW) == 0);
  CHECK(t.mm->map_count == 2);
}

TEST_CASE("brk: grows by merging, shrinking unmaps, refuses to run into a mapping") {
  TestMm t;
  const unsigned long start = 0x90000000;
  t.mm->start_brk = t.mm->brk = start;
  CHECK(sys_brk(t.mm, 0) == static_cast<long>(start));  // query
  CHECK(sys_brk(t.mm, start + 100) == static_cast<long>(start + 100));
  check_mm(t.mm);
  CHECK(spans(t.mm) == std::vector<Span>{{start, start + P, VM_READ | VM_WRITE}});
  CHECK(sys_brk(t.mm, start + 5 * P) == static_cast<long>(start + 5 * P));
  CHECK(t.mm->map_count == 1);  // extended, not a second VMA
  CHECK(t.mm->data_vm == 5);
  CHECK(sys_brk(t.mm, start + 2 * P + 1) == static_cast<long>(start + 2 * P + 1));
  check_mm(t.mm);
  CHECK(spans(t.mm) == std::vector<Span>{{start, start + 3 * P, VM_READ | VM_WRITE}});
  CHECK(sys_brk(t.mm, start - P) == static_cast<long>(start + 2 * P + 1));  // below start_brk
  // A mapping above: the break must stay a page below it.
  REQUIRE(t.mmap(start + 10 * P, P, PROT_READ, ANON | MAP_FIXED) > 0);
  CHECK(sys_brk(t.mm, start + 10 * P) == static_cast<long>(start + 2 * P + 1));
  CHECK(sys_brk(t.mm, start + 9 * P) == static_cast<long>(start + 9 * P));
  CHECK(sys_brk(t.mm, start) == static_cast<long>(start));
  check_mm(t.mm);
  CHECK(t.mm->map_count == 1);
  CHECK(sys_brk(t.mm, ~0ul) == static_cast<long>(start));
}

TEST_CASE("mm_alloc/mmput: exit_mmap releases every VMA, charge and page") {
  MmTestEnv env;
  // Warm up: the caches' per-CPU arrays exist from their first use on.
  mm_struct* warm = mm_alloc();
  REQUIRE(sys_mmap(warm, 0, P, PROT_READ, ANON, ~0ul, 0) > 0);
  mmput(warm);
  const uint64_t free_before = SlabTestEnv::settle();
  const long committed = vm_memory_committed();
  for (int round = 0; round < 3; round++) {
    mm_struct* mm = mm_alloc();
    REQUIRE(mm);
    PtModel pt;
    pt.attach(mm);
    for (int i = 0; i < 200; i++)
      REQUIRE(sys_mmap(mm, 0, (i % 7 + 1) * P, i % 3 ? RW : PROT_READ, ANON | MAP_POPULATE, ~0ul, 0) > 0);
    check_mm(mm);
    CHECK(vm_memory_committed() > committed);
    mmput(mm);
    CHECK(pt.present.empty());
    CHECK(vm_memory_committed() == committed);
  }
  CHECK(SlabTestEnv::settle() == free_before);
}

TEST_CASE("split_vma and vma_merge directly") {
  TestMm t;
  const unsigned long base = 0xa0000000;
  REQUIRE(t.mmap(base, 6 * P, RW, ANON | MAP_FIXED) > 0);
  vm_area_struct* v = find_vma(t.mm, base);
  {
    MmapWriteGuard g{t.mm};
    CHECK(split_vma(t.mm, v, base + 2 * P, 1) == 0);  // new part below
    CHECK(v->vm_start == base + 2 * P);
    CHECK(v->vm_pgoff == (base + 2 * P) >> PAGE_SHIFT);
    CHECK(split_vma(t.mm, v, base + 4 * P, 0) == 0);
    CHECK(t.mm->map_count == 3);
    // Nothing differs between the three: vma_merge of the middle with the same flags joins them.
    vm_area_struct* prev = v->vm_prev;
    vm_area_struct* m = vma_merge(t.mm, prev, base + 2 * P, base + 4 * P, v->vm_flags, 0, (base + 2 * P) >> PAGE_SHIFT);
    CHECK(m == prev);
    CHECK(t.mm->map_count == 1);
    CHECK(m->vm_end == base + 6 * P);
  }
  check_mm(t.mm);
}

TEST_CASE("expand_stack: grows a grows-down VMA, keeps the guard gap, RLIMIT_STACK, mmap_min_addr") {
  TestMm t;
  stack_guard_gap = 4 * P;
  const unsigned long top = 0xb0000000;
  REQUIRE(t.mmap(top - 2 * P, 2 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN) == static_cast<long>(top - 2 * P));
  REQUIRE(t.mmap(top - 20 * P, 2 * P, PROT_READ, ANON | MAP_FIXED) > 0);  // an accessible VMA below
  vm_area_struct* stack = find_vma(t.mm, top - P);
  const long committed = vm_memory_committed();
  {
    MmapReadGuard g{t.mm};
    CHECK(expand_stack(stack, top - 5 * P + 123) == 0);
  }
  check_mm(t.mm);
  CHECK(stack->vm_start == top - 5 * P);
  CHECK(stack->vm_pgoff == (top - 5 * P) >> PAGE_SHIFT);
  CHECK(t.mm->stack_vm == 5);
  CHECK(vm_memory_committed() == committed + 3);
  {
    MmapReadGuard g{t.mm};
    // The VMA below ends at top - 18P: the gap must stay >= 4 pages.
    CHECK(expand_stack(stack, top - 14 * P) == 0);
    CHECK(expand_stack(stack, top - 15 * P) == -ENOMEM);
    t.mm->rlimit_stack = 10 * P;
    CHECK(expand_stack(stack, top - 14 * P) == 0);  // already there
    t.mm->rlimit_stack = 8ul << 20;
  }
  check_mm(t.mm);
  // A PROT_NONE VMA below is no obstacle to the guard (only an accessible one).
  REQUIRE(t.mprotect(top - 20 * P, 2 * P, PROT_NONE) == 0);
  {
    MmapReadGuard g{t.mm};
    CHECK(expand_stack(stack, top - 17 * P) == 0);
    CHECK(expand_stack(stack, top - 19 * P) == -ENOMEM);  // would overlap it
    CHECK(expand_stack(stack, 0) == -EPERM);
  }
  check_mm(t.mm);
}

TEST_CASE("the VMA index: dropped, find_vma walks mm_rb; the next vma_link rebuilds it") {
  TestMm t;
  for (unsigned long i = 0; i < 200; i++)  // every other page: no merging, a few index levels
    REQUIRE(t.mmap(0x10000000 + 2 * i * P, P, RW, ANON | MAP_FIXED) == static_cast<long>(0x10000000 + 2 * i * P));
  CHECK(t.mm->vma_index.height >= 2);
  {
    MmapWriteGuard g(t.mm);
    vma_index_drop(t.mm);
  }
  CHECK_FALSE(t.mm->vma_index_valid);
  check_mm(t.mm);  // find_vma (through mm_rb) still finds every VMA
  // Changes while it is dropped: unmapping, splitting, merging.
  CHECK(t.munmap(0x10000000, 4 * P) == 0);
  CHECK(t.mprotect(0x10000000 + 10 * P, P, PROT_READ) == 0);
  CHECK(t.mm->vma_index_valid == false);
  CHECK(find_vma(t.mm, 0x10000000)->vm_start == 0x10000000 + 4 * P);
  // Linking a VMA builds it again from the list.
  CHECK(t.mmap(0x10000000, P, RW, ANON | MAP_FIXED) == 0x10000000);
  CHECK(t.mm->vma_index_valid);
  CHECK(t.mm->vma_index.count == static_cast<unsigned long>(t.mm->map_count));
}

TEST_CASE("the VMA index: a node allocation that fails drops it, and no VMA operation fails for it") {
  // Map single pages, each with the page allocator drained first, so the
  // new VMA and every structure it joins get only objects their caches
  // already hold. When the index needs a node its cache does not have, the
  // mapping must still succeed, with the index dropped; a mapping whose VMA
  // has no object may fail with -ENOMEM and is made again with memory.
  TestMm t;
  bool dropped = false;
  unsigned long i = 0;
  for (int tries = 0; tries < 20000 && !dropped; tries++) {
    const unsigned long a = 0x10000000 + 2 * i * P;
    std::vector<page*> held;
    while (page* p = alloc_pages(GFP_KERNEL, 0)) held.push_back(p);
    const long r = sys_mmap(t.mm, a, P, RW, ANON | MAP_FIXED | MAP_NORESERVE, static_cast<unsigned long>(-1), 0);
    dropped = !t.mm->vma_index_valid;
    for (page* p : held) __free_pages(p, 0);
    check_mm(t.mm);
    if (r == -ENOMEM && !dropped) REQUIRE(t.mmap(a, P, RW, ANON | MAP_FIXED | MAP_NORESERVE) == static_cast<long>(a));
    else REQUIRE(r == static_cast<long>(a));
    i++;
  }
  REQUIRE(dropped);
  CHECK(find_vma(t.mm, 0x10000000 + 2 * (i - 1) * P)->vm_start == 0x10000000 + 2 * (i - 1) * P);
  // With memory, the next link builds it again.
  CHECK(t.mmap(0x10000000 + 2 * i * P, P, RW, ANON | MAP_FIXED) == static_cast<long>(0x10000000 + 2 * i * P));
  CHECK(t.mm->vma_index_valid);
}
