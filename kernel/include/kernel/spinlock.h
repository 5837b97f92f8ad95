/*
 * Spinlocks. A ticket lock: FIFO among waiting harts, one cache line.
 *
 *   SpinLock lock;
 *   { SpinLockGuard g{lock}; ... }            // lock held, interrupts untouched
 *   { SpinLockIrqSaveGuard g{lock}; ... }     // interrupts off, then lock held
 *
 * Functions that expect the caller to hold a lock end in `Locked`. A lock
 * taken from interrupt context must always be taken with interrupts off.
 * Holding a lock disables preemption (kernel/preempt.h): the holder is not
 * switched away from while others spin. Sleeping with one held is a bug.
 */
#pragma once

#include <atomic>
#include <stdint.h>

#include <asm/irqflags.h>
#include <kernel/preempt.h>

class SpinLock {
 public:
  constexpr SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() {
    preempt_disable();
    const uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    while (owner_.load(std::memory_order_acquire) != ticket) asm volatile("nop");
  }
  bool try_lock() {
    preempt_disable();
    uint32_t owner = owner_.load(std::memory_order_relaxed);
    uint32_t expected = owner;
    if (next_.compare_exchange_strong(expected, owner + 1, std::memory_order_acquire, std::memory_order_relaxed))
      return true;
    preempt_enable();
    return false;
  }
  void unlock() {
    owner_.store(owner_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    preempt_enable();
  }
  bool is_locked() const {
    return next_.load(std::memory_order_relaxed) != owner_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<uint32_t> next_{0};
  std::atomic<uint32_t> owner_{0};
};

class SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& l) : lock_(l) { lock_.lock(); }
  ~SpinLockGuard() { lock_.unlock(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
};

class SpinLockIrqSaveGuard {
 public:
  explicit SpinLockIrqSaveGuard(SpinLock& l) : lock_(l) { lock_.lock(); }
  ~SpinLockIrqSaveGuard() { lock_.unlock(); }
  SpinLockIrqSaveGuard(const SpinLockIrqSaveGuard&) = delete;
  SpinLockIrqSaveGuard& operator=(const SpinLockIrqSaveGuard&) = delete;

 private:
  IrqSave irq_;  // declared first: interrupts go off before the lock is taken
  SpinLock& lock_;
};
