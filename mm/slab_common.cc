/*
 * The allocator-independent front end (Linux 6.1 mm/slab_common.c, our own
 * code): kmem_cache_create with its checks and cache merging, the kmalloc
 * cache sets and kmalloc/kfree/krealloc/ksize/kstrdup, boot (kmem_cache_init
 * and the slab_debug= / slab_nomerge options) and /proc/slabinfo.
 *
 * Caches live on slab_caches (newest first) under slab_mutex. A cache may
 * stand for several creators (refcount > 1) when a compatible cache was
 * merged with a new request; it goes away with its last destroy.
 */
#include <new>

#include <kernel/errno.h>
#include <lib/cmdline.h>

#include "slab_internal.h"

#ifdef HOST_TEST
#include <lib/string.h>
using klib::scnprintf;
#else
#include <lib/string.h>
#endif

SlabState slab_state;
unsigned slab_max_order;
bool slab_force_debug;
bool slab_nomerge;
MmLock slab_mutex;
kmem_cache* slab_caches;
kmem_cache* kmem_cache_cachep;
kmem_cache* kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];

namespace {

kmem_cache kmem_cache_boot;

void list_link(kmem_cache* s) {
  s->prev = nullptr;
  s->next = slab_caches;
  if (slab_caches) slab_caches->prev = s;
  slab_caches = s;
}

void list_unlink(kmem_cache* s) {
  if (s->prev)
    s->prev->next = s->next;
  else
    slab_caches = s->next;
  if (s->next) s->next->prev = s->prev;
}

// Fills in a cache whose storage the caller provides; 0 or -errno.
int init_cache(kmem_cache* s, const char* name, unsigned size, unsigned align, slab_flags_t flags,
               unsigned useroffset, unsigned usersize, void (*ctor)(void*)) {
  s->name = name;
  s->size = s->object_size = size;
  s->align = align;
  s->ctor = ctor;
  s->useroffset = useroffset;
  s->usersize = usersize;
  s->refcount = 1;
  s->rcu.cache = s;
  const int err = __kmem_cache_create(s, flags);
  if (err) return err;
  slab_setup_cpu_cache(s);
  return 0;
}

// Boot caches: static or kmem_cache-allocated storage, never merged.
kmem_cache* create_boot_cache(kmem_cache* s, const char* name, unsigned size, slab_flags_t flags,
                              unsigned useroffset, unsigned usersize) {
  unsigned align = ARCH_KMALLOC_MINALIGN;
  // Power-of-two kmalloc sizes are naturally aligned whatever the debug flags.
  if (!(size & (size - 1)) && align < size) align = size;
  const int err = init_cache(s, name, size, calculate_alignment(flags, align, size), flags, useroffset,
                             usersize, nullptr);
  if (err) mm_panic("Creation of kmalloc slab %s size=%u failed. Reason %d\n", name, size, err);
  list_link(s);
  return s;
}

bool slab_unmergeable(const kmem_cache* s) {
  return slab_nomerge || (s->flags & SLAB_NEVER_MERGE) || s->ctor || s->usersize || s->refcount <= 0;
}

// find_mergeable(): an existing cache whose objects serve this request.
kmem_cache* find_mergeable(unsigned size, unsigned align, slab_flags_t flags, void (*ctor)(void*)) {
  if (slab_nomerge || ctor) return nullptr;
  if (slab_force_debug) flags |= SLAB_DEBUG_FLAGS;  // slab_debug= makes every cache a debug cache
  if (flags & SLAB_NEVER_MERGE) return nullptr;
  size = align_up(size, sizeof(void*));
  align = calculate_alignment(flags, align, size);
  size = align_up(size, align);
  for (kmem_cache* s = slab_caches; s; s = s->next) {
    if (slab_unmergeable(s)) continue;
    if (size > s->size) continue;
    if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME)) continue;
    if ((s->size & ~(align - 1)) != s->size) continue;
    if (s->size - size >= sizeof(void*)) continue;
    if (align > s->align || s->align % align) continue;
    return s;
  }
  return nullptr;
}

const char* kmalloc_name(unsigned type, int idx) {
  static const char* const sizes[] = {"",    "96",  "192", "",   "",   "32", "64",
                                      "128", "256", "512", "1k", "2k", "4k", "8k"};
  static_assert(sizeof(sizes) / sizeof(sizes[0]) == KMALLOC_SHIFT_HIGH + 1);
  static char names[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1][24];
  static const char* const prefix[NR_KMALLOC_TYPES] = {"kmalloc-", "kmalloc-rcl-", "dma-kmalloc-"};
  scnprintf(names[type][idx], sizeof(names[type][idx]), "%s%s", prefix[type], sizes[idx]);
  return names[type][idx];
}

// slab_debug (bare) or slab_debug=<anything but 0>: red zones, user word and
// poison for every cache the layout allows.
void parse_boot_options() {
  const char* cmdline = mm_cmdline();
  char value[16];
  slab_force_debug = false;
  if (cmdline_get(cmdline, "slab_debug", value, sizeof(value)))
    slab_force_debug = !(value[0] == '0' && value[1] == 0);
  else if (cmdline_has(cmdline, "slab_debug"))
    slab_force_debug = true;
  slab_nomerge = cmdline_has(cmdline, "slab_nomerge");
}

}  // namespace

// ---- caches -----------------------------------------------------------------

unsigned calculate_alignment(slab_flags_t flags, unsigned align, unsigned size) {
  if (flags & SLAB_HWCACHE_ALIGN) {
    // Small objects share a line rather than each taking a whole one.
    unsigned ralign = mm_cache_line_size();
    while (size <= ralign / 2) ralign /= 2;
    if (align < ralign) align = ralign;
  }
  if (align < ARCH_SLAB_MINALIGN) align = ARCH_SLAB_MINALIGN;
  return align_up(align, sizeof(void*));
}

kmem_cache* kmem_cache_create_usercopy(const char* name, unsigned int size, unsigned int align,
                                       slab_flags_t flags, unsigned int useroffset, unsigned int usersize,
                                       void (*ctor)(void*)) {
  int err = 0;
  kmem_cache* s = nullptr;
  {
    MmLockGuard g{slab_mutex};
    if (!name || !size || size > KMALLOC_MAX_SIZE || (align & (align - 1))) {
      mm_warn("kmem_cache_create(%s) integrity check failed\n", name ? name : "(null)");
      err = -EINVAL;
    } else if (flags & ~SLAB_FLAGS_PERMITTED) {
      err = -EINVAL;  // allocator-specific flags are refused
    } else if (slab_state < SlabState::Up) {
      err = -ENOMEM;
    }
    if (!err) {
      flags &= CACHE_CREATE_MASK;
      // Fail closed on a bad usercopy region.
      if ((!usersize && useroffset) || size < usersize || size - usersize < useroffset) {
        mm_warn("kmem_cache_create(%s): usercopy region [%u, +%u) outside the %u-byte object; none\n", name,
                useroffset, usersize, size);
        usersize = useroffset = 0;
      }
      if (!usersize) s = find_mergeable(size, align, flags, ctor);
      if (s) {
        s->refcount++;
        if (s->object_size < size) s->object_size = size;  // ksize() tells what the creator may use
      } else {
        const char* cache_name = kstrdup_const(name, GFP_KERNEL);
        void* mem = slab_alloc(kmem_cache_cachep, GFP_KERNEL, nullptr);
        s = mem ? new (mem) kmem_cache{} : nullptr;
        if (!cache_name || !s) {
          err = -ENOMEM;
        } else {
          err = init_cache(s, cache_name, size, calculate_alignment(flags, align, size), flags, useroffset,
                           usersize, ctor);
        }
        if (err) {
          kfree_const(cache_name);
          slab_free(kmem_cache_cachep, s, nullptr);
          s = nullptr;
        } else {
          list_link(s);
        }
      }
    }
  }
  if (err) {
    if (flags & SLAB_PANIC)
      mm_panic("kmem_cache_create_usercopy: Failed to create slab '%s'. Error %d\n", name ? name : "(null)",
               err);
    mm_warn("kmem_cache_create_usercopy(%s) failed with error %d\n", name ? name : "(null)", err);
    return nullptr;
  }
  slab_setup_shared(s);  // outside slab_mutex: it allocates
  return s;
}

kmem_cache* kmem_cache_create(const char* name, unsigned int size, unsigned int align, slab_flags_t flags,
                              void (*ctor)(void*)) {
  return kmem_cache_create_usercopy(name, size, align, flags, 0, 0, ctor);
}

void kmem_cache_destroy(kmem_cache* s) {
  if (!s) return;
  {
    MmLockGuard g{slab_mutex};
    if (--s->refcount > 0) return;  // other creators still use the merged cache
  }
  // refcount 0: no longer mergeable. Draining other CPUs' arrays takes
  // cross-calls, so no lock is held here.
  const unsigned long in_use = __kmem_cache_shutdown(s);
  if (in_use) {
    slab_report(&SlabErrors::leaks,
                "kmem_cache_destroy %s: Slab cache still has objects (%lu in use) when called from %p\n",
                s->name, in_use, __builtin_return_address(0));
    return;  // like Linux: the cache stays (and is listed) so the objects stay valid
  }
  {
    MmLockGuard g{slab_mutex};
    list_unlink(s);
  }
  __kmem_cache_release(s);
  kfree_const(s->name);
  slab_free(kmem_cache_cachep, s, nullptr);
}

int kmem_cache_shrink(kmem_cache* s) { return __kmem_cache_shrink(s); }
unsigned int kmem_cache_size(const kmem_cache* s) { return s->object_size; }
const char* kmem_cache_name(const kmem_cache* s) { return s->name; }

void kmem_cache_init() {
  slab_state = SlabState::Down;
  slab_caches = nullptr;
  for (auto& row : kmalloc_caches)
    for (auto& c : row) c = nullptr;
  parse_boot_options();
  // More than 32 MiB of RAM: slabs may be order 1 (Linux SLAB_MAX_ORDER_HI).
  slab_max_order = totalram_pages() > ((32u << 20) >> MM_PAGE_SHIFT) ? SLAB_MAX_ORDER_HI : 0;

  kmem_cache_cachep = create_boot_cache(new (&kmem_cache_boot) kmem_cache{}, "kmem_cache", sizeof(kmem_cache),
                                        SLAB_HWCACHE_ALIGN, 0, 0);
  slab_state = SlabState::Partial;
  for (unsigned type = 0; type < NR_KMALLOC_TYPES; type++) {
    slab_flags_t flags = SLAB_HWCACHE_ALIGN;
    if (type == KMALLOC_RECLAIM) flags |= SLAB_RECLAIM_ACCOUNT;
    if (type == KMALLOC_DMA32) flags |= SLAB_CACHE_DMA32;
    for (int idx = 1; idx <= static_cast<int>(KMALLOC_SHIFT_HIGH); idx++) {
      const unsigned size = static_cast<unsigned>(kmalloc_size(idx));
      if (!size) continue;
      void* mem = slab_alloc(kmem_cache_cachep, GFP_NOWAIT, nullptr);
      if (!mem) mm_panic("kmem_cache_init: out of memory for the kmalloc caches\n");
      kmalloc_caches[type][idx] =
          create_boot_cache(new (mem) kmem_cache{}, kmalloc_name(type, idx), size, flags, 0, size);
    }
  }
  slab_state = SlabState::Up;
  for (kmem_cache* s = slab_caches; s; s = s->next) slab_setup_shared(s);
  slab_state = SlabState::Full;
}

// ---- kmalloc ----------------------------------------------------------------

void* kmalloc_large(size_t size, gfp_t gfp) {
  unsigned order = 0;
  while ((MM_PAGE_SIZE << order) < size) order++;
  if (order >= MAX_ORDER) {
    if (!(gfp & __GFP_NOWARN))
      mm_warn("kmalloc_large: %zu bytes is more than the page allocator gives\n", size);
    return nullptr;
  }
  page* p = alloc_pages(gfp | __GFP_COMP, order);
  return p ? page_address(p) : nullptr;
}

namespace {

void* do_kmalloc(size_t size, gfp_t gfp, void* caller) {
  if (size > KMALLOC_MAX_CACHE_SIZE) return kmalloc_large(size, gfp);
  if (!size) return ZERO_SIZE_PTR;
  return slab_alloc(kmalloc_slab(size, gfp), gfp, caller);
}

}  // namespace

void* __kmalloc(size_t size, gfp_t gfp) {
  if (__builtin_expect(size - 1 < KMALLOC_MAX_CACHE_SIZE, 1)) {
    kmem_cache* c = kmalloc_slab(size, gfp);
    if (void* p = slab_alloc_fast(c, gfp)) return p;
    return slab_alloc(c, gfp, __builtin_return_address(0));
  }
  return do_kmalloc(size, gfp, __builtin_return_address(0));
}

void kfree(const void* p) {
  if (ZERO_OR_NULL_PTR(p)) return;
  const uint64_t pfn = mm_virt_to_phys(p) >> MM_PAGE_SHIFT;
  page* pg = pfn_valid(pfn) ? compound_head(pfn_to_page(pfn)) : nullptr;
  if (pg && pg->owner == PageOwner::Slab) {
    kmem_cache* c = pg->slab_cache;
    void* objp = const_cast<void*>(p);
    // An interior pointer would hand out overlapping objects later: refused
    // here (debug caches check it and more in slab_free).
    if (!(c->flags & SLAB_DEBUG_FLAGS)) {
      if (__builtin_expect(!is_object_start(c, pg, objp), 0)) {
        slab_report(&SlabErrors::bad_free, "kfree: %p is inside an object of '%s' (from %p); ignored\n", p,
                    c->name, __builtin_return_address(0));
        return;
      }
      if (slab_free_fast(c, objp)) return;
    }
    slab_free(c, objp, __builtin_return_address(0));
    return;
  }
  if (pg && pg->owner == PageOwner::Kernel && (pg->flags & PG_head) && page_address(pg) == p) {
    __free_pages(pg, pg->order);
    return;
  }
  slab_report(&SlabErrors::bad_free, "kfree: %p is not a kmalloc pointer (from %p); ignored\n", p,
              __builtin_return_address(0));
}

size_t ksize(const void* p) {
  if (ZERO_OR_NULL_PTR(p)) return 0;
  const uint64_t pfn = mm_virt_to_phys(p) >> MM_PAGE_SHIFT;
  if (!pfn_valid(pfn)) return 0;
  const page* pg = compound_head(pfn_to_page(pfn));
  if (pg->owner == PageOwner::Slab) return pg->slab_cache->object_size;
  if (pg->owner == PageOwner::Kernel && (pg->flags & PG_head)) return MM_PAGE_SIZE << pg->order;
  return 0;
}

void* krealloc(const void* p, size_t new_size, gfp_t gfp) {
  if (!new_size) {
    kfree(p);
    return ZERO_SIZE_PTR;
  }
  const size_t ks = ksize(p);
  if (ks >= new_size) return const_cast<void*>(p);
  void* q = do_kmalloc(new_size, gfp, __builtin_return_address(0));
  if (q && !ZERO_OR_NULL_PTR(p)) {
    __builtin_memcpy(q, p, ks);
    kfree(p);
  }
  return q;
}

void* kmemdup(const void* src, size_t len, gfp_t gfp) {
  void* p = do_kmalloc(len, gfp, __builtin_return_address(0));
  if (p && len) __builtin_memcpy(p, src, len);
  return p;
}

char* kstrndup(const char* s, size_t max, gfp_t gfp) {
  if (!s) return nullptr;
  size_t len = 0;
  while (len < max && s[len]) len++;
  char* p = static_cast<char*>(do_kmalloc(len + 1, gfp, __builtin_return_address(0)));
  if (!p) return nullptr;
  __builtin_memcpy(p, s, len);
  p[len] = 0;
  return p;
}

char* kstrdup(const char* s, gfp_t gfp) { return kstrndup(s, ~size_t{0}, gfp); }

const char* kstrdup_const(const char* s, gfp_t gfp) {
  if (s && mm_is_kernel_rodata(s)) return s;
  return kstrdup(s, gfp);
}

void kfree_const(const void* p) {
  if (!mm_is_kernel_rodata(p)) kfree(p);
}

// ---- /proc/slabinfo -------------------------------------------------------------

size_t slabinfo_format(char* buf, size_t size) {
  size_t len = 0;
  len += scnprintf(buf + len, size - len, "slabinfo - version: 2.1\n");
  len += scnprintf(buf + len, size - len,
                   "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
                   " : tunables <limit> <batchcount> <sharedfactor>"
                   " : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
  MmLockGuard g{slab_mutex};
  for (const kmem_cache* s = slab_caches; s; s = s->next) {
    unsigned long total_slabs, free_slabs, free_objects, shared_avail;
    {
      MmLockGuard n{const_cast<kmem_cache*>(s)->node.list_lock};
      total_slabs = s->node.total_slabs;
      free_slabs = s->node.free_slabs;
      free_objects = s->node.free_objects;
      shared_avail = s->node.shared ? s->node.shared->avail : 0;
    }
    const unsigned long num_objs = total_slabs * s->num;
    len += scnprintf(buf + len, size - len,
                     "%-17s %6lu %6lu %6u %4u %4u : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu\n",
                     s->name, num_objs - free_objects, num_objs, s->size, s->num, 1u << s->gfporder, s->limit,
                     s->batchcount, s->shared, total_slabs - free_slabs, total_slabs, shared_avail);
  }
  return len;
}
