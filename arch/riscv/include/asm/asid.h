/*
 * The ASID allocator: Linux's arch/riscv/mm/context.c semantics in an
 * arch-neutral class (no CSRs), so the host tests run the same code. The
 * kernel instance and the satp side live in arch/riscv/mm/context.cc.
 *
 * A context id is generation << 16 | ASID. An address space keeps its ASID
 * as long as its id carries the current generation. ASID 0 is never handed
 * out (the kernel's own page table uses it).
 *
 *   map_         ASIDs taken in the current generation
 *   active_[c]   id CPU c runs now (0 right after a rollover)
 *   reserved_[c] id CPU c ran when the last rollover happened
 *   flush_pending_  CPUs that must flush their whole TLB before they next
 *                   run with an ASID of the new generation
 *
 * Rollover (the search reaches the end of the ASID space): bump the
 * generation, clear the map, keep the ASID every CPU is running (it stays
 * valid on that CPU until it switches away) and mark every CPU's TLB as
 * stale. Nothing is flushed remotely: each CPU flushes itself lazily on
 * its next slow-path switch. An address space whose id was active or
 * reserved on a CPU across the rollover keeps its ASID in the new
 * generation (no other address space can have taken it); any other stale
 * one gets its old ASID back if still free, else a new one.
 *
 * Fast path (id of the current generation, CPU not just rolled over): one
 * cmpxchg of active_[cpu], no lock. It races with a rollover only through
 * active_[cpu], which the rollover exchanges for 0, so a lost race takes
 * the slow path. Everything else is under lock_.
 */
#pragma once

#include <stdint.h>

#include <atomic>

#include <asm/mmu.h>
#include <mm/env.h>

class AsidAllocator {
 public:
  static constexpr unsigned kMaxBits = 16;  // RV64 satp.ASID width
  static constexpr unsigned kGenShift = kMaxBits;
  static constexpr uint64_t kAsidMask = (uint64_t{1} << kMaxBits) - 1;

  struct Switch {
    uint16_t asid;   // for satp (0 when ASIDs are disabled)
    bool flush_tlb;  // the CPU must flush its whole local TLB first
  };

  // hw_bits: ASID bits the hardware implements. ASIDs are used only when
  // there are more than two per CPU (as Linux), else every switch flushes.
  void init(unsigned hw_bits, unsigned nr_cpus);
  bool enabled() const { return enabled_; }

  // The CPU `cpu` (interrupts off) is about to run the address space.
  Switch switch_to(unsigned cpu, mm_context_t& ctx);

  // Test hook: hand out only ASIDs below `nr` (clamped to 2 * CPUs + 1 and
  // to the hardware's count); 0 restores the hardware's count.
  void set_limit(unsigned nr);
  unsigned limit() const { return limit_; }

  uint64_t generation() const { return version_.load(std::memory_order_relaxed) >> kGenShift; }
  uint64_t rollovers() const { return rollovers_; }
  static uint16_t asid_of(uint64_t id) { return static_cast<uint16_t>(id & kAsidMask); }
  static uint64_t generation_of(uint64_t id) { return id >> kGenShift; }

 private:
  uint64_t new_context_locked(uint64_t id);
  void rollover_locked();
  bool update_reserved_locked(uint64_t old_id, uint64_t new_id);
  unsigned find_free_locked(unsigned from) const;
  bool test_and_set_locked(unsigned asid);

  MmLock lock_;
  bool enabled_ = false;
  unsigned nr_cpus_ = 0;
  unsigned hw_asids_ = 0;  // 1 << hw_bits
  unsigned limit_ = 0;     // search [1, limit_)
  unsigned cur_idx_ = 1;   // where the next search starts
  uint64_t rollovers_ = 0;
  std::atomic<uint64_t> version_{uint64_t{1} << kGenShift};
  std::atomic<uint64_t> active_[MM_MAX_CPUS] = {};
  uint64_t reserved_[MM_MAX_CPUS] = {};
  uint64_t flush_pending_ = 0;
  uint64_t map_[(uint64_t{1} << kMaxBits) / 64] = {};
};
