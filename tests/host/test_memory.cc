// Host tests for user page tables (mm/memory.cc) over simulated RAM: the
// test plays the MMU (walks the real Sv39 tables, checks the PTE
// permissions) and the fault handler's VMA checks, and calls the real
// handle_mm_fault / dup_mmap / zap / protect code.
#include <doctest/doctest.h>

#include <cstring>
#include <asm/pgtable_ops.h>
#include <kernel/errno.h>
#include <mm/memory.h>
#include <random>

#include "mm_test_util.h"

namespace {

constexpr unsigned long P = PAGE_SIZE;
constexpr unsigned long RW = PROT_READ | PROT_WRITE;
constexpr unsigned long ANON = MAP_PRIVATE | MAP_ANONYMOUS;

enum class Access { Ok, MapErr, AccErr, Oom };

// One user access as the hardware and do_page_fault would run it.
Access access(mm_struct* mm, unsigned long addr, bool write, uint8_t* value) {
  for (int attempt = 0; attempt < 3; attempt++) {
    const PtWalk w = mm_translate(mm, addr);
    if (w.present && (w.pte & _PAGE_USER) && (write ? (w.pte & _PAGE_WRITE) : (w.pte & _PAGE_READ))) {
      REQUIRE((w.pte & _PAGE_ACCESSED) != 0);
      if (write) REQUIRE((w.pte & _PAGE_DIRTY) != 0);
      auto* mem = static_cast<uint8_t*>(mm_phys_to_virt(w.pa));
      if (write) *mem = *value;
      else *value = *mem;
      return Access::Ok;
    }
    MmapReadGuard g{mm};
    vm_area_struct* vma = find_vma(mm, addr);
    if (!vma || vma->vm_start > addr) return Access::MapErr;
    if (write ? !(vma->vm_flags & VM_WRITE) : !(vma->vm_flags & (VM_READ | VM_WRITE))) return Access::AccErr;
    const vm_fault_t r = handle_mm_fault(vma, addr, write ? FAULT_FLAG_WRITE : 0);
    if (r & VM_FAULT_OOM) return Access::Oom;
    REQUIRE((r & VM_FAULT_ERROR) == 0);
  }
  FAIL("fault did not resolve");
  return Access::Oom;
}

uint8_t peek(mm_struct* mm, unsigned long addr) {
  uint8_t v = 0xee;
  REQUIRE(access(mm, addr, false, &v) == Access::Ok);
  return v;
}
void poke(mm_struct* mm, unsigned long addr, uint8_t v) { REQUIRE(access(mm, addr, true, &v) == Access::Ok); }

mm_struct* new_mm() {
  mm_struct* mm = mm_alloc();
  REQUIRE(mm);
  REQUIRE(mm_alloc_pgd(mm) == 0);
  return mm;
}

// A fork's address space: a new mm that dup_mmap() filled from `parent`,
// its tree checked.
mm_struct* fork_mm(mm_struct* parent) {
  mm_struct* child = new_mm();
  REQUIRE(dup_mmap(child, parent) == 0);
  check_mm(child);
  return child;
}

unsigned long map(mm_struct* mm, unsigned long len, unsigned long prot, unsigned long flags, unsigned long addr = 0) {
  const long r = sys_mmap(mm, addr, len, prot, flags, ~0ul, 0);
  REQUIRE(r > 0);
  return static_cast<unsigned long>(r);
}

int refs(mm_struct* mm, unsigned long addr) {
  return page_ref_count(pfn_to_page(mm_translate(mm, addr).pa >> PAGE_SHIFT));
}

}  // namespace

TEST_CASE("faults: read maps the zero page, write a fresh zeroed page, counters") {
  MmTestEnv env;
  mm_struct* mm = new_mm();
  const auto a = map(mm, 4 * P, RW, ANON);
  CHECK(!mm_translate(mm, a).present);
  CHECK(peek(mm, a + 5) == 0);
  CHECK(mm_translate(mm, a + 5).pa == zero_page_pa() + 5);
  CHECK((mm_translate(mm, a).pte & _PAGE_WRITE) == 0);
  poke(mm, a + 5, 42);
  CHECK(mm_translate(mm, a + 5).pa != zero_page_pa() + 5);
  CHECK(peek(mm, a + 5) == 42);
  CHECK(peek(mm, a + 6) == 0);
  CHECK(refs(mm, a) == 1);
  CHECK(mm->min_flt.load() == 2);  // the read, then the write (COW from the zero page)
  // Outside any VMA, or against the VMA's rights.
  uint8_t v = 0;
  CHECK(access(mm, a + 4 * P, false, &v) == Access::MapErr);
  const auto ro = map(mm, P, PROT_READ, ANON);
  CHECK(access(mm, ro, true, &v) == Access::AccErr);
  check_tables(mm);
  mmput(mm);
}

TEST_CASE("fork: dup_mmap shares pages copy-on-write, each side's write is private") {
  MmTestEnv env;
  mm_struct* parent = new_mm();
  const auto a = map(parent, 2 * P, RW, ANON);
  poke(parent, a, 0xaa);
  poke(parent, a + P, 0x11);
  mm_struct* child = fork_mm(parent);
  CHECK(child->total_vm == parent->total_vm);
  CHECK(mm_translate(child, a).pa == mm_translate(parent, a).pa);
  CHECK(refs(parent, a) == 2);
  CHECK((mm_translate(parent, a).pte & _PAGE_WRITE) == 0);
  CHECK((mm_translate(child, a).pte & _PAGE_WRITE) == 0);
  CHECK(peek(child, a) == 0xaa);
  poke(child, a, 0xbb);  // copies
  CHECK(mm_translate(child, a).pa != mm_translate(parent, a).pa);
  CHECK(peek(parent, a) == 0xaa);
  CHECK(peek(child, a) == 0xbb);
  CHECK(refs(parent, a) == 1);
  const uint64_t before = mm_translate(parent, a).pa;
  poke(parent, a, 0xcc);  // the only reference left: reused, not copied
  CHECK(mm_translate(parent, a).pa == before);
  // The other page: the parent writes first this time.
  poke(parent, a + P, 0x22);
  CHECK(peek(child, a + P) == 0x11);
  check_tables(parent);
  check_tables(child);
  mmput(child);
  CHECK(peek(parent, a) == 0xcc);
  mmput(parent);
}

TEST_CASE("fork: shared anonymous memory stays shared, MAP_DONTFORK-like VM_DONTCOPY is skipped") {
  MmTestEnv env;
  mm_struct* parent = new_mm();
  const auto s = map(parent, P, RW, MAP_SHARED | MAP_ANONYMOUS);
  poke(parent, s, 1);
  const auto d = map(parent, P, PROT_READ, ANON);
  find_vma(parent, d)->vm_flags |= VM_DONTCOPY;
  mm_struct* child = fork_mm(parent);
  CHECK(find_vma_intersection(child, d, d + P) == nullptr);
  poke(child, s, 2);
  CHECK(peek(parent, s) == 2);
  CHECK(mm_translate(child, s).pa == mm_translate(parent, s).pa);
  mmput(child);
  mmput(parent);
}

TEST_CASE("PROT_NONE keeps the data; MADV_DONTNEED drops it; munmap frees it") {
  MmTestEnv env;
  mm_struct* mm = new_mm();
  const auto a = map(mm, 2 * P, RW, ANON);
  poke(mm, a, 7);
  poke(mm, a + P, 8);
  REQUIRE(sys_mprotect(mm, a, P, PROT_NONE) == 0);
  CHECK(!mm_translate(mm, a).present);
  uint8_t v;
  CHECK(access(mm, a, false, &v) == Access::AccErr);
  REQUIRE(sys_mprotect(mm, a, P, RW) == 0);
  CHECK(peek(mm, a) == 7);
  poke(mm, a, 9);  // read-only after mprotect, only reference: reused
  CHECK(peek(mm, a) == 9);
  REQUIRE(sys_madvise(mm, a, 2 * P, MADV_DONTNEED) == 0);
  CHECK(peek(mm, a) == 0);
  CHECK(peek(mm, a + P) == 0);
  check_tables(mm);
  mmput(mm);
}

TEST_CASE("hugetlb: megapage leaves, zeroed, copy-on-write across fork") {
  MmTestEnv env(64ull << 20);
  mm_struct* mm = new_mm();
  const auto a = map(mm, HPAGE_SIZE, RW, ANON | MAP_HUGETLB);
  CHECK(peek(mm, a + 12345) == 0);
  CHECK(mm_translate(mm, a).level == 1);
  poke(mm, a + HPAGE_SIZE - 1, 5);
  CHECK(peek(mm, a + HPAGE_SIZE - 1) == 5);
  mm_struct* child = fork_mm(mm);
  poke(child, a + HPAGE_SIZE - 1, 6);
  CHECK(peek(mm, a + HPAGE_SIZE - 1) == 5);
  CHECK(mm_translate(child, a).level == 1);
  CHECK(mm_translate(child, a).pa != mm_translate(mm, a).pa);
  check_tables(mm);
  check_tables(child);
  mmput(child);
  mmput(mm);
}

TEST_CASE("MAP_POPULATE and brk on real page tables") {
  MmTestEnv env;
  mm_struct* mm = new_mm();
  const auto a = map(mm, 8 * P, RW, ANON | MAP_POPULATE);
  for (unsigned long p = a; p < a + 8 * P; p += P) {
    CHECK(mm_translate(mm, p).present);
    CHECK((mm_translate(mm, p).pte & _PAGE_WRITE) != 0);
  }
  mm->start_brk = mm->brk = 0x100000;
  REQUIRE(sys_brk(mm, 0x100000 + 3 * P) == static_cast<long>(0x100000 + 3 * P));
  poke(mm, 0x100000 + 2 * P, 3);
  REQUIRE(sys_brk(mm, 0x100000 + P) == static_cast<long>(0x100000 + P));
  CHECK(!mm_translate(mm, 0x100000 + 2 * P).present);
  uint8_t v;
  CHECK(access(mm, 0x100000 + 2 * P, false, &v) == Access::MapErr);
  check_tables(mm);
  mmput(mm);
}

TEST_CASE("random faults, forks, mprotect, munmap, madvise: every page comes back at exit") {
  MmTestEnv env;
  {
    // Warm up: the caches' per-CPU arrays exist from their first use on.
    mm_struct* warm = new_mm();
    poke(warm, map(warm, P, RW, ANON), 1);
    mmput(warm);
  }
  const uint64_t free_before = SlabTestEnv::settle();
  std::mt19937 rng(77);
  std::vector<mm_struct*> mms{new_mm()};
  const unsigned long base = 0x200000000;
  REQUIRE(map(mms[0], 64 * P, RW, ANON | MAP_FIXED, base) == base);
  // What each mm must read at each page it wrote.
  std::vector<std::map<unsigned long, uint8_t>> data(1);
  for (int step = 0; step < 3000; step++) {
    const size_t i = rng() % mms.size();
    mm_struct* mm = mms[i];
    const unsigned long addr = base + (rng() % 64) * P;
    const unsigned op = rng() % 100;
    if (op < 50) {
      const auto v = static_cast<uint8_t>(rng());
      uint8_t w = v;
      const Access r = access(mm, addr, true, &w);
      if (r == Access::Ok) data[i][addr] = v;
      else REQUIRE((r == Access::MapErr || r == Access::AccErr));
    } else if (op < 80) {
      uint8_t v;
      const Access r = access(mm, addr, false, &v);
      if (r == Access::Ok) CHECK(v == (data[i].count(addr) ? data[i][addr] : 0));
    } else if (op < 85 && mms.size() < 6) {
      mm_struct* child = fork_mm(mm);
      mms.push_back(child);
      data.push_back(data[i]);
    } else if (op < 88 && mms.size() > 1) {
      mmput(mm);
      mms.erase(mms.begin() + static_cast<long>(i));
      data.erase(data.begin() + static_cast<long>(i));
    } else if (op < 93) {
      REQUIRE(sys_mprotect(mm, addr, P * (1 + rng() % 4), rng() % 2 ? PROT_READ : RW) >= -ENOMEM);
    } else if (op < 97) {
      sys_madvise(mm, addr, P, MADV_DONTNEED);
      data[i].erase(addr);
    } else {
      const unsigned long len = P * (1 + rng() % 3);
      REQUIRE(sys_munmap(mm, addr, len) == 0);
      for (unsigned long p = addr; p < addr + len; p += P) data[i].erase(p);
      if (rng() % 2) REQUIRE(map(mm, len, RW, ANON | MAP_FIXED, addr) == addr);
    }
    if (step % 100 == 0)
      for (mm_struct* m : mms) {
        check_mm(m);
        check_tables(m);
      }
  }
  for (mm_struct* m : mms) mmput(m);
  CHECK(SlabTestEnv::settle() == free_before);
}

TEST_CASE("a valid PTE with A or D clear (SiFive cores fault on it) is repaired in place") {
  MmTestEnv env;
  mm_struct* mm = new_mm();
  const auto a = map(mm, P, RW, ANON);
  poke(mm, a, 4);
  const uint64_t pa = mm_translate(mm, a).pa;
  pte_t* e = PageTableEditor(mm->pgd, kReadOnlyTables).leaf_entry(a);
  REQUIRE(e);
  *e &= ~(_PAGE_ACCESSED | _PAGE_DIRTY);
  {
    MmapReadGuard g{mm};
    CHECK(handle_mm_fault(find_vma(mm, a), a, 0) == 0);
  }
  CHECK((*e & _PAGE_ACCESSED) != 0);
  CHECK((*e & _PAGE_DIRTY) == 0);  // a load sets only A
  {
    MmapReadGuard g{mm};
    CHECK(handle_mm_fault(find_vma(mm, a), a, FAULT_FLAG_WRITE) == 0);
  }
  CHECK((*e & _PAGE_DIRTY) != 0);
  CHECK(mm_translate(mm, a).pa == pa);  // the same page, not a copy
  CHECK(peek(mm, a) == 4);
  mmput(mm);
}

TEST_CASE("shared anonymous memory lives in its object: MADV_DONTNEED and split pieces keep the data") {
  MmTestEnv env;
  {
    mm_struct* warm = new_mm();
    poke(warm, map(warm, P, RW, MAP_SHARED | MAP_ANONYMOUS), 1);
    mmput(warm);
  }
  const uint64_t free_before = SlabTestEnv::settle();
  mm_struct* parent = new_mm();
  const auto s = map(parent, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
  poke(parent, s, 11);
  poke(parent, s + 3 * P, 33);
  REQUIRE(sys_madvise(parent, s, 4 * P, MADV_DONTNEED) == 0);
  CHECK(!mm_translate(parent, s).present);
  CHECK(peek(parent, s) == 11);  // back from the object, not a zero page
  mm_struct* child = fork_mm(parent);
  // Split the parent's mapping; the child still shares every page.
  REQUIRE(sys_mprotect(parent, s + P, P, PROT_READ) == 0);
  REQUIRE(sys_munmap(parent, s, P) == 0);
  poke(child, s + 3 * P, 34);
  CHECK(peek(parent, s + 3 * P) == 34);
  CHECK(peek(child, s) == 11);
  check_tables(parent);
  check_tables(child);
  mmput(parent);
  CHECK(peek(child, s + 3 * P) == 34);
  mmput(child);
  CHECK(SlabTestEnv::settle() == free_before);  // the object and its pages went with the last VMA
}

namespace {

// What the TLB-flush hook checks during one zap: every page (data or
// table) that left the page tables must still be allocated at the first
// flush after it left; it may be freed only after that flush.
struct FlushWatch {
  struct Tracked {
    uint64_t pa;
    unsigned long va;  // data: the page it backs; table: an address under it
    bool table;
    bool flushed = false;  // a flush has happened since it left the tables
  };
  static inline FlushWatch* current = nullptr;
  mm_struct* mm;
  std::vector<Tracked> pages;
  unsigned ranged = 0, full = 0;
  bool early_free = false;  // a page freed before a flush covered it

  static bool allocated(uint64_t pa) { return pfn_to_page(pa >> PAGE_SHIFT)->owner != PageOwner::Free; }
  // The level-0 table mapping va (0 if none).
  static uint64_t table_of(mm_struct* mm, unsigned long va) {
    uint64_t pa = mm->pgd;
    for (unsigned level = 2; level > 0; level--) {
      const pte_t e = static_cast<pte_t*>(mm_phys_to_virt(pa))[(va >> (PAGE_SHIFT + 9 * level)) & 511];
      if (!pte_is_table(e)) return 0;
      pa = pte_pfn(e) << PAGE_SHIFT;
    }
    return pa;
  }
  bool still_mapped(const Tracked& t) const {
    return t.table ? table_of(mm, t.va) == t.pa : mm_translate(mm, t.va).present;
  }
  void track(unsigned long va) {
    pages.push_back({mm_translate(mm, va).pa & PAGE_MASK, va, false});
    const uint64_t table = table_of(mm, va);
    if (std::none_of(pages.begin(), pages.end(), [&](const Tracked& t) { return t.table && t.pa == table; }))
      pages.push_back({table, va, true});
  }
  static void hook(mm_struct* mm, unsigned long start, unsigned long end) {
    FlushWatch* w = current;
    if (!w || mm != w->mm) return;
    (start == 0 && end == ~0ul ? w->full : w->ranged)++;
    for (Tracked& t : w->pages) {
      if (t.flushed || w->still_mapped(t)) continue;
      if (!allocated(t.pa)) w->early_free = true;
      // A table that left the tree needs the whole mm flushed (walk caches).
      if (t.table && !(start == 0 && end == ~0ul)) w->early_free = true;
      t.flushed = true;
    }
  }
  explicit FlushWatch(mm_struct* m) : mm(m) {
    current = this;
    mm_host_tlb_flush = hook;
  }
  ~FlushWatch() {
    current = nullptr;
    mm_host_tlb_flush = nullptr;
  }
};

}  // namespace

TEST_CASE("munmap: one zap over many VMAs, flushed per batch; pages and tables freed only after their flush") {
  MmTestEnv env;
  mm_struct* mm = new_mm();
  const unsigned long base = 0x40000000;  // a 2 MiB boundary: the VMAs fill whole tables
  constexpr unsigned kVmas = 700;         // every other page: 1400 pages, three level-0 tables
  for (unsigned i = 0; i < kVmas; i++) {
    REQUIRE(map(mm, P, RW, ANON | MAP_FIXED, base + 2 * i * P) == base + 2 * i * P);
    poke(mm, base + 2 * i * P, static_cast<uint8_t>(i));
  }
  CHECK(mm->map_count >= static_cast<int>(kVmas));
  {
    FlushWatch w(mm);
    for (unsigned i = 0; i < kVmas; i++) w.track(base + 2 * i * P);
    REQUIRE(sys_munmap(mm, base, 2 * kVmas * P) == 0);
    CHECK_FALSE(w.early_free);
    for (const auto& t : w.pages) {
      CHECK(t.flushed);  // every page left the tables before some flush ...
      CHECK_FALSE(FlushWatch::allocated(t.pa));  // ... and is free now
    }
    // Batches of 128 pages, not one flush per VMA; the tables went with a
    // flush of the whole mm.
    CHECK(w.ranged + w.full <= (kVmas + 127) / 128 + 1);
    CHECK(w.full >= 1);
  }
  {
    // Nothing mapped in the range: no flush at all.
    const auto a = map(mm, 16 * P, RW, ANON);
    FlushWatch w(mm);
    REQUIRE(sys_munmap(mm, a, 16 * P) == 0);
    CHECK(w.ranged + w.full == 0);
  }
  {
    // Part of a table: the pages go after a flush of their range; the
    // table stays (its other pages are still mapped).
    const auto a = map(mm, 8 * P, RW, ANON | MAP_FIXED, base);
    for (unsigned i = 0; i < 8; i++) poke(mm, a + i * P, 1);
    FlushWatch w(mm);
    w.track(a);
    w.track(a + P);
    REQUIRE(sys_munmap(mm, a, 2 * P) == 0);
    CHECK_FALSE(w.early_free);
    CHECK(w.ranged == 1);
    CHECK(w.full == 0);
    CHECK(peek(mm, a + 2 * P) == 1);
  }
  check_tables(mm);
  mmput(mm);
}

TEST_CASE("fork: one flush of the parent's write-protected range, none when nothing lost W") {
  MmTestEnv env;
  mm_struct* parent = new_mm();
  const auto a = map(parent, 64 * P, RW, ANON);
  const auto b = map(parent, 8 * P, RW, ANON);
  for (unsigned i = 0; i < 64; i++) poke(parent, a + i * P, 1);
  poke(parent, b + 3 * P, 2);
  static std::vector<std::pair<unsigned long, unsigned long>> flushes;
  static mm_struct* watched;
  flushes.clear();
  watched = parent;
  mm_host_tlb_flush = [](mm_struct* mm, unsigned long start, unsigned long end) {
    if (mm == watched) flushes.emplace_back(start, end);
  };
  mm_struct* child = fork_mm(parent);
  REQUIRE(flushes.size() == 1);
  const unsigned long lo = a < b ? a : b + 3 * P, hi = a < b ? b + 4 * P : a + 64 * P;
  CHECK(flushes[0].first <= lo);
  CHECK(flushes[0].second >= hi);
  // Everything is read-only now (or the zero page): the next fork flushes nothing.
  flushes.clear();
  CHECK(peek(parent, b) == 0);
  mm_struct* grandchild = fork_mm(parent);
  CHECK(flushes.empty());
  mm_host_tlb_flush = nullptr;
  poke(child, a, 9);
  CHECK(peek(parent, a) == 1);
  CHECK(peek(grandchild, a) == 1);
  mmput(grandchild);
  mmput(child);
  mmput(parent);
}
