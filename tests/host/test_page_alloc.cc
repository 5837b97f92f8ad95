// Host tests for the buddy allocator (mm/page_alloc.cc) over a simulated
// RAM: a page array and a data buffer standing for physical memory.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <mm/page_alloc.h>

namespace {

// Physical [base, base + pages * 4 KiB) backed by a buffer.
struct SimRam {
  uint64_t base_pfn, pages;
  std::vector<page> map;
  std::vector<unsigned char> data;

  SimRam(uint64_t base, uint64_t bytes) : base_pfn(base >> MM_PAGE_SHIFT), pages(bytes >> MM_PAGE_SHIFT) {
    map.resize(pages);
    data.resize(bytes + MM_PAGE_SIZE);
    uintptr_t aligned = (reinterpret_cast<uintptr_t>(data.data()) + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
    mm_phys_virt_offset = aligned - base;
    free_area_init(map.data(), base_pfn, base_pfn + pages);
  }
};

struct Block {
  uint64_t pfn;
  unsigned order;
};

// The counters agree with the free lists, and allocated blocks are
// well-formed and disjoint (the page-array scan is check_free_blocks).
void check_invariants(const std::map<uint64_t, unsigned>& allocated) {
  uint64_t free_total = 0, managed = 0;
  std::set<std::pair<uint64_t, uint64_t>> spans;  // [start, end) of every free and allocated block
  for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
    const ZoneStats s = zone_stats(static_cast<ZoneType>(zi));
    managed += s.managed;
    uint64_t zone_free = 0;
    for (unsigned o = 0; o < MAX_ORDER; o++) zone_free += s.nr_free[o] << o;
    REQUIRE(zone_free == s.free);
    REQUIRE(s.pcp <= PCP_HIGH);
    free_total += s.free + s.pcp;
  }
  for (const auto& [pfn, order] : allocated) spans.emplace(pfn, pfn + (uint64_t{1} << order));
  for (const auto& [pfn, order] : allocated) {
    const page* p = pfn_to_page(pfn);
    REQUIRE(p->owner == PageOwner::Kernel);
    REQUIRE(p->order == order);
    REQUIRE(!(p->flags & PG_buddy));
  }
  uint64_t allocated_pages = 0;
  for (const auto& [pfn, order] : allocated) allocated_pages += uint64_t{1} << order;
  REQUIRE(free_total + allocated_pages == managed);
  // Allocated blocks do not overlap each other.
  uint64_t last_end = 0;
  for (const auto& [start, end] : spans) {
    REQUIRE(start >= last_end);
    last_end = end;
  }
}

// Free block heads found by scanning the page array; checks coalescing and
// that no free block overlaps an allocated one.
void check_free_blocks(const SimRam& ram, const std::map<uint64_t, unsigned>& allocated) {
  std::vector<int> owner(ram.pages, 0);  // 0 unknown, 1 free, 2 allocated
  for (const auto& [pfn, order] : allocated)
    for (uint64_t i = 0; i < (uint64_t{1} << order); i++) owner[pfn - ram.base_pfn + i] = 2;
  for (uint64_t i = 0; i < ram.pages; i++) {
    const page& p = ram.map[i];
    if (!(p.flags & PG_buddy)) continue;
    const uint64_t pfn = ram.base_pfn + i;
    const uint64_t n = uint64_t{1} << p.order;
    REQUIRE((pfn & (n - 1)) == 0);
    for (uint64_t j = 0; j < n; j++) {
      REQUIRE(owner[i + j] == 0);  // no overlap with allocated or other free blocks
      owner[i + j] = 1;
    }
    if (p.order < MAX_ORDER - 1) {
      const uint64_t buddy = pfn ^ n;
      const bool same_zone = (buddy < DMA32_LIMIT_PFN) == (pfn < DMA32_LIMIT_PFN);
      if (buddy >= ram.base_pfn && buddy < ram.base_pfn + ram.pages && same_zone) {
        const page& b = ram.map[buddy - ram.base_pfn];
        REQUIRE_FALSE(((b.flags & PG_buddy) && b.order == p.order));  // would have merged
      }
    }
  }
}

}  // namespace

TEST_SUITE("page_alloc") {
  TEST_CASE("boot counts, max-order coalescing, zeroing, translation") {
    SimRam ram(0x80000000, 64ull << 20);
    free_pages_range(ram.base_pfn + 2, ram.base_pfn + ram.pages);  // first two pages reserved
    const ZoneStats boot = zone_stats(ZoneType::DMA32);
    REQUIRE(boot.managed == ram.pages - 2);
    CHECK(boot.nr_free[MAX_ORDER - 1] == (64 / 4) - 1);  // the first 4 MiB is broken up by the hole
    CHECK_FALSE(zone_stats(ZoneType::Normal).present);
    page* p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 3);
    REQUIRE(p != nullptr);
    const unsigned char* bytes = static_cast<unsigned char*>(page_address(p));
    for (size_t i = 0; i < 8 * MM_PAGE_SIZE; i++) REQUIRE(bytes[i] == 0);
    CHECK(virt_to_page(bytes + 5000) == p + 1);
    CHECK(pfn_to_page(page_to_pfn(p)) == p);
    std::memset(page_address(p), 0xab, 8 * MM_PAGE_SIZE);
    __free_pages(p, 3);
    const ZoneStats after = zone_stats(ZoneType::DMA32);
    for (unsigned o = 0; o < MAX_ORDER; o++) CHECK(after.nr_free[o] == boot.nr_free[o]);
    // Re-allocated with __GFP_ZERO after being dirtied: zero again.
    p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 3);
    bytes = static_cast<unsigned char*>(page_address(p));
    CHECK(bytes[100] == 0);
    __free_pages(p, 3);
  }

  TEST_CASE("exhaustion fails cleanly and everything comes back") {
    SimRam ram(0x80000000, 8ull << 20);
    free_pages_range(ram.base_pfn, ram.base_pfn + ram.pages);
    setup_min_reserves();
    const ZoneStats boot = zone_stats(ZoneType::DMA32);
    std::vector<page*> got;
    while (page* p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)) got.push_back(p);
    CHECK(got.size() == ram.pages - 16);  // the reserve is left for __GFP_HIGH
    CHECK(page_alloc_errors().failures == 1);
    page* atomic = alloc_pages(GFP_ATOMIC, 0);
    CHECK(atomic != nullptr);
    __free_pages(atomic, 0);
    for (page* p : got) __free_pages(p, 0);
    CHECK(zone_stats(ZoneType::DMA32).pcp <= PCP_HIGH);  // frees overflow the per-CPU list in batches
    CHECK(nr_free_pages() == boot.free);
    drain_local_pages();
    const ZoneStats after = zone_stats(ZoneType::DMA32);
    CHECK(after.free == boot.free);
    for (unsigned o = 0; o < MAX_ORDER; o++) CHECK(after.nr_free[o] == boot.nr_free[o]);
    CHECK(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER) == nullptr);
  }

  TEST_CASE("zones across 4 GiB: DMA32 placement and fallback") {
    // 8 MiB straddling the 4 GiB line: half DMA32, half NORMAL.
    SimRam ram(0xffc00000, 8ull << 20);
    free_pages_range(ram.base_pfn, ram.base_pfn + ram.pages);
    REQUIRE(zone_stats(ZoneType::DMA32).managed == 1024);
    REQUIRE(zone_stats(ZoneType::Normal).managed == 1024);
    std::vector<page*> dma;
    while (page* p = alloc_pages(GFP_DMA32 | __GFP_NOWARN, 0)) {
      REQUIRE(page_to_pfn(p) < DMA32_LIMIT_PFN);
      dma.push_back(p);
    }
    CHECK(dma.size() == 1024);
    page* k = alloc_pages(GFP_KERNEL, 0);
    REQUIRE(k != nullptr);
    CHECK(page_to_pfn(k) >= DMA32_LIMIT_PFN);  // NORMAL first
    __free_pages(k, 0);
    for (page* p : dma) __free_pages(p, 0);
    // With NORMAL exhausted a GFP_KERNEL request falls back to DMA32.
    std::vector<page*> normal;
    for (int i = 0; i < 1024; i++) normal.push_back(alloc_pages(GFP_KERNEL | __GFP_HIGH, 0));
    page* fb = alloc_pages(GFP_KERNEL, 0);
    REQUIRE(fb != nullptr);
    CHECK(page_to_pfn(fb) < DMA32_LIMIT_PFN);
    __free_pages(fb, 0);
    for (page* p : normal) __free_pages(p, 0);
  }

  TEST_CASE("order-0 pages go through a LIFO per-CPU list") {
    SimRam ram(0x80000000, 8ull << 20);
    free_pages_range(ram.base_pfn, ram.base_pfn + ram.pages);
    page* p = alloc_pages(GFP_KERNEL, 0);
    REQUIRE(p != nullptr);
    CHECK(zone_stats(ZoneType::DMA32).pcp == PCP_BATCH - 1);  // one refill batch, one page handed out
    __free_pages(p, 0);
    CHECK(alloc_pages(GFP_KERNEL, 0) == p);  // the hot page comes back first
    __free_pages(p, 0);
    drain_local_pages();
    CHECK(zone_stats(ZoneType::DMA32).pcp == 0);
    CHECK(zone_stats(ZoneType::DMA32).free == ram.pages);
    CHECK(zone_stats(ZoneType::DMA32).nr_free[MAX_ORDER - 1] == 2);  // merged back into two 4 MiB blocks
  }

  TEST_CASE("two host threads are two CPUs: each uses its own per-CPU list") {
    SimRam ram(0x80000000, 16ull << 20);
    free_pages_range(ram.base_pfn, ram.base_pfn + ram.pages);
    CHECK(mm_this_cpu() == 0);
    // Both CPUs allocate and free at once; a page handed out twice (two
    // threads on one unlocked list) shows as a wrong owner tag in its data
    // (zero while free).
    auto churn = [](unsigned cpu, std::atomic<int>* bad) {
      mm_host_set_cpu(cpu);
      if (mm_this_cpu() != cpu) bad->fetch_add(1);
      std::vector<page*> held;
      for (int i = 0; i < 20000; i++) {
        if (held.size() < 64 && (i % 3 != 2 || held.empty())) {
          page* p = alloc_pages(GFP_KERNEL, 0);
          if (!p) {
            bad->fetch_add(1);
            continue;
          }
          auto* tag = static_cast<volatile uint8_t*>(page_address(p));
          if (*tag != 0) bad->fetch_add(1);
          *tag = static_cast<uint8_t>(cpu + 1);
          held.push_back(p);
        } else {
          page* p = held.back();
          held.pop_back();
          auto* tag = static_cast<volatile uint8_t*>(page_address(p));
          if (*tag != cpu + 1) bad->fetch_add(1);
          *tag = 0;
          __free_pages(p, 0);
        }
      }
      for (page* p : held) {
        *static_cast<volatile uint8_t*>(page_address(p)) = 0;
        __free_pages(p, 0);
      }
      drain_local_pages();  // this CPU's list
    };
    std::atomic<int> bad{0};
    std::thread other(churn, 1u, &bad);
    churn(0, &bad);
    other.join();
    CHECK(mm_this_cpu() == 0);
    CHECK(bad.load() == 0);
    const ZoneStats s = zone_stats(ZoneType::DMA32);
    CHECK(s.pcp == 0);
    CHECK(s.free == ram.pages);
    CHECK(s.nr_free[MAX_ORDER - 1] == 4);
  }

  TEST_CASE("bad frees are reported and change nothing") {
    SimRam ram(0x80000000, 4ull << 20);
    free_pages_range(ram.base_pfn + 1, ram.base_pfn + ram.pages);
    const ZoneStats boot = zone_stats(ZoneType::DMA32);
    page* p = alloc_pages(GFP_KERNEL, 2);
    __free_pages(p, 2);
    __free_pages(p, 2);                            // double free
    __free_pages(pfn_to_page(ram.base_pfn), 0);    // reserved page
    page* q = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
    CHECK(compound_head(q + 3) == q);
    __free_pages(q + 1, 0);                        // a tail
    __free_pages(q, 1);                            // wrong order
    CHECK(page_alloc_errors().bad_frees == 4);
    get_page(q);
    put_page(q);  // still referenced once
    CHECK(page_ref_count(q) == 1);
    put_page(q);
    drain_local_pages();
    const ZoneStats after = zone_stats(ZoneType::DMA32);
    CHECK(after.free == boot.free);
    for (unsigned o = 0; o < MAX_ORDER; o++) CHECK(after.nr_free[o] == boot.nr_free[o]);
  }

  TEST_CASE("random mixed-order alloc/free keeps every invariant") {
    const unsigned seed = 424242;
    std::printf("page_alloc random test seed %u\n", seed);
    std::mt19937 rng(seed);
    SimRam ram(0xffc00000 - (12ull << 20), 24ull << 20);  // crosses 4 GiB
    // Holes, as firmware and the kernel image make them.
    free_pages_range(ram.base_pfn + 3, ram.base_pfn + 700);
    free_pages_range(ram.base_pfn + 900, ram.base_pfn + ram.pages);
    const ZoneStats boot_dma = zone_stats(ZoneType::DMA32), boot_normal = zone_stats(ZoneType::Normal);
    std::map<uint64_t, unsigned> allocated;
    for (int step = 0; step < 3000; step++) {
      if (allocated.empty() || rng() % 3 != 0) {
        const unsigned order = rng() % 4 == 0 ? rng() % MAX_ORDER : rng() % 3;
        const gfp_t gfp = (rng() % 4 == 0 ? GFP_DMA32 : GFP_KERNEL) | __GFP_NOWARN;
        if (page* p = alloc_pages(gfp, order)) {
          if (gfp & __GFP_DMA32) REQUIRE(page_to_pfn(p) < DMA32_LIMIT_PFN);
          allocated[page_to_pfn(p)] = order;
        }
      } else {
        auto it = allocated.begin();
        std::advance(it, static_cast<long>(rng() % allocated.size()));
        __free_pages(pfn_to_page(it->first), it->second);
        allocated.erase(it);
      }
      check_invariants(allocated);
      check_free_blocks(ram, allocated);
    }
    for (const auto& [pfn, order] : allocated) __free_pages(pfn_to_page(pfn), order);
    allocated.clear();
    drain_local_pages();
    check_free_blocks(ram, allocated);
    const ZoneStats dma = zone_stats(ZoneType::DMA32), normal = zone_stats(ZoneType::Normal);
    for (unsigned o = 0; o < MAX_ORDER; o++) {
      CHECK(dma.nr_free[o] == boot_dma.nr_free[o]);
      CHECK(normal.nr_free[o] == boot_normal.nr_free[o]);
    }
    CHECK(page_alloc_errors().bad_frees == 0);
  }
}
