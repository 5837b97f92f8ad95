// SiFive errata selection (asm/errata.h): which cores get which quirk.
#include <kernel/ktest.h>

#include <asm/errata.h>
#include <asm/sbi.h>

KTEST(errata, sifive_core_selection) {
  // FU540-C000 (U54, mimpid 0x20181004): both errata.
  Errata e = sifive_errata_for(SIFIVE_MVENDORID, 0x8000000000000007, 0x20181004);
  EXPECT_TRUE(e.cip_453);
  EXPECT_TRUE(e.cip_1200);
  // A 7-series core past the CIP-453 range still needs full flushes.
  e = sifive_errata_for(SIFIVE_MVENDORID, 0x8000000000000007, 0x20200626);
  EXPECT_FALSE(e.cip_453);
  EXPECT_TRUE(e.cip_1200);
  e = sifive_errata_for(SIFIVE_MVENDORID, 0x8000000000000007, 0x01200626);
  EXPECT_FALSE(e.cip_1200);
  // Another vendor with the same ids, and QEMU's own ids: none.
  e = sifive_errata_for(0, 0x8000000000000007, 0x20181004);
  EXPECT_FALSE(e.cip_453 || e.cip_1200);
  e = sifive_errata_for(0, 0x70216, 0x70216);
  EXPECT_FALSE(e.cip_453 || e.cip_1200);
}

KTEST(errata, none_active_under_qemu) {
  // QEMU reports mvendorid 0 on virt and sifive_u alike.
  if (sbi_info.mvendorid == SIFIVE_MVENDORID) KTEST_SKIP("running on SiFive silicon");
  EXPECT_FALSE(cpu_errata.cip_453);
  EXPECT_FALSE(cpu_errata.cip_1200);
}

KTEST(errata, cip_453_sign_extension) {
  EXPECT_EQ(sign_extend_sv39(0x4000001000ull), 0xffffffc000001000ull);
  EXPECT_EQ(sign_extend_sv39(0x3ffffff000ull), 0x3ffffff000ull);
  EXPECT_EQ(sign_extend_sv39(0xffffffc000001000ull), 0xffffffc000001000ull);
}
