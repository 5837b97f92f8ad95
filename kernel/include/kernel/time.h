/*
 * Time: the timebase (rdtime ticks per second, from the device tree) and a
 * periodic per-hart tick at HZ, armed through the Sstc stimecmp CSR where
 * the hart has it and the firmware enabled it, else through SBI set_timer.
 */
#pragma once

#include <stdint.h>

constexpr unsigned HZ = 100;

// Boot hart: reads the timebase, chooses the timer mechanism, starts the tick.
void time_init();
// Every hart (the boot hart through time_init): arm this hart's tick.
void time_init_cpu();

// Called from the trap handler on a supervisor timer interrupt.
void handle_timer_interrupt();

extern volatile uint64_t jiffies;  // ticks of the boot CPU since time_init()

uint64_t timebase_hz();
// The tick period and the calling CPU's next armed deadline, in timebase
// cycles (tests check the tick's arithmetic instead of timing it).
uint64_t tick_period_cycles();
uint64_t tick_next_deadline();
uint64_t ktime_get_ns();
// Wall-clock time (CLOCK_REALTIME) in ns since the epoch: the monotonic
// clock plus an offset that the RTC sets at boot (rtc_hctosys) and
// settimeofday may change. Without an RTC the offset is 0: the wall clock
// starts at the epoch, as Linux's does on a machine without one.
uint64_t ktime_get_real_ns();
void timekeeping_set_real_ns(uint64_t real_ns);
// timespec64_valid_settod: a wall time ktime can hold with room to run
// (Linux keeps 30 years below KTIME_SEC_MAX).
bool settod_valid(int64_t sec, int64_t nsec);
// Linux's do_settimeofday64 (the caller checked CAP_SYS_TIME): 0, or
// -EINVAL for an invalid time or one before the boot.
int do_settimeofday64(int64_t sec, int64_t nsec);

// ---- time values from and to user space (kernel/sys_time.cc) ----
constexpr int64_t NSEC_PER_SEC = 1000000000;
// riscv64's struct timespec (__kernel_timespec: 64-bit seconds).
struct kernel_timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};
inline kernel_timespec ns_to_timespec(int64_t ns) { return {ns / NSEC_PER_SEC, ns % NSEC_PER_SEC}; }
// Linux's get_timespec64 then timespec64_valid: the user's timespec at utp
// in ns (INT64_MAX for anything beyond): 0, -EFAULT or -EINVAL.
int get_user_timespec_ns(uintptr_t utp, int64_t* ns);
// now + ns, INT64_MAX when that would not fit: a deadline ns from now.
inline int64_t deadline_after(int64_t now, int64_t ns) { return INT64_MAX - now < ns ? INT64_MAX : now + ns; }

void udelay(uint64_t us);
void mdelay(uint64_t ms);
// True when this hart arms its timer through stimecmp rather than SBI.
bool timer_uses_sstc();
