// The register frame saved by the trap entry (arch/riscv/kernel/entry.S).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/asm-offsets.h>

struct pt_regs {
  uint64_t epc;
  uint64_t ra, sp, gp, tp;
  uint64_t t0, t1, t2;
  uint64_t s0, s1;
  uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
  uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
  uint64_t t3, t4, t5, t6;
  uint64_t status;   // sstatus at the trap
  uint64_t badaddr;  // stval
  uint64_t cause;    // scause
  uint64_t orig_a0;  // a0 at syscall entry (for restarts)
};

// entry.S hard-codes these offsets.
static_assert(offsetof(pt_regs, epc) == PT_EPC);
static_assert(offsetof(pt_regs, ra) == PT_RA);
static_assert(offsetof(pt_regs, sp) == PT_SP);
static_assert(offsetof(pt_regs, tp) == PT_TP);
static_assert(offsetof(pt_regs, s0) == PT_S0);
static_assert(offsetof(pt_regs, a0) == PT_A0);
static_assert(offsetof(pt_regs, a7) == PT_A7);
static_assert(offsetof(pt_regs, s2) == PT_S2);
static_assert(offsetof(pt_regs, s11) == PT_S11);
static_assert(offsetof(pt_regs, t3) == PT_T3);
static_assert(offsetof(pt_regs, t6) == PT_T6);
static_assert(offsetof(pt_regs, status) == PT_STATUS);
static_assert(offsetof(pt_regs, badaddr) == PT_BADADDR);
static_assert(offsetof(pt_regs, cause) == PT_CAUSE);
static_assert(offsetof(pt_regs, orig_a0) == PT_ORIG_A0);
static_assert(sizeof(pt_regs) == PT_SIZE);
static_assert(PT_SIZE % 16 == 0, "the stack stays 16-byte aligned");

inline bool user_mode(const pt_regs* regs) { return !(regs->status & (1ull << 8)); }  // SPP
