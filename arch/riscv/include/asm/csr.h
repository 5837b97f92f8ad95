// Typed access to the supervisor CSRs.
#pragma once

#include <stdint.h>

enum class Csr : uint16_t {
  Sstatus = 0x100,
  Sie = 0x104,
  Stvec = 0x105,
  Scounteren = 0x106,
  Sscratch = 0x140,
  Sepc = 0x141,
  Scause = 0x142,
  Stval = 0x143,
  Sip = 0x144,
  Stimecmp = 0x14d,
  Satp = 0x180,
  Time = 0xc01,
  Cycle = 0xc00,
};

template <Csr C>
inline uint64_t csr_read() {
  uint64_t v;
  asm volatile("csrr %0, %1" : "=r"(v) : "i"(static_cast<uint16_t>(C)) : "memory");
  return v;
}

template <Csr C>
inline void csr_write(uint64_t v) {
  asm volatile("csrw %0, %1" ::"i"(static_cast<uint16_t>(C)), "rK"(v) : "memory");
}

template <Csr C>
inline uint64_t csr_set(uint64_t bits) {
  uint64_t old;
  asm volatile("csrrs %0, %1, %2" : "=r"(old) : "i"(static_cast<uint16_t>(C)), "rK"(bits) : "memory");
  return old;
}

template <Csr C>
inline uint64_t csr_clear(uint64_t bits) {
  uint64_t old;
  asm volatile("csrrc %0, %1, %2" : "=r"(old) : "i"(static_cast<uint16_t>(C)), "rK"(bits) : "memory");
  return old;
}

// sstatus bits
constexpr uint64_t SR_SIE = 1ull << 1;
constexpr uint64_t SR_SPIE = 1ull << 5;
constexpr uint64_t SR_SPP = 1ull << 8;
constexpr uint64_t SR_FS = 3ull << 13;
constexpr uint64_t SR_SUM = 1ull << 18;
constexpr uint64_t SR_MXR = 1ull << 19;

// sie / sip bits
constexpr uint64_t IE_SSIE = 1ull << 1;
constexpr uint64_t IE_STIE = 1ull << 5;
constexpr uint64_t IE_SEIE = 1ull << 9;

constexpr uint64_t SATP_MODE_SV39 = 8ull << 60;

inline uint64_t rdtime() { return csr_read<Csr::Time>(); }

inline void local_flush_tlb_all() { asm volatile("sfence.vma" ::: "memory"); }
inline void local_flush_icache_all() { asm volatile("fence.i" ::: "memory"); }
inline void cpu_relax() { asm volatile("nop"); }
inline void wait_for_interrupt() { asm volatile("wfi"); }
