/*
 * struct kmem_cache and the inline hot paths (Linux: include/linux/slab_def.h).
 * Included by <mm/slab.h>; nothing here is for callers to touch.
 *
 * The hot path is one per-CPU LIFO array per cache: allocation pops,
 * freeing pushes, with interrupts off (MmIrqGuard) and no lock. A CPU whose
 * array is not set up yet points at slab_empty_ac (limit 0, avail 0), so
 * both tests fail over to the out-of-line slow path without a null check.
 * Caches with a debug flag always take the slow path (one flags test).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <kernel/rcupdate.h>
#include <mm/env.h>
#include <mm/gfp.h>

struct page;

struct array_cache {
  unsigned int avail;       // objects in entry[0..avail), entry[avail-1] is the hottest
  unsigned int limit;       // capacity
  unsigned int batchcount;  // objects moved per refill / flush
  unsigned int touched;     // used since the last reap
  void* entry[];
};

// Per-node (we have one node) slab lists, under list_lock.
struct kmem_cache_node {
  MmLock list_lock;
  page* slabs_partial;  // some objects in use; null-terminated lists through page::next/prev
  page* slabs_full;     // every object in use
  page* slabs_free;     // no object in use
  unsigned long total_slabs;
  unsigned long free_slabs;
  unsigned long free_objects;  // free objects in slabs (not counting the arrays)
  unsigned int free_limit;     // free objects kept in free slabs before giving slabs back
  unsigned int colour_next;
  array_cache* shared;  // per-node array shared by all CPUs, or null
  uint64_t next_reap;   // jiffies
  bool free_touched;
  // SLAB_TYPESAFE_BY_RCU: slabs waiting for a grace period, see mm/slab.cc.
  page* rcu_waiting;  // covered by the callback in flight
  page* rcu_next;     // queued after it was issued
  bool rcu_in_flight;
};

struct kmem_cache;
// SLAB_TYPESAFE_BY_RCU: the cache's one grace-period callback.
struct SlabRcu {
  rcu_head head;  // first: the callback gets &head
  kmem_cache* cache;
};

struct kmem_cache {
  // Hot: the per-CPU arrays and the flags test.
  array_cache* cpu_cache[MM_MAX_CPUS];
  unsigned int flags;        // slab_flags_t incl. CFLGS_*
  unsigned int size;         // buffer size: object + debug words, aligned
  unsigned int object_size;  // what the caller asked for
  unsigned int num;          // objects per slab
  unsigned int gfporder;     // pages per slab = 1 << gfporder
  gfp_t allocflags;          // for alloc_pages
  unsigned int colour;       // colour range (count of colour_off steps)
  unsigned int colour_off;   // colour offset step
  unsigned int align;
  unsigned int obj_offset;  // object start within the buffer (red zone 1)
  unsigned int freelist_size;
  uint32_t reciprocal_buffer_size;
  uint8_t reciprocal_sh1, reciprocal_sh2;
  kmem_cache* freelist_cache;  // CFLGS_OFF_SLAB: where freelists come from
  void (*ctor)(void*);
  unsigned int useroffset, usersize;       // usercopy region
  unsigned int limit, batchcount, shared;  // tunables
  int refcount;                            // creators (merged caches share one)
  const char* name;
  kmem_cache* next;  // slab_caches list
  kmem_cache* prev;
  kmem_cache_node node;
  SlabRcu rcu;
  // Debug counters and statistics (not touched by the hot path).
  unsigned long num_allocations;  // objects handed out of slabs (refill)
  unsigned long grown, reaped;
};

extern kmem_cache* kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];
extern array_cache slab_empty_ac;

// Slow paths: return addresses are taken inside them, which (the fast paths
// being always inlined) is the caller of kmem_cache_alloc / kmem_cache_free.
[[gnu::noinline]] void* slab_alloc_slow(kmem_cache* cachep, gfp_t gfp);
[[gnu::noinline]] void slab_free_slow(kmem_cache* cachep, void* objp);

// Flags that force the slow path: debug checks on every object.
constexpr unsigned int SLAB_SLOWPATH_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;

// The per-CPU array pop: an object, or null when the slow path must run
// (debug cache, __GFP_ZERO, empty or not yet created array).
[[gnu::always_inline]] inline void* slab_alloc_fast(kmem_cache* cachep, gfp_t gfp) {
  if (__builtin_expect((cachep->flags & SLAB_SLOWPATH_FLAGS) | (gfp & __GFP_ZERO), 0)) return nullptr;
  MmIrqGuard irq;
  array_cache* ac = cachep->cpu_cache[mm_this_cpu()];
  if (__builtin_expect(ac->avail == 0, 0)) return nullptr;
  ac->touched = 1;
  return ac->entry[--ac->avail];
}

// The per-CPU array push: false when the slow path must run (debug cache,
// full or not yet created array).
[[gnu::always_inline]] inline bool slab_free_fast(kmem_cache* cachep, void* objp) {
  if (__builtin_expect(cachep->flags & SLAB_SLOWPATH_FLAGS, 0)) return false;
  MmIrqGuard irq;
  array_cache* ac = cachep->cpu_cache[mm_this_cpu()];
  if (__builtin_expect(ac->avail >= ac->limit, 0)) return false;
  ac->entry[ac->avail++] = objp;
  return true;
}

[[gnu::always_inline]] inline void* kmem_cache_alloc(kmem_cache* cachep, gfp_t gfp) {
  if (void* objp = slab_alloc_fast(cachep, gfp)) return objp;
  return slab_alloc_slow(cachep, gfp);
}

[[gnu::always_inline]] inline void kmem_cache_free(kmem_cache* cachep, void* objp) {
  if (!objp || slab_free_fast(cachep, objp)) return;
  slab_free_slow(cachep, objp);
}
