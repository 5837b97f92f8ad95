/*
 * A task's user-mode register state (arch/riscv/kernel/process.cc).
 *
 * Every task's kernel stack keeps room for one pt_regs at its very top;
 * for a task that runs user code it is the frame the trap entry saves on
 * each entry from user mode (cpu->kernel_sp points just above it while the
 * task is in user mode), and the one ret_from_exception loads to return:
 *
 *   task->stack  ->  +------------------+
 *                    | pt_regs (user)   |  task_pt_regs(task)
 *                    +------------------+  <- a new task's first sp
 *                    | kernel frames    |
 */
#pragma once

#include <stdint.h>

#include <asm/ptrace.h>
#include <kernel/sched.h>

inline pt_regs* task_pt_regs(const task_struct* p) { return reinterpret_cast<pt_regs*>(p->stack - sizeof(pt_regs)); }
inline pt_regs* current_pt_regs() { return task_pt_regs(get_current()); }

// A user task has left PF_KTHREAD behind (exec, or a kthread turned user).
inline bool is_user_task(const task_struct* p) { return !(p->flags & PF_KTHREAD); }

// Resets regs for a fresh program: user mode, interrupts on, FP Initial
// with every FP register zero (live and saved), pc and sp as given.
void start_thread(pt_regs* regs, uintptr_t pc, uintptr_t sp);

// The new task `p` (fork/clone) resumes in user mode with a copy of
// `parent_regs`, a0 = 0 and, when `usp` is non-zero, that stack pointer;
// it starts in ret_from_fork.
void copy_thread(task_struct* p, const pt_regs* parent_regs, uintptr_t usp, uintptr_t tls, bool set_tls);

// Leaves the kernel for user mode with regs (which must be
// task_pt_regs(current)): what a kernel thread calls to become a user
// process once start_thread() has set them (Linux's kernel_execve return).
extern "C" [[noreturn]] void ret_to_user(pt_regs* regs);

// Makes instruction fetches of mm see stores to its pages: fence.i here,
// and on every other CPU before it next returns to user mode in mm.
struct mm_struct;
void flush_icache_mm(mm_struct* mm);
// The return-to-user half of flush_icache_mm (interrupts off).
void flush_icache_deferred(mm_struct* mm);
