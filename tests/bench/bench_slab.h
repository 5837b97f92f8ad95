// Our slab in mm_bench (bench_slab.cc).
#pragma once

namespace bench {

// The shared simulated RAM (bench_ram.h) and kmem_cache_init(), once.
void slab_init_once();

}  // namespace bench
