// Our slab in mm_bench (bench_slab.cc).
#pragma once

namespace bench {

// The shared simulated RAM (bench_ram.h) and kmem_cache_init(), once.
void slab_init_once();

// `mm_bench --kmalloc-layout`: a Markdown table of every kmalloc class's
// slab layout (objects and pages per slab, freelist, unused bytes).
int print_kmalloc_layout();

}  // namespace bench
