/*
 * The per-hart tick. handle_timer_interrupt() counts the tick on the
 * current CPU (and jiffies on CPU 0) and arms the next one a fixed period
 * after the previous deadline, so the rate does not drift with interrupt
 * latency, then gives RCU its tick (quiescent states, ready callbacks),
 * fires expired timers and lets the scheduler end the running time slice.
 *
 * Sstc: a hart whose riscv,isa lists sstc may write stimecmp directly, but
 * only if M-mode firmware set menvcfg.STCE; otherwise the CSR access is an
 * illegal instruction. time_init() tries it under probe_fault() and falls
 * back to SBI set_timer when it traps.
 */
#include <kernel/time.h>

#include <atomic>

#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/sbi.h>
#include <asm/traps.h>
#include <kernel/console.h>
#include <kernel/devicetree.h>
#include <kernel/errno.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/rcutree.h>
#include <kernel/sched.h>
#include <kernel/timer.h>
#include <mm/slab.h>

volatile uint64_t jiffies;

namespace {

uint64_t tb_hz;
uint64_t period;
bool use_sstc;
uint64_t next_deadline[NR_CPUS];

void write_stimecmp(void* value) { csr_write<Csr::Stimecmp>(*static_cast<uint64_t*>(value)); }

void arm(uint64_t deadline) {
  if (use_sstc)
    csr_write<Csr::Stimecmp>(deadline);
  else
    sbi_set_timer(deadline);
}

bool boot_hart_has_sstc() {
  const MachineInfo& m = machine();
  for (unsigned i = 0; i < m.nr_harts; i++)
    if (m.harts[i].hartid == this_cpu()->hartid) return m.harts[i].has_sstc;
  return false;
}

}  // namespace

uint64_t timebase_hz() { return tb_hz; }

bool timer_uses_sstc() { return use_sstc; }

void time_init() {
  tb_hz = machine().timebase_frequency;
  if (tb_hz == 0) {
    pr_warn("time: no timebase-frequency in the device tree; assuming 10 MHz\n");
    tb_hz = 10000000;
  }
  period = tb_hz / HZ;
  if (boot_hart_has_sstc()) {
    uint64_t far_future = ~0ull;
    TrapRecord rec;
    use_sstc = !probe_fault(write_stimecmp, &far_future, &rec);
    if (!use_sstc) pr_info("time: sstc listed but stimecmp traps (menvcfg.STCE off); using SBI\n");
  }
  pr_info("time: timebase %lu Hz, tick %u Hz via %s\n", tb_hz, HZ, use_sstc ? "stimecmp (Sstc)" : "SBI set_timer");
  time_init_cpu();
}

void time_init_cpu() {
  const unsigned id = this_cpu()->id;
  next_deadline[id] = rdtime() + period;
  arm(next_deadline[id]);
  csr_set<Csr::Sie>(IE_STIE | IE_SSIE);
}

void handle_timer_interrupt() {
  cpu* c = this_cpu();
  c->ticks++;
  if (c->id == 0) jiffies = jiffies + 1;
  uint64_t& next = next_deadline[c->id];
  next += period;
  const uint64_t now = rdtime();
  if (next <= now) next = now + period;  // missed ticks are not replayed
  arm(next);
  rcu_sched_clock_irq();
  run_local_timers();
  if (c->id == 0) tty_console_tick();  // the console's input has no interrupt: polled here
  scheduler_tick();
  // Idle per-CPU objects and free slabs go back every few seconds.
  slab_reap_tick(now / (tb_hz >= 1000 ? tb_hz / 1000 : 1));
}

uint64_t tick_period_cycles() { return period; }

uint64_t tick_next_deadline() {
  IrqSave irq;
  return next_deadline[this_cpu()->id];
}

uint64_t ktime_get_ns() {
  if (tb_hz == 0) return 0;
  const uint64_t t = rdtime();
  return t / tb_hz * 1000000000ull + t % tb_hz * 1000000000ull / tb_hz;
}

namespace {
std::atomic<uint64_t> wall_offset_ns{0};  // realtime - monotonic
}  // namespace

uint64_t ktime_get_real_ns() { return ktime_get_ns() + wall_offset_ns.load(std::memory_order_relaxed); }

void timekeeping_set_real_ns(uint64_t real_ns) {
  wall_offset_ns.store(real_ns - ktime_get_ns(), std::memory_order_relaxed);
}

bool settod_valid(int64_t sec, int64_t nsec) {
  constexpr int64_t kSettodMaxSec = INT64_MAX / NSEC_PER_SEC - 30ll * 365 * 86400;
  return sec >= 0 && nsec >= 0 && nsec < NSEC_PER_SEC && sec < kSettodMaxSec;
}

int do_settimeofday64(int64_t sec, int64_t nsec) {
  if (!settod_valid(sec, nsec)) return -EINVAL;
  const uint64_t real = static_cast<uint64_t>(sec * NSEC_PER_SEC + nsec);
  if (real < ktime_get_ns()) return -EINVAL;  // before the boot: realtime - monotonic stays positive
  timekeeping_set_real_ns(real);
  return 0;
}

void udelay(uint64_t us) {
  const uint64_t end = rdtime() + us * tb_hz / 1000000 + 1;
  while (rdtime() < end) cpu_relax();
}

void mdelay(uint64_t ms) { udelay(ms * 1000); }
