/*
 * Preemption control. The count is per CPU (struct cpu), not per task: a
 * task switch only ever happens with it at exactly 1 (inside __schedule),
 * so the value every task sees when it runs again is the one it left.
 * Spinlocks raise it (kernel/spinlock.h), so a lock holder is never
 * switched away from while another task could spin on its lock.
 *
 * A task is never moved to another CPU while it runs or is preempted: it
 * changes CPU only when it blocks and is woken (kernel/sched.cc). So code
 * may read this_cpu() with preemption on, as long as it does not keep the
 * pointer across something that can sleep.
 */
#pragma once

#include <asm/irqflags.h>
#include <kernel/percpu.h>

inline unsigned preempt_count() { return this_cpu()->preempt_count; }
inline void preempt_disable() {
  this_cpu()->preempt_count++;
  asm volatile("" ::: "memory");
}
// Switches now when the count drops to 0 with a reschedule pending and
// interrupts on (with them off, the next tick or preemption point will).
void preempt_schedule();
inline void preempt_enable() {
  asm volatile("" ::: "memory");
  cpu* c = this_cpu();
  if (--c->preempt_count == 0 && c->need_resched && !irqs_disabled()) preempt_schedule();
}
inline void preempt_enable_no_resched() {
  asm volatile("" ::: "memory");
  this_cpu()->preempt_count--;
}
