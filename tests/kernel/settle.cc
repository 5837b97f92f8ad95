#include "settle.h"

#include <asm/smp.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

#include "../../mm/slab_internal.h"

namespace {

void warm_kmalloc(void*) {
  for (unsigned t = 0; t < NR_KMALLOC_TYPES; t++)
    for (int i = 1; i <= static_cast<int>(KMALLOC_SHIFT_HIGH); i++)
      if (kmem_cache* c = kmalloc_caches[t][i]) kmem_cache_free(c, kmem_cache_alloc(c, GFP_KERNEL));
}
void drain_pages(void*) { drain_local_pages(); }

}  // namespace

uint64_t settled_free_pages() {
  on_each_cpu(warm_kmalloc, nullptr);
  for (kmem_cache* c = slab_caches; c; c = c->next) kmem_cache_shrink(c);
  on_each_cpu(drain_pages, nullptr);
  return nr_free_pages();
}
