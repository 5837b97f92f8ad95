// A booted SLAB over simulated RAM for host tests: the page allocator on a
// buffer standing for physical memory, then kmem_cache_init(). Other suites
// that need kmalloc/kmem_cache (VMAs, ...) can use it too.
#pragma once

#include <cstdint>
#include <vector>

#include <mm/page_alloc.h>
#include <mm/slab.h>

struct SlabTestEnv {
  uint64_t base_pfn, pages;
  std::vector<page> map;
  std::vector<unsigned char> data;

  // RAM at physical `base`; the command line and cache line size are what
  // kmem_cache_init() reads (slab_debug=, slab_nomerge).
  explicit SlabTestEnv(uint64_t bytes = 64ull << 20, const char* cmdline = "", unsigned cache_line = 64,
                       uint64_t base = 0x80000000)
      : base_pfn(base >> MM_PAGE_SHIFT), pages(bytes >> MM_PAGE_SHIFT) {
    map.resize(pages);
    // Virtual addresses aligned like the physical ones up to the largest
    // buddy block (4 MiB), as in the kernel's direct map.
    constexpr uintptr_t kAlign = uintptr_t{4} << 20;
    data.resize(bytes + kAlign);
    const uintptr_t aligned = (reinterpret_cast<uintptr_t>(data.data()) + kAlign - 1) & ~(kAlign - 1);
    mm_phys_virt_offset = aligned - base;
    free_area_init(map.data(), base_pfn, base_pfn + pages);
    free_pages_range(base_pfn, base_pfn + pages);
    mm_host_cmdline = cmdline;
    mm_host_cache_line_size = cache_line;
    kmem_cache_init();
  }
  ~SlabTestEnv() {
    mm_host_cmdline = "";
    mm_host_cache_line_size = 64;
  }
  SlabTestEnv(const SlabTestEnv&) = delete;
  SlabTestEnv& operator=(const SlabTestEnv&) = delete;

  // Free pages with the per-CPU page lists drained.
  static uint64_t free_pages() {
    drain_local_pages();
    return nr_free_pages();
  }
  // For leak checks: every kmalloc class used once (their per-CPU arrays
  // exist from then on), every cache shrunk; then the free page count.
  static uint64_t settle() {
    for (unsigned t = 0; t < NR_KMALLOC_TYPES; t++)
      for (int i = 1; i <= static_cast<int>(KMALLOC_SHIFT_HIGH); i++)
        if (kmalloc_caches[t][i])
          kmem_cache_free(kmalloc_caches[t][i], kmem_cache_alloc(kmalloc_caches[t][i], GFP_KERNEL));
    for (kmem_cache* c = slab_caches; c; c = c->next) kmem_cache_shrink(c);
    return free_pages();
  }
};
