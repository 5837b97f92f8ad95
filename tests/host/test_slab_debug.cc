// SLAB debug checks (mm/slab_debug.cc), each bug committed on purpose:
// write after free, overrun into the red zone, double free, frees of
// pointers that are not this cache's object starts, usercopy outside the
// region; and slab_debug= turning the checks on for every cache.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "../../mm/slab_internal.h"
#include "test_slab_env.h"

namespace {

bool contains(const char* hay, const std::string& needle) {
  return std::string(hay).find(needle) != std::string::npos;
}

[[gnu::noinline]] void* alloc_here(kmem_cache* c) {
  void* p = kmem_cache_alloc(c, GFP_KERNEL);
  asm volatile("" ::: "memory");  // keep the call out of the tail position
  return p;
}
[[gnu::noinline]] void free_here(kmem_cache* c, void* p) {
  kmem_cache_free(c, p);
  asm volatile("" ::: "memory");
}
bool inside(void* addr, void (*fn)()) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(addr), f = reinterpret_cast<uintptr_t>(fn);
  if (!(a > f && a < f + 4096))
    MESSAGE("caller " << addr << " not just after " << reinterpret_cast<void*>(fn));
  return a > f && a < f + 4096;
}
void* user_word(kmem_cache* c, void* objp) {
  return *reinterpret_cast<void**>(static_cast<char*>(objp) - c->obj_offset + c->size - sizeof(void*));
}

unsigned in_cpu_array(kmem_cache* c, void* objp) {
  unsigned n = 0;
  const array_cache* ac = c->cpu_cache[0];
  for (unsigned i = 0; i < ac->avail; i++) n += ac->entry[i] == static_cast<char*>(objp) - c->obj_offset;
  return n;
}

}  // namespace

TEST_SUITE("slab_debug") {
  TEST_CASE("poison: objects in use read 0x5a, a write after free is reported with cache, offset and freer") {
    SlabTestEnv env;
    kmem_cache* c = kmem_cache_create("poisoned", 100, 0, SLAB_POISON | SLAB_STORE_USER, nullptr);
    REQUIRE(c);
    auto* p = static_cast<unsigned char*>(alloc_here(c));
    REQUIRE(p);
    for (unsigned i = 0; i < 99; i++) REQUIRE(p[i] == POISON_INUSE);
    CHECK(p[99] == POISON_END);
    CHECK(inside(user_word(c, p), reinterpret_cast<void (*)()>(alloc_here)));
    free_here(c, p);
    CHECK(inside(user_word(c, p), reinterpret_cast<void (*)()>(free_here)));
    const SlabErrors before = slab_errors();
    p[37] = 0x42;  // the bug
    p[38] = 0x43;
    void* again = kmem_cache_alloc(c, GFP_KERNEL);  // LIFO: the same object
    CHECK(again == p);
    CHECK(slab_errors().write_after_free == before.write_after_free + 1);
    CHECK(contains(slab_last_report(), "'poisoned'"));
    CHECK(contains(slab_last_report(), "offset 37"));
    CHECK(contains(slab_last_report(), "2 bytes changed"));
    CHECK(contains(slab_last_report(), "first 0x42"));
    kmem_cache_free(c, again);
    // Never reallocated: the corruption is found when the slab is freed.
    auto* q = static_cast<unsigned char*>(kmem_cache_alloc(c, GFP_KERNEL));
    kmem_cache_free(c, q);
    q[0] = 0;
    kmem_cache_shrink(c);
    CHECK(slab_errors().write_after_free == before.write_after_free + 2);
    CHECK(contains(slab_last_report(), "offset 0"));
    kmem_cache_destroy(c);
  }

  TEST_CASE("red zone: an overrun is reported on free with the bytes found and the allocating caller") {
    SlabTestEnv env;
    kmem_cache* c = kmem_cache_create("zoned", 64, 0, SLAB_RED_ZONE | SLAB_STORE_USER, nullptr);
    REQUIRE(c);
    CHECK(c->obj_offset == 8);
    CHECK(c->size == 8 + 64 + 8 + 8);
    auto* p = static_cast<unsigned char*>(alloc_here(c));
    char alloc_site[32];
    std::snprintf(alloc_site, sizeof(alloc_site), "allocated by %p", user_word(c, p));
    const SlabErrors before = slab_errors();
    p[64] = 'X';  // one byte past the end
    kmem_cache_free(c, p);
    CHECK(slab_errors().redzone == before.redzone + 1);
    CHECK(contains(slab_last_report(), "'zoned'"));
    CHECK(contains(slab_last_report(),
                   "red zone 2: 0xd84156c5635688"
                   "58"));  // 'X' = 0x58 in the low byte
    CHECK(contains(slab_last_report(), alloc_site));
    // Underrun into red zone 1.
    p = static_cast<unsigned char*>(kmem_cache_alloc(c, GFP_KERNEL));
    p[-1] = 0;
    kmem_cache_free(c, p);
    CHECK(slab_errors().redzone == before.redzone + 2);
    CHECK(contains(slab_last_report(), "red zone 1: 0x00"));
    kmem_cache_shrink(c);
    CHECK(slab_errors().redzone == before.redzone + 2);  // the frees repaired the zones
    kmem_cache_destroy(c);
  }

  TEST_CASE("double free is reported and refused, with and without red zones") {
    SlabTestEnv env;
    for (slab_flags_t flags : {SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER}) {
      kmem_cache* c = kmem_cache_create("twice", 48, 0, flags, nullptr);
      REQUIRE(c);
      void* p = kmem_cache_alloc(c, GFP_KERNEL);
      void* other = kmem_cache_alloc(c, GFP_KERNEL);
      kmem_cache_free(c, p);
      const SlabErrors before = slab_errors();
      kmem_cache_free(c, p);
      CHECK(slab_errors().double_free == before.double_free + 1);
      CHECK(contains(slab_last_report(), "double free"));
      CHECK(in_cpu_array(c, p) == 1);  // not passed on: still there once
      // Also once the object went back to its slab.
      kmem_cache_shrink(c);
      kmem_cache_free(c, p);
      CHECK(slab_errors().double_free == before.double_free + 2);
      // The two next allocations are distinct objects.
      void* a = kmem_cache_alloc(c, GFP_KERNEL);
      void* b = kmem_cache_alloc(c, GFP_KERNEL);
      CHECK(a != b);
      kmem_cache_free(c, a);
      kmem_cache_free(c, b);
      kmem_cache_free(c, other);
      kmem_cache_destroy(c);
      CHECK(slab_errors().leaks == before.leaks);
    }
  }

  TEST_CASE("frees of the wrong cache, a pointer inside an object, or no slab object are refused") {
    SlabTestEnv env;
    kmem_cache* a = kmem_cache_create("cache_a", 64, 0, SLAB_RED_ZONE, nullptr);
    kmem_cache* b = kmem_cache_create("cache_b", 64, 0, SLAB_RED_ZONE, nullptr);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a != b);
    void* pa = kmem_cache_alloc(a, GFP_KERNEL);
    const SlabErrors before = slab_errors();
    kmem_cache_free(b, pa);
    CHECK(slab_errors().bad_free == before.bad_free + 1);
    CHECK(contains(slab_last_report(), "belongs to 'cache_a'"));
    kmem_cache_free(a, static_cast<char*>(pa) + 8);
    CHECK(slab_errors().bad_free == before.bad_free + 2);
    CHECK(contains(slab_last_report(), "not the start of an object"));
    int on_stack;
    kmem_cache_free(a, &on_stack);
    CHECK(slab_errors().bad_free == before.bad_free + 3);
    kfree(&on_stack);
    CHECK(slab_errors().bad_free == before.bad_free + 4);
    CHECK(contains(slab_last_report(), "not a kmalloc pointer"));
    void* big = kmalloc(20000, GFP_KERNEL);
    kfree(static_cast<char*>(big) + 4096);
    CHECK(slab_errors().bad_free == before.bad_free + 5);
    kfree(big);
    // kfree checks the object start even without debug flags.
    char* k = static_cast<char*>(kmalloc(100, GFP_KERNEL));
    kfree(k + 8);
    CHECK(slab_errors().bad_free == before.bad_free + 6);
    CHECK(contains(slab_last_report(), "inside an object of 'kmalloc-128'"));
    void* k1 = kmalloc(100, GFP_KERNEL);
    CHECK(k1 != k + 8);
    kfree(k1);
    kfree(k);
    kmem_cache_free(a, pa);  // the real free still works
    CHECK(slab_errors().bad_free == before.bad_free + 6);
    CHECK(slab_errors().double_free == before.double_free);
    kmem_cache_destroy(a);
    kmem_cache_destroy(b);
    CHECK(slab_errors().leaks == before.leaks);
  }

  TEST_CASE("usercopy: only the cache's region of an object may be copied") {
    SlabTestEnv env;
    kmem_cache* c = kmem_cache_create_usercopy("uc", 64, 0, 0, 8, 16, nullptr);
    REQUIRE(c);
    char* p = static_cast<char*>(kmem_cache_alloc(c, GFP_KERNEL));
    const SlabErrors before = slab_errors();
    CHECK(check_object_size(p + 8, 16, true));
    CHECK(check_object_size(p + 12, 12, false));
    CHECK(check_object_size(p + 8, 0, true));
    CHECK_FALSE(check_object_size(p + 4, 8, true));
    CHECK(contains(slab_last_report(), "exposure attempt detected from SLAB object 'uc' (offset 4, size 8)"));
    CHECK_FALSE(check_object_size(p + 8, 17, false));
    CHECK(contains(slab_last_report(), "overwrite attempt"));
    CHECK_FALSE(check_object_size(p, 64, true));
    CHECK(slab_errors().usercopy == before.usercopy + 3);
    char* k = static_cast<char*>(kmalloc(100, GFP_KERNEL));  // kmalloc: the whole object
    CHECK(check_object_size(k, 128, true));
    CHECK(check_object_size(k + 100, 28, true));
    CHECK_FALSE(check_object_size(k + 100, 29, true));  // runs into the next object
    int local = 0;
    CHECK(check_object_size(&local, sizeof(local), true));  // not slab memory
    CHECK(slab_errors().usercopy == before.usercopy + 4);
    kfree(k);
    kmem_cache_free(c, p);
  }

  TEST_CASE("slab_debug= turns on red zones, user word and poison wherever the layout allows") {
    SlabTestEnv env(64ull << 20, "console=ttyS0 slab_debug");
    CHECK(slab_force_debug);
    kmem_cache* c = kmem_cache_create("forced", 72, 0, 0, nullptr);
    REQUIRE(c);
    CHECK((c->flags & SLAB_DEBUG_FLAGS) == SLAB_DEBUG_FLAGS);
    // kmalloc-64 is 64-byte aligned: red zones would not fit the alignment.
    CHECK((kmalloc_caches[KMALLOC_NORMAL][6]->flags & SLAB_DEBUG_FLAGS) == SLAB_POISON);
    kmem_cache* rcu = kmem_cache_create("forced_rcu", 72, 0, SLAB_TYPESAFE_BY_RCU, nullptr);
    CHECK((rcu->flags & SLAB_POISON) == 0);
    // Debug caches still work end to end.
    auto* p = static_cast<unsigned char*>(kmem_cache_alloc(c, GFP_KERNEL));
    std::memset(p, 1, 72);
    kmem_cache_free(c, p);
    void* k = kmalloc(50, GFP_KERNEL);
    kfree(k);
    const SlabErrors before = slab_errors();
    static_cast<char*>(k)[3] = 9;
    void* k2 = kmalloc(50, GFP_KERNEL);
    CHECK(k2 == k);
    CHECK(slab_errors().write_after_free == before.write_after_free + 1);
    CHECK(contains(slab_last_report(), "'kmalloc-64'"));
    kfree(k2);
    kmem_cache_destroy(c);
    kmem_cache_destroy(rcu);
  }

  TEST_CASE("slab_debug=0 and no option leave caches without debug flags") {
    SlabTestEnv env(64ull << 20, "slab_debug=0");
    CHECK_FALSE(slab_force_debug);
    kmem_cache* c = kmem_cache_create("plain", 72, 0, 0, nullptr);
    CHECK((c->flags & SLAB_DEBUG_FLAGS) == 0);
    kmem_cache_destroy(c);
  }
}
