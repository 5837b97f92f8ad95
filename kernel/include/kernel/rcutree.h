/*
 * The RCU implementation's side of the kernel (kernel/rcu.cc): the hooks
 * that tell it when a CPU is quiescent, and Linux's polled grace-period
 * API. Users of RCU need only <kernel/rcupdate.h>.
 */
#pragma once

#include <stdint.h>

// Timer tick on this CPU (interrupts off): a quiescent state when the
// interrupted code was outside every read-side section; runs the callbacks
// whose grace period has ended.
void rcu_sched_clock_irq();
// Any other interrupt (the IPI synchronize_rcu sends to hurry a grace
// period): a quiescent state under the same condition.
void rcu_exp_handler();
// The idle loop, before wfi: an idle CPU is quiescent.
void rcu_idle_qs();
// A CPU passing a point where it holds no RCU-protected reference (a
// context switch, or a long kernel loop between read-side sections).
void rcu_note_context_switch();

// Polled grace periods: get_state_synchronize_rcu() returns a cookie;
// poll_state_synchronize_rcu(cookie) is true once a full grace period has
// elapsed since the cookie was taken. Neither starts a grace period.
unsigned long get_state_synchronize_rcu();
bool poll_state_synchronize_rcu(unsigned long cookie);
// Read-side nesting depth of the calling CPU (for assertions and tests).
unsigned rcu_read_lock_nesting();
