// The simulated RAM every mm/ benchmark shares: the page allocator (and the
// slab above it) has one global state, so it is set up once per process over
// one buffer and never torn down (a kmem_cache keeps its slabs across runs).
#pragma once

#include <cstdint>

namespace bench {

constexpr uint64_t kBenchRamBytes = 512ull << 20;

// Sets up the page allocator over the buffer on first use.
void bench_ram_init();
// Free blocks of exactly 2^order pages in the buddy lists, all zones.
uint64_t free_blocks(unsigned order);

}  // namespace bench
