/*
 * Oops reporting: registers in Linux's layout, a symbolized call trace
 * from the frame-pointer chain, then panic.
 *
 * Frame records (-fno-omit-frame-pointer): s0/fp holds the caller's sp at
 * entry; the saved ra is at fp-8 and the caller's fp at fp-16. A leaf
 * function saves only its caller's fp, at fp-8, and keeps ra in the
 * register. Every read goes through get_kernel_nofault() and every fp must
 * move up the stack, so a corrupted stack ends the trace, never the Oops.
 */
#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/power.h>
#include <kernel/printk.h>

namespace {

constexpr unsigned kMaxFrames = 32;
constexpr uint64_t kMaxStackSpan = 64 * 1024;
unsigned oops_count;

bool plausible_fp(uint64_t fp, uint64_t lowest) {
  return (fp & 7) == 0 && fp > lowest && fp - lowest <= kMaxStackSpan;
}

void print_frame(uint64_t pc) {
  char sym[128];
  ksym_format(pc, sym, sizeof(sym));
  console_printf("[<%016lx>] %s\n", pc, sym);
}

}  // namespace

void dump_backtrace(uint64_t pc, uint64_t fp, const pt_regs* regs) {
  console_printf("Call Trace:\n");
  const uint64_t lowest = fp - 16;
  bool first = true;
  for (unsigned depth = 0; depth < kMaxFrames && pc; depth++) {
    print_frame(pc);
    if (!plausible_fp(fp, lowest)) break;
    uint64_t saved_ra = 0, saved_fp = 0;
    if (get_kernel_nofault(&saved_ra, reinterpret_cast<void*>(fp - 8))) break;
    if (first && regs && plausible_fp(saved_ra, fp - 1)) {
      // Leaf function: fp-8 holds the caller's fp, ra is still in the register.
      pc = regs->ra;
      fp = saved_ra;
    } else {
      if (get_kernel_nofault(&saved_fp, reinterpret_cast<void*>(fp - 16))) break;
      pc = saved_ra;
      if (saved_fp <= fp) break;  // frames only move up the stack
      fp = saved_fp;
    }
    first = false;
  }
}

void dump_stack() {
  uint64_t fp;
  asm volatile("mv %0, s0" : "=r"(fp));
  dump_backtrace(reinterpret_cast<uint64_t>(__builtin_return_address(0)), fp, nullptr);
}

void show_regs(const pt_regs* r) {
  char sym[128];
  ksym_format(r->epc, sym, sizeof(sym));
  console_printf("epc : %s\n", sym);
  ksym_format(r->ra, sym, sizeof(sym));
  console_printf(" ra : %s\n", sym);
  console_printf("epc : %016lx ra : %016lx sp : %016lx\n", r->epc, r->ra, r->sp);
  console_printf(" gp : %016lx tp : %016lx t0 : %016lx\n", r->gp, r->tp, r->t0);
  console_printf(" t1 : %016lx t2 : %016lx s0 : %016lx\n", r->t1, r->t2, r->s0);
  console_printf(" s1 : %016lx a0 : %016lx a1 : %016lx\n", r->s1, r->a0, r->a1);
  console_printf(" a2 : %016lx a3 : %016lx a4 : %016lx\n", r->a2, r->a3, r->a4);
  console_printf(" a5 : %016lx a6 : %016lx a7 : %016lx\n", r->a5, r->a6, r->a7);
  console_printf(" s2 : %016lx s3 : %016lx s4 : %016lx\n", r->s2, r->s3, r->s4);
  console_printf(" s5 : %016lx s6 : %016lx s7 : %016lx\n", r->s5, r->s6, r->s7);
  console_printf(" s8 : %016lx s9 : %016lx s10: %016lx\n", r->s8, r->s9, r->s10);
  console_printf(" s11: %016lx t3 : %016lx t4 : %016lx\n", r->s11, r->t3, r->t4);
  console_printf(" t5 : %016lx t6 : %016lx\n", r->t5, r->t6);
  console_printf("status: %016lx badaddr: %016lx cause: %016lx (%s)\n", r->status, r->badaddr, r->cause,
                 scause_name(r->cause));
}

void die(pt_regs* regs, const char* what) {
  local_irq_disable();
  const cpu* c = this_cpu();
  if (regs->cause == static_cast<uint64_t>(Scause::LoadPageFault) ||
      regs->cause == static_cast<uint64_t>(Scause::StorePageFault) ||
      regs->cause == static_cast<uint64_t>(Scause::InstructionPageFault))
    console_printf("%s at virtual address %016lx\n", what, regs->badaddr);
  else
    console_printf("%s\n", what);
  console_printf("Oops [#%u]\n", ++oops_count);
  console_printf("CPU: %u hart: %lu\n", c ? c->id : 0, c ? c->hartid : 0);
  show_regs(regs);
  dump_backtrace(regs->epc, regs->s0, regs);
  console_printf("---[ end trace ]---\n");
  console_printf("Kernel panic - not syncing: Fatal exception\n");
  machine_exit(EXIT_CODE_PANIC);
}
