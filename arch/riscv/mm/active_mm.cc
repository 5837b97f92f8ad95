// Per-CPU active user address space (see asm/active_mm.h).
#include <asm/active_mm.h>

#include <asm/irqflags.h>
#include <asm/mmu.h>
#include <asm/mmu_context.h>
#include <kernel/percpu.h>
#include <mm/mm_types.h>

namespace {

mm_struct* active_mm[NR_CPUS];

}  // namespace

mm_struct* current_mm() { return active_mm[this_cpu()->id]; }

void kthread_use_mm(mm_struct* mm) {
  IrqSave irq;  // the CPU's mm and its satp change together
  active_mm[this_cpu()->id] = mm;
  set_mm(mm->context, mm->pgd);
}

void kthread_unuse_mm(mm_struct* mm) {
  IrqSave irq;
  if (active_mm[this_cpu()->id] != mm) return;
  active_mm[this_cpu()->id] = nullptr;
  switch_to_kernel_page_table();
}
