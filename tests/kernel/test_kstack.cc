// Kernel stacks: every hart runs on a stack with an unmapped guard below
// it, and (explicitly, as it ends the run) an overflow is an Oops naming
// the stack, reported from the overflow stack.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/kstack.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/percpu.h>

namespace {

std::atomic<uintptr_t> seen_sp[NR_CPUS];

void record_sp(void*) {
  uintptr_t sp;
  asm volatile("mv %0, sp" : "=r"(sp));
  seen_sp[this_cpu()->id] = sp;
}

void load_from(void* addr) { (void)*static_cast<volatile uint64_t*>(addr); }
void store_to(void* addr) { *static_cast<volatile uint64_t*>(addr) = 0x5a; }

// True when a load at addr faults with a load page fault reporting addr.
bool load_faults_at(uintptr_t addr) {
  TrapRecord rec{};
  if (!probe_fault(load_from, reinterpret_cast<void*>(addr), &rec)) return false;
  return rec.scause == static_cast<uint64_t>(Scause::LoadPageFault) && rec.stval == addr;
}

bool loads(uintptr_t addr) {
  TrapRecord rec{};
  return !probe_fault(load_from, reinterpret_cast<void*>(addr), &rec);
}

}  // namespace

KTEST(kstack, every_online_hart_runs_above_an_unmapped_guard) {
  for (auto& s : seen_sp) s = 0;
  on_each_cpu(record_sp, nullptr);
  for (unsigned i = 0; i < NR_CPUS; i++) {
    if (!cpu_online(i)) continue;
    KernelStackInfo st{};
    ASSERT_TRUE(kernel_stack_of(seen_sp[i], &st));
    EXPECT_EQ(st.top, cpu_stack_top(i));
    EXPECT_GE(seen_sp[i].load(), st.base);
    EXPECT_LT(seen_sp[i].load(), st.top);
    EXPECT_EQ(st.base - st.guard, KSTACK_GUARD_SIZE);
    // The whole guard is unmapped, the stack right above it mapped.
    for (uintptr_t a = st.guard; a < st.base; a += PAGE_SIZE) EXPECT_TRUE(load_faults_at(a));
    EXPECT_TRUE(load_faults_at(st.base - 8));
    EXPECT_TRUE(loads(st.base));
    EXPECT_TRUE(loads(st.top - 8));
  }
}

KTEST(kstack, allocated_stack_is_mapped_until_freed) {
  const uintptr_t top = alloc_kernel_stack("ktest");
  ASSERT_NE(top, 0u);
  KernelStackInfo st{};
  ASSERT_TRUE(kernel_stack_of(top - 1, &st));
  EXPECT_EQ(st.top, top);
  EXPECT_EQ(st.top - st.base, KSTACK_SIZE);
  for (uintptr_t a = st.base; a < st.top; a += 8) *reinterpret_cast<volatile uint64_t*>(a) = a;
  bool intact = true;
  for (uintptr_t a = st.base; a < st.top; a += 8) intact &= *reinterpret_cast<volatile uint64_t*>(a) == a;
  EXPECT_TRUE(intact);
  TrapRecord rec{};
  EXPECT_TRUE(probe_fault(store_to, reinterpret_cast<void*>(st.base - 8), &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::StorePageFault));
  free_kernel_stack(top);
  EXPECT_FALSE(kernel_stack_of(top - 1, &st));
  EXPECT_TRUE(load_faults_at(top - 8));
  // The slot is reused, freshly mapped.
  const uintptr_t again = alloc_kernel_stack("ktest");
  EXPECT_EQ(again, top);
  if (again) {
    EXPECT_TRUE(loads(again - 8));
    free_kernel_stack(again);
  }
}

namespace {

volatile unsigned recursion_limit = ~0u;

// Burns 512 bytes of stack per call, and is not a tail call.
[[gnu::noinline]] unsigned recurse(unsigned depth) {
  volatile uint8_t pad[512];
  pad[0] = static_cast<uint8_t>(depth);
  if (depth >= recursion_limit) return pad[0];
  return recurse(depth + 1) + pad[0];
}

}  // namespace

// Ends the run with an Oops ("kernel stack overflow ... in stack 'boot/0'"):
// make test checks QEMU's non-zero exit and that text.
KTEST_EXPLICIT(kstack, overflow) {
  EXPECT_EQ(recurse(0), 0u);
  KTEST_FAIL("recursed %u levels without faulting", recursion_limit);
}

namespace {

void recurse_here(void*) { recurse(0); }

}  // namespace

// The same on another hart's idle stack, from a cross-call: the Oops names
// that CPU and 'idle/<cpu>'.
KTEST_EXPLICIT(kstack, overflow_on_another_hart) {
  unsigned cpu = 0;
  for (unsigned i = 1; i < NR_CPUS && !cpu; i++)
    if (cpu_online(i)) cpu = i;
  if (!cpu) KTEST_SKIP("needs two harts");
  smp_call_function_many(cpumask_t{1} << cpu, recurse_here, nullptr, true);
  KTEST_FAIL("CPU%u recursed %u levels without faulting", cpu, recursion_limit);
}
