/*
 * SLAB debug checks (caches with SLAB_POISON, SLAB_RED_ZONE or
 * SLAB_STORE_USER, or every cache with slab_debug=), and the usercopy
 * hardening check. Layout of a debug buffer: see mm/slab_layout.cc.
 *
 *   poison     free objects hold 0x6b with a final 0xa5, objects in use 0x5a
 *              (final 0xa5); checked when an object leaves the slab layer
 *              and when a slab is freed: a change is a write after free.
 *   red zones  one word each side: RED_INACTIVE while free, RED_ACTIVE in use;
 *              checked on free (overrun, or a double free when both still
 *              read inactive) and on allocation.
 *   user word  the last allocating or freeing caller (return address).
 *
 * Frees that are not an allocated object start of this cache are reported
 * and refused: the object never reaches a freelist twice. Every report is
 * counted (slab_errors()) and its text kept (slab_last_report()).
 */
#include <stdarg.h>

#include "slab_internal.h"

#ifdef HOST_TEST
#include <cstdio>
#define slab_vsnprintf std::vsnprintf
#else
#include <lib/string.h>
#define slab_vsnprintf vsnprintf
#endif

namespace {

SlabErrors errors;
char last_report[512];

uint64_t* dbg_redzone1(const kmem_cache* c, void* buf) {
  return reinterpret_cast<uint64_t*>(static_cast<char*>(buf) + c->obj_offset - sizeof(uint64_t));
}
uint64_t* dbg_redzone2(const kmem_cache* c, void* buf) {
  const unsigned back = (c->flags & SLAB_STORE_USER) ? 2 * REDZONE_ALIGN : REDZONE_ALIGN;
  return reinterpret_cast<uint64_t*>(static_cast<char*>(buf) + c->size - back);
}
void** dbg_userword(const kmem_cache* c, void* buf) {
  return reinterpret_cast<void**>(static_cast<char*>(buf) + c->size - BYTES_PER_WORD);
}
void* last_user(const kmem_cache* c, void* buf) {
  return (c->flags & SLAB_STORE_USER) ? *dbg_userword(c, buf) : nullptr;
}

void poison_obj(const kmem_cache* c, void* buf, unsigned char val) {
  unsigned char* p = static_cast<unsigned char*>(buf) + c->obj_offset;
  __builtin_memset(p, val, c->object_size - 1);
  p[c->object_size - 1] = POISON_END;
}

// The free poison intact? Otherwise reports the first changed byte and
// restores the poison (so one corruption is reported once).
void check_poison_obj(const kmem_cache* c, void* buf) {
  const unsigned char* p = static_cast<const unsigned char*>(buf) + c->obj_offset;
  auto want = [c](unsigned i) { return i == c->object_size - 1 ? POISON_END : POISON_FREE; };
  for (unsigned i = 0; i < c->object_size; i++) {
    if (p[i] == want(i)) continue;
    unsigned run = 0;  // consecutive changed bytes from here
    while (i + run < c->object_size && p[i + run] != want(i + run)) run++;
    slab_report(&SlabErrors::write_after_free,
                "Slab corruption (write after free) in cache '%s': object %p, offset %u (%u bytes changed "
                "from there, first 0x%02x, want 0x%02x); last freed by %p\n",
                c->name, static_cast<void*>(static_cast<char*>(buf) + c->obj_offset), i, run, p[i], want(i),
                last_user(c, buf));
    poison_obj(c, buf, POISON_FREE);
    return;
  }
}

}  // namespace

void slab_report(unsigned long SlabErrors::*counter, const char* fmt, ...) {
  __atomic_add_fetch(&(errors.*counter), 1, __ATOMIC_RELAXED);
  va_list ap;
  va_start(ap, fmt);
  slab_vsnprintf(last_report, sizeof(last_report), fmt, ap);
  va_end(ap);
  mm_warn("%s", last_report);
}

SlabErrors slab_errors() { return errors; }
const char* slab_last_report() { return last_report; }

void cache_init_objs_debug(kmem_cache* c, page* slab) {
  for (unsigned i = 0; i < c->num; i++) {
    void* buf = index_to_obj(c, slab, i);
    if (c->flags & SLAB_STORE_USER) *dbg_userword(c, buf) = nullptr;
    if (c->flags & SLAB_RED_ZONE) *dbg_redzone1(c, buf) = *dbg_redzone2(c, buf) = RED_INACTIVE;
    if (c->flags & SLAB_POISON) poison_obj(c, buf, POISON_FREE);
  }
}

void slab_debug_repoison(kmem_cache* c, void* buf) { poison_obj(c, buf, POISON_FREE); }

void* cache_alloc_debugcheck_after(kmem_cache* c, void* buf, void* caller) {
  if (c->flags & SLAB_POISON) {
    check_poison_obj(c, buf);
    poison_obj(c, buf, POISON_INUSE);
  }
  if (c->flags & SLAB_RED_ZONE) {
    const uint64_t r1 = *dbg_redzone1(c, buf), r2 = *dbg_redzone2(c, buf);
    if (r1 != RED_INACTIVE || r2 != RED_INACTIVE)
      slab_report(
          &SlabErrors::redzone,
          "Slab corruption in cache '%s': object %p red zones 0x%016llx 0x%016llx on allocation (want "
          "0x%016llx); last freed by %p\n",
          c->name, static_cast<void*>(static_cast<char*>(buf) + c->obj_offset),
          static_cast<unsigned long long>(r1), static_cast<unsigned long long>(r2),
          static_cast<unsigned long long>(RED_INACTIVE), last_user(c, buf));
    *dbg_redzone1(c, buf) = *dbg_redzone2(c, buf) = RED_ACTIVE;
  }
  if (c->flags & SLAB_STORE_USER) *dbg_userword(c, buf) = caller;
  void* objp = static_cast<char*>(buf) + c->obj_offset;
  if (c->ctor && (c->flags & SLAB_POISON)) c->ctor(objp);
  return objp;
}

void* cache_free_debugcheck(kmem_cache* c, const void* objp, void* caller) {
  page* slab = virt_to_slab(objp);
  if (!slab) {
    slab_report(&SlabErrors::bad_free, "kmem_cache_free(%s): %p is not a slab object (from %p); ignored\n",
                c->name, objp, caller);
    return nullptr;
  }
  if (slab->slab_cache != c) {
    slab_report(&SlabErrors::bad_free,
                "kmem_cache_free(%s): wrong slab cache: %p belongs to '%s' (from %p); ignored\n", c->name,
                objp, slab->slab_cache->name, caller);
    return nullptr;
  }
  void* buf = const_cast<char*>(static_cast<const char*>(objp)) - c->obj_offset;
  if (!is_object_start(c, slab, objp)) {
    slab_report(&SlabErrors::bad_free,
                "kmem_cache_free(%s): %p is not the start of an object (from %p); ignored\n", c->name, objp,
                caller);
    return nullptr;
  }
  if (c->flags & SLAB_RED_ZONE) {
    const uint64_t r1 = *dbg_redzone1(c, buf), r2 = *dbg_redzone2(c, buf);
    if (r1 == RED_INACTIVE && r2 == RED_INACTIVE) {
      slab_report(&SlabErrors::double_free,
                  "slab: double free detected in cache '%s', objp %p (from %p, last freed by %p); ignored\n",
                  c->name, objp, caller, last_user(c, buf));
      return nullptr;
    }
    if (r1 != RED_ACTIVE || r2 != RED_ACTIVE) {
      slab_report(
          &SlabErrors::redzone,
          "Redzone overwritten in cache '%s': object %p (size %u), red zone 1: 0x%016llx, red zone 2: "
          "0x%016llx (want 0x%016llx); allocated by %p, freed from %p\n",
          c->name, objp, c->object_size, static_cast<unsigned long long>(r1),
          static_cast<unsigned long long>(r2), static_cast<unsigned long long>(RED_ACTIVE), last_user(c, buf),
          caller);
    }
    *dbg_redzone1(c, buf) = *dbg_redzone2(c, buf) = RED_INACTIVE;
  } else if (slab_obj_is_free(c, slab, buf)) {
    slab_report(&SlabErrors::double_free,
                "slab: double free detected in cache '%s', objp %p (from %p); ignored\n", c->name, objp,
                caller);
    return nullptr;
  }
  if (c->flags & SLAB_STORE_USER) *dbg_userword(c, buf) = caller;
  if (c->flags & SLAB_POISON) poison_obj(c, buf, POISON_FREE);
  return buf;
}

void slab_destroy_debugcheck(kmem_cache* c, page* slab) {
  void* host = (c->flags & CFLGS_OBJFREELIST_SLAB) && slab->freelist
                   ? static_cast<char*>(slab->freelist) - c->obj_offset
                   : nullptr;
  for (unsigned i = 0; i < c->num; i++) {
    void* buf = index_to_obj(c, slab, i);
    if (buf == host) continue;
    if (c->flags & SLAB_POISON) check_poison_obj(c, buf);
    if (c->flags & SLAB_RED_ZONE) {
      const uint64_t r1 = *dbg_redzone1(c, buf), r2 = *dbg_redzone2(c, buf);
      if (r1 != RED_INACTIVE || r2 != RED_INACTIVE)
        slab_report(
            &SlabErrors::redzone,
            "Slab corruption in cache '%s': free object %p red zones 0x%016llx 0x%016llx; last freed by %p\n",
            c->name, static_cast<void*>(static_cast<char*>(buf) + c->obj_offset),
            static_cast<unsigned long long>(r1), static_cast<unsigned long long>(r2), last_user(c, buf));
    }
  }
}

bool check_object_size(const void* ptr, size_t n, bool to_user) {
  if (!n || ZERO_OR_NULL_PTR(ptr)) return true;
  page* slab = virt_to_slab(ptr);
  if (!slab) return true;  // not a slab object: nothing SLAB can say
  const kmem_cache* c = slab->slab_cache;
  const char* p = static_cast<const char*>(ptr);
  const char* s = static_cast<const char*>(slab->s_mem);
  bool ok = false;
  size_t offset = 0;
  if (p >= s) {
    const unsigned idx = obj_to_index(c, slab, p);
    offset = static_cast<size_t>(p - static_cast<const char*>(index_to_obj(c, slab, idx)));
    if (idx < c->num && offset >= c->obj_offset) {
      offset -= c->obj_offset;
      ok = offset >= c->useroffset && offset - c->useroffset <= c->usersize &&
           n <= c->useroffset + c->usersize - offset;
    }
  }
  if (!ok)
    slab_report(&SlabErrors::usercopy,
                "usercopy: Kernel memory %s attempt detected %s SLAB object '%s' (offset %zu, size %zu)!\n",
                to_user ? "exposure" : "overwrite", to_user ? "from" : "to", c->name, offset, n);
  return ok;
}
