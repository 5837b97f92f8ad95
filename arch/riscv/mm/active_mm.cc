// Per-CPU active user address space (see asm/active_mm.h).
#include <asm/active_mm.h>

#include <asm/irqflags.h>
#include <asm/mmu.h>
#include <asm/mmu_context.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <mm/mm_types.h>

namespace {

mm_struct* active_mm[NR_CPUS];

}  // namespace

mm_struct* current_mm() { return active_mm[this_cpu()->id]; }

void switch_mm_irqs_off(mm_struct* next) {
  mm_struct*& active = active_mm[this_cpu()->id];
  if (active == next) return;
  active = next;
  if (next)
    set_mm(next->context, next->pgd);
  else
    switch_to_kernel_page_table();
}

void kthread_use_mm(mm_struct* mm) {
  IrqSave irq;  // the task's mm, the CPU's and its satp change together
  if (task_struct* t = get_current()) t->mm = mm;
  switch_mm_irqs_off(mm);
}

void kthread_unuse_mm(mm_struct* mm) {
  IrqSave irq;
  task_struct* t = get_current();
  if (t && t->mm == mm) t->mm = nullptr;
  if (current_mm() == mm) switch_mm_irqs_off(nullptr);
}
