/*
 * User-mode register state of tasks: start_thread (exec), copy_thread
 * (fork/clone), the FP switch (asm/fpu.h) and the instruction-cache
 * discipline for code pages (asm/processor.h).
 *
 * fence.i only orders the hart that runs it, and the hart's instruction
 * fetches may have cached a physical page before it was reused for new
 * code. So a store of code into a page of mm (exec's file-backed fault,
 * a fault that fills an executable page) runs fence.i here and marks every
 * other CPU in mm's icache_stale_mask; each CPU clears its bit and runs
 * fence.i in exit_to_user_mode before it next enters user code of mm.
 * A CPU that enters mm must pass that path, so no remote IPI is needed.
 */
#include <asm/processor.h>

#include <asm/csr.h>
#include <asm/fpu.h>
#include <asm/irqflags.h>
#include <lib/string.h>
#include <mm/mm_types.h>

extern "C" void ret_from_fork();

namespace {

uint64_t user_fs(const pt_regs* regs) { return regs->status & SR_FS; }

}  // namespace

void start_thread(pt_regs* regs, uintptr_t pc, uintptr_t sp) {
  memset(regs, 0, sizeof(*regs));
  regs->status = SR_SPIE | SR_FS_INITIAL;  // SPP = 0: user mode; SUM off
  regs->epc = pc;
  regs->sp = sp;
  task_struct* t = get_current();
  memset(&t->fstate, 0, sizeof(t->fstate));
  // The previous image's values are live in the hardware: zero them now,
  // not at the next switch (there may be none before the program runs).
  __fstate_restore(&t->fstate);
}

void copy_thread(task_struct* p, const pt_regs* parent_regs, uintptr_t usp, uintptr_t tls, bool set_tls) {
  fstate_save_current();  // the child starts from the parent's latest FP values
  p->fstate = get_current()->fstate;
  pt_regs* regs = task_pt_regs(p);
  *regs = *parent_regs;
  regs->a0 = 0;  // fork's return value in the child
  if (usp) regs->sp = usp;
  if (set_tls) regs->tp = tls;
  if (user_fs(regs) == SR_FS_DIRTY) regs->status = (regs->status & ~SR_FS) | SR_FS_CLEAN;
  p->thread.ra = reinterpret_cast<uint64_t>(&ret_from_fork);
  p->thread.sp = reinterpret_cast<uint64_t>(regs);
  memset(p->thread.s, 0, sizeof(p->thread.s));
}

void fstate_save_current() {
  task_struct* t = get_current();
  if (!is_user_task(t)) return;
  IrqSave irq;  // a switch in between would save (and clean) them itself
  pt_regs* regs = task_pt_regs(t);
  if (user_fs(regs) != SR_FS_DIRTY) return;
  __fstate_save(&t->fstate);
  regs->status = (regs->status & ~SR_FS) | SR_FS_CLEAN;
}

void switch_to_fpu(task_struct* prev, task_struct* next) {
  if (is_user_task(prev)) {
    pt_regs* regs = task_pt_regs(prev);
    if (user_fs(regs) == SR_FS_DIRTY) {
      __fstate_save(&prev->fstate);
      regs->status = (regs->status & ~SR_FS) | SR_FS_CLEAN;
    }
  }
  if (is_user_task(next) && user_fs(task_pt_regs(next)) != SR_FS_OFF) __fstate_restore(&next->fstate);
}

void flush_icache_mm(mm_struct* mm) {
  IrqSave irq;  // stay on this CPU between the mask and the fence
  const uint64_t self = uint64_t{1} << this_cpu()->id;
  mm->context.icache_stale_mask.fetch_or(~self, std::memory_order_acq_rel);
  local_flush_icache_all();
}

void flush_icache_deferred(mm_struct* mm) {
  if (!mm) return;
  const uint64_t self = uint64_t{1} << this_cpu()->id;
  if (!(mm->context.icache_stale_mask.load(std::memory_order_acquire) & self)) return;
  mm->context.icache_stale_mask.fetch_and(~self, std::memory_order_acq_rel);
  local_flush_icache_all();
}
