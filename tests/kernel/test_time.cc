// Timer self-tests: every online hart takes timer interrupts at about HZ.
#include <kernel/ktest.h>

#include <asm/csr.h>
#include <asm/smp.h>
#include <kernel/devicetree.h>
#include <kernel/percpu.h>
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

KTEST(timer, tick_rate_is_about_hz) {
  const uint64_t j0 = jiffies;
  const uint64_t t0 = ktime_get_ns();
  mdelay(200);
  const uint64_t ticks = jiffies - j0;
  const uint64_t ns = ktime_get_ns() - t0;
  const uint64_t expected = ns * HZ / 1000000000ull;
  // Behaviour, not performance: within a factor of two of HZ.
  EXPECT_GE(ticks * 2, expected);
  EXPECT_LE(ticks, expected * 2 + 2);
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
