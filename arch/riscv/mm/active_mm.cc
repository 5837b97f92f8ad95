// Per-CPU active user address space (see asm/active_mm.h).
#include <asm/active_mm.h>

#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/mmu.h>
#include <kernel/percpu.h>
#include <mm/mm_types.h>

namespace {

mm_struct* active_mm[NR_CPUS];

}  // namespace

mm_struct* current_mm() { return active_mm[this_cpu()->id]; }

void kthread_use_mm(mm_struct* mm) {
  IrqSave irq;  // the CPU's mm and its satp change together
  active_mm[this_cpu()->id] = mm;
  // No ASIDs yet: every switch flushes the whole TLB.
  csr_write<Csr::Satp>(SATP_MODE_SV39 | (mm->pgd >> PAGE_SHIFT));
  local_flush_tlb_all();
}

void kthread_unuse_mm(mm_struct* mm) {
  IrqSave irq;
  if (active_mm[this_cpu()->id] != mm) return;
  active_mm[this_cpu()->id] = nullptr;
  switch_to_kernel_page_table();
}
