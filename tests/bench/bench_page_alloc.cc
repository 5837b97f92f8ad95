// Benchmarks of the physical-memory layer on the host build: the real
// mm/page_alloc.cc and arch/riscv/mm/pgtable.cc over simulated memory.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <vector>

#include <asm/pgtable_ops.h>
#include <mm/page_alloc.h>

namespace {

struct SimRam {
  std::vector<page> map;
  std::vector<unsigned char> data;
  uint64_t base_pfn;

  explicit SimRam(uint64_t bytes) : base_pfn(0x80000000 >> MM_PAGE_SHIFT) {
    map.resize(bytes >> MM_PAGE_SHIFT);
    data.resize(bytes + MM_PAGE_SIZE);
    const uintptr_t aligned = (reinterpret_cast<uintptr_t>(data.data()) + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
    mm_phys_virt_offset = aligned - 0x80000000;
    free_area_init(map.data(), base_pfn, base_pfn + map.size());
    free_pages_range(base_pfn, base_pfn + map.size());
    setup_min_reserves();
  }
};

void page_alloc_order0(benchmark::State& state) {
  SimRam ram(64ull << 20);
  for (auto _ : state) {
    page* p = alloc_pages(GFP_KERNEL, 0);
    benchmark::DoNotOptimize(p);
    __free_pages(p, 0);
  }
}
BENCHMARK(page_alloc_order0);

void page_alloc_order9_split_merge(benchmark::State& state) {
  SimRam ram(64ull << 20);
  for (auto _ : state) {
    // From 4 MiB blocks only: every allocation splits, every free merges.
    page* p = alloc_pages(GFP_KERNEL, 9);
    benchmark::DoNotOptimize(p);
    __free_pages(p, 9);
  }
}
BENCHMARK(page_alloc_order9_split_merge);

void page_alloc_1000_then_free(benchmark::State& state) {
  SimRam ram(64ull << 20);
  std::vector<page*> pages(1000);
  for (auto _ : state) {
    for (auto& p : pages) p = alloc_pages(GFP_KERNEL, 0);
    for (page* p : pages) __free_pages(p, 0);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(page_alloc_1000_then_free);

struct HostTables {
  std::map<uint64_t, std::unique_ptr<pte_t[]>> pages;
  uint64_t next = 0x100000000;
  static uint64_t alloc(void* c) {
    auto* h = static_cast<HostTables*>(c);
    const uint64_t pa = h->next;
    h->next += MM_PAGE_SIZE;
    h->pages[pa] = std::make_unique<pte_t[]>(PTRS_PER_PT);
    return pa;
  }
  static void free(void* c, uint64_t pa) { static_cast<HostTables*>(c)->pages.erase(pa); }
  static pte_t* table(void* c, uint64_t pa) { return static_cast<HostTables*>(c)->pages[pa].get(); }
};

void map_unmap_2m(benchmark::State& state) {
  const PtLevel level = state.range(0) ? PtLevel::Mega : PtLevel::Page;
  HostTables h;
  PageTableEditor pt(HostTables::alloc(&h), PtAlloc{&h, HostTables::alloc, HostTables::free, HostTables::table});
  for (auto _ : state) {
    pt.map(0xffffffd880000000, 0x80000000, 2ull << 20, PAGE_KERNEL, level);
    pt.unmap(0xffffffd880000000, 2ull << 20);
  }
  state.SetLabel(state.range(0) ? "one 2 MiB leaf" : "512 4 KiB leaves");
}
BENCHMARK(map_unmap_2m)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
