// TLB maintenance, local and (arch/riscv/mm/tlbflush.cc) for an address
// space on every CPU that may cache it. Targeted flushes honour CIP-1200.
#pragma once

#include <stdint.h>

#include <asm/csr.h>
#include <asm/errata.h>

inline void local_flush_tlb_page(uintptr_t addr) {
  if (cpu_errata.cip_1200)
    local_flush_tlb_all();
  else
    asm volatile("sfence.vma %0, zero" ::"r"(addr) : "memory");
}

inline void local_flush_tlb_all_asid(uint16_t asid) { asm volatile("sfence.vma zero, %0" ::"r"(asid) : "memory"); }

inline void local_flush_tlb_page_asid(uintptr_t addr, uint16_t asid) {
  if (cpu_errata.cip_1200)
    local_flush_tlb_all_asid(asid);
  else
    asm volatile("sfence.vma %0, %1" ::"r"(addr), "r"(asid) : "memory");
}

struct mm_context_t;

// An address space's translations: on this CPU only (local_*), or on every
// CPU in ctx.cpumask through SBI RFENCE (by ASID when ASIDs are in use,
// else for all address spaces). size ~0 means everything. False when the
// firmware refused the remote part.
void local_flush_tlb_mm(mm_context_t& ctx);
bool flush_tlb_mm(mm_context_t& ctx);
bool flush_tlb_page(mm_context_t& ctx, uintptr_t addr);
bool flush_tlb_range(mm_context_t& ctx, uintptr_t start, uintptr_t size);
