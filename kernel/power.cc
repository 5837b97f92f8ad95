// machine_exit(): finisher, semihosting or SBI shutdown (see kernel/power.h).
#include <kernel/power.h>

#include <asm/io.h>
#include <asm/sbi.h>
#include <kernel/printk.h>

// arch/riscv/kernel/semihosting.S
extern "C" uint64_t semihosting_call(uint64_t op, uint64_t arg);

namespace {

uint64_t finisher_pa;
bool use_semihosting;

constexpr uint32_t kFinisherPass = 0x5555;
constexpr uint32_t kFinisherFail = 0x3333;

constexpr uint64_t kSysExit = 0x18;
constexpr uint64_t kAdpStoppedApplicationExit = 0x20026;

[[noreturn]] void halt() {
  for (;;) asm volatile("wfi");
}

}  // namespace

void power_init(uint64_t pa, bool semihosting) {
  finisher_pa = pa;
  use_semihosting = semihosting;
}

ExitMethod power_exit_method() {
  if (use_semihosting) return ExitMethod::Semihosting;
  if (finisher_pa) return ExitMethod::Finisher;
  return ExitMethod::Sbi;
}

void machine_exit(int code) {
  const uint32_t status = static_cast<uint32_t>(code) & 0xffff;
  switch (power_exit_method()) {
    case ExitMethod::Semihosting: {
      uint64_t block[2] = {kAdpStoppedApplicationExit, status};
      semihosting_call(kSysExit, reinterpret_cast<uint64_t>(block));
      break;
    }
    case ExitMethod::Finisher: {
      // A 32-bit store: the device faults on a 64-bit access.
      volatile uint32_t* reg = static_cast<volatile uint32_t*>(ioremap(finisher_pa, 4));
      if (reg) *reg = status == 0 ? kFinisherPass : (kFinisherFail | (status << 16));
      break;
    }
    case ExitMethod::Sbi:
      break;
  }
  // Nothing above took effect (or no finisher): SBI shutdown; the exit code is lost.
  sbi_system_reset(SbiResetType::Shutdown, status ? SbiResetReason::SystemFailure : SbiResetReason::None);
  sbi_legacy_shutdown();
  pr_emerg("machine_exit: no way to power off; halting\n");
  halt();
}
