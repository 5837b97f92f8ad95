/*
 * Cache layout: how an object of a given size, alignment and set of debug
 * flags is laid out in its buffer, and how buffers are packed into a slab
 * (Linux 6.1 __kmem_cache_create and calculate_slab_order, our own code).
 *
 *   buffer (cachep->size bytes, a multiple of cachep->align):
 *   +-----------+------------------------+---------+-----------+-----------+
 *   | red zone 1| object (object_size)   | padding | red zone 2| user word |
 *   +-----------+------------------------+---------+-----------+-----------+
 *    SLAB_RED_ZONE (obj_offset = 8)                  RED_ZONE    STORE_USER
 *
 *   slab (PAGE_SIZE << gfporder):
 *   +--------+-----------+-----------+-- ... --+-----------+------+--------+
 *   | colour | buffer 0  | buffer 1  |         | buffer n-1| left | freelist|
 *   +--------+-----------+-----------+-- ... --+-----------+------+--------+
 *    colour_next * colour_off            on-slab freelist: num byte indices
 *
 * The freelist (a stack of byte indices of the free objects) lives, in order
 * of preference: inside a free object (OBJFREELIST: no ctor, not RCU, and the
 * indices fit in one object), in a kmalloc object (OFF_SLAB: only when that
 * lets more objects fit than keeping it on the slab), or at the slab's end.
 */
#include <kernel/errno.h>

#include "slab_internal.h"

namespace {

// Linux reciprocal_value(): a multiply and shifts replace a division by d.
void set_reciprocal(kmem_cache* c, uint32_t d) {
  unsigned l = 0;
  while (l < 32 && (uint64_t{1} << l) < d) l++;  // ceil(log2(d)) = fls(d - 1)
  const uint64_t m = ((uint64_t{1} << 32) * ((uint64_t{1} << l) - d)) / d + 1;
  c->reciprocal_buffer_size = static_cast<uint32_t>(m);
  c->reciprocal_sh1 = static_cast<uint8_t>(l > 1 ? 1 : l);
  c->reciprocal_sh2 = static_cast<uint8_t>(l > 1 ? l - 1 : 0);
}

// calculate_slab_order(): the smallest order whose waste is acceptable
// (at most 1/8 of the slab), up to slab_max_order; RECLAIM_ACCOUNT caches
// take the first order that fits. Returns the bytes left over.
unsigned calculate_slab_order(kmem_cache* c, unsigned size, slab_flags_t flags) {
  unsigned left_over = 0;
  for (unsigned order = 0; order <= KMALLOC_MAX_ORDER; order++) {
    unsigned remainder;
    const unsigned num = cache_estimate(order, size, flags, &remainder);
    if (!num) continue;
    if (num > SLAB_OBJ_MAX_NUM) break;
    if (flags & CFLGS_OFF_SLAB) {
      const unsigned freelist_size = num * sizeof(freelist_idx_t);
      unsigned freelist_cache_size;
      if (freelist_size > KMALLOC_MAX_CACHE_SIZE) {
        unsigned o = 0;
        while ((MM_PAGE_SIZE << o) < freelist_size) o++;
        freelist_cache_size = static_cast<unsigned>(MM_PAGE_SIZE << o);
      } else {
        const int idx = kmalloc_index(freelist_size);
        const kmem_cache* fc = kmalloc_caches[KMALLOC_NORMAL][idx];
        if (!fc) continue;
        freelist_cache_size = fc->size;
        if (fc->flags & CFLGS_OFF_SLAB) continue;  // growing it would need itself
      }
      if (freelist_cache_size > c->size / 2) continue;  // not worth it
    }
    c->num = num;
    c->gfporder = order;
    left_over = remainder;
    if (flags & SLAB_RECLAIM_ACCOUNT) break;
    if (order >= slab_max_order) break;
    if (left_over * 8 <= (MM_PAGE_SIZE << order)) break;
  }
  return left_over;
}

bool set_objfreelist_slab_cache(kmem_cache* c, unsigned size, slab_flags_t flags) {
  c->num = 0;
  if (c->ctor || (flags & SLAB_TYPESAFE_BY_RCU)) return false;
  const unsigned left = calculate_slab_order(c, size, flags | CFLGS_OBJFREELIST_SLAB);
  if (!c->num) return false;
  if (c->num * sizeof(freelist_idx_t) > c->object_size) return false;
  c->colour = left / c->colour_off;
  return true;
}

bool set_off_slab_cache(kmem_cache* c, unsigned size, slab_flags_t flags) {
  c->num = 0;
  if (flags & SLAB_NOLEAKTRACE) return false;
  const unsigned left = calculate_slab_order(c, size, flags | CFLGS_OFF_SLAB);
  if (!c->num) return false;
  // Room for the freelist on the slab after all: keep it there.
  if (left >= c->num * sizeof(freelist_idx_t)) return false;
  c->colour = left / c->colour_off;
  return true;
}

bool set_on_slab_cache(kmem_cache* c, unsigned size, slab_flags_t flags) {
  c->num = 0;
  const unsigned left = calculate_slab_order(c, size, flags);
  if (!c->num) return false;
  c->colour = left / c->colour_off;
  return true;
}

}  // namespace

unsigned cache_estimate(unsigned order, unsigned buffer_size, slab_flags_t flags, unsigned* left_over) {
  const unsigned slab_size = static_cast<unsigned>(MM_PAGE_SIZE << order);
  const unsigned per_object = (flags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB))
                                  ? buffer_size
                                  : buffer_size + static_cast<unsigned>(sizeof(freelist_idx_t));
  *left_over = slab_size % per_object;
  return slab_size / per_object;
}

int __kmem_cache_create(kmem_cache* c, slab_flags_t flags) {
  unsigned size = c->size;
  // slab_debug=: red zones and the user word where the size allows
  // (Linux FORCED_DEBUG), poison unless the cache is RCU type-safe.
  if (slab_force_debug) {
    const unsigned extra = REDZONE_ALIGN + 2 * sizeof(unsigned long long);
    if (size < 4096 || slab_fls(size - 1) == slab_fls(size - 1 + extra))
      flags |= SLAB_RED_ZONE | SLAB_STORE_USER;
    if (!(flags & SLAB_TYPESAFE_BY_RCU)) flags |= SLAB_POISON;
  }
  // Poisoning a freed object would break SLAB_TYPESAFE_BY_RCU readers.
  if (flags & SLAB_TYPESAFE_BY_RCU) flags &= ~SLAB_POISON;
  size = align_up(size, BYTES_PER_WORD);
  unsigned ralign = BYTES_PER_WORD;
  if (flags & SLAB_RED_ZONE) {
    ralign = REDZONE_ALIGN;
    size = align_up(size, REDZONE_ALIGN);  // so red zone 2 is aligned
  }
  if (ralign < c->align) ralign = c->align;  // caller / HWCACHE alignment
  // The red zone words and the user word sit at fixed offsets from the
  // buffer ends; an alignment above 8 would move the object away from them.
  if (ralign > alignof(unsigned long long)) flags &= ~(SLAB_RED_ZONE | SLAB_STORE_USER);
  c->align = ralign;
  c->colour_off = mm_cache_line_size();
  if (c->colour_off < c->align) c->colour_off = c->align;

  c->obj_offset = 0;
  if (flags & SLAB_RED_ZONE) {
    c->obj_offset += sizeof(unsigned long long);
    size += 2 * sizeof(unsigned long long);
  }
  if (flags & SLAB_STORE_USER) size += (flags & SLAB_RED_ZONE) ? REDZONE_ALIGN : BYTES_PER_WORD;

  size = align_up(size, c->align);
  if (size < SLAB_OBJ_MIN_SIZE) size = align_up(SLAB_OBJ_MIN_SIZE, c->align);
  // c->size still holds the caller's size here: as in Linux, the off-slab
  // benefit test compares the freelist object with half of that.

  if (set_objfreelist_slab_cache(c, size, flags))
    flags |= CFLGS_OBJFREELIST_SLAB;
  else if (set_off_slab_cache(c, size, flags))
    flags |= CFLGS_OFF_SLAB;
  else if (!set_on_slab_cache(c, size, flags))
    return -E2BIG;

  c->freelist_size = c->num * sizeof(freelist_idx_t);
  c->size = size;
  c->flags = flags;
  c->allocflags = 0;
  if (flags & SLAB_CACHE_DMA32) c->allocflags |= __GFP_DMA32;
  if (flags & SLAB_RECLAIM_ACCOUNT) c->allocflags |= __GFP_RECLAIMABLE;
  set_reciprocal(c, size);
  c->freelist_cache = nullptr;
  if (flags & CFLGS_OFF_SLAB)
    c->freelist_cache = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(c->freelist_size)];
  return 0;
}
