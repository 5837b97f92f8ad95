// One simulated RAM for the whole benchmark process (see bench_ram.h).
#include "bench_ram.h"

#include <sys/mman.h>

#include <cstdlib>
#include <vector>

#include <mm/page_alloc.h>

namespace bench {
namespace {

struct SimRam {
  std::vector<page> map;

  SimRam() {
    const uint64_t base = 0x80000000;  // physical start, as on the virt board
    map.resize(kBenchRamBytes >> MM_PAGE_SHIFT);
    // Virtual addresses aligned like the physical ones up to the largest
    // buddy block (4 MiB), as in the kernel's direct map. The kernel maps
    // RAM with 1 GiB and 2 MiB leaves (arch/riscv/mm/init.cc), so the
    // buffer asks for transparent huge pages: with 4 KiB host pages a walk
    // over 100000 slab objects would measure the host's TLB misses, which
    // the kernel never takes on its direct map.
    constexpr uintptr_t kAlign = uintptr_t{4} << 20;
    void* data = mmap(nullptr, kBenchRamBytes + kAlign, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) std::abort();
    const uintptr_t aligned = (reinterpret_cast<uintptr_t>(data) + kAlign - 1) & ~(kAlign - 1);
    madvise(reinterpret_cast<void*>(aligned), kBenchRamBytes, MADV_HUGEPAGE);
    mm_phys_virt_offset = aligned - base;
    free_area_init(map.data(), base >> MM_PAGE_SHIFT, (base >> MM_PAGE_SHIFT) + map.size());
    free_pages_range(base >> MM_PAGE_SHIFT, (base >> MM_PAGE_SHIFT) + map.size());
    setup_min_reserves();
  }
};

}  // namespace

void bench_ram_init() { static SimRam ram; }

uint64_t free_blocks(unsigned order) {
  uint64_t n = 0;
  for (unsigned z = 0; z < MAX_NR_ZONES; z++) n += zone_stats(static_cast<ZoneType>(z)).nr_free[order];
  return n;
}

}  // namespace bench
