/*
 * The SLAB allocator's public interface: object caches (kmem_cache) and
 * kmalloc, with Linux 6.1's names, flags and semantics (mm/slab.c and
 * mm/slab_common.c). The cache structure and the inline hot paths live in
 * <mm/slab_def.h>; the design is described at the top of mm/slab.cc.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/gfp.h>

using slab_flags_t = unsigned int;

// kmem_cache_create() flags (Linux 6.1 values).
constexpr slab_flags_t SLAB_CONSISTENCY_CHECKS = 0x00000100u;  // SLUB only: permitted, masked off
constexpr slab_flags_t SLAB_RED_ZONE = 0x00000400u;            // DEBUG: guard words around objects
constexpr slab_flags_t SLAB_POISON = 0x00000800u;              // DEBUG: 0x6b free / 0x5a in use / 0xa5 end
constexpr slab_flags_t SLAB_HWCACHE_ALIGN = 0x00002000u;       // align objects to cache lines
constexpr slab_flags_t SLAB_CACHE_DMA = 0x00004000u;           // no ZONE_DMA on RISC-V: like Linux, no effect
constexpr slab_flags_t SLAB_CACHE_DMA32 = 0x00008000u;         // slab pages below 4 GiB
constexpr slab_flags_t SLAB_STORE_USER = 0x00010000u;          // DEBUG: remember the last caller
constexpr slab_flags_t SLAB_RECLAIM_ACCOUNT = 0x00020000u;     // reclaimable objects (order 0 slabs)
constexpr slab_flags_t SLAB_TEMPORARY = SLAB_RECLAIM_ACCOUNT;
constexpr slab_flags_t SLAB_PANIC = 0x00040000u;            // panic if kmem_cache_create() fails
constexpr slab_flags_t SLAB_TYPESAFE_BY_RCU = 0x00080000u;  // slab pages freed after a grace period
constexpr slab_flags_t SLAB_MEM_SPREAD = 0x00100000u;
constexpr slab_flags_t SLAB_TRACE = 0x00200000u;  // SLUB only: permitted, masked off
constexpr slab_flags_t SLAB_DEBUG_OBJECTS = 0x00400000u;
constexpr slab_flags_t SLAB_NOLEAKTRACE = 0x00800000u;  // freelist kept on-slab
constexpr slab_flags_t SLAB_FAILSLAB = 0x02000000u;
constexpr slab_flags_t SLAB_ACCOUNT = 0x04000000u;
constexpr slab_flags_t SLAB_NO_USER_FLAGS = 0x10000000u;
// Internal (set by __kmem_cache_create, refused from callers).
constexpr slab_flags_t CFLGS_OBJFREELIST_SLAB = 0x40000000u;
constexpr slab_flags_t CFLGS_OFF_SLAB = 0x80000000u;

constexpr slab_flags_t SLAB_DEBUG_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
constexpr slab_flags_t SLAB_CORE_FLAGS = SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_PANIC |
                                         SLAB_TYPESAFE_BY_RCU | SLAB_DEBUG_OBJECTS;
constexpr slab_flags_t SLAB_CACHE_FLAGS = SLAB_MEM_SPREAD | SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT |
                                          SLAB_TEMPORARY | SLAB_ACCOUNT | SLAB_NO_USER_FLAGS;
// What kmem_cache_create() accepts at all (-EINVAL otherwise) ...
constexpr slab_flags_t SLAB_FLAGS_PERMITTED =
    SLAB_CORE_FLAGS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS |
    SLAB_MEM_SPREAD | SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | SLAB_TEMPORARY | SLAB_ACCOUNT |
    SLAB_NO_USER_FLAGS | SLAB_FAILSLAB;
// ... and what SLAB keeps of it.
constexpr slab_flags_t CACHE_CREATE_MASK = SLAB_CORE_FLAGS | SLAB_DEBUG_FLAGS | SLAB_CACHE_FLAGS;
// Flags that make a cache unmergeable, and those two merged caches must share.
constexpr slab_flags_t SLAB_NEVER_MERGE = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE |
                                          SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | SLAB_FAILSLAB;
constexpr slab_flags_t SLAB_MERGE_SAME =
    SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT;

// ---- kmalloc size classes ---------------------------------------------------
// As Linux 6.1 with CONFIG_SLAB: classes 32 (KMALLOC_MIN_SIZE), 64, 96, 128,
// 192, 256, ... 8192 (order-1 pages); anything larger goes to the page
// allocator (kmalloc_large).
constexpr unsigned KMALLOC_SHIFT_LOW = 5;
constexpr unsigned KMALLOC_SHIFT_HIGH = MM_PAGE_SHIFT + 1;
constexpr unsigned KMALLOC_SHIFT_MAX = 10 + MM_PAGE_SHIFT;  // MAX_ORDER - 1 + PAGE_SHIFT
constexpr size_t KMALLOC_MIN_SIZE = size_t{1} << KMALLOC_SHIFT_LOW;
constexpr size_t KMALLOC_MAX_CACHE_SIZE = size_t{1} << KMALLOC_SHIFT_HIGH;
constexpr size_t KMALLOC_MAX_SIZE = size_t{1} << KMALLOC_SHIFT_MAX;
constexpr unsigned KMALLOC_MAX_ORDER = KMALLOC_SHIFT_MAX - MM_PAGE_SHIFT;
// Minimum object size: lets the freelist use byte indices (PAGE_SIZE >> 8 <= 16).
constexpr unsigned SLAB_OBJ_MIN_SIZE = KMALLOC_MIN_SIZE < 16 ? KMALLOC_MIN_SIZE : 16;
constexpr bool FREELIST_BYTE_INDEX = (MM_PAGE_SIZE >> 8) <= SLAB_OBJ_MIN_SIZE;
using freelist_idx_t = uint8_t;
static_assert(FREELIST_BYTE_INDEX, "byte freelist indices");
constexpr unsigned SLAB_OBJ_MAX_NUM = (1u << (8 * sizeof(freelist_idx_t))) - 1;

// The cache index for a kmalloc of `size` bytes: 1 is kmalloc-96, 2 is
// kmalloc-192, otherwise log2 of the class; 0 for size 0; -1 above the classes.
constexpr int kmalloc_index(size_t size) {
  if (!size) return 0;
  if (size <= KMALLOC_MIN_SIZE) return KMALLOC_SHIFT_LOW;
  if (KMALLOC_MIN_SIZE <= 32 && size > 64 && size <= 96) return 1;
  if (KMALLOC_MIN_SIZE <= 64 && size > 128 && size <= 192) return 2;
  for (unsigned shift = 3; shift <= KMALLOC_SHIFT_HIGH; shift++)
    if (size <= (size_t{1} << shift)) return static_cast<int>(shift);
  return -1;
}

// The object size of kmalloc class `index` (0 if none).
constexpr size_t kmalloc_size(int index) {
  if (index == 1) return 96;
  if (index == 2) return 192;
  if (index >= static_cast<int>(KMALLOC_SHIFT_LOW) && index <= static_cast<int>(KMALLOC_SHIFT_HIGH))
    return size_t{1} << index;
  return 0;
}

// Boundaries, checked at compile time.
static_assert(kmalloc_index(0) == 0);
static_assert(kmalloc_index(1) == 5 && kmalloc_index(8) == 5 && kmalloc_index(32) == 5);
static_assert(kmalloc_index(33) == 6 && kmalloc_index(64) == 6);
static_assert(kmalloc_index(65) == 1 && kmalloc_index(96) == 1);
static_assert(kmalloc_index(97) == 7 && kmalloc_index(128) == 7);
static_assert(kmalloc_index(129) == 2 && kmalloc_index(192) == 2);
static_assert(kmalloc_index(193) == 8 && kmalloc_index(256) == 8);
static_assert(kmalloc_index(257) == 9 && kmalloc_index(512) == 9);
static_assert(kmalloc_index(513) == 10 && kmalloc_index(1024) == 10);
static_assert(kmalloc_index(1025) == 11 && kmalloc_index(2048) == 11);
static_assert(kmalloc_index(2049) == 12 && kmalloc_index(4096) == 12);
static_assert(kmalloc_index(4097) == 13 && kmalloc_index(8192) == 13);
static_assert(kmalloc_index(8193) == -1);
static_assert(kmalloc_size(kmalloc_index(100)) == 128 && kmalloc_size(kmalloc_index(150)) == 192);

// Cache sets chosen by GFP type (Linux: kmalloc_type()).
enum kmalloc_cache_type : unsigned { KMALLOC_NORMAL = 0, KMALLOC_RECLAIM = 1, KMALLOC_DMA32 = 2 };
constexpr unsigned NR_KMALLOC_TYPES = 3;
constexpr kmalloc_cache_type kmalloc_type(gfp_t gfp) {
  if (!(gfp & (__GFP_DMA32 | __GFP_RECLAIMABLE))) return KMALLOC_NORMAL;
  return (gfp & __GFP_DMA32) ? KMALLOC_DMA32 : KMALLOC_RECLAIM;
}

// kmalloc(0) returns this: not null, but any access faults.
#define ZERO_SIZE_PTR (reinterpret_cast<void*>(16))
inline bool ZERO_OR_NULL_PTR(const void* p) { return reinterpret_cast<uintptr_t>(p) <= 16; }

struct kmem_cache;

// ---- caches -----------------------------------------------------------------
// Contexts: kmem_cache_alloc/free, kmalloc/kfree and friends may be called
// anywhere, interrupt handlers included (nothing sleeps). Creating a cache
// takes the cache-list lock; destroying and shrinking one drain every CPU
// through cross-calls, so they need interrupts enabled. kmem_cache_free and
// kfree accept null.
//
// Creation fails (null, with a warning; a panic with SLAB_PANIC) for a null
// name, size 0 or above KMALLOC_MAX_SIZE, an alignment that is not a power
// of two, or flags outside SLAB_FLAGS_PERMITTED. A cache may be merged with
// a compatible existing one (see slab_common.cc); destroy it all the same.
kmem_cache* kmem_cache_create(const char* name, unsigned int size, unsigned int align, slab_flags_t flags,
                              void (*ctor)(void*));
kmem_cache* kmem_cache_create_usercopy(const char* name, unsigned int size, unsigned int align,
                                       slab_flags_t flags, unsigned int useroffset, unsigned int usersize,
                                       void (*ctor)(void*));
// With objects still allocated: reported (SlabErrors::leaks), and the
// cache stays so that they remain valid.
void kmem_cache_destroy(kmem_cache* cachep);
// Frees what the cache can give back (per-CPU arrays drained, free slabs);
// returns 0 when no slab is left in use, 1 otherwise (Linux's convention).
int kmem_cache_shrink(kmem_cache* cachep);
int kmem_cache_alloc_bulk(kmem_cache* cachep, gfp_t gfp, size_t nr, void** p);  // nr or 0
void kmem_cache_free_bulk(kmem_cache* cachep, size_t nr, void** p);
unsigned int kmem_cache_size(const kmem_cache* cachep);  // the object size
const char* kmem_cache_name(const kmem_cache* cachep);

// ---- kmalloc ----------------------------------------------------------------
void* __kmalloc(size_t size, gfp_t gfp);
void* kmalloc_large(size_t size, gfp_t gfp);
void kfree(const void* p);
size_t ksize(const void* p);
void* krealloc(const void* p, size_t new_size, gfp_t gfp);
char* kstrdup(const char* s, gfp_t gfp);
char* kstrndup(const char* s, size_t max, gfp_t gfp);
const char* kstrdup_const(const char* s, gfp_t gfp);
void kfree_const(const void* p);
void* kmemdup(const void* src, size_t len, gfp_t gfp);

// Once, after the page allocator is up.
void kmem_cache_init();
// Periodic reaping (the timer tick calls it on every CPU, with the time in
// milliseconds; cheap when not due).
void slab_reap_tick(uint64_t now_ms);
// Reaps now, on the calling CPU, every cache whose turn it is ("force":
// every cache, ignoring the touched bits and timeouts). Returns slabs freed.
unsigned long cache_reap(bool force);
// /proc/slabinfo text; returns its length (truncated to size - 1).
size_t slabinfo_format(char* buf, size_t size);

// Usercopy hardening: may [ptr, ptr + n) be copied to or from user space?
// Reports and returns false for a slab object copy outside the cache's
// usercopy region or crossing the object's end.
bool check_object_size(const void* ptr, size_t n, bool to_user);

// Debug reports, counted (tests check them) and printed as warnings.
struct SlabErrors {
  unsigned long write_after_free;  // poison found changed on allocation or slab destroy
  unsigned long redzone;           // red zone overwritten
  unsigned long double_free;
  unsigned long bad_free;  // not an object start, not this cache's, not a slab/kmalloc pointer
  unsigned long usercopy;  // check_object_size refused
  unsigned long leaks;     // kmem_cache_destroy found objects in use
};
SlabErrors slab_errors();
// The text of the latest report (tests look for names and offsets in it).
const char* slab_last_report();

#include <mm/slab_def.h>

// ---- inline front ends --------------------------------------------------------
inline void* kmalloc(size_t size, gfp_t gfp) {
  if (__builtin_constant_p(size) && size && size <= KMALLOC_MAX_CACHE_SIZE) {
    return kmem_cache_alloc(kmalloc_caches[kmalloc_type(gfp)][kmalloc_index(size)], gfp);
  }
  return __kmalloc(size, gfp);
}
inline void* kzalloc(size_t size, gfp_t gfp) { return kmalloc(size, gfp | __GFP_ZERO); }
inline void* kmalloc_array(size_t n, size_t size, gfp_t gfp) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) return nullptr;
  return kmalloc(bytes, gfp);
}
inline void* kcalloc(size_t n, size_t size, gfp_t gfp) { return kmalloc_array(n, size, gfp | __GFP_ZERO); }
inline void* kmem_cache_zalloc(kmem_cache* cachep, gfp_t gfp) {
  return kmem_cache_alloc(cachep, gfp | __GFP_ZERO);
}
