// Leak checks against the page allocator for the self-tests.
#pragma once

#include <stdint.h>

// Free pages once every CPU's kmalloc caches exist and every slab cache and
// per-CPU page list is drained. Slab caches keep pages for reuse and a
// cache grows on whichever CPU first needs it, so a raw nr_free_pages()
// differs between two runs of the same work; equal settled counts before
// and after mean nothing leaked.
uint64_t settled_free_pages();
