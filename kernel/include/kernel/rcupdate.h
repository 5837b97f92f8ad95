/*
 * Read-copy update: the interface SLAB_TYPESAFE_BY_RCU caches and later
 * lock-free readers use. Linux's names and semantics:
 *
 *   rcu_read_lock() / rcu_read_unlock()  a read-side critical section; it
 *                                         may nest and must not sleep
 *   synchronize_rcu()                     returns after every read-side
 *                                         section that had begun when it was
 *                                         called has ended (a grace period)
 *   call_rcu(head, func)                  runs func(head) after a grace period,
 *                                         from a context that may not sleep
 *   rcu_barrier()                         waits until every callback queued
 *                                         before it has run
 *
 * The kernel's implementation (kernel/rcu.cc) is quiescent-state based;
 * the host tests and benchmarks link their own (single-threaded) one.
 */
#pragma once

struct rcu_head {
  rcu_head* next;
  void (*func)(rcu_head* head);
};

void rcu_read_lock();
void rcu_read_unlock();
void synchronize_rcu();
void call_rcu(rcu_head* head, void (*func)(rcu_head* head));
void rcu_barrier();
