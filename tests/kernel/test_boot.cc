// Self-tests of what boot set up: SBI probing, the device-tree copy, the
// console and printk's level filter, the exit method.
#include <kernel/ktest.h>

#include <asm/sbi.h>
#include <kernel/devicetree.h>
#include <kernel/percpu.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <lib/fdt.h>

KTEST(sbi, base_extension_and_probes) {
  // OpenSBI >= 0.2 implements BASE; every probe result must agree with a
  // direct call of the same extension.
  EXPECT_GE(sbi_info.spec_version, 2u);
  const SbiRet r = sbi_ecall(SbiExt::Base, 3 /* probe */, static_cast<uint64_t>(SbiExt::Hsm));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value != 0, sbi_info.has_hsm);
  EXPECT_TRUE(sbi_info.has_time || sbi_info.spec_version < 2);
  const SbiRet bogus = sbi_ecall(SbiExt::Base, 3, 0x0badc0de);
  EXPECT_TRUE(bogus.ok());
  EXPECT_EQ(bogus.value, 0);
}

KTEST(sbi, hsm_reports_this_hart_started) {
  if (!sbi_info.has_hsm) KTEST_SKIP("firmware has no HSM");
  const SbiRet r = sbi_hart_get_status(this_cpu()->hartid);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value, static_cast<int64_t>(SbiHartState::Started));
  EXPECT_FALSE(sbi_hart_get_status(4096).ok());  // no such hart
}

KTEST(devicetree, kernel_copy_is_valid_and_parses_the_same) {
  const void* blob = devicetree_blob();
  Fdt fdt;
  ASSERT_EQ(Fdt::open(blob, 256 * 1024, &fdt), DtError::None);
  MachineInfo again;
  ASSERT_EQ(dt_parse_machine(blob, fdt.total_size(), &again), DtError::None);
  EXPECT_EQ(again.nr_memory, machine().nr_memory);
  EXPECT_EQ(again.memory[0].base, machine().memory[0].base);
  EXPECT_EQ(again.memory[0].size, machine().memory[0].size);
  EXPECT_EQ(again.nr_harts, machine().nr_harts);
  EXPECT_EQ(again.timebase_frequency, machine().timebase_frequency);
  // OpenSBI reserves its own region and says so in reserved-memory.
  EXPECT_GE(machine().nr_reserved, 1u);
}

KTEST(devicetree, exit_method_follows_the_machine) {
  if (machine().finisher.present && !cmdline_flag("exit"))
    EXPECT_EQ(power_exit_method(), ExitMethod::Finisher);
  char method[32];
  if (cmdline_param("exit", method, sizeof(method)))
    EXPECT_EQ(power_exit_method(), ExitMethod::Semihosting);
  if (!machine().finisher.present && !cmdline_flag("exit")) EXPECT_EQ(power_exit_method(), ExitMethod::Sbi);
}

KTEST(printk, level_filter) {
  const int saved = printk_get_loglevel();
  printk_set_loglevel(static_cast<int>(LogLevel::Warning));
  EXPECT_EQ(pr_info("ktest: this line must not be printed\n"), 0);
  EXPECT_GT(pr_err("ktest: printk level filter check (expected output)\n"), 0);
  printk_set_loglevel(saved);
}
