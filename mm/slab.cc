/*
 * SLAB: object caches over the page allocator (Linux 6.1 mm/slab.c, our own
 * code; layout in slab_layout.cc, debug checks in slab_debug.cc, the
 * kmem_cache_create / kmalloc front end in slab_common.cc).
 *
 * Data structures
 *   slab     1 << gfporder pages (a compound page); its head struct page
 *            holds slab_cache, s_mem (first object), freelist (a stack of
 *            byte indices: entries [active, num) are the free objects) and
 *            active (objects in use). Every page of it is PageOwner::Slab.
 *   node     three slab lists (partial, full, free) and counters, under
 *            list_lock; a shared array of objects any CPU may take.
 *   array    per-CPU LIFO stack of free objects (array_cache), touched only
 *            by its CPU with interrupts off: the hot path (slab_def.h).
 *
 * Invariants (node.list_lock held)
 *   - a slab is on exactly one list, chosen by active: 0 free, num full,
 *     else partial; free_objects = sum over listed slabs of num - active;
 *     total_slabs counts listed slabs, free_slabs those on slabs_free.
 *   - an object is in exactly one place: in use, in one array (CPU or
 *     shared), or on its slab's freelist.
 *   - OBJFREELIST: the freelist lives in a free object of its own slab and
 *     is null while the slab is full.
 *
 * Refill takes up to batchcount objects from the shared array, else from
 * partial then free slabs, growing the cache when none is left; flushing
 * moves batchcount objects to the shared array or back to their slabs,
 * keeping at most free_limit free objects in free slabs. Objects move
 * between CPUs only through these batches.
 *
 * Locking: per-CPU arrays with interrupts off (MmIrqGuard); node lists
 * under node.list_lock; the cache list under slab_mutex. Lock order:
 * slab_mutex, then a node lock, then the page allocator's locks. Pages are
 * never allocated with a node lock held (a cache's slabs may need kmalloc
 * for an off-slab freelist).
 */
#include <mm/slab.h>

#include <kernel/rcupdate.h>

#include "slab_internal.h"

array_cache slab_empty_ac = {0, 0, 0, 0};

namespace {

// Per-CPU: allocating an array cache through kmalloc (which may need its
// own array cache, possibly of the same cache): nested requests on this
// CPU go straight to the slab lists instead.
bool ac_alloc_busy[MM_MAX_CPUS];

// ---- slab lists (null-terminated, through page::next/prev) -----------------

void list_add(page*& head, page* p) {
  p->prev = nullptr;
  p->next = head;
  if (head) head->prev = p;
  head = p;
}

void list_del(page*& head, page* p) {
  if (p->prev)
    p->prev->next = p->next;
  else
    head = p->next;
  if (p->next) p->next->prev = p->prev;
}

page*& slab_list(kmem_cache* c, page* slab) {
  kmem_cache_node& n = c->node;
  if (slab->active == 0) return n.slabs_free;
  return slab->active == c->num ? n.slabs_full : n.slabs_partial;
}

freelist_idx_t* freelist_of(page* slab) { return static_cast<freelist_idx_t*>(slab->freelist); }

// ---- objects in a slab (node lock held, or the slab not yet listed) --------

void* slab_get_obj(kmem_cache* c, page* slab) {
  void* obj = index_to_obj(c, slab, freelist_of(slab)[slab->active]);
  slab->active++;
  return obj;
}

// False (reported) when the object is already free on its slab.
bool slab_put_obj(kmem_cache* c, page* slab, void* buffer) {
  const unsigned idx = obj_to_index(c, slab, buffer);
  if (c->flags & SLAB_DEBUG_FLAGS) {
    for (unsigned i = slab->active; i < c->num && slab->freelist; i++) {
      if (freelist_of(slab)[i] == idx) {
        slab_report(&SlabErrors::double_free, "slab: double free detected in cache '%s', objp %p\n", c->name,
                    static_cast<char*>(buffer) + c->obj_offset);
        return false;
      }
    }
  }
  slab->active--;
  if (!slab->freelist) slab->freelist = static_cast<char*>(buffer) + c->obj_offset;
  freelist_of(slab)[slab->active] = static_cast<freelist_idx_t>(idx);
  return true;
}

// After objects were taken: the slab moves to the full or partial list.
void fixup_slab_list(kmem_cache* c, page* slab, unsigned old_active) {
  kmem_cache_node& n = c->node;
  if (old_active == 0) {
    list_del(n.slabs_free, slab);
    n.free_slabs--;
  } else {
    list_del(n.slabs_partial, slab);
  }
  if (slab->active == c->num) {
    if ((c->flags & CFLGS_OBJFREELIST_SLAB)) {
      if (c->flags & SLAB_POISON) slab_debug_repoison(c, static_cast<char*>(slab->freelist) - c->obj_offset);
      slab->freelist = nullptr;
    }
  }
  list_add(slab_list(c, slab), slab);
}

// Takes up to `want` objects from the slab into the array.
void alloc_block(kmem_cache* c, array_cache* ac, page* slab, unsigned want) {
  while (slab->active < c->num && want--) ac->entry[ac->avail++] = slab_get_obj(c, slab);
}

// ---- growing and freeing slabs ---------------------------------------------

void cache_init_objs(kmem_cache* c, page* slab) {
  if (c->flags & CFLGS_OBJFREELIST_SLAB)
    slab->freelist = static_cast<char*>(index_to_obj(c, slab, c->num - 1)) + c->obj_offset;
  if (c->flags & SLAB_DEBUG_FLAGS) cache_init_objs_debug(c, slab);
  for (unsigned i = 0; i < c->num; i++) {
    if (c->ctor && !(c->flags & SLAB_POISON))
      c->ctor(static_cast<char*>(index_to_obj(c, slab, i)) + c->obj_offset);
    freelist_of(slab)[i] = static_cast<freelist_idx_t>(i);
  }
}

// A new slab, not on any list yet (node lock not held).
page* cache_grow(kmem_cache* c, gfp_t gfp) {
  const gfp_t page_gfp = (gfp & (__GFP_HIGH | __GFP_NOWARN | __GFP_NOFAIL | __GFP_NORETRY)) | c->allocflags |
                         (c->gfporder ? __GFP_COMP : 0);
  page* slab = alloc_pages(page_gfp, c->gfporder);
  if (!slab) return nullptr;
  char* addr = static_cast<char*>(page_address(slab));
  void* freelist = nullptr;
  if (c->flags & CFLGS_OFF_SLAB) {
    freelist = slab_alloc(c->freelist_cache, gfp & ~__GFP_ZERO, __builtin_return_address(0));
    if (!freelist) {
      __free_pages(slab, c->gfporder);
      return nullptr;
    }
  } else if (!(c->flags & CFLGS_OBJFREELIST_SLAB)) {
    freelist = addr + (MM_PAGE_SIZE << c->gfporder) - c->freelist_size;
  }
  unsigned colour;
  {
    MmLockGuard g{c->node.list_lock};
    colour = c->node.colour_next++;
    if (c->node.colour_next >= c->colour) c->node.colour_next = 0;
    c->grown++;
  }
  for (unsigned i = 0; i < (1u << c->gfporder); i++) slab[i].owner = PageOwner::Slab;
  slab->slab_cache = c;
  slab->s_mem = addr + colour * c->colour_off;
  slab->freelist = freelist;
  slab->active = 0;
  cache_init_objs(c, slab);
  return slab;
}

void kmem_freepages(kmem_cache* c, page* slab) {
  void* freelist = slab->freelist;
  const bool off_slab = c->flags & CFLGS_OFF_SLAB;
  for (unsigned i = 0; i < (1u << c->gfporder); i++) slab[i].owner = PageOwner::Kernel;
  __free_pages(slab, c->gfporder);
  if (off_slab) slab_free(c->freelist_cache, freelist, __builtin_return_address(0));
}

// SLAB_TYPESAFE_BY_RCU: slabs wait on the node's rcu_next list; one
// callback per cache is in flight and frees the rcu_waiting batch (queued
// before it was issued), then issues the next one for what came since.
void slab_rcu_issue(kmem_cache* c);

void kmem_rcu_free(rcu_head* head) {
  kmem_cache* c = reinterpret_cast<SlabRcu*>(head)->cache;
  page* batch;
  {
    MmLockGuard g{c->node.list_lock};
    batch = c->node.rcu_waiting;
    c->node.rcu_waiting = nullptr;
    c->node.rcu_in_flight = false;
  }
  while (batch) {
    page* next = batch->next;
    kmem_freepages(c, batch);
    batch = next;
  }
  slab_rcu_issue(c);
}

void slab_rcu_issue(kmem_cache* c) {
  {
    MmLockGuard g{c->node.list_lock};
    if (c->node.rcu_in_flight || !c->node.rcu_next) return;
    c->node.rcu_waiting = c->node.rcu_next;
    c->node.rcu_next = nullptr;
    c->node.rcu_in_flight = true;
  }
  call_rcu(&c->rcu.head, kmem_rcu_free);
}

// Objects back to their slabs (node lock held); free slabs beyond
// free_limit objects are unlinked onto *destroy.
void free_block(kmem_cache* c, void** objs, unsigned nr, page** destroy) {
  kmem_cache_node& n = c->node;
  for (unsigned i = 0; i < nr; i++) {
    page* slab = virt_to_slab(objs[i]);
    page*& from = slab_list(c, slab);
    if (!slab_put_obj(c, slab, objs[i])) continue;
    list_del(from, slab);
    if (slab->active == 0) n.free_slabs++;
    list_add(slab_list(c, slab), slab);
    n.free_objects++;
  }
  while (n.free_objects > n.free_limit && n.slabs_free) {
    page* slab = n.slabs_free;
    list_del(n.slabs_free, slab);
    n.free_slabs--;
    n.total_slabs--;
    n.free_objects -= c->num;
    slab->next = *destroy;
    *destroy = slab;
  }
}

// Takes a slab with free objects (node lock held), or null.
page* get_first_slab(kmem_cache_node& n) {
  if (n.slabs_partial) return n.slabs_partial;
  n.free_touched = true;
  return n.slabs_free;
}

// A freshly grown slab joins the lists (after objects may have been taken).
void cache_grow_end(kmem_cache* c, page* slab) {
  kmem_cache_node& n = c->node;
  n.total_slabs++;
  if (slab->active == 0) n.free_slabs++;
  if (slab->active == c->num && (c->flags & CFLGS_OBJFREELIST_SLAB)) {
    if (c->flags & SLAB_POISON) slab_debug_repoison(c, static_cast<char*>(slab->freelist) - c->obj_offset);
    slab->freelist = nullptr;
  }
  list_add(slab_list(c, slab), slab);
  n.free_objects += c->num - slab->active;
}

// ---- per-CPU arrays ------------------------------------------------------------

array_cache* alloc_arraycache(unsigned entries, unsigned batchcount) {
  const size_t bytes = sizeof(array_cache) + entries * sizeof(void*);
  auto* ac = static_cast<array_cache*>(
      slab_alloc(kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(bytes)], GFP_NOWAIT | __GFP_NOWARN, nullptr));
  if (!ac) return nullptr;
  ac->avail = 0;
  ac->limit = entries;
  ac->batchcount = batchcount;
  ac->touched = 0;
  return ac;
}

// This CPU's array, set up on first use; null when it cannot be (early
// boot, nested, or no memory): the caller then works on the slab lists.
array_cache* cpu_array(kmem_cache* c) {
  const unsigned cpu = mm_this_cpu();
  array_cache* ac = c->cpu_cache[cpu];
  if (ac != &slab_empty_ac) return ac;
  if (slab_state < SlabState::Up || ac_alloc_busy[cpu]) return nullptr;
  ac_alloc_busy[cpu] = true;
  ac = alloc_arraycache(c->limit, c->batchcount);
  ac_alloc_busy[cpu] = false;
  if (ac) c->cpu_cache[cpu] = ac;
  return ac;
}

// cache_alloc_refill(): interrupts off, the array empty.
void* cache_alloc_refill(kmem_cache* c, array_cache* ac, gfp_t gfp) {
  kmem_cache_node& n = c->node;
  unsigned batchcount = ac->batchcount;
  if (!ac->touched && batchcount > BATCHREFILL_LIMIT) batchcount = BATCHREFILL_LIMIT;
  {
    MmLockGuard g{n.list_lock};
    array_cache* shared = n.shared;
    if (shared && shared->avail) {
      const unsigned nr = shared->avail < batchcount ? shared->avail : batchcount;
      shared->avail -= nr;
      for (unsigned i = 0; i < nr; i++) ac->entry[ac->avail++] = shared->entry[shared->avail + i];
      shared->touched = 1;
    } else {
      while (batchcount > 0) {
        page* slab = get_first_slab(n);
        if (!slab) break;
        const unsigned before = ac->avail, old_active = slab->active;
        alloc_block(c, ac, slab, batchcount);
        batchcount -= ac->avail - before;
        fixup_slab_list(c, slab, old_active);
      }
      n.free_objects -= ac->avail;
      c->num_allocations += ac->avail;
    }
  }
  if (!ac->avail) {
    page* slab = cache_grow(c, gfp);
    if (!slab) return nullptr;
    MmLockGuard g{n.list_lock};
    alloc_block(c, ac, slab, ac->batchcount);
    c->num_allocations += ac->avail;
    cache_grow_end(c, slab);
  }
  ac->touched = 1;
  return ac->entry[--ac->avail];
}

// One object straight from the slab lists (no array on this CPU).
void* cache_alloc_direct(kmem_cache* c, gfp_t gfp) {
  kmem_cache_node& n = c->node;
  {
    MmLockGuard g{n.list_lock};
    if (page* slab = get_first_slab(n)) {
      const unsigned old_active = slab->active;
      void* obj = slab_get_obj(c, slab);
      fixup_slab_list(c, slab, old_active);
      n.free_objects--;
      c->num_allocations++;
      return obj;
    }
  }
  page* slab = cache_grow(c, gfp);
  if (!slab) return nullptr;
  MmLockGuard g{n.list_lock};
  void* obj = slab_get_obj(c, slab);
  c->num_allocations++;
  cache_grow_end(c, slab);
  return obj;
}

// cache_flusharray(): the array is full; batchcount objects leave it.
void cache_flusharray(kmem_cache* c, array_cache* ac) {
  kmem_cache_node& n = c->node;
  unsigned batchcount = ac->batchcount;
  page* destroy = nullptr;
  {
    MmLockGuard g{n.list_lock};
    array_cache* shared = n.shared;
    if (shared && shared->avail < shared->limit) {
      const unsigned room = shared->limit - shared->avail;
      if (batchcount > room) batchcount = room;
      for (unsigned i = 0; i < batchcount; i++) shared->entry[shared->avail++] = ac->entry[i];
    } else {
      free_block(c, ac->entry, batchcount, &destroy);
    }
  }
  ac->avail -= batchcount;
  for (unsigned i = 0; i < ac->avail; i++) ac->entry[i] = ac->entry[i + batchcount];
  slabs_destroy(c, destroy);
}

void* ____cache_alloc(kmem_cache* c, gfp_t gfp) {
  MmIrqGuard irq;
  array_cache* ac = cpu_array(c);
  if (!ac) return cache_alloc_direct(c, gfp);
  if (ac->avail) {
    ac->touched = 1;
    return ac->entry[--ac->avail];
  }
  return cache_alloc_refill(c, ac, gfp);
}

void ___cache_free(kmem_cache* c, void* buffer) {
  MmIrqGuard irq;
  array_cache* ac = cpu_array(c);
  if (!ac) {
    page* destroy = nullptr;
    {
      MmLockGuard g{c->node.list_lock};
      free_block(c, &buffer, 1, &destroy);
    }
    slabs_destroy(c, destroy);
    return;
  }
  if (ac->avail >= ac->limit) cache_flusharray(c, ac);
  ac->entry[ac->avail++] = buffer;
}

}  // namespace

// ---- giving slabs and objects back --------------------------------------------

// Slabs unlinked from the node (chained through page::next) go back to
// the page allocator, after a grace period for SLAB_TYPESAFE_BY_RCU.
void slabs_destroy(kmem_cache* c, page* list) {
  if (!list) return;
  if (c->flags & SLAB_TYPESAFE_BY_RCU) {
    {
      MmLockGuard g{c->node.list_lock};
      while (list) {
        page* next = list->next;
        list->next = c->node.rcu_next;
        c->node.rcu_next = list;
        list = next;
      }
    }
    slab_rcu_issue(c);
    return;
  }
  while (list) {
    page* next = list->next;
    if (c->flags & SLAB_DEBUG_FLAGS) slab_destroy_debugcheck(c, list);
    kmem_freepages(c, list);
    list = next;
  }
}

// Moves up to `nr` of the array's objects (the coldest) back to slabs.
void drain_array_locked(kmem_cache* c, array_cache* ac, unsigned nr, page** destroy) {
  if (nr > ac->avail) nr = ac->avail;
  free_block(c, ac->entry, nr, destroy);
  ac->avail -= nr;
  for (unsigned i = 0; i < ac->avail; i++) ac->entry[i] = ac->entry[i + nr];
}

// Up to `max` free slabs back to the page allocator (node lock taken here).
unsigned long drain_freelist(kmem_cache* c, unsigned long max) {
  unsigned long freed = 0;
  page* destroy = nullptr;
  {
    MmLockGuard g{c->node.list_lock};
    while (freed < max && c->node.slabs_free) {
      page* slab = c->node.slabs_free;
      list_del(c->node.slabs_free, slab);
      c->node.free_slabs--;
      c->node.total_slabs--;
      c->node.free_objects -= c->num;
      slab->next = destroy;
      destroy = slab;
      freed++;
    }
  }
  slabs_destroy(c, destroy);
  return freed;
}

// ---- allocation and freeing ---------------------------------------------------

void* slab_alloc(kmem_cache* c, gfp_t gfp, void* caller) {
  void* obj = ____cache_alloc(c, gfp);
  if (!obj && (gfp & __GFP_NOFAIL)) {
    // No reclaim to wait for: give back every cache's free slabs, once.
    if (slab_mutex.try_lock()) {
      for (kmem_cache* s = slab_caches; s; s = s->next) drain_freelist(s, ~0ul);
      slab_mutex.unlock();
    }
    obj = ____cache_alloc(c, gfp);
  }
  if (!obj) return nullptr;
  if (c->flags & SLAB_DEBUG_FLAGS) obj = cache_alloc_debugcheck_after(c, obj, caller);
  if (gfp & __GFP_ZERO) __builtin_memset(obj, 0, c->object_size);
  return obj;
}

void slab_free(kmem_cache* c, void* objp, void* caller) {
  if (!objp) return;
  void* buffer = objp;
  if (c->flags & SLAB_DEBUG_FLAGS) {
    buffer = cache_free_debugcheck(c, objp, caller);
    if (!buffer) return;
  }
  ___cache_free(c, buffer);
}

void* slab_alloc_slow(kmem_cache* c, gfp_t gfp) { return slab_alloc(c, gfp, __builtin_return_address(0)); }
void slab_free_slow(kmem_cache* c, void* objp) { slab_free(c, objp, __builtin_return_address(0)); }

int kmem_cache_alloc_bulk(kmem_cache* c, gfp_t gfp, size_t nr, void** p) {
  for (size_t i = 0; i < nr; i++) {
    p[i] = slab_alloc(c, gfp, __builtin_return_address(0));
    if (!p[i]) {
      kmem_cache_free_bulk(c, i, p);
      return 0;
    }
  }
  return static_cast<int>(nr);
}

void kmem_cache_free_bulk(kmem_cache* c, size_t nr, void** p) {
  for (size_t i = 0; i < nr; i++) slab_free(c, p[i], __builtin_return_address(0));
}

bool slab_obj_is_free(kmem_cache* c, page* slab, void* buffer) {
  MmIrqGuard irq;
  const array_cache* ac = c->cpu_cache[mm_this_cpu()];
  for (unsigned i = 0; i < ac->avail; i++)
    if (ac->entry[i] == buffer) return true;
  MmLockGuard g{c->node.list_lock};
  if (const array_cache* shared = c->node.shared)
    for (unsigned i = 0; i < shared->avail; i++)
      if (shared->entry[i] == buffer) return true;
  if (!slab->freelist) return false;
  const unsigned idx = obj_to_index(c, slab, buffer);
  for (unsigned i = slab->active; i < c->num; i++)
    if (freelist_of(slab)[i] == idx) return true;
  return false;
}

// ---- slab lookup ----------------------------------------------------------------

page* virt_to_slab(const void* objp) {
  const uint64_t pfn = mm_virt_to_phys(objp) >> MM_PAGE_SHIFT;
  if (!pfn_valid(pfn)) return nullptr;
  page* p = compound_head(pfn_to_page(pfn));
  return p->owner == PageOwner::Slab ? p : nullptr;
}

kmem_cache* virt_to_cache(const void* objp) {
  page* slab = virt_to_slab(objp);
  return slab ? slab->slab_cache : nullptr;
}

// ---- tunables, shrinking, destroying --------------------------------------------

// enable_cpucache(): array sizes by object size, as Linux.
void slab_setup_cpu_cache(kmem_cache* c) {
  unsigned limit;
  if (c->size > 131072)
    limit = 1;
  else if (c->size > MM_PAGE_SIZE)
    limit = 8;
  else if (c->size > 1024)
    limit = 24;
  else if (c->size > 256)
    limit = 54;
  else
    limit = 120;
  c->limit = limit;
  c->batchcount = (limit + 1) / 2;
  c->shared = (c->size <= MM_PAGE_SIZE && MM_MAX_CPUS > 1) ? 8 : 0;
  for (unsigned i = 0; i < MM_MAX_CPUS; i++) c->cpu_cache[i] = &slab_empty_ac;
  kmem_cache_node& n = c->node;
  n.slabs_partial = n.slabs_full = n.slabs_free = nullptr;
  n.total_slabs = n.free_slabs = n.free_objects = 0;
  n.free_limit = (1 + MM_MAX_CPUS) * c->batchcount + c->num;
  n.colour_next = 0;
  n.shared = nullptr;
  n.next_reap = 0;
  n.free_touched = false;
  n.rcu_waiting = n.rcu_next = nullptr;
  n.rcu_in_flight = false;
}

void slab_setup_shared(kmem_cache* c) {
  if (!c->shared || c->node.shared || slab_state < SlabState::Up) return;
  array_cache* shared = alloc_arraycache(c->shared * c->batchcount, 0xbaadf00d);
  if (!shared) return;
  MmLockGuard g{c->node.list_lock};
  if (!c->node.shared) {
    c->node.shared = shared;
    shared = nullptr;
  }
  if (shared) kfree(shared);
}
