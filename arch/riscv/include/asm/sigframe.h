/*
 * The signal frame a handler finds on its stack: Linux riscv64's
 * struct rt_sigframe, byte for byte (glibc's ucontext_t reads it).
 *
 *   sp of the handler (16-byte aligned) ->
 *   +0      siginfo_t info           128 bytes   (a1 points here)
 *   +128    ucontext uc                          (a2 points here)
 *     +0      uc_flags, uc_link
 *     +16     uc_stack  (stack_t, 24 bytes)
 *     +40     uc_sigmask (8 bytes) + padding to 128 bytes of sigset
 *     +176    uc_mcontext = sigcontext (16-byte aligned)
 *       +0      sc_regs: pc, ra, sp, gp, tp, t0-t2, s0, s1, a0-a7,
 *               s2-s11, t3-t6 (32 x 8; pt_regs' order)
 *       +256    sc_fpregs: the D state f[32] + fcsr, in a union sized
 *               for the Q state (528 bytes); its reserved words are 0
 *   +1088   end (the interrupted sp is above, after alignment)
 *
 * The numbers are Linux 6.1's uapi headers' as the riscv64 cross compiler
 * lays them out; the static_asserts below hold us to them.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/fpu.h>  // __riscv_d_ext_state
#include <kernel/signal_abi.h>

struct user_regs_struct {
  uint64_t pc, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7, s2, s3, s4, s5, s6, s7, s8, s9,
      s10, s11, t3, t4, t5, t6;
};
static_assert(sizeof(user_regs_struct) == 32 * 8);

// union __riscv_fp_state { f, d, q }: only D is used (the kernel saves
// what the D extension has); the size and alignment are the Q variant's.
struct alignas(16) __riscv_fp_state {
  __riscv_d_ext_state d;
  uint8_t _q_rest[528 - sizeof(__riscv_d_ext_state)];
};
static_assert(sizeof(__riscv_fp_state) == 528);
// The Q variant's uint32_t reserved[3] sit at 516: sigreturn refuses a
// frame where they are not zero (room for future extension state).
constexpr size_t FP_STATE_Q_RESERVED = 516;

struct sigcontext {
  user_regs_struct sc_regs;
  __riscv_fp_state sc_fpregs;
};

struct ucontext {
  uint64_t uc_flags;
  uint64_t uc_link;
  stack_t uc_stack;
  kernel_sigset_t uc_sigmask;
  uint8_t __unused[1024 / 8 - sizeof(kernel_sigset_t)];
  sigcontext uc_mcontext;
};

struct siginfo_t {
  kernel_siginfo k;
  uint8_t _rest[SI_MAX_SIZE - sizeof(kernel_siginfo)];
};

struct rt_sigframe {
  siginfo_t info;
  ucontext uc;
};

static_assert(sizeof(siginfo_t) == 128);
static_assert(offsetof(ucontext, uc_stack) == 16);
static_assert(offsetof(ucontext, uc_sigmask) == 40);
static_assert(offsetof(ucontext, uc_mcontext) == 176);
static_assert(offsetof(sigcontext, sc_fpregs) == 256);
static_assert(offsetof(sigcontext, sc_fpregs.d.fcsr) == 256 + 256);
static_assert(sizeof(sigcontext) == 784);
static_assert(sizeof(ucontext) == 960);
static_assert(offsetof(rt_sigframe, uc) == 128);
static_assert(sizeof(rt_sigframe) == 1088);
static_assert(alignof(rt_sigframe) == 16);
