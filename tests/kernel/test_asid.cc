// ASID and address-space switch self-tests: user page tables built with the
// page-table editor, switched to with set_mm(), read through sstatus.SUM
// under probe_fault() so a wrong translation fails the case, not the kernel.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <asm/mmu.h>
#include <asm/mmu_context.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <kernel/percpu.h>
#include <mm/page_alloc.h>

namespace {

constexpr uintptr_t kUserVa = 0x10000000;
constexpr pte_t kUserRw = _PAGE_VALID | _PAGE_READ | _PAGE_WRITE | _PAGE_USER;

// One address space: a root table and one data page mapped at kUserVa.
struct Space {
  mm_context_t ctx;
  uint64_t pgd = 0;
  uint64_t page = 0;  // direct-map address of the data page

  bool create(uint64_t value) {
    pgd = user_pgd_alloc();
    page = get_zeroed_page(GFP_KERNEL);
    if (!pgd || !page) return false;
    *reinterpret_cast<uint64_t*>(page) = value;
    return user_page_table(pgd).map(kUserVa, __pa(reinterpret_cast<void*>(page)), PAGE_SIZE, kUserRw,
                                    PtLevel::Page) == 0;
  }
  void destroy() {
    if (pgd) user_pgd_free(pgd);
    if (page) free_page(page);
    pgd = page = 0;
  }
};

void load_user(void* arg) {
  auto* v = static_cast<uint64_t*>(arg);
  *v = *reinterpret_cast<volatile uint64_t*>(kUserVa);
}

// Reads kUserVa in the current address space; false if it faulted.
bool read_user(uint64_t* value) {
  TrapRecord rec;
  csr_set<Csr::Sstatus>(SR_SUM);
  const bool faulted = probe_fault(load_user, value, &rec);
  csr_clear<Csr::Sstatus>(SR_SUM);
  return !faulted;
}

// Reads kUserVa in `s`; ~0 on a fault.
uint64_t read_in(Space& s) {
  set_mm(s.ctx, s.pgd);
  uint64_t v = ~uint64_t{0};
  if (!read_user(&v)) v = ~uint64_t{0};
  return v;
}

}  // namespace

KTEST(asid, width_probed) {
  EXPECT_LE(asid_bits(), 16u);
  // Used exactly when there are more than two ASIDs per possible CPU.
  EXPECT_EQ(asid_enabled(), (1u << asid_bits()) > 2 * NR_CPUS);
}

KTEST(asid, two_address_spaces_see_their_own_page_at_one_va) {
  Space a, b;
  ASSERT_TRUE(a.create(0xaaaa0001));
  ASSERT_TRUE(b.create(0xbbbb0002));
  for (unsigned i = 0; i < 4; i++) {
    EXPECT_EQ(read_in(a), 0xaaaa0001u);
    EXPECT_EQ(read_in(b), 0xbbbb0002u);
  }
  // A store through one is seen in its page, not in the other's.
  set_mm(a.ctx, a.pgd);
  csr_set<Csr::Sstatus>(SR_SUM);
  *reinterpret_cast<volatile uint64_t*>(kUserVa) = 0xaaaa0003;
  csr_clear<Csr::Sstatus>(SR_SUM);
  EXPECT_EQ(*reinterpret_cast<uint64_t*>(a.page), 0xaaaa0003u);
  EXPECT_EQ(read_in(b), 0xbbbb0002u);
  // The kernel's own table has no user half.
  switch_to_kernel_page_table();
  uint64_t v;
  EXPECT_FALSE(read_user(&v));
  if (asid_enabled()) EXPECT_NE(mm_context_asid(a.ctx), mm_context_asid(b.ctx));
  a.destroy();
  b.destroy();
}

KTEST(asid, address_space_keeps_its_asid_within_a_generation) {
  if (!asid_enabled()) KTEST_SKIP("no ASIDs on this hart");
  Space a, b;
  ASSERT_TRUE(a.create(1));
  ASSERT_TRUE(b.create(2));
  read_in(a);
  read_in(b);
  const uint64_t id_a = a.ctx.id.load(), id_b = b.ctx.id.load();
  const uint64_t gen = asid_generation();
  for (unsigned i = 0; i < 8; i++) {
    EXPECT_EQ(read_in(i % 2 ? a : b), i % 2 ? 1u : 2u);
  }
  if (asid_generation() == gen) {
    EXPECT_EQ(a.ctx.id.load(), id_a);
    EXPECT_EQ(b.ctx.id.load(), id_b);
  }
  EXPECT_NE(mm_context_asid(a.ctx), 0u);
  switch_to_kernel_page_table();
  a.destroy();
  b.destroy();
}

KTEST(asid, rollover_in_a_small_asid_space_leaves_no_stale_translation) {
  if (!asid_enabled()) KTEST_SKIP("no ASIDs on this hart");
  constexpr unsigned kSpaces = 40;
  static Space spaces[kSpaces];
  const unsigned limit = asid_set_limit(1);  // clamped to the minimum
  EXPECT_LT(limit, kSpaces);
  const uint64_t rollovers = asid_rollovers();
  const uint64_t gen = asid_generation();
  bool created = true;
  for (unsigned i = 0; i < kSpaces && created; i++) created = spaces[i].create(0x5000 + i);
  unsigned wrong = 0;
  if (created) {
    // Round robin over more address spaces than ASIDs: every round rolls
    // over, and ASIDs pass from one address space to another. (QEMU drops
    // its TLB on every satp write, so there only a wrong root shows; real
    // harts keep entries per ASID. The host tests model those TLBs.)
    for (unsigned round = 0; round < 3; round++)
      for (unsigned i = 0; i < kSpaces; i++) wrong += read_in(spaces[i]) != 0x5000 + i;
    // Back and forth between two: the generation holds, nothing changes.
    for (unsigned i = 0; i < 6; i++) wrong += read_in(spaces[i % 2]) != 0x5000 + i % 2;
  }
  switch_to_kernel_page_table();
  asid_set_limit(0);
  for (Space& s : spaces) s.destroy();
  ASSERT_TRUE(created);
  EXPECT_EQ(wrong, 0u);
  EXPECT_GE(asid_rollovers(), rollovers + 3);
  EXPECT_GT(asid_generation(), gen);
}

namespace {

// QEMU drops its whole software TLB whenever satp or sstatus.SUM/MXR is
// written, and a trap writes sstatus. A stale translation can only survive
// to be caught when a hart keeps SUM set and takes no trap between caching
// a translation and reading it again: the flush tests work that way.
class UserAccessNoIrq {
 private:
  // Members are built in order and destroyed in reverse: interrupts go off
  // before SUM is set and come back on only after it is cleared.
  IrqSave irq_;
  UserAccess user_;
};

uint64_t peek_user() { return *reinterpret_cast<volatile uint64_t*>(kUserVa); }

Space shared;

// Points kUserVa of `shared` at `fresh` (direct-map address of a page);
// returns the old page, 0 on failure.
uint64_t remap_shared(uint64_t fresh) {
  PageTableEditor pt = user_page_table(shared.pgd);
  if (pt.unmap(kUserVa, PAGE_SIZE) != 0 ||
      pt.map(kUserVa, __pa(reinterpret_cast<void*>(fresh)), PAGE_SIZE, kUserRw, PtLevel::Page) != 0)
    return 0;
  const uint64_t old = shared.page;
  shared.page = fresh;
  return old;
}

uint64_t page_holding(uint64_t value) {
  const uint64_t p = get_zeroed_page(GFP_KERNEL);
  if (p) *reinterpret_cast<uint64_t*>(p) = value;
  return p;
}

// The other hart: enter `shared`, read (caching the translation), wait for
// `go` without trapping, read again, leave.
struct RemoteProbe {
  std::atomic<bool> ready{false};
  std::atomic<bool> go{false};
  std::atomic<uint64_t> before{0};
  std::atomic<uint64_t> after{0};
  std::atomic<bool> done{false};
};

void remote_probe(void* arg) {
  auto* r = static_cast<RemoteProbe*>(arg);
  set_mm(shared.ctx, shared.pgd);
  {
    UserAccessNoIrq ua;  // cross-calls run with interrupts off anyway
    r->before = peek_user();
    r->ready = true;
    while (!r->go.load()) cpu_relax();
    r->after = peek_user();
  }
  switch_to_kernel_page_table();
  r->done = true;
}

}  // namespace

KTEST(asid, local_flush_of_an_address_space_drops_its_translation) {
  ASSERT_TRUE(shared.create(0x1111));
  const uint64_t fresh = page_holding(0x2222);
  ASSERT_NE(fresh, 0u);
  set_mm(shared.ctx, shared.pgd);
  uint64_t before, after, old;
  {
    UserAccessNoIrq ua;
    before = peek_user();  // cached now
    old = remap_shared(fresh);
    if (old) local_flush_tlb_mm(shared.ctx);
    after = old ? peek_user() : 0;
  }
  switch_to_kernel_page_table();
  ASSERT_NE(old, 0u);
  EXPECT_EQ(before, 0x1111u);
  EXPECT_EQ(after, 0x2222u);
  free_page(old);
  shared.destroy();
}

namespace {

void check_remote_flush(KTestContext& ktest_ctx_, bool whole_mm) {
  unsigned cpu = 0;
  for (unsigned i = 1; i < NR_CPUS && !cpu; i++)
    if (cpu_online(i)) cpu = i;
  if (!cpu) KTEST_SKIP("needs two harts");
  ASSERT_TRUE(shared.create(0x3333));
  const uint64_t fresh = page_holding(0x4444);
  ASSERT_NE(fresh, 0u);
  RemoteProbe r;
  ASSERT_NE(smp_call_function_many(cpumask_t{1} << cpu, remote_probe, &r, false), 0u);
  while (!r.ready.load()) cpu_relax();
  EXPECT_TRUE((shared.ctx.cpumask.load() >> cpu) & 1);
  const uint64_t old = remap_shared(fresh);
  bool flushed = false;
  if (old) flushed = whole_mm ? flush_tlb_mm(shared.ctx) : flush_tlb_page(shared.ctx, kUserVa);
  r.go = true;
  while (!r.done.load()) cpu_relax();
  ASSERT_NE(old, 0u);
  EXPECT_TRUE(flushed);
  EXPECT_EQ(r.before.load(), 0x3333u);
  EXPECT_EQ(r.after.load(), 0x4444u);
  free_page(old);
  shared.destroy();
}

}  // namespace

KTEST(asid, remote_page_flush_reaches_a_hart_running_the_address_space) { check_remote_flush(ktest_ctx_, false); }

KTEST(asid, remote_mm_flush_reaches_a_hart_running_the_address_space) { check_remote_flush(ktest_ctx_, true); }
