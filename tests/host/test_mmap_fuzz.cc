// Differential fuzzing of the VMA layer: random mmap (fixed, no-replace,
// hinted, anywhere; private and shared; grows-down, populate, noreserve),
// munmap, mprotect, brk and madvise against a page-by-page model. After every
// step: the model's maximal runs of compatible pages must be exactly the
// kernel's VMAs (so adjacent compatible VMAs are always merged), the return
// value must be the model's, the commit charge and the page counters must
// agree, and check_mm() verifies the tree, the gaps and the page tables.
#include <doctest/doctest.h>

#include <kernel/errno.h>
#include <ios>
#include <random>
#include <set>

#include <mm/shmem.h>

#include "mm_test_util.h"

namespace {

constexpr unsigned long P = PAGE_SIZE;

struct PageInfo {
  unsigned long flags;
  shmem_object* object;
  unsigned long pgoff;
};

struct Run {
  unsigned long start, end;
  PageInfo first;
};

unsigned long calc_prot(unsigned long prot) {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

struct Model {
  std::map<unsigned long, PageInfo> pages;
  unsigned long start_brk = 0, brk = 0;
  unsigned long guard = 0;

  // Maximal runs of pages Linux would keep in one VMA.
  std::vector<Run> runs() const {
    std::vector<Run> out;
    for (const auto& [a, pi] : pages) {
      if (!out.empty()) {
        Run& r = out.back();
        const PageInfo& last = pages.at(r.end - P);
        if (r.end == a && last.flags == pi.flags && last.object == pi.object && last.pgoff + 1 == pi.pgoff) {
          r.end += P;
          continue;
        }
      }
      out.push_back({a, a + P, pi});
    }
    return out;
  }
  unsigned long start_gap(const Run& r) const {
    if (!(r.first.flags & VM_GROWSDOWN)) return r.start;
    return r.start > guard ? r.start - guard : 0;
  }
  bool any_mapped(unsigned long s, unsigned long e) const {
    auto it = pages.lower_bound(s);
    return it != pages.end() && it->first < e;
  }
  // arch_get_unmapped_area_topdown over the model's VMAs.
  unsigned long unmapped_area(unsigned long hint, unsigned long len, unsigned long mmap_base) const {
    const std::vector<Run> rs = runs();
    if (hint) {
      hint = page_align_up(hint);
      const Run* next = nullptr;
      const Run* prev = nullptr;
      for (const Run& r : rs) {
        if (r.end > hint) {
          next = &r;
          break;
        }
        prev = &r;
      }
      if (TASK_SIZE - len >= hint && hint >= mmap_min_addr && (!next || hint + len <= start_gap(*next)) &&
          (!prev || hint >= prev->end))
        return hint;
    }
    // Gaps from the top: above the last VMA, then below each VMA.
    const unsigned long low = PAGE_SIZE;
    auto fits = [&](unsigned long gs, unsigned long ge, unsigned long* out) {
      if (ge > mmap_base) ge = mmap_base;
      if (gs < low) gs = low;
      if (ge <= gs || ge - gs < len) return false;
      *out = ge - len;
      return true;
    };
    unsigned long a;
    if (fits(rs.empty() ? 0 : rs.back().end, ~0ul, &a)) return a;
    for (size_t i = rs.size(); i-- > 0;) {
      const unsigned long gs = i ? rs[i - 1].end : 0;
      if (fits(gs, start_gap(rs[i]), &a)) return a;
    }
    FAIL("the fuzz never fills the space below mmap_base");
    return 0;
  }
  // Shared objects' charges (their size at mmap, unless MAP_NORESERVE).
  std::map<shmem_object*, long> object_charge;
  long accounted() const {
    long n = 0;
    std::set<shmem_object*> live;
    for (const auto& [a, pi] : pages) {
      n += (pi.flags & VM_ACCOUNT) ? 1 : 0;
      if (pi.object) live.insert(pi.object);
    }
    for (shmem_object* o : live) n += object_charge.at(o);
    return n;
  }
};

void compare(mm_struct* mm, const Model& m, long committed_base) {
  check_mm(mm);
  const std::vector<Run> rs = m.runs();
  const std::vector<vm_area_struct*> vs = vma_list(mm);
  REQUIRE(vs.size() == rs.size());
  unsigned long data = 0, exec = 0, stack = 0;
  for (size_t i = 0; i < rs.size(); i++) {
    INFO("VMA " << i << " model [" << std::hex << rs[i].start << ", " << rs[i].end << ") flags " << rs[i].first.flags
                << " kernel [" << vs[i]->vm_start << ", " << vs[i]->vm_end << ") flags " << vs[i]->vm_flags);
    REQUIRE(vs[i]->vm_start == rs[i].start);
    REQUIRE(vs[i]->vm_end == rs[i].end);
    REQUIRE(vs[i]->vm_flags == rs[i].first.flags);
    REQUIRE(vs[i]->vm_object == rs[i].first.object);
    REQUIRE(vs[i]->vm_pgoff == rs[i].first.pgoff);
    const unsigned long n = (rs[i].end - rs[i].start) >> PAGE_SHIFT;
    const unsigned long f = rs[i].first.flags;
    if ((f & (VM_WRITE | VM_EXEC | VM_STACK)) == VM_EXEC) exec += n;
    else if (f & VM_STACK) stack += n;
    else if ((f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE) data += n;
  }
  REQUIRE(mm->data_vm == data);
  REQUIRE(mm->exec_vm == exec);
  REQUIRE(mm->stack_vm == stack);
  REQUIRE(vm_memory_committed() - committed_base == m.accounted());
  REQUIRE(mm->brk == m.brk);
}

// real_tables: the mm gets Sv39 page tables (mm/memory.cc) instead of the
// PtModel, and check_tables() verifies every leaf against the VMAs.
void run_fuzz(uint32_t seed, int steps, bool real_tables) {
  MmTestEnv env;
  stack_guard_gap = 4 * P;
  {
    // Warm up: the caches' per-CPU arrays exist from their first use on.
    mm_struct* warm = mm_alloc();
    REQUIRE(mm_alloc_pgd(warm) == 0);
    REQUIRE(sys_mmap(warm, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, ~0ul, 0) > 0);
    mmput(warm);
  }
  const uint64_t free_before = SlabTestEnv::settle();
  mm_struct* mm = mm_alloc();
  REQUIRE(mm);
  PtModel pt;
  if (real_tables) REQUIRE(mm_alloc_pgd(mm) == 0);
  else pt.attach(mm);
  Model m;
  m.guard = stack_guard_gap;
  const long committed_base = vm_memory_committed();
  std::mt19937_64 rng(seed);
  // The window straddles mmap_base, so fixed mappings meet top-down ones.
  const unsigned long win = mm->mmap_base - 256 * P;
  const unsigned long win_pages = 384;
  m.start_brk = m.brk = mm->start_brk = mm->brk = win + 8 * P;
  auto rnd = [&](unsigned long n) { return static_cast<unsigned long>(rng() % n); };
  auto addr_in_win = [&] { return win + rnd(win_pages) * P; };
  const unsigned long prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
                                 PROT_READ | PROT_WRITE | PROT_EXEC};
  int counts[6] = {};

  for (int step = 0; step < steps; step++) {
    const unsigned op = static_cast<unsigned>(rnd(100));
    const unsigned long len_pages = 1 + rnd(rnd(4) ? 8 : 40);
    const unsigned long len = len_pages * P - (rnd(4) ? 0 : rnd(P - 1));  // sometimes unaligned
    const unsigned long prot = prots[rnd(5)];
    INFO("seed " << seed << " step " << step << " op " << op);
    if (op < 40) {
      // mmap
      counts[0]++;
      unsigned long flags = MAP_ANONYMOUS | (rnd(6) ? MAP_PRIVATE : MAP_SHARED);
      const unsigned kind = static_cast<unsigned>(rnd(4));  // 0 fixed, 1 noreplace, 2 hint, 3 anywhere
      unsigned long addr = 0;
      if (kind == 0) flags |= MAP_FIXED;
      if (kind == 1) flags |= MAP_FIXED_NOREPLACE;
      if (kind <= 2) addr = addr_in_win() + (kind == 2 && !rnd(4) ? rnd(P) : 0);
      if (!rnd(8)) flags |= MAP_GROWSDOWN;
      if (!rnd(6)) flags |= MAP_POPULATE;
      if (!rnd(6)) flags |= MAP_NORESERVE;
      const unsigned long alen = page_align_up(len);
      long expect;
      unsigned long at = 0;
      // do_mmap's order: the address, MAP_FIXED_NOREPLACE, then the type checks.
      at = kind <= 1 ? addr : m.unmapped_area(addr, alen, mm->mmap_base);
      expect = static_cast<long>(at);
      if (kind == 1 && m.any_mapped(at, at + alen)) expect = -EEXIST;
      else if ((flags & MAP_SHARED) && (flags & MAP_GROWSDOWN)) expect = -EINVAL;
      const long r = sys_mmap(mm, addr, len, prot, flags, ~0ul, 0);
      REQUIRE(r == expect);
      if (r >= 0) {
        const bool shared = flags & MAP_SHARED;
        unsigned long vf = calc_prot(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
        if (flags & MAP_GROWSDOWN) vf |= VM_GROWSDOWN;
        if (shared) vf |= VM_SHARED | VM_MAYSHARE;
        if (flags & MAP_NORESERVE) vf |= VM_NORESERVE;
        if (!shared && (vf & (VM_WRITE | VM_NORESERVE)) == VM_WRITE) vf |= VM_ACCOUNT;
        shmem_object* object = shared ? find_vma(mm, at)->vm_object : nullptr;
        if (shared) {
          REQUIRE(object != nullptr);
          m.object_charge[object] = (flags & MAP_NORESERVE) ? 0 : static_cast<long>(alen >> PAGE_SHIFT);
        }
        for (unsigned long a = at; a < at + alen; a += P) m.pages.erase(a);
        for (unsigned long a = at; a < at + alen; a += P)
          m.pages[a] = {vf, object, shared ? (a - at) >> PAGE_SHIFT : a >> PAGE_SHIFT};
        if ((flags & MAP_POPULATE) && (vf & VM_ACCESS_FLAGS))
          for (unsigned long a = at; a < at + alen; a += P)
            REQUIRE((real_tables ? mm_translate(mm, a).present : pt.present.count(a) == 1));
      }
    } else if (op < 60) {
      // munmap
      counts[1]++;
      const unsigned long addr = addr_in_win() + (rnd(10) ? 0 : 1 + rnd(P - 1));
      const long expect = (addr & ~PAGE_MASK) ? -EINVAL : 0;
      REQUIRE(sys_munmap(mm, addr, len) == expect);
      if (!expect)
        for (unsigned long a = addr; a < addr + page_align_up(len); a += P) m.pages.erase(a);
    } else if (op < 80) {
      // mprotect, the walk of do_mprotect_pkey
      counts[2]++;
      const unsigned long start = addr_in_win();
      const unsigned long end = start + page_align_up(len);
      long expect = 0;
      if (!m.pages.count(start)) {
        expect = -ENOMEM;
      } else {
        for (unsigned long a = start; a < end; a += P) {
          auto it = m.pages.find(a);
          if (it == m.pages.end()) {
            expect = -ENOMEM;
            break;
          }
          const unsigned long old = it->second.flags;
          unsigned long nf = calc_prot(prot) | (old & ~VM_ACCESS_FLAGS);
          if ((nf & VM_WRITE) && !(old & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE)))
            nf |= VM_ACCOUNT;
          it->second.flags = nf;
        }
      }
      REQUIRE(sys_mprotect(mm, start, len, prot) == expect);
    } else if (op < 92) {
      // brk, the checks of sys_brk
      counts[3]++;
      const unsigned long want = m.start_brk - 2 * P + rnd(48 * P);
      const unsigned long newbrk = page_align_up(want), oldbrk = page_align_up(m.brk);
      unsigned long expect = m.brk;
      if (want >= m.start_brk) {
        if (newbrk == oldbrk) {
          expect = want;
        } else if (want <= m.brk) {
          for (unsigned long a = newbrk; a < oldbrk; a += P) m.pages.erase(a);
          expect = want;
        } else {
          bool ok = true;
          for (const Run& r : m.runs())
            if (r.end > oldbrk) {
              ok = newbrk + P <= m.start_gap(r);
              break;
            }
          if (ok) {
            for (unsigned long a = oldbrk; a < newbrk; a += P)
              m.pages[a] = {VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT, 0, a >> PAGE_SHIFT};
            expect = want;
          }
        }
      }
      m.brk = expect;
      REQUIRE(sys_brk(mm, want) == static_cast<long>(expect));
    } else {
      // madvise(MADV_DONTNEED)
      counts[4]++;
      const unsigned long start = addr_in_win();
      const unsigned long end = start + page_align_up(len);
      long expect = 0;
      for (unsigned long a = start; a < end; a += P)
        if (!m.pages.count(a)) expect = -ENOMEM;
      REQUIRE(sys_madvise(mm, start, len, MADV_DONTNEED) == expect);
      if (real_tables) {
        for (unsigned long a = start; a < end; a += P) REQUIRE(!mm_translate(mm, a).present);
      } else {
        auto it = pt.present.lower_bound(start);
        REQUIRE((it == pt.present.end() || it->first >= end));
      }
    }
    compare(mm, m, committed_base);
    if (real_tables) check_tables(mm);
    counts[5] = std::max(counts[5], mm->map_count);
  }
  MESSAGE("seed " << seed << ": mmap " << counts[0] << " munmap " << counts[1] << " mprotect " << counts[2]
                  << " brk " << counts[3] << " madvise " << counts[4] << ", up to " << counts[5] << " VMAs");
  mmput(mm);
  CHECK(vm_memory_committed() == committed_base);
  CHECK(SlabTestEnv::settle() == free_before);  // every VMA, page and table page back
}

}  // namespace

TEST_CASE("mmap fuzz: random mmap/munmap/mprotect/brk/madvise against a page model") {
  for (uint32_t seed = 1; seed <= 4; seed++) run_fuzz(seed, 2000, false);
}

TEST_CASE("mmap fuzz on real page tables: populate, zap and protect keep every leaf consistent") {
  for (uint32_t seed = 11; seed <= 12; seed++) run_fuzz(seed, 1500, true);
}
