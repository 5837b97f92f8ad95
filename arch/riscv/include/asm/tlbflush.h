// Local TLB maintenance. Targeted flushes honour the CIP-1200 quirk.
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
