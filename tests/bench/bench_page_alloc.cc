// Benchmarks of the physical-memory layer on the host build: the real
// mm/page_alloc.cc and arch/riscv/mm/pgtable.cc over simulated memory
// (bench_ram.h: shared with the slab benchmarks).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <vector>

#include <asm/pgtable_ops.h>
#include <mm/page_alloc.h>

#include "bench_ram.h"

namespace {

void page_alloc_order0(benchmark::State& state) {
  bench::bench_ram_init();
  for (auto _ : state) {
    page* p = alloc_pages(GFP_KERNEL, 0);
    benchmark::DoNotOptimize(p);
    __free_pages(p, 0);
  }
}
BENCHMARK(page_alloc_order0);

void page_alloc_order9_split_merge(benchmark::State& state) {
  bench::bench_ram_init();
  // Hold every free order-9 block (split off by earlier users of the shared
  // RAM): then every allocation splits a 4 MiB block and every free merges it.
  std::vector<page*> held;
  while (bench::free_blocks(9) > 0) held.push_back(alloc_pages(GFP_KERNEL, 9));
  for (auto _ : state) {
    page* p = alloc_pages(GFP_KERNEL, 9);
    benchmark::DoNotOptimize(p);
    __free_pages(p, 9);
  }
  for (page* p : held) __free_pages(p, 9);
}
BENCHMARK(page_alloc_order9_split_merge);

void page_alloc_1000_then_free(benchmark::State& state) {
  bench::bench_ram_init();
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
