// What mm/slab.cc, mm/slab_common.cc and mm/slab_debug.cc share (Linux:
// mm/slab.h). Not a public interface.
#pragma once

#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

constexpr unsigned BYTES_PER_WORD = sizeof(void*);
constexpr unsigned REDZONE_ALIGN = alignof(unsigned long long) > BYTES_PER_WORD ? alignof(unsigned long long)
                                                                                : BYTES_PER_WORD;
constexpr unsigned ARCH_SLAB_MINALIGN = alignof(unsigned long long);
constexpr unsigned ARCH_KMALLOC_MINALIGN = ARCH_SLAB_MINALIGN;
// Max slab order when there is more than 32 MiB of RAM (Linux SLAB_MAX_ORDER_HI).
constexpr unsigned SLAB_MAX_ORDER_HI = 1;
constexpr unsigned BATCHREFILL_LIMIT = 16;

// Last set bit, 1-based (fls(1) == 1, fls(0) == 0). Written out: the kernel
// links no libgcc for __builtin_clz.
constexpr unsigned slab_fls(uint64_t x) {
  if (!x) return 0;
  unsigned r = 1;
  for (unsigned s = 32; s; s >>= 1)
    if (x >> s) x >>= s, r += s;
  return r;
}
static_assert(slab_fls(1) == 1 && slab_fls(2) == 2 && slab_fls(3) == 2 && slab_fls(4096) == 13 &&
              slab_fls(~0ull) == 64);

inline constexpr unsigned align_up(unsigned x, unsigned a) { return (x + a - 1) & ~(a - 1); }

// Boot state (Linux slab_state): kmalloc may be used for array caches once UP.
enum class SlabState { Down, Partial, Up, Full };
extern SlabState slab_state;
extern unsigned slab_max_order;
extern bool slab_force_debug;  // slab_debug= on the command line
extern bool slab_nomerge;
extern MmLock slab_mutex;              // the cache list and cache creation/destruction
extern kmem_cache* slab_caches;        // newest first
extern kmem_cache* kmem_cache_cachep;  // the cache of struct kmem_cache

// kmalloc classes by (size - 1) / 8 for sizes up to 192 (Linux size_index[]).
struct KmallocSizeIndex {
  uint8_t v[24];
};
constexpr KmallocSizeIndex make_kmalloc_size_index() {
  KmallocSizeIndex t{};
  for (unsigned i = 0; i < 24; i++) t.v[i] = static_cast<uint8_t>(kmalloc_index((i + 1) * 8));
  return t;
}
inline constexpr KmallocSizeIndex kmalloc_size_index = make_kmalloc_size_index();
static_assert(kmalloc_size_index.v[(96 - 1) / 8] == 1 && kmalloc_size_index.v[(192 - 1) / 8] == 2 &&
              kmalloc_size_index.v[0] == 5);

// The kmalloc cache for 1 <= size <= KMALLOC_MAX_CACHE_SIZE (kmalloc_slab).
inline kmem_cache* kmalloc_slab(size_t size, gfp_t gfp) {
  const unsigned idx = size <= 192 ? kmalloc_size_index.v[(size - 1) / 8] : slab_fls(size - 1);
  return kmalloc_caches[kmalloc_type(gfp)][idx];
}
// Object alignment from the caller's, SLAB_HWCACHE_ALIGN and the minimum.
unsigned calculate_alignment(slab_flags_t flags, unsigned align, unsigned size);

// mm/slab.cc
// The layout (Linux __kmem_cache_create): fills size, align, num,
// gfporder, colour, flags...; 0, or -E2BIG when no slab order fits.
int __kmem_cache_create(kmem_cache* cachep, slab_flags_t flags);
// Objects of `buffer_size` in a 2^order-page slab: count and bytes left.
unsigned cache_estimate(unsigned order, unsigned buffer_size, slab_flags_t flags, unsigned* left_over);
// Tunables (limit, batchcount, shared) and empty node lists, after the layout.
void slab_setup_cpu_cache(kmem_cache* cachep);
// Is this buffer already free: in this CPU's array, the shared array, or
// its slab's freelist? (Double-free check for caches without red zones.)
bool slab_obj_is_free(kmem_cache* cachep, page* slab, void* buffer);
// The per-node shared array, once kmalloc works (idempotent).
void slab_setup_shared(kmem_cache* cachep);
// Drains every CPU's array and the shared one, frees the free slabs;
// returns 1 when slabs are still in use (Linux __kmem_cache_shrink).
int __kmem_cache_shrink(kmem_cache* cachep);
// shrink, then the number of objects still allocated (0: the cache may go).
unsigned long __kmem_cache_shutdown(kmem_cache* cachep);
void __kmem_cache_release(kmem_cache* cachep);  // frees the arrays
// The cache an address's slab belongs to, or null when it is not a slab page.
kmem_cache* virt_to_cache(const void* objp);
page* virt_to_slab(const void* objp);  // head page of a slab, or null
// Slabs unlinked from the node (chained through page::next) back to the
// page allocator, after a grace period for SLAB_TYPESAFE_BY_RCU.
void slabs_destroy(kmem_cache* cachep, page* list);
// The array's `nr` coldest objects back to their slabs (node lock held);
// slabs to free are chained onto *destroy.
void drain_array_locked(kmem_cache* cachep, array_cache* ac, unsigned nr, page** destroy);
// Up to `max` free slabs back to the page allocator; returns how many.
unsigned long drain_freelist(kmem_cache* cachep, unsigned long max);
// The index of the buffer in its slab: offset / size by Linux's reciprocal
// division (a multiply and two shifts), exact for offsets below 2^32.
inline unsigned obj_to_index(const kmem_cache* cachep, const page* slab, const void* buffer) {
  const uint32_t a =
      static_cast<uint32_t>(static_cast<const char*>(buffer) - static_cast<const char*>(slab->s_mem));
  const uint32_t t = static_cast<uint32_t>((static_cast<uint64_t>(a) * cachep->reciprocal_buffer_size) >> 32);
  return (t + ((a - t) >> cachep->reciprocal_sh1)) >> cachep->reciprocal_sh2;
}
inline void* index_to_obj(const kmem_cache* cachep, const page* slab, unsigned idx) {
  return static_cast<char*>(slab->s_mem) + static_cast<size_t>(cachep->size) * idx;
}
// Is objp the start of one of the slab's objects (as the caller sees it)?
inline bool is_object_start(const kmem_cache* cachep, const page* slab, const void* objp) {
  const char* buf = static_cast<const char*>(objp) - cachep->obj_offset;
  if (buf < static_cast<const char*>(slab->s_mem)) return false;
  const unsigned idx = obj_to_index(cachep, slab, buf);
  return idx < cachep->num && index_to_obj(cachep, slab, idx) == buf;
}
// One object for callers without the hot path (kmalloc of a variable size
// uses the inline one; bulk uses these). `caller` for SLAB_STORE_USER.
void* slab_alloc(kmem_cache* cachep, gfp_t gfp, void* caller);
void slab_free(kmem_cache* cachep, void* objp, void* caller);

// mm/slab_debug.cc (caches with SLAB_RED_ZONE / SLAB_POISON / SLAB_STORE_USER)
constexpr unsigned char POISON_INUSE = 0x5a;
constexpr unsigned char POISON_FREE = 0x6b;
constexpr unsigned char POISON_END = 0xa5;
constexpr uint64_t RED_INACTIVE = 0x09F911029D74E35BULL;
constexpr uint64_t RED_ACTIVE = 0xD84156C5635688C0ULL;
// A new slab's objects: poisoned, red zones inactive, user word cleared.
void cache_init_objs_debug(kmem_cache* cachep, page* slab);
// The object leaves the slab layer: poison and red zones checked, then set
// for use; returns the caller's pointer (buffer + obj_offset).
void* cache_alloc_debugcheck_after(kmem_cache* cachep, void* buffer, void* caller);
// The caller's pointer comes back: checks it is an allocated object start
// of this cache with intact red zones; returns the buffer, or null when
// the free was refused (reported).
void* cache_free_debugcheck(kmem_cache* cachep, const void* objp, void* caller);
// The OBJFREELIST host object's indices overwrote its poison.
void slab_debug_repoison(kmem_cache* cachep, void* buffer);
// A slab about to be freed: every object's poison and red zones.
void slab_destroy_debugcheck(kmem_cache* cachep, page* slab);
// Reports, counted (SlabErrors) and printed with mm_warn.
void slab_report(unsigned long SlabErrors::*counter, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
