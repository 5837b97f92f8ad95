// Cache layout decisions (mm/slab_layout.cc) for every object size 8..8192
// and every combination of SLAB_HWCACHE_ALIGN, SLAB_RED_ZONE, SLAB_POISON,
// SLAB_STORE_USER, SLAB_RECLAIM_ACCOUNT and SLAB_TYPESAFE_BY_RCU, with and
// without a constructor (and a 32-byte caller alignment), against a checker
// written from the rules of Linux 6.1 __kmem_cache_create as prose:
//
//   1. alignment: at least a word; SLAB_HWCACHE_ALIGN adds the smallest
//      power of two >= the size, capped at the cache line; the caller's
//      alignment; red zones need 8 — and red zone / store-user are dropped
//      when the alignment exceeds 8.
//   2. buffer: object rounded to a word, + 2 red-zone words, + a user word,
//      rounded to the alignment, at least SLAB_OBJ_MIN_SIZE.
//   3. freelist: inside an object when there is no ctor, the cache is not
//      RCU type-safe and num index bytes fit in the object; else off-slab
//      when a kmalloc object at most half the object size holds it and
//      keeping it on the slab would not fit in the leftover; else on-slab.
//   4. order: the first one whose waste is at most 1/8, or the max order, or
//      the first that fits for RECLAIM_ACCOUNT; at most 255 objects.
//   5. colour: leftover / max(cache line, alignment) steps.
//
// Beside the expected values, each result is checked for what must hold
// whatever the rules: the objects and freelist fit in the slab, no further
// object would, and obj_to_index inverts index_to_obj.
#include <doctest/doctest.h>

#include <cstdio>
#include <ios>
#include <string>

#include "../../mm/slab_internal.h"
#include "test_slab_env.h"

namespace {

unsigned next_pow2(unsigned x) {
  unsigned p = 1;
  while (p < x) p <<= 1;
  return p;
}
unsigned round_up(unsigned x, unsigned a) { return (x + a - 1) / a * a; }

struct Expect {
  unsigned align, size, obj_offset, num, order, colour;
  slab_flags_t placement;  // CFLGS_OBJFREELIST_SLAB, CFLGS_OFF_SLAB or 0
  slab_flags_t debug;      // debug flags kept
};

struct Fit {
  unsigned num = 0, order = 0, left = 0;
};

// Rule 4 for one placement: `per_object` bytes each; `usable(num)` says
// whether a count is acceptable for this placement.
template <typename Usable>
Fit pick_order(unsigned per_object, bool reclaim, unsigned max_order, Usable usable) {
  Fit best;
  for (unsigned order = 0; order <= 10; order++) {
    const unsigned bytes = 4096u << order;
    const unsigned num = bytes / per_object;
    if (num == 0) continue;
    if (num > 255) break;
    if (!usable(num)) continue;
    best = {num, order, bytes - num * per_object};
    const bool little_waste = best.left * 8 <= bytes;
    if (reclaim || order >= max_order || little_waste) break;
  }
  return best;
}

Expect expect(unsigned size, unsigned align_req, slab_flags_t flags, bool ctor, unsigned line,
              unsigned max_order) {
  Expect e{};
  unsigned a = align_req > 8 ? align_req : 8;
  if (flags & SLAB_HWCACHE_ALIGN) {
    const unsigned hw = next_pow2(size) < line ? next_pow2(size) : line;
    if (hw > a) a = hw;
  }
  e.align = a;
  e.debug = flags & SLAB_DEBUG_FLAGS;
  if (a > 8) e.debug &= ~(SLAB_RED_ZONE | SLAB_STORE_USER);
  if (flags & SLAB_TYPESAFE_BY_RCU) e.debug &= ~SLAB_POISON;
  unsigned buf = round_up(size, 8);
  if (e.debug & SLAB_RED_ZONE) buf += 16, e.obj_offset = 8;
  if (e.debug & SLAB_STORE_USER) buf += 8;
  buf = round_up(buf, a);
  if (buf < round_up(16, a)) buf = round_up(16, a);
  e.size = buf;
  const bool reclaim = flags & SLAB_RECLAIM_ACCOUNT;
  const unsigned colour_off = line > a ? line : a;
  Fit f;
  if (!ctor && !(flags & SLAB_TYPESAFE_BY_RCU)) {
    f = pick_order(buf, reclaim, max_order, [](unsigned) { return true; });
    if (f.num && f.num <= size) e.placement = CFLGS_OBJFREELIST_SLAB;
  }
  if (!e.placement && !(flags & SLAB_NOLEAKTRACE)) {
    f = pick_order(buf, reclaim, max_order,
                   [&](unsigned num) { return kmalloc_size(kmalloc_index(num)) <= size / 2; });
    if (f.num && f.left < f.num) e.placement = CFLGS_OFF_SLAB;
  }
  if (!e.placement) f = pick_order(buf + 1, reclaim, max_order, [](unsigned) { return true; });
  e.num = f.num;
  e.order = f.order;
  e.colour = f.left / colour_off;
  return e;
}

void check_fit(const kmem_cache& c) {
  const size_t bytes = MM_PAGE_SIZE << c.gfporder;
  const bool on_slab = !(c.flags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB));
  const size_t per = c.size + (on_slab ? 1 : 0);
  REQUIRE(c.num >= 1);
  REQUIRE(c.num <= SLAB_OBJ_MAX_NUM);
  REQUIRE(c.colour * c.colour_off + c.num * per <= bytes);  // the largest colour still fits
  REQUIRE((c.num + 1) * per > bytes);                       // no room for one more
  REQUIRE(c.size % c.align == 0);
  REQUIRE(c.colour_off % c.align == 0);
  REQUIRE(c.obj_offset + c.object_size <= c.size);
  // obj_to_index inverts index_to_obj, also for pointers inside an object.
  page fake{};
  alignas(8) static char base[1];
  fake.s_mem = base;
  for (unsigned i = 0; i < c.num; i++) {
    REQUIRE(obj_to_index(&c, &fake, base + static_cast<size_t>(i) * c.size) == i);
    REQUIRE(obj_to_index(&c, &fake, base + static_cast<size_t>(i) * c.size + c.size - 1) == i);
  }
}

}  // namespace

TEST_SUITE("slab_layout") {
  TEST_CASE("every size 8..8192 and flag combination follows the rules") {
    SlabTestEnv env;  // kmalloc caches exist: off-slab freelists come from them
    const slab_flags_t bits[] = {SLAB_HWCACHE_ALIGN, SLAB_RED_ZONE,        SLAB_POISON,
                                 SLAB_STORE_USER,    SLAB_RECLAIM_ACCOUNT, SLAB_TYPESAFE_BY_RCU};
    const unsigned combos = 1u << (sizeof(bits) / sizeof(bits[0]));
    unsigned long checked = 0, objfl = 0, off = 0, on = 0;
    for (unsigned size = 8; size <= 8192; size++) {
      for (unsigned m = 0; m < combos; m++) {
        slab_flags_t flags = 0;
        for (unsigned b = 0; b < sizeof(bits) / sizeof(bits[0]); b++)
          if (m & (1u << b)) flags |= bits[b];
        for (int with_ctor = 0; with_ctor < 2; with_ctor++) {
          for (unsigned align_req : {0u, 32u}) {
            if (align_req && (m % 5)) continue;  // a caller alignment: a fifth of the combinations
            kmem_cache c{};
            c.size = c.object_size = size;
            c.ctor = with_ctor ? +[](void*) {} : nullptr;
            c.align = calculate_alignment(flags, align_req, size);
            REQUIRE(__kmem_cache_create(&c, flags) == 0);
            const Expect e = expect(size, align_req, flags, with_ctor, 64, slab_max_order);
            INFO("size " << size << " flags 0x" << std::hex << flags << std::dec << " ctor " << with_ctor
                         << " align " << align_req);
            REQUIRE(c.align == e.align);
            REQUIRE(c.size == e.size);
            REQUIRE(c.obj_offset == e.obj_offset);
            REQUIRE((c.flags & SLAB_DEBUG_FLAGS) == e.debug);
            REQUIRE((c.flags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB)) == e.placement);
            REQUIRE(c.num == e.num);
            REQUIRE(c.gfporder == e.order);
            REQUIRE(c.colour == e.colour);
            REQUIRE(c.freelist_size == c.num);
            REQUIRE(((c.allocflags & __GFP_RECLAIMABLE) != 0) == ((flags & SLAB_RECLAIM_ACCOUNT) != 0));
            if (e.placement == CFLGS_OFF_SLAB) REQUIRE(c.freelist_cache->size >= c.num);
            check_fit(c);
            checked++;
            objfl += e.placement == CFLGS_OBJFREELIST_SLAB;
            off += e.placement == CFLGS_OFF_SLAB;
            on += e.placement == 0;
          }
        }
      }
    }
    MESSAGE("layouts checked: " << checked << " (objfreelist " << objfl << ", off-slab " << off
                                << ", on-slab " << on << ")");
    CHECK(objfl > 0);
    CHECK(off > 0);
    CHECK(on > 0);
  }

  TEST_CASE("cache line from the device tree changes HWCACHE alignment and colouring") {
    SlabTestEnv env(64ull << 20, "", 128);
    kmem_cache* c = kmem_cache_create("wide_line", 100, 0, SLAB_HWCACHE_ALIGN, nullptr);
    REQUIRE(c);
    CHECK(c->align == 128);
    CHECK(c->colour_off == 128);
    CHECK(c->size == 128);
    kmem_cache* small = kmem_cache_create("small_hw", 40, 0, SLAB_HWCACHE_ALIGN, nullptr);
    REQUIRE(small);
    CHECK(small->align == 64);  // a 40-byte object shares a 128-byte line with two others
  }

  TEST_CASE("small machines keep order-0 slabs; DMA32 caches ask for DMA32 pages") {
    SlabTestEnv env(16ull << 20);
    CHECK(slab_max_order == 0);
    kmem_cache* c = kmem_cache_create("o0", 3000, 0, SLAB_CACHE_DMA32, nullptr);
    REQUIRE(c);
    CHECK(c->gfporder == 0);
    CHECK((c->allocflags & __GFP_DMA32) != 0);
  }

  TEST_CASE("README table: objects, pages and waste per slab for every kmalloc class") {
    SlabTestEnv env;
    std::string table =
        "| class | buffer | objects per slab | pages per slab | leftover bytes per slab | wasted incl. "
        "padding | "
        "freelist |\n"
        "|---|---:|---:|---:|---:|---:|---|\n";
    for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
      const int i = kmalloc_index(size);
      if (kmalloc_size(i) != size) continue;  // one row per class, smallest first
      const kmem_cache* c = kmalloc_caches[KMALLOC_NORMAL][i];
      const size_t bytes = MM_PAGE_SIZE << c->gfporder;
      const bool on_slab = !(c->flags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB));
      const size_t left = bytes - c->num * static_cast<size_t>(c->size) - (on_slab ? c->num : 0);
      const size_t wasted = bytes - c->num * static_cast<size_t>(c->object_size);
      const char* where = (c->flags & CFLGS_OBJFREELIST_SLAB) ? "in a free object"
                          : (c->flags & CFLGS_OFF_SLAB)       ? "off-slab"
                                                              : "on-slab";
      table += "| " + std::string(c->name) + " | " + std::to_string(c->size) + " | " +
               std::to_string(c->num) + " | " + std::to_string(1u << c->gfporder) + " | " +
               std::to_string(left) + " | " + std::to_string(wasted) + " | " + where + " |\n";
      // The leftover stays within what the order rule promises.
      CHECK((left * 8 <= bytes || c->gfporder == slab_max_order));
    }
    // Written out for pasting, and the README must carry it unchanged: the
    // table in the README is this code's output, not typed by hand.
    if (std::FILE* f = std::fopen(HOST_BUILD_DIR "/slab-kmalloc-table.md", "w")) {
      std::fputs(table.c_str(), f);
      std::fclose(f);
    }
    std::string readme;
    if (std::FILE* f = std::fopen("README.md", "r")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) readme.append(buf, n);
      std::fclose(f);
    }
    // Inside a list item the rows are indented by two spaces.
    for (size_t at; (at = readme.find("\n  |")) != std::string::npos;) readme.erase(at + 1, 2);
    INFO("README.md lacks the table in " HOST_BUILD_DIR "/slab-kmalloc-table.md");
    CHECK(readme.find(table) != std::string::npos);
  }
}
