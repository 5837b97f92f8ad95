/*
 * The buddy page allocator.
 *
 * Each zone keeps MAX_ORDER free lists; a free block of 2^order pages is
 * listed once, by its first page (PG_buddy, order). Allocation takes the
 * smallest sufficient block and splits off the upper halves; freeing merges
 * with the buddy (pfn ^ 2^order) while it is free at the same order. Both
 * are O(MAX_ORDER). Order-0 pages go through per-CPU lists first (LIFO,
 * refilled and drained in batches under the zone lock, touched only by
 * their CPU with interrupts off). Zones: DMA32 (below 4 GiB) and NORMAL (the rest, only
 * when RAM crosses 4 GiB); a GFP_KERNEL request falls back from NORMAL to
 * DMA32. Each zone keeps a min reserve only __GFP_HIGH (GFP_ATOMIC) may use.
 * Locking: one lock per zone, taken with interrupts off. A zone's
 * free_pages counts its buddy lists; pages parked on per-CPU lists are
 * counted there (ZoneStats::pcp) and are free for nr_free_pages().
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/page.h>

constexpr unsigned MAX_ORDER = 11;  // orders 0..10: up to 4 MiB blocks

enum class ZoneType : uint8_t { DMA32 = 0, Normal = 1 };
constexpr unsigned MAX_NR_ZONES = 2;
constexpr uint64_t DMA32_LIMIT_PFN = (uint64_t{4} << 30) >> MM_PAGE_SHIFT;

struct FreeArea {
  page* head;  // doubly linked through page::next/prev
  uint64_t nr_free;
};

struct Zone {
  const char* name;
  uint64_t start_pfn, end_pfn;  // span; pages inside may be Reserved
  uint64_t managed_pages;       // pages ever given to the allocator
  uint64_t free_pages;
  uint64_t min_reserve;         // pages only __GFP_HIGH may take
  FreeArea free_area[MAX_ORDER];
  MmLock lock;
};

// Sets up mem_map for [start_pfn, end_pfn) (every page Reserved) and the zones.
void free_area_init(page* map, uint64_t start_pfn, uint64_t end_pfn);
// Gives [start_pfn, end_pfn) to the allocator (boot: the free memblock ranges).
void free_pages_range(uint64_t start_pfn, uint64_t end_pfn);
// Sets each zone's reserve to about 1/256 of its pages (at least 16).
void setup_min_reserves();

page* alloc_pages(gfp_t gfp, unsigned order);
// Drops a reference; the block returns to its zone when it was the last one.
void __free_pages(page* p, unsigned order);
uint64_t __get_free_pages(gfp_t gfp, unsigned order);  // address, 0 on failure
void free_pages(uint64_t addr, unsigned order);
inline uint64_t get_zeroed_page(gfp_t gfp) { return __get_free_pages(gfp | __GFP_ZERO, 0); }
inline void free_page(uint64_t addr) { free_pages(addr, 0); }

// Translation between page frames, struct pages and addresses: inline,
// as kfree() looks up a page on every call.
extern page* mem_map;  // struct page of frame map_start_pfn + i at mem_map[i]
extern uint64_t map_start_pfn, map_end_pfn;
inline bool pfn_valid(uint64_t pfn) { return mem_map && pfn >= map_start_pfn && pfn < map_end_pfn; }
inline page* pfn_to_page(uint64_t pfn) { return mem_map + (pfn - map_start_pfn); }
inline uint64_t page_to_pfn(const page* p) { return static_cast<uint64_t>(p - mem_map) + map_start_pfn; }
inline void* page_address(const page* p) { return mm_phys_to_virt(page_to_pfn(p) << MM_PAGE_SHIFT); }
inline page* virt_to_page(const void* addr) {
  const uint64_t pfn = mm_virt_to_phys(addr) >> MM_PAGE_SHIFT;
  return pfn_valid(pfn) ? pfn_to_page(pfn) : nullptr;
}
inline page* compound_head(page* p) { return (p->flags & PG_tail) ? p->compound_head : p; }

inline void get_page(page* p) { __atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED); }
inline int page_ref_count(const page* p) { return __atomic_load_n(&p->refcount, __ATOMIC_RELAXED); }
inline void put_page(page* p) { __free_pages(p, p->order); }

// Accounting, for tests and meminfo.
struct ZoneStats {
  bool present;
  uint64_t managed, free;  // free: in the buddy lists
  uint64_t pcp;            // on per-CPU lists
  uint64_t nr_free[MAX_ORDER];
};

// Per-CPU order-0 lists: at most PCP_HIGH pages, moved PCP_BATCH at a time.
constexpr uint32_t PCP_HIGH = 96;
constexpr uint32_t PCP_BATCH = 32;
// Returns the calling CPU's per-CPU pages to the buddy lists (tests compare
// free-list shapes after draining every CPU).
void drain_local_pages();
ZoneStats zone_stats(ZoneType z);
uint64_t nr_free_pages();
uint64_t totalram_pages();
// /proc/meminfo-style text into buf; returns its length.
size_t meminfo_format(char* buf, size_t size);
// The counters allocation failures and bad frees have hit (tests).
struct PageAllocErrors {
  uint64_t failures, bad_frees;
};
PageAllocErrors page_alloc_errors();
