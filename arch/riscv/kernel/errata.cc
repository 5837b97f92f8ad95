// SiFive core errata detection (see asm/errata.h).
#include <asm/errata.h>

#include <asm/sbi.h>
#include <kernel/printk.h>

Errata cpu_errata;

namespace {

constexpr uint64_t kSiFive7Series = 0x8000000000000007;  // U54 / U74 marchid

}  // namespace

Errata sifive_errata_for(uint64_t mvendorid, uint64_t marchid, uint64_t mimpid) {
  Errata e{};
  if (mvendorid != SIFIVE_MVENDORID) return e;
  // CIP-453: 7-series cores with mimpid in [0x20181004, 0x20191105].
  e.cip_453 = marchid == kSiFive7Series && mimpid >= 0x20181004 && mimpid <= 0x20191105;
  // CIP-1200: 7-series (or marchid 1) with mimpid[23:0] <= 0x200630,
  // except the fixed 0x01200626.
  e.cip_1200 = (marchid == kSiFive7Series || marchid == 1) && (mimpid & 0xffffff) <= 0x200630 &&
               mimpid != 0x01200626;
  return e;
}

void errata_init() {
  cpu_errata = sifive_errata_for(sbi_info.mvendorid, sbi_info.marchid, sbi_info.mimpid);
  if (cpu_errata.cip_453) pr_info("errata: SiFive CIP-453: sign-extending stval on instruction faults\n");
  if (cpu_errata.cip_1200) pr_info("errata: SiFive CIP-1200: targeted sfence.vma replaced by full flushes\n");
}
