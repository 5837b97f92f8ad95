// Sv39 page-table entry format and helpers.
//
//   VA:  | 63..39 sign | 38..30 VPN[2] | 29..21 VPN[1] | 20..12 VPN[0] | 11..0 offset |
//   PTE: | 63..54 rsvd | 53..10 PPN | 9..8 RSW | D A G U X W R V |
#pragma once

#include <stdint.h>

#include <asm/page.h>

using pte_t = uint64_t;

constexpr unsigned PTRS_PER_PT = 512;

constexpr pte_t _PAGE_VALID = 1 << 0;
constexpr pte_t _PAGE_READ = 1 << 1;
constexpr pte_t _PAGE_WRITE = 1 << 2;
constexpr pte_t _PAGE_EXEC = 1 << 3;
constexpr pte_t _PAGE_USER = 1 << 4;
constexpr pte_t _PAGE_GLOBAL = 1 << 5;
constexpr pte_t _PAGE_ACCESSED = 1 << 6;
constexpr pte_t _PAGE_DIRTY = 1 << 7;
constexpr unsigned _PAGE_PFN_SHIFT = 10;

// Non-leaf: V only (A/D/U on a non-leaf PTE is reserved; QEMU >= 7.0 faults on it).
constexpr pte_t PAGE_TABLE = _PAGE_VALID;
// Leaves: A always, D on writable ones (SiFive cores fault instead of setting them).
constexpr pte_t PAGE_KERNEL = _PAGE_VALID | _PAGE_READ | _PAGE_WRITE | _PAGE_GLOBAL | _PAGE_ACCESSED | _PAGE_DIRTY;
constexpr pte_t PAGE_KERNEL_RO = _PAGE_VALID | _PAGE_READ | _PAGE_GLOBAL | _PAGE_ACCESSED;
constexpr pte_t PAGE_KERNEL_RX = PAGE_KERNEL_RO | _PAGE_EXEC;
constexpr pte_t PAGE_KERNEL_EXEC = PAGE_KERNEL | _PAGE_EXEC;

// A leaf whose page stays but may not be accessed (PROT_NONE user memory):
// V clear, so the hardware faults on it, and a software (RSW) bit that
// keeps it a leaf for the page-table code, with its frame number intact.
constexpr pte_t _PAGE_PROT_NONE = 1 << 8;

constexpr pte_t pfn_pte(uintptr_t pfn, pte_t prot) { return (pfn << _PAGE_PFN_SHIFT) | prot; }
constexpr bool pte_protnone(pte_t pte) { return !(pte & _PAGE_VALID) && (pte & _PAGE_PROT_NONE); }
constexpr uintptr_t pte_pfn(pte_t pte) { return (pte >> _PAGE_PFN_SHIFT) & ((uintptr_t{1} << 44) - 1); }
constexpr bool pte_present(pte_t pte) { return pte & _PAGE_VALID; }
constexpr bool pte_leaf(pte_t pte) { return pte & (_PAGE_READ | _PAGE_WRITE | _PAGE_EXEC); }

constexpr unsigned pgd_index(uintptr_t va) { return (va >> 30) & (PTRS_PER_PT - 1); }
constexpr unsigned pmd_index(uintptr_t va) { return (va >> 21) & (PTRS_PER_PT - 1); }
constexpr unsigned pte_index(uintptr_t va) { return (va >> 12) & (PTRS_PER_PT - 1); }

static_assert(pgd_index(LAYOUT_KERNEL_LINK_ADDR) == 510);
static_assert(pgd_index(LAYOUT_PAGE_OFFSET) == 352);
static_assert(pgd_index(LAYOUT_IO_BASE) == 256);
