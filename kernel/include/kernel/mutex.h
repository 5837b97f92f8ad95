/*
 * A sleeping mutex (kernel/mutex.cc): an owner word taken with one
 * compare-and-swap when free, else the caller sleeps on the mutex's wait
 * queue (exclusive waits: an unlock wakes one waiter, which retries).
 * Not fair: a running task may take the mutex before the woken waiter
 * does, which then sleeps again until the next unlock wakes it. Must not
 * be taken in interrupt context or with a spinlock held.
 */
#pragma once

#include <atomic>

#include <kernel/wait.h>

struct mutex {
  std::atomic<task_struct*> owner{nullptr};
  wait_queue_head wait;
};

void mutex_lock(mutex* m);
bool mutex_trylock(mutex* m);
void mutex_unlock(mutex* m);
inline bool mutex_is_locked(const mutex* m) { return m->owner.load(std::memory_order_relaxed) != nullptr; }

class MutexGuard {
 public:
  explicit MutexGuard(mutex& m) : m_(m) { mutex_lock(&m_); }
  ~MutexGuard() { mutex_unlock(&m_); }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

 private:
  mutex& m_;
};
