// Placeholder: SMP bring-up. A started secondary hart parks.
#include <asm/csr.h>
#include <asm/smp.h>
#include <kernel/percpu.h>

cpu cpus[NR_CPUS];

void handle_ipi() {}

extern "C" [[noreturn]] void secondary_start_kernel(unsigned long hartid) {
  (void)hartid;
  for (;;) wait_for_interrupt();
}
