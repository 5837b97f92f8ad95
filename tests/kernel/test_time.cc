// Timer self-tests: every online hart takes timer interrupts at about HZ.
#include <kernel/ktest.h>

#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/smp.h>
#include <kernel/devicetree.h>
#include <kernel/errno.h>
#include <kernel/percpu.h>
#include <kernel/rtc.h>
#include <kernel/time.h>

KTEST(timer, every_cpu_takes_timer_interrupts) {
  uint64_t before[NR_CPUS];
  for (unsigned i = 0; i < NR_CPUS; i++) before[i] = cpus[i].ticks;
  // Each online CPU must take at least two more ticks; wait up to two
  // seconds (a vCPU thread of a loaded host may run late, never not at all).
  const uint64_t deadline = ktime_get_ns() + 2000000000ull;
  bool all = false;
  while (!all && ktime_get_ns() < deadline) {
    all = true;
    for (unsigned i = 0; i < NR_CPUS; i++)
      if (cpu_online(i) && cpus[i].ticks - before[i] < 2) all = false;
  }
  for (unsigned i = 0; i < NR_CPUS; i++) {
    if (!cpu_online(i)) continue;
    EXPECT_GE(cpus[i].ticks - before[i], 2u);
  }
}

// The tick runs at HZ: checked through its arithmetic, not by timing it (a
// vCPU of a loaded host may miss ticks, which are deliberately not replayed).
// Every deadline moves at least one period past the last, and none is armed
// more than one period ahead of now; so ticks come no faster than HZ, and no
// slower than HZ while the CPU runs.
KTEST(timer, tick_rate_is_hz) {
  EXPECT_EQ(tick_period_cycles(), timebase_hz() / HZ);
  uint64_t j0, d0;
  {
    IrqSave irq;  // the tick must not come between the two reads
    j0 = jiffies;
    d0 = tick_next_deadline();
  }
  // Wait for a few ticks; two seconds is far more than a loaded host needs.
  const uint64_t give_up = ktime_get_ns() + 2000000000ull;
  while (jiffies - j0 < 3 && ktime_get_ns() < give_up) cpu_relax();
  uint64_t ticks, d1, now;
  {
    IrqSave irq;
    ticks = jiffies - j0;
    d1 = tick_next_deadline();
    now = rdtime();
  }
  ASSERT_GE(ticks, 3u);
  EXPECT_GE(d1 - d0, ticks * tick_period_cycles());
  EXPECT_LE(d1, now + tick_period_cycles());
  EXPECT_GT(d1, d0);
}

KTEST(timer, udelay_waits_at_least_as_asked) {
  const uint64_t delays_us[] = {1, 50, 1000, 20000};
  for (uint64_t us : delays_us) {
    const uint64_t t0 = ktime_get_ns();
    udelay(us);
    EXPECT_GE(ktime_get_ns() - t0, us * 1000);
  }
}

KTEST(timer, timebase_matches_the_device_tree) {
  EXPECT_EQ(timebase_hz(), machine().timebase_frequency);
  bool sstc = false;
  for (unsigned i = 0; i < machine().nr_harts; i++)
    if (machine().harts[i].hartid == this_cpu()->hartid) sstc = machine().harts[i].has_sstc;
  if (!sstc) EXPECT_FALSE(timer_uses_sstc());
  EXPECT_TRUE((csr_read<Csr::Sie>() & IE_STIE) != 0);
}

// The wall clock: set from the RTC at boot where the machine has one (QEMU
// virt's goldfish RTC: the host's time), else counting from the epoch.
KTEST(timer, wall_clock_follows_the_rtc) {
  const uint64_t real = ktime_get_real_ns();
  constexpr uint64_t kNsPerSec = 1000000000;
  uint64_t rtc = 0;
  if (!machine().rtc.present) {
    EXPECT_FALSE(rtc_read_ns(&rtc));
    EXPECT_LT(real, 86400 * kNsPerSec);  // the epoch plus the time since boot
    return;
  }
  ASSERT_TRUE(rtc_read_ns(&rtc));
  EXPECT_GT(real, 1577836800 * kNsPerSec);  // after 2020-01-01
  // Both run on the host's clock: they agree within a second (the timebase
  // of a loaded TCG guest may lag a little).
  const uint64_t diff = rtc > real ? rtc - real : real - rtc;
  EXPECT_LT(diff, kNsPerSec);
  // And it moves on with the timebase: a wall-clock read lies between the
  // monotonic reads around it, shifted by one offset.
  const uint64_t m0 = ktime_get_ns(), r = ktime_get_real_ns(), m1 = ktime_get_ns();
  udelay(2000);
  const uint64_t n0 = ktime_get_ns(), r2 = ktime_get_real_ns(), n1 = ktime_get_ns();
  EXPECT_GE(r2 - r, n0 - m1);
  EXPECT_LE(r2 - r, n1 - m0);
  EXPECT_GE(r2 - r, 2000000u);
}

// Setting the wall clock (clock_settime / settimeofday's do_settimeofday64):
// it jumps to the time given and runs on from there; a time before the
// boot, a negative one or one with nanoseconds out of range is -EINVAL and
// changes nothing.
KTEST(timer, settimeofday_moves_the_wall_clock) {
  constexpr int64_t kNsPerSec = 1000000000;
  const uint64_t before = ktime_get_real_ns();
  const int64_t target = static_cast<int64_t>(before / kNsPerSec) + 100000;  // a bit more than a day ahead
  const uint64_t m0 = ktime_get_ns();
  ASSERT_EQ(do_settimeofday64(target, 500), 0);
  const uint64_t after = ktime_get_real_ns();
  const uint64_t m1 = ktime_get_ns();
  EXPECT_GE(after, static_cast<uint64_t>(target) * kNsPerSec + 500);
  EXPECT_LE(after, static_cast<uint64_t>(target) * kNsPerSec + 500 + (m1 - m0));
  EXPECT_EQ(do_settimeofday64(0, 0), -EINVAL);  // before the boot
  EXPECT_EQ(do_settimeofday64(-1, 0), -EINVAL);
  EXPECT_EQ(do_settimeofday64(target, kNsPerSec), -EINVAL);
  EXPECT_EQ(do_settimeofday64(target, -1), -EINVAL);
  EXPECT_GE(ktime_get_real_ns(), after);  // the refused ones changed nothing
  // Back to where it was, plus the time that passed, plus 10 ms: on a
  // board without an RTC the wall clock is the time since boot, and the
  // exact value would be "before the boot" (-EINVAL) by the time it is set.
  const uint64_t now = before + (ktime_get_ns() - m0) + 10 * 1000 * 1000;
  ASSERT_EQ(do_settimeofday64(static_cast<int64_t>(now / kNsPerSec), static_cast<int64_t>(now % kNsPerSec)), 0);
  const uint64_t back = ktime_get_real_ns();
  EXPECT_LT(back > now ? back - now : now - back, static_cast<uint64_t>(kNsPerSec));
}
