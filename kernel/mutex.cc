// Sleeping mutex (kernel/mutex.h).
//
// No lost wakeup: a waiter queues itself and sets its state (with a full
// fence, prepare_to_wait_exclusive) before it retries the owner word; the
// unlocker clears the owner word, then (full fence, wq_has_sleeper) looks
// for waiters. Either the waiter's retry sees the mutex free, or the
// unlocker sees the waiter queued and wakes one.
#include <kernel/mutex.h>

#include <kernel/panic.h>

bool mutex_trylock(mutex* m) {
  task_struct* expected = nullptr;
  return m->owner.compare_exchange_strong(expected, get_current(), std::memory_order_acquire,
                                          std::memory_order_relaxed);
}

void mutex_lock(mutex* m) {
  if (mutex_trylock(m)) return;
  if (m->owner.load(std::memory_order_relaxed) == get_current())
    panic("mutex: %s (pid %d) takes a mutex it holds", get_current()->comm, get_current()->pid);
  wait_event_exclusive(m->wait, [m] { return mutex_trylock(m); });
}

void mutex_unlock(mutex* m) {
  if (m->owner.load(std::memory_order_relaxed) != get_current())
    panic("mutex: %s (pid %d) releases a mutex it does not hold", get_current()->comm, get_current()->pid);
  m->owner.store(nullptr, std::memory_order_release);
  if (wq_has_sleeper(&m->wait)) wake_up(&m->wait);
}
