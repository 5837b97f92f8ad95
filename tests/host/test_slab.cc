// Host tests for SLAB (mm/slab*.cc) over simulated RAM: kmem_cache and
// kmalloc behaviour, randomized alloc/free against an invariant checker
// that walks the caches' own structures.
#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../../mm/slab_internal.h"
#include "test_slab_env.h"

namespace {

// Every structural invariant of one cache (see the design comment in
// mm/slab.cc), given the user pointers the test holds.
void check_cache(kmem_cache* c, const std::set<void*>& allocated) {
  kmem_cache_node& n = c->node;
  std::set<void*> free_bufs;
  unsigned long slabs = 0, free_slabs = 0, free_objects = 0;
  std::set<page*> seen;
  auto walk = [&](page* head, int kind) {
    for (page* s = head; s; s = s->next) {
      REQUIRE(seen.insert(s).second);
      REQUIRE(s->owner == PageOwner::Slab);
      REQUIRE(s->slab_cache == c);
      if (s->next) REQUIRE(s->next->prev == s);
      if (kind == 0) REQUIRE(s->active == 0);
      if (kind == 1) REQUIRE((s->active > 0 && s->active < c->num));
      if (kind == 2) REQUIRE(s->active == c->num);
      slabs++;
      free_slabs += kind == 0;
      free_objects += c->num - s->active;
      // OBJFREELIST: the freelist lives in a free object of the slab.
      if (c->flags & CFLGS_OBJFREELIST_SLAB) REQUIRE((s->active == c->num) == (s->freelist == nullptr));
      std::set<unsigned> idx;
      for (unsigned i = s->active; i < c->num; i++) {
        const unsigned v = static_cast<freelist_idx_t*>(s->freelist)[i];
        REQUIRE(v < c->num);
        REQUIRE(idx.insert(v).second);
        REQUIRE(free_bufs.insert(index_to_obj(c, s, v)).second);
      }
      // Objects fit in the slab with the freelist after them (on-slab).
      char* base = static_cast<char*>(page_address(s));
      char* end = base + (MM_PAGE_SIZE << c->gfporder);
      REQUIRE(static_cast<char*>(s->s_mem) + static_cast<size_t>(c->num) * c->size <= end);
      if (!(c->flags & (CFLGS_OFF_SLAB | CFLGS_OBJFREELIST_SLAB)))
        REQUIRE(static_cast<char*>(s->freelist) >= static_cast<char*>(s->s_mem) + c->num * c->size);
    }
  };
  walk(n.slabs_free, 0);
  walk(n.slabs_partial, 1);
  walk(n.slabs_full, 2);
  REQUIRE(slabs == n.total_slabs);
  REQUIRE(free_slabs == n.free_slabs);
  REQUIRE(free_objects == n.free_objects);
  unsigned long in_arrays = 0;
  auto arr = [&](const array_cache* ac) {
    if (!ac) return;
    REQUIRE(ac->avail <= ac->limit);
    for (unsigned i = 0; i < ac->avail; i++) {
      REQUIRE(free_bufs.insert(ac->entry[i]).second);  // never twice, never also on a slab freelist
      REQUIRE(virt_to_cache(ac->entry[i]) == c);
      in_arrays++;
    }
  };
  for (unsigned cpu = 0; cpu < MM_MAX_CPUS; cpu++) arr(c->cpu_cache[cpu]);
  arr(n.shared);
  for (void* p : allocated) {
    void* buf = static_cast<char*>(p) - c->obj_offset;
    REQUIRE(virt_to_cache(p) == c);
    REQUIRE(free_bufs.count(buf) == 0);
  }
  // Objects the test does not hold may exist only when the cache is shared
  // (merged) or serves kmalloc; here each test owns its caches.
  REQUIRE(allocated.size() + free_objects + in_arrays == slabs * c->num);
}

void fill(void* p, size_t n, uint32_t seed) {
  auto* b = static_cast<unsigned char*>(p);
  for (size_t i = 0; i < n; i++) b[i] = static_cast<unsigned char>(seed * 131 + i);
}
bool intact(const void* p, size_t n, uint32_t seed) {
  auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; i++)
    if (b[i] != static_cast<unsigned char>(seed * 131 + i)) return false;
  return true;
}

int ctor_calls;
void count_ctor(void* p) {
  ctor_calls++;
  std::memset(p, 0xc7, 8);
}

}  // namespace

TEST_SUITE("slab") {
  TEST_CASE("kmalloc classes: every size 1..8192 gets the class kmalloc_index names") {
    SlabTestEnv env;
    for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
      kmem_cache* c = kmalloc_slab(size, GFP_KERNEL);
      REQUIRE(c == kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(size)]);
      REQUIRE(c->object_size >= size);
      REQUIRE(c->object_size == kmalloc_size(kmalloc_index(size)));
      // The next smaller class would not do.
      if (size > KMALLOC_MIN_SIZE) {
        size_t smaller = 0;
        for (int i = 1; i <= static_cast<int>(KMALLOC_SHIFT_HIGH); i++) {
          const size_t s = kmalloc_size(i);
          if (s < c->object_size && s > smaller) smaller = s;
        }
        REQUIRE(smaller < size);
      }
    }
    CHECK(std::string(kmalloc_caches[KMALLOC_NORMAL][1]->name) == "kmalloc-96");
    CHECK(std::string(kmalloc_caches[KMALLOC_RECLAIM][2]->name) == "kmalloc-rcl-192");
    CHECK(std::string(kmalloc_caches[KMALLOC_DMA32][10]->name) == "dma-kmalloc-1k");
    CHECK(kmalloc_slab(100, __GFP_RECLAIMABLE) == kmalloc_caches[KMALLOC_RECLAIM][7]);
    CHECK(kmalloc_slab(100, GFP_KERNEL | __GFP_DMA32) == kmalloc_caches[KMALLOC_DMA32][7]);
    CHECK((kmalloc_caches[KMALLOC_DMA32][7]->allocflags & __GFP_DMA32) != 0);
    CHECK((kmalloc_caches[KMALLOC_RECLAIM][7]->allocflags & __GFP_RECLAIMABLE) != 0);
    // Power-of-two classes are naturally aligned.
    for (int i = KMALLOC_SHIFT_LOW; i <= static_cast<int>(KMALLOC_SHIFT_HIGH); i++) {
      void* p = kmalloc(kmalloc_size(i), GFP_KERNEL);
      CHECK(reinterpret_cast<uintptr_t>(p) % kmalloc_size(i) == 0);
      kfree(p);
    }
  }

  TEST_CASE("kmalloc family: zero size, large, zeroing, overflow, krealloc, ksize, kstrdup") {
    SlabTestEnv env;
    const uint64_t before = SlabTestEnv::settle();
    CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
    kfree(ZERO_SIZE_PTR);
    kfree(nullptr);
    CHECK(ksize(ZERO_SIZE_PTR) == 0);

    size_t n = 100;  // not a constant: the __kmalloc path
    char* p = static_cast<char*>(kmalloc(n, GFP_KERNEL));
    REQUIRE(p);
    CHECK(ksize(p) == 128);
    std::memset(p, 0xee, 128);
    kfree(p);
    char* z = static_cast<char*>(kzalloc(n, GFP_KERNEL));
    REQUIRE(z);
    for (size_t i = 0; i < n; i++) REQUIRE(z[i] == 0);
    kfree(z);

    CHECK(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL) == nullptr);
    int* arr = static_cast<int*>(kcalloc(10, sizeof(int), GFP_KERNEL));
    REQUIRE(arr);
    for (int i = 0; i < 10; i++) CHECK(arr[i] == 0);

    // krealloc keeps the contents, stays in place when the object has room.
    for (int i = 0; i < 10; i++) arr[i] = i * 7;
    int* same = static_cast<int*>(krealloc(arr, 60, GFP_KERNEL));
    CHECK(same == arr);
    int* grown = static_cast<int*>(krealloc(arr, 1000, GFP_KERNEL));
    REQUIRE(grown);
    for (int i = 0; i < 10; i++) CHECK(grown[i] == i * 7);
    CHECK(ksize(grown) == 1024);
    CHECK(krealloc(grown, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
    void* fresh = krealloc(nullptr, 40, GFP_KERNEL);
    CHECK(ksize(fresh) == 64);
    kfree(fresh);

    // Above the largest class: whole pages from the page allocator.
    size_t big = 3 * MM_PAGE_SIZE + 5;
    void* l = kmalloc(big, GFP_KERNEL);
    REQUIRE(l);
    CHECK(ksize(l) == 4 * MM_PAGE_SIZE);
    CHECK(reinterpret_cast<uintptr_t>(l) % MM_PAGE_SIZE == 0);
    std::memset(l, 1, big);
    kfree(l);
    CHECK(kmalloc(size_t{64} << 20, GFP_KERNEL | __GFP_NOWARN) == nullptr);

    char* s = kstrdup("hello slab", GFP_KERNEL);
    CHECK(std::string(s) == "hello slab");
    CHECK(ksize(s) == 32);
    kfree(s);
    const char* sc = kstrdup_const("constant", GFP_KERNEL);
    CHECK(std::string(sc) == "constant");
    kfree_const(sc);
    char* sn = kstrndup("abcdef", 3, GFP_KERNEL);
    CHECK(std::string(sn) == "abc");
    kfree(sn);

    // Caches keep their arrays and slabs; shrinking them all gives every page back.
    CHECK(SlabTestEnv::settle() == before);
  }

  TEST_CASE("kmem_cache: create, alloc, free, destroy returns every page") {
    SlabTestEnv env;
    const uint64_t before = SlabTestEnv::settle();
    kmem_cache* c = kmem_cache_create("test_obj", 72, 0, SLAB_HWCACHE_ALIGN, nullptr);
    REQUIRE(c);
    CHECK(std::string(kmem_cache_name(c)) == "test_obj");
    CHECK(kmem_cache_size(c) == 72);
    CHECK(c->size == 128);  // 72 aligned to a 64-byte line, rounded up
    std::set<void*> held;
    for (int i = 0; i < 1000; i++) {
      void* p = kmem_cache_alloc(c, GFP_KERNEL);
      REQUIRE(p);
      CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
      REQUIRE(held.insert(p).second);
      fill(p, 72, i);
    }
    check_cache(c, held);
    for (void* p : held) kmem_cache_free(c, p);
    held.clear();
    check_cache(c, held);
    void* z = kmem_cache_zalloc(c, GFP_KERNEL);
    for (int k = 0; k < 72; k++) REQUIRE(static_cast<char*>(z)[k] == 0);
    kmem_cache_free(c, z);
    kmem_cache_destroy(c);
    CHECK(SlabTestEnv::settle() == before);
    CHECK(slab_errors().leaks == 0);
  }

  TEST_CASE("freelist placements: objfreelist, on-slab, off-slab all work") {
    SlabTestEnv env;
    ctor_calls = 0;
    kmem_cache* objfl = kmem_cache_create("objfl", 64, 0, 0, nullptr);
    kmem_cache* onslab = kmem_cache_create("onslab", 64, 0, 0, count_ctor);
    kmem_cache* offslab = kmem_cache_create("offslab", 1024, 0, 0, count_ctor);
    REQUIRE(objfl);
    REQUIRE(onslab);
    REQUIRE(offslab);
    CHECK((objfl->flags & CFLGS_OBJFREELIST_SLAB) != 0);
    CHECK((onslab->flags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB)) == 0);
    CHECK((offslab->flags & CFLGS_OFF_SLAB) != 0);
    std::mt19937 rng(42);
    for (kmem_cache* c : {objfl, onslab, offslab}) {
      std::vector<void*> held;
      for (int round = 0; round < 4000; round++) {
        if (held.empty() || rng() % 3) {
          void* p = kmem_cache_alloc(c, GFP_KERNEL);
          REQUIRE(p);
          if (c->ctor) REQUIRE(static_cast<unsigned char*>(p)[0] == 0xc7);
          held.push_back(p);
        } else {
          const size_t k = rng() % held.size();
          std::swap(held[k], held.back());
          // Constructed state must be restored by the user before free.
          if (c->ctor) std::memset(held.back(), 0xc7, 8);
          kmem_cache_free(c, held.back());
          held.pop_back();
        }
      }
      check_cache(c, std::set<void*>(held.begin(), held.end()));
      for (void* p : held) kmem_cache_free(c, p);
      check_cache(c, {});
    }
    // Constructors ran once per object when slabs were grown, not per allocation.
    CHECK(ctor_calls == static_cast<int>(onslab->grown * onslab->num + offslab->grown * offslab->num));
    kmem_cache_destroy(objfl);
    kmem_cache_destroy(onslab);
    kmem_cache_destroy(offslab);
  }

  TEST_CASE("randomized alloc/free over many caches keeps every invariant and every byte") {
    SlabTestEnv env;
    const uint64_t before = SlabTestEnv::settle();
    struct Spec {
      unsigned size, align;
      slab_flags_t flags;
      void (*ctor)(void*);
    };
    const Spec specs[] = {{8, 0, 0, nullptr},
                          {24, 8, 0, nullptr},
                          {100, 0, SLAB_HWCACHE_ALIGN, nullptr},
                          {200, 32, SLAB_RECLAIM_ACCOUNT, nullptr},
                          {500, 0, 0, count_ctor},
                          {3000, 0, SLAB_CACHE_DMA32, nullptr},
                          {5000, 0, 0, nullptr},
                          {40, 0, SLAB_NOLEAKTRACE, count_ctor},
                          {20000, 0, 0, nullptr}};
    std::vector<kmem_cache*> caches;
    for (const Spec& s : specs) {
      kmem_cache* c = kmem_cache_create_usercopy(("rnd" + std::to_string(caches.size())).c_str(), s.size,
                                                 s.align, s.flags, 0, 4, s.ctor);  // usercopy: never merged
      REQUIRE(c);
      caches.push_back(c);
    }
    std::mt19937 rng(1234);
    struct Obj {
      void* p;
      unsigned cache;
      uint32_t seed;
    };
    std::vector<Obj> held;
    std::vector<std::set<void*>> per_cache(caches.size());
    for (int op = 0; op < 60000; op++) {
      const bool alloc = held.empty() || (rng() % 100) < (op < 30000 ? 60 : 40);
      if (alloc) {
        const unsigned ci = rng() % caches.size();
        void* p = kmem_cache_alloc(caches[ci], GFP_KERNEL);
        REQUIRE(p);
        REQUIRE(reinterpret_cast<uintptr_t>(p) % (specs[ci].align ? specs[ci].align : 8) == 0);
        const uint32_t seed = static_cast<uint32_t>(rng());
        fill(p, specs[ci].size, seed);
        held.push_back({p, ci, seed});
        REQUIRE(per_cache[ci].insert(p).second);
      } else {
        const size_t k = rng() % held.size();
        std::swap(held[k], held.back());
        const Obj o = held.back();
        held.pop_back();
        REQUIRE(intact(o.p, specs[o.cache].size, o.seed));
        if (specs[o.cache].ctor) std::memset(o.p, 0xc7, 8);
        kmem_cache_free(caches[o.cache], o.p);
        per_cache[o.cache].erase(o.p);
      }
      if (op % 5000 == 0)
        for (size_t i = 0; i < caches.size(); i++) check_cache(caches[i], per_cache[i]);
      if (op % 20000 == 10000) cache_reap(true);  // reaping in the middle changes nothing visible
    }
    for (size_t i = 0; i < caches.size(); i++) check_cache(caches[i], per_cache[i]);
    for (const Obj& o : held) {
      REQUIRE(intact(o.p, specs[o.cache].size, o.seed));
      kmem_cache_free(caches[o.cache], o.p);
    }
    for (kmem_cache* c : caches) kmem_cache_destroy(c);
    CHECK(SlabTestEnv::settle() == before);
  }

  TEST_CASE("allocation failure leaves everything consistent") {
    SlabTestEnv env(4ull << 20);
    kmem_cache* c = kmem_cache_create("fill", 1000, 0, 0, nullptr);
    REQUIRE(c);
    std::set<void*> held;
    for (;;) {
      void* p = kmem_cache_alloc(c, GFP_KERNEL | __GFP_NOWARN);
      if (!p) break;
      held.insert(p);
    }
    CHECK(held.size() > 1000);
    check_cache(c, held);
    for (void* p : held) kmem_cache_free(c, p);
    held.clear();
    check_cache(c, held);
    CHECK(kmem_cache_alloc(c, GFP_KERNEL) != nullptr);  // works again
    kmem_cache_shrink(c);
  }
}
