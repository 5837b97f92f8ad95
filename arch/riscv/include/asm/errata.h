/*
 * Errata of real SiFive cores that QEMU does not model, chosen at boot from
 * mvendorid/marchid/mimpid as reported by SBI. Affected-core ranges follow
 * SiFive's errata sheets as Linux applies them (arch/riscv/errata/sifive/).
 *
 *   CIP-453   U54 (FU540): stval is not sign-extended on instruction page
 *             and access faults: the handler sign-extends bit 38.
 *   CIP-1200  U54/U74 (FU540, FU740): sfence.vma with an address can miss
 *             entries: every targeted flush becomes sfence.vma x0, x0.
 */
#pragma once

#include <stdint.h>

struct Errata {
  bool cip_453;
  bool cip_1200;
};

constexpr uint64_t SIFIVE_MVENDORID = 0x489;

// Pure: which errata a core with these ids has.
Errata sifive_errata_for(uint64_t mvendorid, uint64_t marchid, uint64_t mimpid);

// Detects the boot hart's errata (after sbi_init) and logs the active ones.
void errata_init();
extern Errata cpu_errata;

// CIP-453: stval for an instruction fault, with bit 38 sign-extended.
constexpr uint64_t sign_extend_sv39(uint64_t va) {
  return (va & (1ull << 38)) ? va | ~((1ull << 39) - 1) : va & ((1ull << 39) - 1);
}
static_assert(sign_extend_sv39(0x4000001000) == 0xffffffc000001000);
static_assert(sign_extend_sv39(0x0000001000) == 0x1000);
