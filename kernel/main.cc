/*
 * start_kernel: the boot hart's path from head.S to the self-tests.
 * Reads as a table of contents, one call per subsystem in order.
 */
#include <asm/csr.h>
#include <asm/errata.h>
#include <asm/irqflags.h>
#include <asm/kstack.h>
#include <asm/mmu.h>
#include <asm/mmu_context.h>
#include <asm/ptrace.h>
#include <asm/sbi.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <fs/initramfs.h>
#include <kernel/console.h>
#include <kernel/devicetree.h>
#include <kernel/ktest.h>
#include <kernel/percpu.h>
#include <kernel/panic.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/time.h>
#include <mm/init.h>

extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace {

void run_constructors() {
  for (auto fn = __init_array_start; fn != __init_array_end; fn++) (*fn)();
}

// Runs the self-tests selected by ktest= (all by default) and returns the
// exit code for QEMU: 0 when everything passed.
int run_selftests() {
  static char filter[256];
  const bool given = cmdline_param("ktest", filter, sizeof(filter));
  const KTestTotals t = ktest_run(given ? filter : nullptr);
  return t.failed ? 1 : 0;
}

// The rest of boot, on CPU 0's guarded boot stack.
[[noreturn]] void start_kernel_on_stack(void*) {
  console_init(machine().console);
  trap_init();
  sbi_init();
  errata_init();
  sched_init();  // this path becomes task "boot" on CPU 0
  signals_init();
  vdso_init();
  time_init();
  local_irq_enable();
  smp_init();
  populate_rootfs();
  machine_exit(run_selftests());
}

}  // namespace

extern "C" [[noreturn]] void start_kernel(unsigned long hartid, uintptr_t dtb_pa) {
  set_this_cpu(&cpus[0]);
  cpus[0].hartid = hartid;
  run_constructors();
  pr_notice("Booting on hart %lu, device tree at 0x%lx\n", hartid, dtb_pa);
  setup_devicetree(dtb_pa);
  paging_init();
  asid_init();
  mm_init();
  kstack_init();
  // Leave head.S's stack (BSS, no guard page) for one with a guard below.
  // The top pt_regs stays free: the boot task becomes init (asm/processor.h).
  call_on_stack(cpu_stack_top(0) - sizeof(pt_regs), start_kernel_on_stack, nullptr);
}
