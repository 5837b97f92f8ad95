/*
 * Per-CPU data. Every hart keeps a pointer to its `struct cpu` in tp while
 * it runs kernel code, so this_cpu() is one register move. The first three
 * words are used by the trap entry (entry.S) and stay at fixed offsets.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/asm-offsets.h>

struct FaultCatch;
struct task_struct;

constexpr unsigned NR_CPUS = 8;

struct cpu {
  uint64_t kernel_sp;  // trap entry: stack to use when trapping from user mode
  uint64_t user_sp;    // trap entry: scratch for the interrupted sp
  uint64_t overflow_sp;  // trap entry: top of the stack used when the kernel stack overflowed
  unsigned id;         // logical CPU number, dense from 0 (boot hart = 0)
  unsigned long hartid;
  bool online;
  FaultCatch* fault_catch;  // armed by probe_fault() (asm/traps.h)
  uint64_t ticks;           // timer interrupts taken
  uint64_t ipis;            // software interrupts taken
  task_struct* curr;        // the task running here (kernel/sched.cc); null before sched_init
  unsigned preempt_count;   // >0: no involuntary task switch (kernel/preempt.h)
  bool need_resched;        // set by the tick or a wakeup; the next preemption point switches
};

static_assert(offsetof(cpu, kernel_sp) == CPU_KERNEL_SP);
static_assert(offsetof(cpu, user_sp) == CPU_USER_SP);
static_assert(offsetof(cpu, overflow_sp) == CPU_OVERFLOW_SP);

extern cpu cpus[NR_CPUS];

inline cpu* this_cpu() {
  cpu* c;
  asm volatile("mv %0, tp" : "=r"(c));
  return c;
}

inline void set_this_cpu(cpu* c) { asm volatile("mv tp, %0" ::"r"(c) : "memory"); }
