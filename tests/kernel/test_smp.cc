// SMP self-tests: every online hart runs code and takes IPIs, and
// spinlocks exclude under contention from all of them.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/mmu.h>
#include <asm/smp.h>
#include <kernel/devicetree.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>

namespace {

std::atomic<uint64_t> seen_harts;
std::atomic<unsigned> calls;

void record_hart(void*) {
  seen_harts.fetch_or(uint64_t{1} << this_cpu()->hartid);
  calls.fetch_add(1);
}

uint64_t online_hart_mask() {
  uint64_t m = 0;
  for (unsigned i = 0; i < NR_CPUS; i++)
    if (cpu_online(i)) m |= uint64_t{1} << cpus[i].hartid;
  return m;
}

unsigned usable_dt_harts() {
  unsigned n = 0;
  for (unsigned i = 0; i < machine().nr_harts; i++) n += machine().harts[i].okay && machine().harts[i].has_mmu;
  return n;
}

}  // namespace

KTEST(smp, every_usable_hart_is_online) {
  const unsigned expected = usable_dt_harts() < NR_CPUS ? usable_dt_harts() : NR_CPUS;
  EXPECT_EQ(num_online_cpus(), expected);
  if (usable_dt_harts() <= NR_CPUS) {
    // The same as hart masks, so a failure names the missing harts.
    uint64_t want = 0;
    for (unsigned i = 0; i < machine().nr_harts; i++)
      if (machine().harts[i].okay && machine().harts[i].has_mmu) want |= uint64_t{1} << machine().harts[i].hartid;
    EXPECT_EQ(online_hart_mask(), want);
  }
  EXPECT_EQ(this_cpu()->id, 0u);
  EXPECT_TRUE(cpu_online(0));
  // The SiFive monitor core (no MMU) is never among them.
  for (unsigned i = 0; i < machine().nr_harts; i++)
    if (!machine().harts[i].has_mmu) EXPECT_EQ((online_hart_mask() >> machine().harts[i].hartid) & 1, 0u);
}

KTEST(smp, on_each_cpu_runs_everywhere_once) {
  seen_harts = 0;
  calls = 0;
  on_each_cpu(record_hart, nullptr);
  EXPECT_EQ(seen_harts.load(), online_hart_mask());
  EXPECT_EQ(calls.load(), num_online_cpus());
}

KTEST(smp, ipi_round_trip_to_each_cpu) {
  if (num_online_cpus() < 2) KTEST_SKIP("needs two harts");
  for (unsigned i = 1; i < NR_CPUS; i++) {
    if (!cpu_online(i)) continue;
    seen_harts = 0;
    const uint64_t before = cpus[i].ipis;
    const cpumask_t ran = smp_call_function_many(cpumask_t{1} << i, record_hart, nullptr, true);
    EXPECT_EQ(ran, cpumask_t{1} << i);
    EXPECT_EQ(seen_harts.load(), uint64_t{1} << cpus[i].hartid);
    EXPECT_GT(cpus[i].ipis, before);
  }
}

namespace {

SpinLock contended;
uint64_t counter;  // protected by contended
// Modest: a ticket lock under TCG waits for the host to schedule the next
// ticket holder's vCPU thread, so contention is slow to emulate.
constexpr unsigned kIncrements = 3000;

void hammer(void*) {
  for (unsigned i = 0; i < kIncrements; i++) {
    SpinLockGuard g{contended};
    counter = counter + 1;
  }
}

}  // namespace

KTEST(smp, spinlock_excludes_under_contention) {
  counter = 0;
  on_each_cpu(hammer, nullptr);
  EXPECT_EQ(counter, uint64_t{kIncrements} * num_online_cpus());
  EXPECT_FALSE(contended.is_locked());
}

KTEST(smp, irqsave_guard_restores_state) {
  ASSERT_FALSE(irqs_disabled());
  {
    SpinLock l;
    SpinLockIrqSaveGuard g{l};
    EXPECT_TRUE(irqs_disabled());
    EXPECT_TRUE(l.is_locked());
  }
  EXPECT_FALSE(irqs_disabled());
}

namespace {

// A scratch kernel address no one else maps (top of the direct-map window).
constexpr uintptr_t kShootdownVa = LAYOUT_IO_BASE + LAYOUT_IO_SIZE + 0x40000000;
alignas(PAGE_SIZE) uint64_t page_a[PAGE_SIZE / 8];
alignas(PAGE_SIZE) uint64_t page_b[PAGE_SIZE / 8];
std::atomic<uint64_t> seen_values[NR_CPUS];

void read_scratch(void*) {
  seen_values[this_cpu()->id] = *reinterpret_cast<volatile uint64_t*>(kShootdownVa);
}

}  // namespace

KTEST(smp, remote_tlb_shootdown_is_observed_by_every_hart) {
  page_a[0] = 0xaaaa;
  page_b[0] = 0xbbbb;
  const unsigned pool_before = paging_boot_pool_used();
  PageTableEditor pt = kernel_page_table();
  ASSERT_EQ(pt.map(kShootdownVa, __pa_symbol(page_a), PAGE_SIZE, PAGE_KERNEL, PtLevel::Page), 0);
  ASSERT_TRUE(flush_tlb_kernel_range(kShootdownVa, PAGE_SIZE));
  on_each_cpu(read_scratch, nullptr);  // every hart now caches the page_a translation
  for (unsigned i = 0; i < NR_CPUS; i++)
    if (cpu_online(i)) EXPECT_EQ(seen_values[i].load(), 0xaaaau);
  // Point the address at page_b, shoot down, and every hart must see it.
  ASSERT_EQ(pt.unmap(kShootdownVa, PAGE_SIZE), 0);
  ASSERT_EQ(pt.map(kShootdownVa, __pa_symbol(page_b), PAGE_SIZE, PAGE_KERNEL, PtLevel::Page), 0);
  ASSERT_TRUE(flush_tlb_kernel_range(kShootdownVa, PAGE_SIZE));
  on_each_cpu(read_scratch, nullptr);
  for (unsigned i = 0; i < NR_CPUS; i++)
    if (cpu_online(i)) EXPECT_EQ(seen_values[i].load(), 0xbbbbu);
  EXPECT_EQ(pt.unmap(kShootdownVa, PAGE_SIZE), 0);
  EXPECT_TRUE(flush_tlb_kernel_range(0, ~uintptr_t{0}));
  // The new tables came from the page allocator, not the boot pool.
  EXPECT_EQ(paging_boot_pool_used(), pool_before);
}

KTEST(smp, remote_fence_i_accepted) { EXPECT_TRUE(flush_icache_all()); }
