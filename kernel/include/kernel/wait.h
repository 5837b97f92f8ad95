/*
 * Wait queues (kernel/wait.cc), Linux's protocol:
 *
 *   wait_queue_entry w;                          // w.task = the caller
 *   for (;;) {
 *     prepare_to_wait(&wq, &w, TASK_UNINTERRUPTIBLE);
 *     if (condition) break;
 *     schedule();
 *   }
 *   finish_wait(&wq, &w);
 *
 * and on the other side: make the condition true, then wake_up(&wq).
 * No wakeup is lost: prepare_to_wait queues the entry and sets the task
 * state (with a full fence) before the condition is read, so a waker that
 * made it true either finds the entry queued and the state set, and makes
 * the task runnable (its schedule() then returns at once), or ran before
 * the entry was queued, and then the condition read sees its store.
 * Entries stay queued until finish_wait (no auto-removal), so an
 * exclusive wakeup that finds a waiter already running moves on to the
 * next one, as Linux's does. wait_event() is that loop.
 */
#pragma once

#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <lib/list.h>

constexpr unsigned WQ_FLAG_EXCLUSIVE = 0x01;

struct wait_queue_entry {
  unsigned flags = 0;
  task_struct* task = get_current();
  list_head entry;
};

struct wait_queue_head {
  SpinLock lock;
  list_head head;
};

void prepare_to_wait(wait_queue_head* wq, wait_queue_entry* w, unsigned state);
// Queued at the tail and woken one at a time (wake_up wakes one of these).
void prepare_to_wait_exclusive(wait_queue_head* wq, wait_queue_entry* w, unsigned state);
void finish_wait(wait_queue_head* wq, wait_queue_entry* w);
// Wakes every non-exclusive waiter and up to nr_exclusive exclusive ones
// (0: all) in state `mode`.
void __wake_up(wait_queue_head* wq, unsigned mode, int nr_exclusive);
inline void wake_up(wait_queue_head* wq) { __wake_up(wq, TASK_NORMAL, 1); }
inline void wake_up_all(wait_queue_head* wq) { __wake_up(wq, TASK_NORMAL, 0); }
// Whether anyone waits (lock-free: the waker must have a full fence
// between its condition store and this, as wake_up's own lock does not).
inline bool wq_has_sleeper(wait_queue_head* wq) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return !list_empty(&wq->head);
}

template <typename Cond>
void __wait_event(wait_queue_head& wq, Cond cond, bool exclusive) {
  if (cond()) return;
  wait_queue_entry w;
  for (;;) {
    if (exclusive)
      prepare_to_wait_exclusive(&wq, &w, TASK_UNINTERRUPTIBLE);
    else
      prepare_to_wait(&wq, &w, TASK_UNINTERRUPTIBLE);
    if (cond()) break;
    schedule();
  }
  finish_wait(&wq, &w);
}

template <typename Cond>
void wait_event(wait_queue_head& wq, Cond cond) {
  __wait_event(wq, cond, false);
}

template <typename Cond>
void wait_event_exclusive(wait_queue_head& wq, Cond cond) {
  __wait_event(wq, cond, true);
}

// Waits at most `timeout` ticks. Returns 0 if the condition is still false
// after the timeout, otherwise the ticks left (at least 1), as Linux.
template <typename Cond>
long wait_event_timeout(wait_queue_head& wq, Cond cond, long timeout) {
  if (cond()) return timeout ? timeout : 1;
  wait_queue_entry w;
  for (;;) {
    prepare_to_wait(&wq, &w, TASK_UNINTERRUPTIBLE);
    if (cond()) break;
    if (timeout == 0) break;
    timeout = schedule_timeout(timeout);
  }
  finish_wait(&wq, &w);
  if (cond()) return timeout ? timeout : 1;
  return 0;
}
