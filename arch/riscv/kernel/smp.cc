/*
 * SMP bring-up and inter-processor calls.
 *
 * smp_init() walks the device tree's harts: each that is enabled, has an
 * MMU and is not the boot hart gets a logical id, a guarded idle stack
 * (asm/kstack.h) and a small startup stack, and is started with SBI HSM
 * hart_start at secondary_start_sbi (a1 = the startup stack). Once on the
 * kernel page table it moves to its idle stack. Firmware without HSM started every
 * hart at once; head.S parked the lottery losers in a spin loop reading
 * __cpu_spinwait_sp[hartid], so there publishing the stack releases them.
 * Each secondary installs the trap vector, becomes its own idle task
 * (kernel/sched.h), starts its timer, marks itself online and runs the
 * idle loop, which schedules whatever is woken onto its run queue. The boot hart waits a bounded time per hart and
 * reports those that never arrive.
 *
 * Cross-calls: one slot per target CPU, filled under call_lock by the
 * caller, delivered by an SBI IPI, run in handle_ipi(), acknowledged by
 * clearing the slot.
 */
#include <asm/smp.h>

#include <atomic>

#include <asm/csr.h>
#include <asm/errata.h>
#include <asm/irqflags.h>
#include <asm/kstack.h>
#include <asm/mmu.h>
#include <asm/page.h>
#include <asm/sbi.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <kernel/devicetree.h>
#include <kernel/printk.h>
#include <kernel/rcutree.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <lib/bitops.h>
#include <lib/string.h>

cpu cpus[NR_CPUS];

extern "C" char secondary_start_sbi[];
extern "C" uint64_t __cpu_spinwait_sp[LAYOUT_MAX_HARTS];

namespace {

// A secondary runs on its startup stack only until it is on the kernel page
// table (the early one does not map the kernel-stack area), then moves to
// its guarded idle stack.
constexpr size_t kStartupStackSize = 4096;
alignas(16) uint8_t startup_stacks[NR_CPUS][kStartupStackSize];
char idle_stack_names[NR_CPUS][12];

std::atomic<cpumask_t> online_mask{0};
unsigned nr_cpus_possible = 1;

struct CallSlot {
  std::atomic<void (*)(void*)> fn{nullptr};
  void* arg = nullptr;
};
CallSlot call_slots[NR_CPUS];
SpinLock call_lock;

// How far each secondary got, for the report on a hart that never comes
// online (the hart cannot print before it is on the kernel page table and
// may never get that far): the boot hart reads the last stage it reached.
enum class BringupStage : uint8_t {
  NotEntered,      // never reached secondary_start_kernel (firmware or head.S)
  Entered,         // in secondary_start_kernel, its struct cpu found
  KernelTable,     // on the kernel page table
  IdleStack,       // running on its idle stack
  TrapVector,      // trap_init() done
  IdleTask,        // sched_init_secondary() done
  Timer,           // time_init_cpu() done: next is mark_online()
};
std::atomic<BringupStage> bringup_stage[NR_CPUS];
// Harts that entered secondary_start_kernel without a struct cpu of their own
// (parked for good): a hart smp_init() started should never be one of them.
std::atomic<uint64_t> stray_harts{0};

void set_stage(const cpu* c, BringupStage stage) { bringup_stage[c->id].store(stage, std::memory_order_release); }

const char* stage_name(BringupStage stage) {
  switch (stage) {
    case BringupStage::NotEntered: return "never reached secondary_start_kernel";
    case BringupStage::Entered: return "stopped before switching to the kernel page table";
    case BringupStage::KernelTable: return "stopped before reaching its idle stack";
    case BringupStage::IdleStack: return "stopped in trap_init";
    case BringupStage::TrapVector: return "stopped in sched_init_secondary";
    case BringupStage::IdleTask: return "stopped in time_init_cpu";
    case BringupStage::Timer: return "stopped before marking itself online";
  }
  return "unknown stage";
}

void mark_online(cpu* c) {
  c->online = true;
  online_mask.fetch_or(cpumask_t{1} << c->id, std::memory_order_release);
}

bool start_hart(cpu* c) {
  const uint64_t sp = reinterpret_cast<uint64_t>(startup_stacks[c->id] + kStartupStackSize);
  if (sbi_info.has_hsm) {
    const SbiRet r = sbi_hart_start(c->hartid, __pa_symbol(secondary_start_sbi), sp);
    if (!r.ok()) {
      pr_err("smp: hart %lu: SBI hart_start failed: %s\n", c->hartid, sbi_error_name(r.error));
      return false;
    }
    return true;
  }
  if (c->hartid >= LAYOUT_MAX_HARTS) return false;
  // The parked hart reads this with its MMU off; the fence orders the
  // stores that set up its struct cpu before the release.
  std::atomic_thread_fence(std::memory_order_release);
  __atomic_store_n(&__cpu_spinwait_sp[c->hartid], sp, __ATOMIC_RELEASE);
  return true;
}

// Waits until every CPU in `started` is online or the deadline passes;
// returns the ones that made it.
cpumask_t wait_online(cpumask_t started, uint64_t seconds) {
  const uint64_t deadline = rdtime() + seconds * machine().timebase_frequency;
  while ((online_mask.load(std::memory_order_acquire) & started) != started && rdtime() < deadline) cpu_relax();
  return online_mask.load(std::memory_order_acquire) & started;
}

}  // namespace

uint64_t hart_mask_of(cpumask_t mask) {
  uint64_t harts = 0;
  for (unsigned i = 0; i < NR_CPUS; i++)
    if ((mask >> i) & 1) harts |= uint64_t{1} << cpus[i].hartid;
  return harts;
}

unsigned num_online_cpus() { return static_cast<unsigned>(hweight64(cpu_online_mask())); }
cpumask_t cpu_online_mask() { return online_mask.load(std::memory_order_acquire); }

unsigned smp_init() {
  cpu* boot = this_cpu();
  boot->id = 0;
  mark_online(boot);
  const MachineInfo& m = machine();
  unsigned next_id = 1;
  cpumask_t started = 0;
  for (unsigned i = 0; i < m.nr_harts; i++) {
    const DtHart& h = m.harts[i];
    if (h.hartid == boot->hartid) continue;
    if (!h.okay || !h.has_mmu) {
      pr_info("smp: hart %u skipped (%s)\n", h.hartid, !h.okay ? "disabled" : "no MMU");
      continue;
    }
    if (next_id >= NR_CPUS) {
      pr_warn("smp: hart %u skipped: NR_CPUS is %u\n", h.hartid, NR_CPUS);
      continue;
    }
    cpu* c = &cpus[next_id];
    c->id = next_id++;
    c->hartid = h.hartid;
    nr_cpus_possible++;
    snprintf(idle_stack_names[c->id], sizeof(idle_stack_names[c->id]), "idle/%u", c->id);
    const uintptr_t stack = alloc_kernel_stack(idle_stack_names[c->id]);
    if (!stack) {
      pr_err("smp: hart %u: no memory for its stack\n", h.hartid);
      continue;
    }
    set_cpu_stack_top(c->id, stack);
    if (start_hart(c)) started |= cpumask_t{1} << c->id;
  }
  // Generous: under TCG on a loaded host a vCPU thread can wait a while.
  cpumask_t arrived = wait_online(started, 5);
  // A hart the firmware still reports stopped never took the start request:
  // ask once more. One that is starting or started gets more time.
  cpumask_t retried = 0;
  for (unsigned i = 1; i < next_id; i++) {
    if (!((started >> i) & 1) || ((arrived >> i) & 1)) continue;
    const SbiRet st = sbi_hart_get_status(cpus[i].hartid);
    pr_warn("smp: hart %lu slow to come online (SBI HSM state %ld)%s\n", cpus[i].hartid, st.ok() ? st.value : -1l,
            st.ok() && st.value == static_cast<int64_t>(SbiHartState::Stopped) ? "; starting it again" : "");
    if (st.ok() && st.value == static_cast<int64_t>(SbiHartState::Stopped) && !start_hart(&cpus[i])) continue;
    retried |= cpumask_t{1} << i;
  }
  if (retried) arrived |= wait_online(retried, 10);
  for (unsigned i = 1; i < next_id; i++) {
    if ((arrived >> i) & 1) continue;
    const SbiRet st = sbi_hart_get_status(cpus[i].hartid);
    const BringupStage stage = bringup_stage[i].load(std::memory_order_acquire);
    pr_err("smp: hart %lu did not come online (SBI HSM state %ld): %s%s\n", cpus[i].hartid,
           st.ok() ? st.value : -1l, stage_name(stage),
           cpus[i].hartid < 64 && ((stray_harts.load() >> cpus[i].hartid) & 1) ? "; it parked as a stray hart" : "");
  }
  char list[8 * NR_CPUS] = "";
  size_t len = 0;
  for (unsigned i = 0; i < NR_CPUS; i++)
    if (cpu_online(i)) len += static_cast<size_t>(scnprintf(list + len, sizeof(list) - len, " %lu", cpus[i].hartid));
  pr_info("smp: Brought up %u of %u harts:%s\n", num_online_cpus(), nr_cpus_possible, list);
  return num_online_cpus();
}

namespace {

[[noreturn]] void secondary_idle(void* arg) {
  cpu* c = static_cast<cpu*>(arg);
  set_stage(c, BringupStage::IdleStack);
  trap_init();
  set_stage(c, BringupStage::TrapVector);
  sched_init_secondary();  // this context becomes the CPU's idle task
  set_stage(c, BringupStage::IdleTask);
  time_init_cpu();
  set_stage(c, BringupStage::Timer);
  pr_info("CPU%u: hart %lu online\n", c->id, c->hartid);
  mark_online(c);
  local_irq_enable();
  cpu_startup_entry();
}

}  // namespace

extern "C" [[noreturn]] void secondary_start_kernel(unsigned long hartid) {
  cpu* c = nullptr;
  for (unsigned i = 1; i < NR_CPUS; i++)
    if (cpus[i].hartid == hartid && cpus[i].id == i) c = &cpus[i];
  if (!c || !cpu_stack_top(c->id)) {
    // Not a hart smp_init() started (a stray lottery loser): park for good.
    if (hartid < 64) stray_harts.fetch_or(uint64_t{1} << hartid, std::memory_order_release);
    for (;;) wait_for_interrupt();
  }
  set_stage(c, BringupStage::Entered);
  set_this_cpu(c);
  switch_to_kernel_page_table();  // head.S used the early table (it has the identity map)
  set_stage(c, BringupStage::KernelTable);
  call_on_stack(cpu_stack_top(c->id), secondary_idle, c);
}

void handle_ipi() {
  csr_clear<Csr::Sip>(IE_SSIE);  // SSIP: acknowledge before looking for work
  cpu* c = this_cpu();
  c->ipis++;
  CallSlot& slot = call_slots[c->id];
  if (auto fn = slot.fn.load(std::memory_order_acquire)) {
    fn(slot.arg);
    slot.fn.store(nullptr, std::memory_order_release);
  }
  rcu_exp_handler();
}

void smp_send_ipi_mask(cpumask_t mask) {
  mask &= cpu_online_mask();
  if (!mask) return;
  const SbiRet r = sbi_send_ipi(hart_mask_of(mask), 0);
  if (!r.ok()) pr_err("smp: SBI send_ipi failed: %s\n", sbi_error_name(r.error));
}

cpumask_t smp_call_function_many(cpumask_t mask, void (*fn)(void*), void* arg, bool wait) {
  SpinLockGuard g{call_lock};
  const unsigned self = this_cpu()->id;
  mask &= cpu_online_mask() & ~(cpumask_t{1} << self);
  if (!mask) return 0;
  for (unsigned i = 0; i < NR_CPUS; i++) {
    if (!((mask >> i) & 1)) continue;
    // A previous no-wait call may still be running there.
    while (call_slots[i].fn.load(std::memory_order_acquire)) cpu_relax();
    call_slots[i].arg = arg;
    call_slots[i].fn.store(fn, std::memory_order_release);
  }
  const SbiRet r = sbi_send_ipi(hart_mask_of(mask), 0);
  if (!r.ok()) pr_err("smp: SBI send_ipi failed: %s\n", sbi_error_name(r.error));
  if (wait) {
    for (unsigned i = 0; i < NR_CPUS; i++)
      while (((mask >> i) & 1) && call_slots[i].fn.load(std::memory_order_acquire)) cpu_relax();
  }
  return mask;
}

void on_each_cpu(void (*fn)(void*), void* arg) {
  smp_call_function_many(~cpumask_t{0}, fn, arg, true);
  IrqSave irq;
  fn(arg);
}

namespace {

cpumask_t other_online_cpus() { return cpu_online_mask() & ~(cpumask_t{1} << this_cpu()->id); }

}  // namespace

bool flush_icache_all() {
  local_flush_icache_all();
  const cpumask_t others = other_online_cpus();
  return !others || sbi_remote_fence_i(hart_mask_of(others), 0).ok();
}

bool flush_tlb_kernel_range(uintptr_t start, uintptr_t size) {
  const bool full = size == ~uintptr_t{0} || cpu_errata.cip_1200;
  if (full) {
    local_flush_tlb_all();
  } else {
    for (uintptr_t va = start & PAGE_MASK; va < start + size; va += PAGE_SIZE) local_flush_tlb_page(va);
  }
  const cpumask_t others = other_online_cpus();
  if (!others) return true;
  return sbi_remote_sfence_vma(hart_mask_of(others), 0, full ? 0 : start, full ? ~uint64_t{0} : size).ok();
}
