/*
 * Goldfish RTC (google,goldfish-rtc: QEMU virt at 0x101000): a 64-bit count
 * of nanoseconds since the epoch, the host's wall clock. Reading TIME_LOW
 * latches TIME_HIGH, so the low half is read first. The alarm and its
 * interrupt are not used: the kernel only needs the time at boot
 * (rtc_hctosys); after that CLOCK_REALTIME runs on the timebase.
 *
 * The HiFive boards' trees have no RTC the kernel drives (the Unmatched's
 * sits behind I2C), and QEMU sifive_u has none: there the wall clock starts
 * at the epoch, as Linux's does without an RTC.
 */
#include <kernel/rtc.h>

#include <asm/io.h>
#include <kernel/printk.h>
#include <kernel/time.h>
#include <lib/dtinfo.h>
#include <lib/string.h>
#include <lib/timeconv.h>

namespace {

enum Reg : unsigned { TIME_LOW = 0x00, TIME_HIGH = 0x04 };

volatile uint8_t* base;

}  // namespace

bool rtc_read_ns(uint64_t* ns) {
  if (!base) return false;
  const uint32_t lo = readl(base + TIME_LOW);  // latches TIME_HIGH
  const uint32_t hi = readl(base + TIME_HIGH);
  *ns = uint64_t{hi} << 32 | lo;
  return true;
}

bool rtc_hctosys(const DtDevice& rtc) {
  if (!rtc.present || strcmp(rtc.compatible, "google,goldfish-rtc") != 0) return false;
  base = static_cast<volatile uint8_t*>(ioremap(rtc.base, rtc.size ? rtc.size : 0x1000));
  uint64_t ns = 0;
  rtc_read_ns(&ns);
  // A clock before 2000 or after 2200 is not a clock someone set.
  constexpr uint64_t kNsPerSec = 1000000000;
  constexpr uint64_t kY2000 = 946684800 * kNsPerSec, kY2200 = 7258118400 * kNsPerSec;
  if (ns < kY2000 || ns >= kY2200) {
    pr_warn("rtc: goldfish at %#lx reads %lu ns since the epoch: not used\n", rtc.base, ns);
    return false;
  }
  timekeeping_set_real_ns(ns);
  const civil_time d = time64_to_civil(static_cast<int64_t>(ns / kNsPerSec));
  pr_info("rtc: goldfish at %#lx: setting system clock to %04ld-%02u-%02uT%02u:%02u:%02u UTC (%lu)\n", rtc.base,
          d.year, d.month, d.day, d.hour, d.minute, d.second, ns / kNsPerSec);
  return true;
}
