/*
 * System-call entry and the return-to-user work (Linux's
 * kernel/entry/common.c).
 *
 * do_syscall runs for an ecall from U-mode (scause 8), called by do_trap
 * with interrupts off and the user registers in pt_regs: it steps sepc
 * past the ecall, turns interrupts on (a system call may sleep and is
 * preemptible), dispatches a7 through the table and puts the result in a0.
 * orig_a0 (saved by the entry) keeps the first argument for a restart,
 * which rewinds sepc by 4 and restores a0 from it.
 *
 * exit_to_user_mode is the last step of every path back to user mode (a
 * system call, an exception or interrupt taken in user mode, a new task's
 * ret_from_fork, ret_to_user). With interrupts off it checks the work
 * flags; for each it turns interrupts on, does the work and checks again,
 * so nothing set meanwhile (a tick's need_resched, a signal) is missed
 * before sret. Last, with interrupts off for good, the CPU catches up on
 * instruction-cache flushes for the address space it returns to.
 */
#include <kernel/syscalls.h>

#include <asm/irqflags.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <kernel/errno.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/signal.h>

namespace {

bool need_resched() { return __atomic_load_n(&this_cpu()->need_resched, __ATOMIC_RELAXED); }

}  // namespace

void do_syscall(pt_regs* regs) {
  regs->epc += 4;  // ecall is never compressed
  regs->orig_a0 = regs->a0;
  local_irq_enable();
  regs->a0 = static_cast<uint64_t>(invoke_syscall(regs, regs->a7));
}

extern "C" void exit_to_user_mode(pt_regs* regs) {
  task_struct* self = get_current();
  for (;;) {
    local_irq_disable();
    const bool resched = need_resched(), sig = signal_pending(self);
    if (!resched && !sig) break;
    local_irq_enable();
    if (resched) schedule();
    if (sig) arch_do_signal_or_restart(regs);
  }
  flush_icache_deferred(get_current()->mm);
}
