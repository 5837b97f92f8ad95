// The VMA tree (mm/vma.cc, mm/mmap.cc) on the host: find_vma (through the
// VMA index, and through mm_rb alone) against std::map::upper_bound over the
// same VMAs, the vmacache hit against a miss, and mmap/munmap churn that
// splits VMAs. No page tables (pt_ops is null): this measures the VMA
// structures and their bookkeeping only.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <mm/mmap.h>
#include <mm/vma_index.h>

#include "bench_slab.h"

namespace bench {
namespace {

constexpr unsigned long kBase = 0x10000000;  // above mmap_min_addr, far below mmap_base
constexpr unsigned long kSlotPages = 4;      // a VMA of 1..3 pages per 4-page slot: never adjacent
constexpr size_t kQueries = 4096;            // power of two

// An mm with n non-mergeable anonymous VMAs at random addresses, the same
// VMAs in a std::map keyed by end (upper_bound(addr) = the first VMA with
// addr < vm_end, find_vma's answer), and random query addresses over them.
struct VmaWorld {
  mm_struct* mm;
  std::map<unsigned long, unsigned long> by_end;  // vm_end -> vm_start
  std::vector<unsigned long> queries;

  explicit VmaWorld(size_t n) {
    static const bool caches = (slab_init_once(), proc_caches_init(), true);
    (void)caches;
    sysctl_max_map_count = 1 << 20;  // 100000 VMAs is over Linux's default 65530
    mm = mm_alloc();
    if (!mm) fail("mm_alloc");
    std::mt19937_64 rng(n);
    std::vector<unsigned long> slots(4 * n);
    for (size_t i = 0; i < slots.size(); i++) slots[i] = i;
    std::shuffle(slots.begin(), slots.end(), rng);
    for (size_t i = 0; i < n; i++) {
      const unsigned long start = kBase + slots[i] * kSlotPages * PAGE_SIZE;
      const unsigned long len = (1 + rng() % (kSlotPages - 1)) * PAGE_SIZE;
      const long r = sys_mmap(mm, start, len, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
                              static_cast<unsigned long>(-1), 0);
      if (r != static_cast<long>(start)) fail("sys_mmap");
      by_end[start + len] = start;
    }
    if (mm->map_count != static_cast<int>(n)) fail("map_count: VMAs merged");
    const unsigned long span = 4 * n * kSlotPages * PAGE_SIZE;
    for (size_t i = 0; i < kQueries; i++) queries.push_back(kBase + rng() % span);
    // find_vma and the map agree on every query.
    MmapReadGuard g(mm);
    for (unsigned long a : queries) {
      const vm_area_struct* v = find_vma(mm, a);
      const auto it = by_end.upper_bound(a);
      if ((it == by_end.end()) != (v == nullptr) || (v && v->vm_end != it->first)) fail("find_vma disagrees");
    }
  }
  ~VmaWorld() { mmput(mm); }

  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "bench_vma: %s\n", what);
    std::abort();
  }
};

// The worlds the lookups read, built once per size and kept for the run.
// find_vma and std::map then search structures built in one pass, in the
// same insertion order, from allocators nothing had freed into before (the
// VMA caches and glibc's heap alike). Rebuilt for every run, a world was
// laid out over the free lists its predecessor left, and that scrambled
// placement alone cost a tree walk about a third: the ratio measured which
// side drew the worse history, not the lookup.
// with_index false: the same VMAs with the index dropped, as after a failed
// node allocation (find_vma walks mm_rb).
VmaWorld& lookup_world(size_t n, bool with_index = true) {
  // Never destroyed: the simulated RAM under them is a static built after
  // this one, so it would be gone before their destructors ran at exit.
  static auto& worlds = *new std::map<std::pair<size_t, bool>, std::unique_ptr<VmaWorld>>;
  std::unique_ptr<VmaWorld>& w = worlds[{n, with_index}];
  if (!w) {
    w = std::make_unique<VmaWorld>(n);
    MmapWriteGuard g(w->mm);
    if (!with_index) vma_index_drop(w->mm);
  }
  return *w;
}

void lookups(benchmark::State& state, VmaWorld& w) {
  MmapReadGuard g(w.mm);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(find_vma(w.mm, w.queries[i++ & (kQueries - 1)]));
}

void find_vma_random(benchmark::State& state) { lookups(state, lookup_world(static_cast<size_t>(state.range(0)))); }
BENCHMARK(find_vma_random)->Name("find_vma")->Arg(100)->Arg(10000)->Arg(100000);

void find_vma_rbtree(benchmark::State& state) { lookups(state, lookup_world(static_cast<size_t>(state.range(0)), false)); }
BENCHMARK(find_vma_rbtree)->Arg(100)->Arg(10000)->Arg(100000);

void std_map_upper_bound(benchmark::State& state) {
  const VmaWorld& w = lookup_world(static_cast<size_t>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(w.by_end.upper_bound(w.queries[i++ & (kQueries - 1)]));
}
BENCHMARK(std_map_upper_bound)->Arg(100)->Arg(10000)->Arg(100000);

// The same address again and again: answered from the vmacache.
void find_vma_cache_hit(benchmark::State& state) {
  VmaWorld& w = lookup_world(10000);
  MmapReadGuard g(w.mm);
  const unsigned long a = w.by_end.begin()->second;
  for (auto _ : state) benchmark::DoNotOptimize(find_vma(w.mm, a));
}
BENCHMARK(find_vma_cache_hit);

// Sixteen VMAs whose addresses all map to one vmacache slot, in turn: each
// lookup evicts the previous one, so every lookup walks the tree (whose
// path stays in the CPU caches: this is the walk, not memory latency).
void find_vma_cache_miss(benchmark::State& state) {
  VmaWorld& w = lookup_world(10000);
  MmapReadGuard g(w.mm);
  std::vector<unsigned long> addrs;
  for (const auto& [end, start] : w.by_end) {
    if ((start >> PAGE_SHIFT) % VMACACHE_SIZE == 0) addrs.push_back(start);
    if (addrs.size() == 16) break;
  }
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(find_vma(w.mm, addrs[i++ & 15]));
}
BENCHMARK(find_vma_cache_miss);

// mmap 16 pages where get_unmapped_area finds room, unmap 4 in the middle
// (a split: two VMAs), unmap the rest, with n other VMAs in the tree.
void mmap_munmap(benchmark::State& state) {
  VmaWorld w(static_cast<size_t>(state.range(0)));
  constexpr unsigned long kLen = 16 * PAGE_SIZE;
  for (auto _ : state) {
    const long a = sys_mmap(w.mm, 0, kLen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            static_cast<unsigned long>(-1), 0);
    if (IS_ERR_VALUE(static_cast<unsigned long>(a))) VmaWorld::fail("churn mmap");
    const unsigned long addr = static_cast<unsigned long>(a);
    if (sys_munmap(w.mm, addr + 4 * PAGE_SIZE, 4 * PAGE_SIZE) != 0) VmaWorld::fail("churn split");
    if (sys_munmap(w.mm, addr, kLen) != 0) VmaWorld::fail("churn munmap");
  }
  if (w.mm->map_count != state.range(0)) VmaWorld::fail("churn left VMAs behind");
}
BENCHMARK(mmap_munmap)->Arg(100)->Arg(10000);

}  // namespace
}  // namespace bench
