/*
 * Reader-writer spinlock (for mm_struct::mmap_lock until there is a
 * scheduler to sleep on; then it becomes an rw_semaphore with the same
 * interface).
 *
 *   state_: bit 0 = a writer holds the lock, bit 1 = a writer is waiting,
 *           bits 2.. = number of readers holding it
 *
 * Writer-preferring: a waiting writer stops new readers from entering, so a
 * stream of readers cannot starve it. Readers nest only if no writer can be
 * waiting in between, so do not take it recursively. Interrupts are left
 * alone: the lock is never taken from interrupt context.
 */
#pragma once

#include <atomic>
#include <stdint.h>

#include <kernel/preempt.h>

class RwLock {
 public:
  constexpr RwLock() = default;
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void lock_shared() {
    preempt_disable();
    for (;;) {
      uint32_t s = state_.load(std::memory_order_relaxed);
      if (!(s & (WRITER | WRITER_WAITING)) &&
          state_.compare_exchange_weak(s, s + READER, std::memory_order_acquire, std::memory_order_relaxed))
        return;
      asm volatile("nop");
    }
  }
  bool try_lock_shared() {
    preempt_disable();
    uint32_t s = state_.load(std::memory_order_relaxed);
    if (!(s & (WRITER | WRITER_WAITING)) &&
        state_.compare_exchange_strong(s, s + READER, std::memory_order_acquire, std::memory_order_relaxed))
      return true;
    preempt_enable();
    return false;
  }
  void unlock_shared() {
    state_.fetch_sub(READER, std::memory_order_release);
    preempt_enable();
  }

  void lock() {
    preempt_disable();
    for (;;) {
      uint32_t s = state_.load(std::memory_order_relaxed);
      // Free (possibly with our own or another writer's waiting bit): take it.
      if ((s & ~WRITER_WAITING) == 0) {
        if (state_.compare_exchange_weak(s, WRITER, std::memory_order_acquire, std::memory_order_relaxed)) return;
        continue;
      }
      if (!(s & WRITER_WAITING)) state_.fetch_or(WRITER_WAITING, std::memory_order_relaxed);
      asm volatile("nop");
    }
  }
  bool try_lock() {
    preempt_disable();
    uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & ~WRITER_WAITING) == 0 &&
        state_.compare_exchange_strong(s, WRITER, std::memory_order_acquire, std::memory_order_relaxed))
      return true;
    preempt_enable();
    return false;
  }
  // Clears WRITER and any waiting bit: waiting writers set it again while
  // they spin, readers get a chance in between.
  void unlock() {
    state_.store(0, std::memory_order_release);
    preempt_enable();
  }

  bool is_locked() const { return state_.load(std::memory_order_relaxed) & ~WRITER_WAITING; }
  bool is_write_locked() const { return state_.load(std::memory_order_relaxed) & WRITER; }

 private:
  static constexpr uint32_t WRITER = 1;
  static constexpr uint32_t WRITER_WAITING = 2;
  static constexpr uint32_t READER = 4;
  std::atomic<uint32_t> state_{0};
};
