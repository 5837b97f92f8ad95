// The buddy allocator on the real machine's memory.
#include <kernel/ktest.h>

#include <asm/page.h>
#include <asm/smp.h>
#include <kernel/devicetree.h>
#include <mm/init.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

#include "settle.h"

namespace {

struct Snapshot {
  ZoneStats zone[MAX_NR_ZONES];
};

// SLAB's periodic reaper frees pages that earlier suites left cached (from
// the tick, on every CPU): empty the caches first so it cannot free any
// while a test compares free lists.
void drain(void*) {
  cache_reap(true);
  drain_local_pages();
}

// Free-list shapes are compared with every CPU's order-0 list drained and
// no page parked in a SLAB cache: every cache shrunk (settled_free_pages).
// cache_reap() from every CPU at once was not enough: it only try-locks
// slab_mutex, so all but one CPU skipped their arrays, and the tick's
// reaper later freed those objects' slabs in the middle of the test.
Snapshot snapshot() {
  (void)settled_free_pages();
  on_each_cpu(drain, nullptr);
  Snapshot s;
  for (unsigned z = 0; z < MAX_NR_ZONES; z++) s.zone[z] = zone_stats(static_cast<ZoneType>(z));
  return s;
}

bool same_free_lists(const Snapshot& a, const Snapshot& b) {
  for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
    if (a.zone[z].free != b.zone[z].free) return false;
    for (unsigned o = 0; o < MAX_ORDER; o++)
      if (a.zone[z].nr_free[o] != b.zone[z].nr_free[o]) return false;
  }
  return true;
}

// Allocated blocks are chained through their own first word: the test
// needs no memory besides what it takes.
struct Chain {
  void* head = nullptr;
  uint64_t blocks = 0;
  void push(page* p) {
    void** v = static_cast<void**>(page_address(p));
    *v = head;
    head = v;
    blocks++;
  }
  template <typename Fn>
  void drain(Fn free_one) {
    while (head) {
      void* next = *static_cast<void**>(head);
      free_one(virt_to_page(head));
      head = next;
    }
  }
};

}  // namespace

KTEST(page_alloc, totals_match_the_device_tree) {
  EXPECT_LE(totalram_pages() * PAGE_SIZE, mm_total_ram());
  EXPECT_GT(totalram_pages() * PAGE_SIZE, mm_total_ram() / 2);
  const bool high = machine().memory[machine().nr_memory - 1].base + machine().memory[machine().nr_memory - 1].size >
                    (uint64_t{4} << 30);
  EXPECT_EQ(zone_stats(ZoneType::Normal).present, high);
  EXPECT_TRUE(zone_stats(ZoneType::DMA32).present);
}

KTEST(page_alloc, exhaustion_then_everything_back_at_max_order) {
  const Snapshot boot = snapshot();
  Chain big, small;
  // Large blocks first so an 8 GiB machine needs thousands, not millions.
  while (page* p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 9)) big.push(p);
  while (page* p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)) small.push(p);
  EXPECT_GT(big.blocks, 0u);
  // What is left is the reserve: GFP_ATOMIC may still have a page.
  page* atomic = alloc_pages(GFP_ATOMIC, 0);
  EXPECT_TRUE(atomic != nullptr);
  if (atomic) __free_pages(atomic, 0);
  EXPECT_LE(nr_free_pages(), 2 * (totalram_pages() / 256 + 16));
  big.drain([](page* p) { __free_pages(p, 9); });
  small.drain([](page* p) { __free_pages(p, 0); });
  EXPECT_TRUE(same_free_lists(boot, snapshot()));  // coalesced back to the boot shape
  EXPECT_EQ(page_alloc_errors().bad_frees, 0u);
}

KTEST(page_alloc, dma32_lands_below_4g) {
  for (int i = 0; i < 64; i++) {
    page* p = alloc_pages(GFP_DMA32, i % 4);
    ASSERT_TRUE(p != nullptr);
    EXPECT_LT((page_to_pfn(p) + (1u << (i % 4))) << PAGE_SHIFT, uint64_t{4} << 30);
    __free_pages(p, i % 4);
  }
  if (zone_stats(ZoneType::Normal).present) {
    page* p = alloc_pages(GFP_KERNEL, 0);
    ASSERT_TRUE(p != nullptr);
    EXPECT_GE(page_to_pfn(p) << PAGE_SHIFT, uint64_t{4} << 30);  // NORMAL is preferred
    __free_pages(p, 0);
  }
}

KTEST(page_alloc, zeroed_pages_are_zero_and_addresses_translate) {
  page* p = alloc_pages(GFP_KERNEL, 2);
  ASSERT_TRUE(p != nullptr);
  uint8_t* bytes = static_cast<uint8_t*>(page_address(p));
  for (size_t i = 0; i < 4 * PAGE_SIZE; i++) bytes[i] = 0xa5;
  EXPECT_EQ(virt_to_page(bytes + PAGE_SIZE + 7), p + 1);
  EXPECT_EQ(page_to_pfn(p) << PAGE_SHIFT, __pa(bytes));
  __free_pages(p, 2);
  const uint64_t z = get_zeroed_page(GFP_KERNEL);
  ASSERT_NE(z, 0u);
  const uint64_t* words = reinterpret_cast<const uint64_t*>(z);
  bool all_zero = true;
  for (size_t i = 0; i < PAGE_SIZE / 8; i++) all_zero &= words[i] == 0;
  EXPECT_TRUE(all_zero);
  free_page(z);
}

KTEST(page_alloc, double_free_is_caught) {
  const uint64_t before = page_alloc_errors().bad_frees;
  const Snapshot s = snapshot();
  page* p = alloc_pages(GFP_KERNEL, 1);
  ASSERT_TRUE(p != nullptr);
  __free_pages(p, 1);
  __free_pages(p, 1);  // reported (one warning line), ignored
  EXPECT_EQ(page_alloc_errors().bad_frees, before + 1);
  EXPECT_TRUE(same_free_lists(s, snapshot()));
}

namespace {

void churn(void*) {
  Chain mine;
  for (unsigned round = 0; round < 4; round++) {
    for (unsigned i = 0; i < 200; i++)
      if (page* p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, i % 3 == 0 ? 1 : 0)) mine.push(p);
    mine.drain([](page* p) { __free_pages(p, p->order); });
  }
}

}  // namespace

KTEST(page_alloc, every_hart_at_once) {
  const Snapshot before = snapshot();
  const uint64_t bad = page_alloc_errors().bad_frees;
  on_each_cpu(churn, nullptr);
  EXPECT_EQ(page_alloc_errors().bad_frees, bad);
  EXPECT_TRUE(same_free_lists(before, snapshot()));
}
