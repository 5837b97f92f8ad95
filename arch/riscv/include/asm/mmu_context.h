/*
 * Switching a CPU between address spaces: ASIDs (asm/asid.h) and satp.
 *
 *   asid_init()              probe satp.ASID's width on the boot hart
 *   set_mm(ctx, pgd_pa)      run the calling CPU on the page table at pgd_pa
 *                            under ctx's ASID (allocating or renewing it,
 *                            flushing the local TLB when the allocator says)
 *   user_pgd_alloc/free      a root table for an address space: user half
 *                            empty, kernel half shared with swapper_pg_dir
 */
#pragma once

#include <stdint.h>

#include <asm/mmu.h>

void asid_init();
// ASID bits the hardware implements (0: none, every switch flushes).
unsigned asid_bits();
bool asid_enabled();

// Interrupts may be on; the switch itself runs with them off.
void set_mm(mm_context_t& ctx, uint64_t pgd_pa);
// The ASID ctx runs under (0 when ASIDs are not used).
uint16_t mm_context_asid(const mm_context_t& ctx);

// Test hook: hand out only ASIDs below nr (see AsidAllocator::set_limit);
// 0 restores the hardware's count. Returns the effective limit.
unsigned asid_set_limit(unsigned nr);
uint64_t asid_generation();
uint64_t asid_rollovers();

// A new root page table: user half empty, kernel half (entries 256..511)
// copied from the kernel's table, so every kernel mapping made before is
// visible while it is active. Physical address, 0 when out of memory.
uint64_t user_pgd_alloc();
// Frees the table pages of the user half and the root (not the pages the
// user mappings point at). The root must not be active on any CPU.
void user_pgd_free(uint64_t pgd_pa);
// An editor for a user root (table pages from the page allocator).
PageTableEditor user_page_table(uint64_t pgd_pa);
