/*
 * User FP state (arch/riscv/kernel/fpu.S, process.cc).
 *
 * The kernel never uses FP registers (built lp64 without F/D, sstatus.FS
 * Off while in the kernel), so a user task's f0-f31/fcsr stay live in the
 * hardware while it runs kernel code. They move to memory only when it is
 * switched out, and only when its user sstatus says Dirty: the FS field of
 * the task's user pt_regs is the state machine (Off/Initial/Clean/Dirty),
 * the hardware sets Dirty on the first FP write in user mode, and the save
 * turns it Clean. Switching a user task in loads its saved registers
 * unless FS is Off. Kernel threads carry no FP state.
 */
#pragma once

#include <stdint.h>

struct task_struct;
struct pt_regs;

// Linux's UAPI layout (struct __riscv_d_ext_state), also the signal frame's.
struct __riscv_d_ext_state {
  uint64_t f[32];
  uint32_t fcsr;
};
static_assert(sizeof(__riscv_d_ext_state) == 264);

constexpr uint64_t SR_FS_OFF = 0;
constexpr uint64_t SR_FS_INITIAL = 1ull << 13;
constexpr uint64_t SR_FS_CLEAN = 2ull << 13;
constexpr uint64_t SR_FS_DIRTY = 3ull << 13;

extern "C" void __fstate_save(__riscv_d_ext_state* state);
extern "C" void __fstate_restore(const __riscv_d_ext_state* state);

// Saves the current task's live FP registers if its user state is Dirty
// (before fork copies them or a signal frame records them).
void fstate_save_current();
// Context switch (interrupts off): prev's registers out, next's in.
void switch_to_fpu(task_struct* prev, task_struct* next);
