// Host tests for the Sv39 page-table editor (arch/riscv/mm/pgtable.cc) over
// a simulated physical memory, against a per-page model.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <asm/pgtable_ops.h>
#include <kernel/errno.h>

namespace {

struct SimMemory {
  std::map<uint64_t, std::unique_ptr<std::array<pte_t, PTRS_PER_PT>>> pages;
  uint64_t next_pa = 0x100000000;  // table pages live above 4 GiB
  size_t budget = SIZE_MAX;        // allocations left (for -ENOMEM tests)

  static uint64_t alloc(void* ctx) {
    auto* m = static_cast<SimMemory*>(ctx);
    if (m->budget == 0) return 0;
    m->budget--;
    const uint64_t pa = m->next_pa;
    m->next_pa += PAGE_SIZE;
    m->pages[pa] = std::make_unique<std::array<pte_t, PTRS_PER_PT>>();
    m->pages[pa]->fill(0);
    return pa;
  }
  static void free(void* ctx, uint64_t pa) {
    auto* m = static_cast<SimMemory*>(ctx);
    REQUIRE(m->pages.count(pa) == 1);
    m->pages.erase(pa);
  }
  static pte_t* table(void* ctx, uint64_t pa) {
    auto* m = static_cast<SimMemory*>(ctx);
    REQUIRE(m->pages.count(pa) == 1);
    return m->pages[pa]->data();
  }
  PtAlloc ops() { return PtAlloc{this, alloc, free, table}; }
};

// The model: maximal runs [va, end) -> pa with one set of permissions,
// kept merged so two equal mappings have one representation.
struct Run {
  uintptr_t end;
  uint64_t pa;
  pte_t prot;
};
using Model = std::map<uintptr_t, Run>;

void normalize(Model& m) {
  for (auto it = m.begin(); it != m.end();) {
    auto next = std::next(it);
    if (next != m.end() && it->second.end == next->first && it->second.prot == next->second.prot &&
        it->second.pa + (it->second.end - it->first) == next->second.pa) {
      it->second.end = next->second.end;
      m.erase(next);
    } else {
      ++it;
    }
  }
}

// Cuts the run containing `at` (if any) so that `at` starts a run.
void cut(Model& m, uintptr_t at) {
  auto it = m.upper_bound(at);
  if (it == m.begin()) return;
  --it;
  if (it->first < at && at < it->second.end) {
    m[at] = Run{it->second.end, it->second.pa + (at - it->first), it->second.prot};
    it->second.end = at;
  }
}

void model_erase(Model& m, uintptr_t va, uintptr_t end) {
  cut(m, va);
  cut(m, end);
  m.erase(m.lower_bound(va), m.lower_bound(end));
}

void model_map(Model& m, uintptr_t va, uint64_t pa, size_t size, pte_t prot) {
  m[va] = Run{va + size, pa, (prot & PTE_PROT_MASK) | _PAGE_VALID};
  normalize(m);
}

void model_protect(Model& m, uintptr_t va, uintptr_t end, pte_t prot) {
  cut(m, va);
  cut(m, end);
  for (auto it = m.lower_bound(va); it != m.end() && it->first < end; ++it)
    it->second.prot = (prot & PTE_PROT_MASK) | _PAGE_VALID;
  normalize(m);
}

bool model_any(const Model& m, uintptr_t va, size_t size) {
  auto it = m.upper_bound(va);
  if (it != m.begin() && std::prev(it)->second.end > va) return true;
  return it != m.end() && it->first < va + size;
}

// Walks every table reachable from the root: checks the entry invariants,
// collects the leaves as runs, counts the table pages.
// Plain checks here (not doctest macros): this loop visits every leaf of
// every step and doctest's per-assertion bookkeeping would dominate.
void collect(SimMemory& mem, uint64_t table_pa, unsigned level, uintptr_t base, Model& out, size_t& tables,
             const char*& broken) {
  tables++;
  const pte_t* t = SimMemory::table(&mem, table_pa);
  for (unsigned i = 0; i < PTRS_PER_PT; i++) {
    const pte_t e = t[i];
    if (!pte_present(e)) continue;
    uintptr_t va = base + i * pt_level_size(level);
    if (level == 2 && i >= 256) va |= 0xffffff8000000000;  // sign-extend the upper half
    if (pte_leaf(e)) {
      const uint64_t pa = pte_pfn(e) << PAGE_SHIFT;
      if (!(e & _PAGE_ACCESSED)) broken = "leaf without A";
      if (((e & _PAGE_DIRTY) != 0) != ((e & _PAGE_WRITE) != 0)) broken = "leaf with D != W";
      if (pa & (pt_level_size(level) - 1)) broken = "misaligned large leaf";
      auto last = out.empty() ? out.end() : std::prev(out.end());
      if (last != out.end() && last->second.end == va && last->second.prot == (e & PTE_PROT_MASK) &&
          last->second.pa + (va - last->first) == pa)
        last->second.end = va + pt_level_size(level);  // leaves arrive in address order: merge now
      else
        out[va] = Run{va + pt_level_size(level), pa, e & PTE_PROT_MASK};
    } else if (level == 0) {
      broken = "non-leaf at level 0";
    } else {
      if ((e & ~(~pte_t{0} << _PAGE_PFN_SHIFT)) != PAGE_TABLE) broken = "non-leaf with bits other than V";
      collect(mem, pte_pfn(e) << PAGE_SHIFT, level - 1, va, out, tables, broken);
    }
  }
}

void check(SimMemory& mem, PageTableEditor& pt, const Model& model) {
  Model seen;
  size_t tables = 0;
  const char* broken = nullptr;
  collect(mem, pt.root(), 2, 0, seen, tables, broken);
  REQUIRE_MESSAGE(broken == nullptr, (broken ? broken : ""));
  REQUIRE(tables == mem.pages.size());  // every allocated table is reachable: none leaked
  normalize(seen);
  REQUIRE(seen.size() == model.size());
  for (auto a = seen.cbegin(), b = model.cbegin(); a != seen.cend(); ++a, ++b) {
    REQUIRE(a->first == b->first);
    REQUIRE(a->second.end == b->second.end);
    REQUIRE(a->second.pa == b->second.pa);
    REQUIRE(a->second.prot == b->second.prot);
  }
}

}  // namespace

TEST_SUITE("pgtable") {
  TEST_CASE("largest leaves by alignment, walk, and empty tables freed") {
    SimMemory mem;
    const uint64_t root = SimMemory::alloc(&mem);
    PageTableEditor pt(root, mem.ops());
    // 1 GiB + 2 MiB + 4 KiB, all aligned: one giga, one mega, one page leaf.
    const uintptr_t va = 0xffffffd800000000;
    const size_t size = (1ull << 30) + (2ull << 20) + PAGE_SIZE;
    REQUIRE(pt.map(va, 0x80000000, size, PAGE_KERNEL, PtLevel::Giga) == 0);
    CHECK(pt.walk(va).level == 2);
    CHECK(pt.walk(va + (1ull << 30)).level == 1);
    CHECK(pt.walk(va + (1ull << 30) + (2ull << 20)).level == 0);
    CHECK(pt.walk(va + 0x1234).pa == 0x80001234);
    CHECK_FALSE(pt.walk(va + size).present);
    CHECK_FALSE(pt.walk(0x0000400000000000).present);  // non-canonical
    CHECK(mem.pages.size() == 3);  // root + one level-1 + one level-0 table
    REQUIRE(pt.unmap(va, size) == 0);
    CHECK(mem.pages.size() == 1);  // only the root is left
  }

  TEST_CASE("errors: overlap, misalignment, no memory, all-or-nothing") {
    SimMemory mem;
    PageTableEditor pt(SimMemory::alloc(&mem), mem.ops());
    CHECK(pt.map(0x1000, 0x1000, 0x1001, PAGE_KERNEL, PtLevel::Page) == -EINVAL);
    CHECK(pt.map(0x1800, 0x1000, 0x1000, PAGE_KERNEL, PtLevel::Page) == -EINVAL);
    CHECK(pt.map(0x0000400000000000, 0, 0x1000, PAGE_KERNEL, PtLevel::Page) == -EINVAL);
    REQUIRE(pt.map(0x200000, 0x80000000, 0x1000, PAGE_KERNEL, PtLevel::Page) == 0);
    const size_t before = mem.pages.size();
    // Overlaps the existing page in its middle: nothing of it may stay mapped.
    CHECK(pt.map(0x100000, 0x90000000, 0x200000, PAGE_KERNEL, PtLevel::Mega) == -EEXIST);
    CHECK_FALSE(pt.walk(0x100000).present);
    CHECK(pt.walk(0x200000).pa == 0x80000000);
    CHECK(mem.pages.size() == before);
    mem.budget = 0;
    CHECK(pt.map(0x3f00000000, 0x1000, 0x1000, PAGE_KERNEL, PtLevel::Page) == -ENOMEM);  // needs new tables
    CHECK(mem.pages.size() == before);
  }

  TEST_CASE("split on partial unmap and protect keeps the rest intact") {
    SimMemory mem;
    PageTableEditor pt(SimMemory::alloc(&mem), mem.ops());
    REQUIRE(pt.map(0x40000000, 0x80000000, 1ull << 30, PAGE_KERNEL_EXEC, PtLevel::Giga) == 0);
    REQUIRE(pt.protect(0x40001000, 0x1000, PAGE_KERNEL_RO) == 0);
    CHECK(pt.walk(0x40001000).level == 0);
    CHECK((pt.walk(0x40001000).pte & _PAGE_WRITE) == 0);
    CHECK((pt.walk(0x40001000).pte & _PAGE_DIRTY) == 0);
    CHECK(pt.walk(0x40200000).level == 1);  // the rest split only as far as needed
    CHECK((pt.walk(0x40000000).pte & _PAGE_EXEC) != 0);
    REQUIRE(pt.unmap(0x40002000, 0x1000) == 0);
    CHECK_FALSE(pt.walk(0x40002000).present);
    CHECK(pt.walk(0x40003000).pa == 0x80003000);
    mem.budget = 0;
    CHECK(pt.unmap(0x40400000, 0x1000) == -ENOMEM);  // needs a split, no page left
    CHECK(pt.walk(0x40400000).present);
  }

  TEST_CASE("random map/unmap/protect against a page model") {
    const unsigned seed = 20261124;
    std::printf("pgtable random test seed %u\n", seed);
    std::mt19937_64 rng(seed);
    SimMemory mem;
    PageTableEditor pt(SimMemory::alloc(&mem), mem.ops());
    Model model;
    const pte_t prots[] = {PAGE_KERNEL, PAGE_KERNEL_RO, PAGE_KERNEL_RX, PAGE_KERNEL_EXEC,
                           _PAGE_VALID | _PAGE_READ | _PAGE_USER};
    // A 4 GiB window at the bottom and one in the kernel half.
    const uintptr_t windows[] = {0, 0xffffffd800000000};
    for (int step = 0; step < 400; step++) {
      const uintptr_t window = windows[rng() % 2];
      // Gigapages are rare: splitting one makes 512 tables to check each step.
      const unsigned level = rng() % 16 == 0 ? 2 : static_cast<unsigned>(rng() % 2);
      const uint64_t unit = level == 2 ? (1ull << 30) : level == 1 ? (2ull << 20) : PAGE_SIZE;
      const uint64_t npages = level == 2 ? 1 : 1 + rng() % (level == 1 ? 3 : 40);
      // Mostly small units with an occasional misaligned offset.
      const uintptr_t va = window + (rng() % 4) * (1ull << 30) + (rng() % 512) * (2ull << 20) % (1ull << 30) +
                           (level == 0 ? (rng() % 512) * PAGE_SIZE : 0);
      const uintptr_t va_aligned = va & ~(unit - 1);
      const size_t size = npages * unit;
      const uint64_t pa = 0x80000000 + (rng() % 64) * (1ull << 30) + (va_aligned & ((1ull << 30) - 1));
      const pte_t prot = prots[rng() % 5];
      switch (rng() % 3) {
        case 0: {
          const int err = pt.map(va_aligned, pa, size, prot, static_cast<PtLevel>(rng() % 3));
          if (model_any(model, va_aligned, size)) {
            REQUIRE(err == -EEXIST);
          } else {
            REQUIRE(err == 0);
            model_map(model, va_aligned, pa, size, prot);
          }
          break;
        }
        case 1: {
          // Unmap and protect at page granularity, splitting large leaves.
          const uintptr_t from = va_aligned + (rng() % 8) * PAGE_SIZE;
          REQUIRE(pt.unmap(from, size) == 0);
          model_erase(model, from, from + size);
          break;
        }
        case 2: {
          const uintptr_t from = va_aligned + (rng() % 8) * PAGE_SIZE;
          REQUIRE(pt.protect(from, size, prot) == 0);
          model_protect(model, from, from + size, prot);
          break;
        }
      }
      check(mem, pt, model);
    }
    // Everything back: unmapping both windows leaves only the root.
    for (uintptr_t w : windows) REQUIRE(pt.unmap(w, 8ull << 30) == 0);
    CHECK(mem.pages.size() == 1);
  }
}

namespace {

struct Leaf {
  uintptr_t va;
  unsigned level;
  pte_t pte;
  bool operator==(const Leaf& o) const { return va == o.va && level == o.level && pte == o.pte; }
};

// Every leaf of the user half, by a full scan of every table (independent
// of the range-limited walks under test).
void all_leaves(SimMemory& mem, uint64_t table_pa, unsigned level, uintptr_t base, std::vector<Leaf>& out) {
  const pte_t* t = SimMemory::table(&mem, table_pa);
  for (unsigned i = 0; i < (level == 2 ? PTRS_PER_PT / 2 : PTRS_PER_PT); i++) {
    const uintptr_t va = base + i * pt_level_size(level);
    if (pte_is_leaf(t[i])) out.push_back({va, level, t[i]});
    else if (pte_is_table(t[i])) all_leaves(mem, pte_pfn(t[i]) << PAGE_SHIFT, level - 1, va, out);
  }
}

std::vector<Leaf> leaves_starting_in(SimMemory& mem, uint64_t root, uintptr_t start, uintptr_t end) {
  std::vector<Leaf> all, in;
  all_leaves(mem, root, 2, 0, all);
  for (const Leaf& l : all)
    if (l.va >= start && l.va < end) in.push_back(l);
  return in;
}

// A random user tree: page and megapage leaves (some PROT_NONE) in a few
// 2 GiB, tables of every level.
void random_tree(PageTableEditor& pt, std::mt19937_64& rng, unsigned n) {
  const pte_t prots[] = {_PAGE_VALID | _PAGE_READ | _PAGE_USER, _PAGE_VALID | _PAGE_READ | _PAGE_WRITE | _PAGE_USER,
                         0};
  for (unsigned i = 0; i < n; i++) {
    const bool mega = rng() % 8 == 0;
    const uintptr_t va = (rng() % 3) * (1ull << 30) + (rng() % 512) * (2ull << 20) +
                         (mega ? 0 : (rng() % 512) * PAGE_SIZE);
    const size_t size = mega ? (2ull << 20) : (1 + rng() % 8) * PAGE_SIZE;
    (void)pt.map(va, 0x80000000 + (rng() % 1024) * (2ull << 20), size, prots[rng() % 3],
                 mega ? PtLevel::Mega : PtLevel::Page);  // -EEXIST on overlaps: fine
  }
}

// A random page-aligned [start, end) over the tree's 3 GiB and beyond.
std::pair<uintptr_t, uintptr_t> random_range(std::mt19937_64& rng) {
  auto bound = [&] { return (rng() % 4) * (1ull << 30) + (rng() % 512) * (2ull << 20) + (rng() % 512) * PAGE_SIZE; };
  const uintptr_t a = bound(), b = bound();
  return a < b ? std::pair{a, b} : std::pair{b, a};
}

}  // namespace

TEST_SUITE("pgtable") {
  TEST_CASE("for_each_leaf visits exactly the leaves starting in the range") {
    std::mt19937_64 rng(20261125);
    SimMemory mem;
    PageTableEditor pt(SimMemory::alloc(&mem), mem.ops());
    random_tree(pt, rng, 300);
    for (int round = 0; round < 200; round++) {
      const auto [a, b] = random_range(rng);
      std::vector<Leaf> seen;
      auto record = [](void* c, uintptr_t va, pte_t* e, unsigned level) {
        static_cast<std::vector<Leaf>*>(c)->push_back({va, level, *e});
      };
      pt.for_each_leaf(a, b, record, &seen);
      REQUIRE(seen == leaves_starting_in(mem, pt.root(), a, b));
    }
  }

  TEST_CASE("unmap shows its callback every page it clears, once") {
    std::mt19937_64 rng(20261126);
    SimMemory mem;
    PageTableEditor pt(SimMemory::alloc(&mem), mem.ops());
    random_tree(pt, rng, 300);
    for (int round = 0; round < 60; round++) {
      const auto [a, b] = random_range(rng);
      // Per page of [a, b): the frame mapped there before, from a full scan.
      std::map<uintptr_t, uint64_t> before;
      std::vector<Leaf> all;
      all_leaves(mem, pt.root(), 2, 0, all);
      for (const Leaf& l : all)
        for (uintptr_t off = 0; off < pt_level_size(l.level); off += PAGE_SIZE)
          if (l.va + off >= a && l.va + off < b) before[l.va + off] = (pte_pfn(l.pte) << PAGE_SHIFT) + off;
      std::map<uintptr_t, uint64_t> seen;
      struct Ctx {
        std::map<uintptr_t, uint64_t>* seen;
        bool twice;
      } ctx{&seen, false};
      REQUIRE(pt.unmap(a, b - a,
                       [](void* c, uintptr_t va, pte_t* e, unsigned level) {
                         auto* x = static_cast<Ctx*>(c);
                         for (uintptr_t off = 0; off < pt_level_size(level); off += PAGE_SIZE)
                           x->twice |= !x->seen->emplace(va + off, (pte_pfn(*e) << PAGE_SHIFT) + off).second;
                       },
                       &ctx) == 0);
      CHECK_FALSE(ctx.twice);
      REQUIRE(seen == before);
      CHECK(leaves_starting_in(mem, pt.root(), a, b).empty());
    }
  }

  TEST_CASE("copy_range: the leaves of the range, through fn, into fresh tables; -ENOMEM keeps what was copied") {
    std::mt19937_64 rng(20261127);
    SimMemory mem;
    PageTableEditor src(SimMemory::alloc(&mem), mem.ops());
    random_tree(src, rng, 400);
    // fork's transformation: write-protected, PROT_NONE as it is.
    auto cow = [](pte_t e) { return pte_protnone(e) ? e : e & ~(_PAGE_WRITE | _PAGE_DIRTY); };
    struct Ctx {
      std::vector<Leaf> called;
      static pte_t fn(void* c, uintptr_t va, pte_t* e, unsigned level) {
        static_cast<Ctx*>(c)->called.push_back({va, level, *e});
        return pte_protnone(*e) ? *e : *e & ~(_PAGE_WRITE | _PAGE_DIRTY);
      }
    };
    for (int round = 0; round < 40; round++) {
      const auto [a, b] = random_range(rng);
      const std::vector<Leaf> expect = leaves_starting_in(mem, src.root(), a, b);
      SimMemory dmem;
      if (round % 2) dmem.budget = 1 + rng() % 8;  // the root and a few tables
      PageTableEditor dst(SimMemory::alloc(&dmem), dmem.ops());
      Ctx ctx;
      const int err = src.copy_range(dst, a, b, Ctx::fn, &ctx);
      // dst holds exactly the leaves fn was called for, as fn returned them.
      std::vector<Leaf> got = leaves_starting_in(dmem, dst.root(), 0, ~0ul);
      REQUIRE(got.size() == ctx.called.size());
      for (size_t i = 0; i < got.size(); i++) {
        CHECK(got[i].va == ctx.called[i].va);
        CHECK(got[i].level == ctx.called[i].level);
        CHECK(got[i].pte == cow(ctx.called[i].pte));
      }
      if (err == 0) {
        REQUIRE(ctx.called == expect);
      } else {
        REQUIRE(err == -ENOMEM);
        REQUIRE(ctx.called.size() <= expect.size());
        REQUIRE(std::equal(ctx.called.begin(), ctx.called.end(), expect.begin()));  // a prefix, in order
      }
      // No table of dst is empty (one created for nothing is freed again),
      // and every allocated one is reachable.
      size_t tables = 0;
      Model unused;
      const char* broken = nullptr;
      collect(dmem, dst.root(), 2, 0, unused, tables, broken);
      REQUIRE(tables == dmem.pages.size());
      for (auto& [pa, t] : dmem.pages)
        if (pa != dst.root()) CHECK(std::any_of(t->begin(), t->end(), [](pte_t e) { return !pte_is_none(e); }));
    }
    // dst already mapping a leaf of the range: -EEXIST.
    SimMemory dmem;
    PageTableEditor dst(SimMemory::alloc(&dmem), dmem.ops());
    const std::vector<Leaf> all = leaves_starting_in(mem, src.root(), 0, ~0ul);
    REQUIRE(!all.empty());
    REQUIRE(dst.map(all[0].va, 0x1000, PAGE_SIZE, _PAGE_VALID | _PAGE_READ | _PAGE_USER, PtLevel::Page) == 0);
    Ctx ctx;
    CHECK(src.copy_range(dst, 0, 3ull << 30, Ctx::fn, &ctx) == -EEXIST);
  }
}
