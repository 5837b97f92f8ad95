// One simulated RAM for the whole benchmark process (see bench_ram.h).
#include "bench_ram.h"

#include <vector>

#include <mm/page_alloc.h>

namespace bench {
namespace {

struct SimRam {
  std::vector<page> map;
  std::vector<unsigned char> data;

  SimRam() {
    const uint64_t base = 0x80000000;  // physical start, as on the virt board
    map.resize(kBenchRamBytes >> MM_PAGE_SHIFT);
    // Virtual addresses aligned like the physical ones up to the largest
    // buddy block (4 MiB), as in the kernel's direct map.
    constexpr uintptr_t kAlign = uintptr_t{4} << 20;
    data.resize(kBenchRamBytes + kAlign);
    const uintptr_t aligned = (reinterpret_cast<uintptr_t>(data.data()) + kAlign - 1) & ~(kAlign - 1);
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
