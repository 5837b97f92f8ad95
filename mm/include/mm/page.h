/*
 * struct page: one per physical page frame, in one array over the span of
 * RAM (mem_map). Free pages at the head of a buddy block carry PG_buddy and
 * the block's order; allocated pages carry a reference count and an owner.
 * The union holds what the owner keeps per page (SLAB: its cache and
 * freelist; compound tails: their head; the page cache: the file's
 * address_space and the page's index in it).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct kmem_cache;
struct address_space;

enum class PageOwner : uint8_t {
  Reserved,   // never given to the allocator (firmware, kernel image, holes)
  Free,       // in the buddy allocator
  Kernel,     // alloc_pages() for the kernel
  Slab,
  PageTable,
  Anon,       // user anonymous memory
  File,       // a file's page cache (mm/filemap.h)
};

enum PageFlags : uint16_t {
  PG_buddy = 1 << 0,  // head of a free buddy block, order in `order`
  PG_head = 1 << 1,   // compound head
  PG_tail = 1 << 2,   // compound tail, head in `compound_head`
};

struct page {
  page* next;  // free-list links (buddy), or the owner's list
  page* prev;
  int32_t refcount;
  uint16_t flags;
  uint8_t order;
  uint8_t zone;
  PageOwner owner;
  uint8_t reserved_[7];
  union {
    struct {
      kmem_cache* slab_cache;
      void* freelist;
      void* s_mem;
      uint32_t active;
    };
    page* compound_head;
    struct {
      address_space* mapping;  // the cache holding it; null once taken off
      unsigned long index;     // its page number in the file
    };
  };
};

static_assert(sizeof(page) <= 64, "struct page stays within one cache line");
