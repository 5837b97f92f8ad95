/*
 * The trap handler. entry.S saves a pt_regs and calls do_trap(), which
 * dispatches on scause:
 *
 *   interrupts    timer -> handle_timer_interrupt(), software -> handle_ipi(),
 *                 external -> reported (no PLIC driver yet); then the
 *                 preemption point (kernel/sched.cc)
 *   exceptions    an armed probe_fault() catches any exception first;
 *                 page/access faults -> do_page_fault() (exception table,
 *                 demand paging); anything else from the kernel is an Oops.
 *   from user     (do_trap_user) interrupts as above; ecall -> do_syscall;
 *                 page/access faults -> do_page_fault(); anything else
 *                 earns the process its signal (user_fault_signal); then
 *                 exit_to_user_mode() before the return.
 */
#include <asm/traps.h>

#include <asm/csr.h>
#include <asm/errata.h>
#include <asm/irqflags.h>
#include <asm/kstack.h>
#include <asm/smp.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <lib/string.h>

extern "C" void handle_exception();

namespace {

// Where the trap entry saves pt_regs and handle_bad_stack() runs once a
// kernel stack has overflowed.
alignas(16) uint8_t overflow_stacks[NR_CPUS][LAYOUT_OVERFLOW_STACK_SIZE];

bool catch_fault(pt_regs* regs) {
  cpu* c = this_cpu();
  FaultCatch* fc = c->fault_catch;
  if (!fc || user_mode(regs)) return false;
  c->fault_catch = nullptr;  // one shot: a fault in the landing path is an Oops
  *fc->record = TrapRecord{regs->cause, regs->epc, regs->badaddr};
  // Resume in kernel_longjmp(&fc->jb, 1) instead of at the faulting insn.
  regs->epc = reinterpret_cast<uint64_t>(&kernel_longjmp);
  regs->a0 = reinterpret_cast<uint64_t>(&fc->jb);
  regs->a1 = 1;
  return true;
}

void handle_interrupt(pt_regs* regs) {
  switch (scause_interrupt(regs->cause)) {
    case Interrupt::SupervisorTimer:
      handle_timer_interrupt();
      return;
    case Interrupt::SupervisorSoftware:
      handle_ipi();
      return;
    case Interrupt::SupervisorExternal:
      // No PLIC driver yet: mask so a stuck line cannot storm.
      csr_clear<Csr::Sie>(IE_SEIE);
      pr_warn("traps: unexpected external interrupt; masked\n");
      return;
    case Interrupt::CounterOverflow:
      break;
  }
  pr_warn("traps: unexpected interrupt %s (scause 0x%lx)\n", scause_name(regs->cause), regs->cause);
}

}  // namespace

const char* scause_name(uint64_t scause) {
  if (scause_is_interrupt(scause)) {
    switch (scause_interrupt(scause)) {
      case Interrupt::SupervisorSoftware: return "supervisor software interrupt";
      case Interrupt::SupervisorTimer: return "supervisor timer interrupt";
      case Interrupt::SupervisorExternal: return "supervisor external interrupt";
      case Interrupt::CounterOverflow: return "counter overflow interrupt";
    }
    return "unknown interrupt";
  }
  switch (scause_exception(scause)) {
    case Scause::InstructionMisaligned: return "instruction address misaligned";
    case Scause::InstructionAccessFault: return "instruction access fault";
    case Scause::IllegalInstruction: return "illegal instruction";
    case Scause::Breakpoint: return "breakpoint";
    case Scause::LoadMisaligned: return "load address misaligned";
    case Scause::LoadAccessFault: return "load access fault";
    case Scause::StoreMisaligned: return "store/AMO address misaligned";
    case Scause::StoreAccessFault: return "store/AMO access fault";
    case Scause::EcallFromU: return "environment call from U-mode";
    case Scause::EcallFromS: return "environment call from S-mode";
    case Scause::InstructionPageFault: return "instruction page fault";
    case Scause::LoadPageFault: return "load page fault";
    case Scause::StorePageFault: return "store/AMO page fault";
  }
  return "unknown exception";
}

void trap_init() {
  cpu* c = this_cpu();
  c->overflow_sp = reinterpret_cast<uint64_t>(overflow_stacks[c->id] + LAYOUT_OVERFLOW_STACK_SIZE);
  csr_write<Csr::Sscratch>(0);
  csr_write<Csr::Stvec>(reinterpret_cast<uint64_t>(&handle_exception));
}

namespace {

// The exception in scause, with stval repaired first where the core needs it:
// SiFive's CIP-453 erratum leaves an instruction fault's stval zero-extended
// from bit 38 instead of sign-extended (Sv39 addresses are sign-extended).
Scause trap_exception_cause(pt_regs* regs) {
  const Scause cause = scause_exception(regs->cause);
  if (cpu_errata.cip_453 &&
      (cause == Scause::InstructionPageFault || cause == Scause::InstructionAccessFault))
    regs->badaddr = sign_extend_sv39(regs->badaddr);
  return cause;
}

// The six causes do_page_fault() decodes: page faults (no valid PTE, or one
// without the permission) and access faults (PMP or a bus error).
bool is_memory_fault(Scause cause) {
  switch (cause) {
    case Scause::InstructionPageFault:
    case Scause::LoadPageFault:
    case Scause::StorePageFault:
    case Scause::InstructionAccessFault:
    case Scause::LoadAccessFault:
    case Scause::StoreAccessFault:
      return true;
    default:
      return false;
  }
}

// What an exception from user mode that is not a page fault or an ecall
// earns (Linux's riscv do_trap_* table).
struct UserTrapSignal {
  int signo, code;
};
UserTrapSignal user_trap_signal(Scause cause) {
  switch (cause) {
    case Scause::IllegalInstruction: return {SIGILL, ILL_ILLOPC};
    case Scause::Breakpoint: return {SIGTRAP, TRAP_BRKPT};
    case Scause::InstructionMisaligned:
    case Scause::LoadMisaligned:
    case Scause::StoreMisaligned: return {SIGBUS, BUS_ADRALN};
    default: return {SIGSEGV, SEGV_MAPERR};
  }
}

// A trap taken in user mode. Interrupts stay off for interrupt handling;
// an ecall or exception runs with them on (it may sleep). Every path ends
// in exit_to_user_mode.
void do_trap_user(pt_regs* regs) {
  if (scause_is_interrupt(regs->cause)) {
    handle_interrupt(regs);
  } else {
    const Scause cause = trap_exception_cause(regs);
    if (cause == Scause::EcallFromU) {
      do_syscall(regs);
    } else if (is_memory_fault(cause)) {
      local_irq_enable();
      do_page_fault(regs);
    } else {
      local_irq_enable();
      // si_addr is the instruction's address for all of these, as Linux's
      // do_trap_error and do_trap_break report it (stval may be 0 for an
      // ebreak).
      const UserTrapSignal s = user_trap_signal(cause);
      user_fault_signal(regs, s.signo, s.code, regs->epc);
    }
  }
  exit_to_user_mode(regs);
}

}  // namespace

extern "C" void do_trap(pt_regs* regs) {
  if (user_mode(regs)) {
    do_trap_user(regs);
    return;
  }
  if (scause_is_interrupt(regs->cause)) {
    handle_interrupt(regs);
    // Preemption point: the tick ended a time slice or a wakeup came for
    // an idle CPU. The switch happens on this stack, above pt_regs; the
    // task returns through here when it runs again.
    if (preemptible_at_irq_exit(regs->status)) preempt_schedule_irq();
    return;
  }
  const Scause cause = trap_exception_cause(regs);
  if (catch_fault(regs)) return;
  if (is_memory_fault(cause)) {
    // A uaccess fault may read a file page and sleep: interrupts as the
    // interrupted code had them (Linux's riscv do_page_fault does too).
    if (regs->status & SR_SPIE) local_irq_enable();
    do_page_fault(regs);
    local_irq_disable();
    return;
  }
  char what[64];
  snprintf(what, sizeof(what), "Oops - %s", scause_name(regs->cause));
  die(regs, what);
}

// The trap entry found the interrupted kernel sp too close to (or inside) a
// stack guard to push pt_regs: regs is on this CPU's overflow stack.
extern "C" [[noreturn]] void handle_bad_stack(pt_regs* regs) {
  const cpu* c = this_cpu();
  console_printf("Insufficient stack space to handle exception!\n");
  KernelStackInfo st;
  if (kernel_stack_of(regs->sp, &st))
    console_printf("kernel stack overflow on CPU%u (hart %lu) in stack '%s' [%016lx-%016lx]: sp %016lx\n", c->id,
                   c->hartid, st.name, st.base, st.top, regs->sp);
  else
    console_printf("kernel stack overflow on CPU%u (hart %lu): sp %016lx\n", c->id, c->hartid, regs->sp);
  die(regs, "Oops - kernel stack overflow");
}

bool probe_fault(void (*fn)(void*), void* arg, TrapRecord* rec) {
  FaultCatch fc;
  fc.record = rec;
  // The catch belongs to the task (the context switch moves it), and fn
  // may sleep and resume on another CPU: this_cpu() is read each time.
  FaultCatch* const saved = this_cpu()->fault_catch;
  if (kernel_setjmp(&fc.jb) == 0) {
    this_cpu()->fault_catch = &fc;
    fn(arg);
    this_cpu()->fault_catch = saved;
    return false;
  }
  this_cpu()->fault_catch = saved;
  return true;
}
