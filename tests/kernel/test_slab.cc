// SLAB on the real machine: kmalloc classes and kmem_cache on real pages,
// every hart allocating at once and freeing what another hart allocated,
// leak checks against the page allocator, reaping.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/smp.h>
#include <kernel/percpu.h>
#include <kernel/rcupdate.h>
#include <lib/string.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

#include "../../mm/slab_internal.h"
#include "settle.h"

KTEST(slab, kmalloc_every_class_on_real_pages) {
  const uint64_t before = settled_free_pages();
  void* held[KMALLOC_SHIFT_HIGH + 1] = {};
  for (int i = 1; i <= static_cast<int>(KMALLOC_SHIFT_HIGH); i++) {
    const size_t size = kmalloc_size(i);
    if (!size) continue;
    held[i] = kmalloc(size, GFP_KERNEL);
    ASSERT_TRUE(held[i] != nullptr);
    EXPECT_EQ(ksize(held[i]), size);
    memset(held[i], i, size);
    if (!(size & (size - 1))) EXPECT_EQ(reinterpret_cast<uintptr_t>(held[i]) % size, 0u);
  }
  for (int i = 1; i <= static_cast<int>(KMALLOC_SHIFT_HIGH); i++) {
    if (!held[i]) continue;
    const unsigned char* b = static_cast<unsigned char*>(held[i]);
    bool ok = true;
    for (size_t k = 0; k < kmalloc_size(i); k++) ok &= b[k] == i;
    EXPECT_TRUE(ok);
    kfree(held[i]);
  }
  void* big = kmalloc(5 * MM_PAGE_SIZE, GFP_KERNEL);
  ASSERT_TRUE(big != nullptr);
  EXPECT_EQ(ksize(big), 8 * MM_PAGE_SIZE);
  kfree(big);
  void* dma = kmalloc(300, GFP_KERNEL | __GFP_DMA32);
  ASSERT_TRUE(dma != nullptr);
  EXPECT_LT(mm_virt_to_phys(dma), uint64_t{4} << 30);
  kfree(dma);
  EXPECT_EQ(kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
  EXPECT_EQ(settled_free_pages(), before);
}

KTEST(slab, kstrdup_const_keeps_rodata) {
  static const char text[] = "in rodata";
  const char* s = kstrdup_const(text, GFP_KERNEL);
  EXPECT_EQ(s, text);  // no copy
  kfree_const(s);
  char stack[8] = "stack";
  const char* c = kstrdup_const(stack, GFP_KERNEL);
  EXPECT_NE(c, static_cast<const char*>(stack));
  EXPECT_EQ(strcmp(c, "stack"), 0);
  kfree_const(c);
}

KTEST(slab, cache_lifecycle_leaves_no_page_behind) {
  const uint64_t before = settled_free_pages();
  kmem_cache* c = kmem_cache_create("ktest_obj", 200, 0, SLAB_HWCACHE_ALIGN, nullptr);
  ASSERT_TRUE(c != nullptr);
  static void* objs[3000];
  for (unsigned i = 0; i < 3000; i++) {
    objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
    ASSERT_TRUE(objs[i] != nullptr);
    memset(objs[i], 0x11, 200);
  }
  EXPECT_LT(nr_free_pages(), before);
  for (unsigned i = 0; i < 3000; i++) kmem_cache_free(c, objs[i]);
  kmem_cache_destroy(c);
  EXPECT_EQ(settled_free_pages(), before);
}

namespace {

constexpr unsigned kPerCpu = 400;
kmem_cache* smp_cache;
void* smp_objs[NR_CPUS][kPerCpu];
std::atomic<unsigned> smp_failures;

void alloc_all(void*) {
  const unsigned me = this_cpu()->id;
  for (unsigned i = 0; i < kPerCpu; i++) {
    void* p = kmem_cache_alloc(smp_cache, GFP_ATOMIC);
    smp_objs[me][i] = p;
    if (!p) {
      smp_failures++;
      continue;
    }
    uint64_t* w = static_cast<uint64_t*>(p);
    for (unsigned k = 0; k < 8; k++) w[k] = (uint64_t{me} << 32) | i;
  }
}

// Frees what the next online CPU allocated, checking it was not touched.
void free_neighbours(void*) {
  const unsigned me = this_cpu()->id;
  unsigned from = me;
  do from = (from + 1) % NR_CPUS;
  while (!cpu_online(from));
  for (unsigned i = 0; i < kPerCpu; i++) {
    uint64_t* w = static_cast<uint64_t*>(smp_objs[from][i]);
    if (!w) continue;
    for (unsigned k = 0; k < 8; k++)
      if (w[k] != ((uint64_t{from} << 32) | i)) smp_failures++;
    kmem_cache_free(smp_cache, w);
    smp_objs[from][i] = nullptr;
  }
}

// Alloc/free churn on every hart at once through one cache.
void churn(void*) {
  void* mine[64];
  for (unsigned round = 0; round < 50; round++) {
    for (auto& p : mine)
      if (!(p = kmem_cache_alloc(smp_cache, GFP_ATOMIC))) smp_failures++;
    for (auto* p : mine) kmem_cache_free(smp_cache, p);
  }
}

}  // namespace

KTEST(slab, all_harts_allocate_and_free_each_others_objects) {
  const uint64_t before = settled_free_pages();
  smp_cache = kmem_cache_create("ktest_smp", 64, 0, 0, nullptr);
  ASSERT_TRUE(smp_cache != nullptr);
  smp_failures = 0;
  for (unsigned round = 0; round < 3; round++) {
    on_each_cpu(alloc_all, nullptr);
    on_each_cpu(free_neighbours, nullptr);
    on_each_cpu(churn, nullptr);
  }
  EXPECT_EQ(smp_failures.load(), 0u);
  EXPECT_EQ(kmem_cache_shrink(smp_cache), 0);  // nothing left in use
  kmem_cache_destroy(smp_cache);
  EXPECT_EQ(settled_free_pages(), before);
}

KTEST(slab, reaping_returns_idle_slabs) {
  kmem_cache* c = kmem_cache_create("ktest_reap", 512, 0, 0, nullptr);
  ASSERT_TRUE(c != nullptr);
  static void* objs[2000];
  for (auto& p : objs) p = kmem_cache_alloc(c, GFP_KERNEL);
  for (auto* p : objs) kmem_cache_free(c, p);
  const uint64_t free_before = nr_free_pages();
  unsigned long slabs_before;
  {
    MmLockGuard g{c->node.list_lock};
    slabs_before = c->node.total_slabs;
  }
  EXPECT_GT(slabs_before, 0u);
  EXPECT_GT(cache_reap(true), 0u);
  on_each_cpu([](void*) { drain_local_pages(); }, nullptr);
  {
    MmLockGuard g{c->node.list_lock};
    EXPECT_LT(c->node.total_slabs, slabs_before);
  }
  EXPECT_GT(nr_free_pages(), free_before);
  kmem_cache_destroy(c);
}

namespace {

bool contains(const char* hay, const char* needle) {
  const size_t n = strlen(needle);
  for (; *hay; hay++)
    if (!strncmp(hay, needle, n)) return true;
  return false;
}

struct Tagged {
  uint64_t tag;
  uint64_t payload;
};
constexpr uint64_t kTag = 0x7e57ab1e;
void tag_ctor(void* p) { static_cast<Tagged*>(p)->tag = kTag; }

}  // namespace

KTEST(slab, debug_checks_catch_bugs_on_real_pages) {
  kmem_cache* c =
      kmem_cache_create("ktest_debug", 40, 0, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, nullptr);
  ASSERT_TRUE(c != nullptr);
  const SlabErrors before = slab_errors();
  auto* p = static_cast<unsigned char*>(kmem_cache_alloc(c, GFP_KERNEL));
  ASSERT_TRUE(p != nullptr);
  EXPECT_EQ(p[0], POISON_INUSE);
  p[40] = 1;  // overrun into the red zone
  kmem_cache_free(c, p);
  EXPECT_EQ(slab_errors().redzone, before.redzone + 1);
  EXPECT_TRUE(contains(slab_last_report(), "ktest_debug"));
  kmem_cache_free(c, p);  // double free: refused
  EXPECT_EQ(slab_errors().double_free, before.double_free + 1);
  p[5] = 0;  // write after free
  void* q = kmem_cache_alloc(c, GFP_KERNEL);
  EXPECT_EQ(q, static_cast<void*>(p));
  EXPECT_EQ(slab_errors().write_after_free, before.write_after_free + 1);
  EXPECT_TRUE(contains(slab_last_report(), "offset 5"));
  kmem_cache_free(c, q);
  kmem_cache_destroy(c);
  EXPECT_EQ(slab_errors().leaks, before.leaks);
}

KTEST(slab, typesafe_by_rcu_pages_wait_for_a_grace_period) {
  kmem_cache* c = kmem_cache_create("ktest_rcu", sizeof(Tagged), 0, SLAB_TYPESAFE_BY_RCU, tag_ctor);
  ASSERT_TRUE(c != nullptr);
  static Tagged* objs[600];
  for (auto& o : objs) {
    o = static_cast<Tagged*>(kmem_cache_alloc(c, GFP_KERNEL));
    ASSERT_TRUE(o != nullptr);
    EXPECT_EQ(o->tag, kTag);
  }
  Tagged* watched = objs[300];
  rcu_read_lock();  // a reader still holding a pointer
  for (auto* o : objs) kmem_cache_free(c, o);
  kmem_cache_shrink(c);
  EXPECT_EQ(virt_to_cache(watched), c);  // the page is still this cache's slab
  EXPECT_EQ(watched->tag, kTag);         // and the object still of its type
  rcu_read_unlock();
  synchronize_rcu();
  rcu_barrier();  // the freeing callback has run
  EXPECT_TRUE(virt_to_cache(watched) == nullptr);
  kmem_cache_destroy(c);
}

KTEST(slab, destroy_reports_leaks_and_keeps_the_cache) {
  kmem_cache* c = kmem_cache_create("ktest_leak", 128, 0, 0, nullptr);
  ASSERT_TRUE(c != nullptr);
  void* leaked = kmem_cache_alloc(c, GFP_KERNEL);
  const SlabErrors before = slab_errors();
  kmem_cache_destroy(c);
  EXPECT_EQ(slab_errors().leaks, before.leaks + 1);
  EXPECT_TRUE(contains(slab_last_report(), "ktest_leak: Slab cache still has objects (1 in use)"));
  kmem_cache_free(c, leaked);  // still valid
  kmem_cache_destroy(c);
}

KTEST(slab, slabinfo_lists_every_cache) {
  static char buf[16384];
  const size_t len = slabinfo_format(buf, sizeof(buf));
  EXPECT_EQ(len, strlen(buf));
  EXPECT_EQ(strncmp(buf, "slabinfo - version: 2.1\n", 24), 0);
  EXPECT_TRUE(contains(buf, "\nkmalloc-96 "));
  EXPECT_TRUE(contains(buf, "\ndma-kmalloc-8k "));
  EXPECT_TRUE(contains(buf, "\nkmem_cache "));
  EXPECT_TRUE(contains(buf, " : tunables  120   60    8 : slabdata "));
}
