/*
 * Time system calls: clock_gettime/getres, gettimeofday, nanosleep,
 * clock_nanosleep, and setting the wall clock: clock_settime(CLOCK_REALTIME)
 * and settimeofday (CAP_SYS_TIME; the time zone it keeps is only reported
 * back by gettimeofday, as on Linux).
 *
 * Every clock reads the timebase (rdtime, ktime_get_ns). MONOTONIC,
 * MONOTONIC_RAW and BOOTTIME count from boot (nothing suspends);
 * REALTIME and TAI are the wall clock (ktime_get_real_ns: the RTC's time at
 * boot, or the epoch without one, as on Linux); the CPU-time clocks
 * report the task's accumulated runtime. Sleeps are tick-granular
 * (HZ = 100): at least the time asked, up to one tick more.
 */
#include <kernel/syscalls.h>

#include <time.h>  // CLOCK_*

#include <atomic>

#include <asm/csr.h>
#include <asm/uaccess.h>
#include <kernel/cred.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/time.h>

namespace {

// CLOCK_* and TIMER_ABSTIME come from the toolchain's <time.h> (Linux's values).
static_assert(CLOCK_REALTIME == 0 && CLOCK_MONOTONIC == 1 && CLOCK_PROCESS_CPUTIME_ID == 2 &&
              CLOCK_THREAD_CPUTIME_ID == 3 && CLOCK_MONOTONIC_RAW == 4 && CLOCK_REALTIME_COARSE == 5 &&
              CLOCK_MONOTONIC_COARSE == 6 && CLOCK_BOOTTIME == 7 && CLOCK_REALTIME_ALARM == 8 &&
              CLOCK_BOOTTIME_ALARM == 9 && CLOCK_TAI == 11 && TIMER_ABSTIME == 1);
struct kernel_timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

uint64_t cputime_ns(const task_struct* t) {
  const uint64_t ticks = t->se.sum_exec_runtime + (rdtime() - t->se.exec_start);
  const uint64_t hz = timebase_hz();
  return ticks / hz * NSEC_PER_SEC + ticks % hz * NSEC_PER_SEC / hz;
}

// The clock's value in ns, or -EINVAL for an unknown clock.
int64_t clock_now(int which, bool* ok) {
  *ok = true;
  switch (which) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI: return static_cast<int64_t>(ktime_get_real_ns());
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM: return static_cast<int64_t>(ktime_get_ns());
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: return static_cast<int64_t>(cputime_ns(get_current()));
    default: *ok = false; return 0;
  }
}

// Sleeps until the clock reaches deadline_ns (tick-granular): 0, or
// -ERESTART_RESTARTBLOCK when a signal comes first.
long sleep_until(int which, int64_t deadline_ns) {
  const int64_t tick_ns = NSEC_PER_SEC / HZ;
  task_struct* self = get_current();
  for (;;) {
    bool ok;
    const int64_t now = clock_now(which, &ok);
    if (now >= deadline_ns) return 0;
    // +1: the current tick is already partly over.
    const long ticks = static_cast<long>((deadline_ns - now + tick_ns - 1) / tick_ns) + 1;
    set_current_state(TASK_INTERRUPTIBLE);
    if (signal_pending(self)) {
      __set_current_state(TASK_RUNNING);
      return -ERESTART_RESTARTBLOCK;
    }
    schedule_timeout(ticks);
  }
}

long nanosleep_restart(restart_block* rb);

// A signal interrupted the sleep (Linux's hrtimer_nanosleep): an absolute
// one restarts as it was unless a handler runs; a relative one reports the
// time left in rmtp and resumes through restart_syscall toward the same
// deadline, or returns -EINTR when a handler runs.
long nanosleep_interrupted(int which, int flags, int64_t deadline, uintptr_t urmtp) {
  if (flags & TIMER_ABSTIME) return -ERESTARTNOHAND;
  if (urmtp) {
    bool ok;
    const int64_t left = deadline - clock_now(which, &ok);
    const kernel_timespec ts = ns_to_timespec(left > 0 ? left : 0);
    if (copy_to_user(urmtp, &ts, sizeof(ts))) return -EFAULT;
  }
  restart_block* rb = &get_current()->restart_block;
  rb->fn = nanosleep_restart;
  rb->arg[0] = static_cast<uint64_t>(which);
  rb->arg[1] = static_cast<uint64_t>(deadline);
  rb->arg[2] = urmtp;
  return -ERESTART_RESTARTBLOCK;
}

long nanosleep_restart(restart_block* rb) {
  const int which = static_cast<int>(rb->arg[0]);
  const int64_t deadline = static_cast<int64_t>(rb->arg[1]);
  if (sleep_until(which, deadline) == 0) return 0;
  return nanosleep_interrupted(which, 0, deadline, rb->arg[2]);
}

long do_nanosleep(int which, int flags, uintptr_t urqtp, uintptr_t urmtp) {
  int64_t req_ns;
  if (const int err = get_user_timespec_ns(urqtp, &req_ns)) return err;
  bool ok;
  const int64_t now = clock_now(which, &ok);
  if (!ok) return -EINVAL;
  const int64_t deadline = (flags & TIMER_ABSTIME) ? req_ns : deadline_after(now, req_ns);
  if (sleep_until(which, deadline) == 0) return 0;
  return nanosleep_interrupted(which, flags, deadline, urmtp);
}

}  // namespace

int get_user_timespec_ns(uintptr_t utp, int64_t* ns) {
  kernel_timespec ts;
  if (copy_from_user(&ts, utp, sizeof(ts))) return -EFAULT;
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC) return -EINVAL;
  *ns = ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1 ? INT64_MAX : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
  return 0;
}

long sys_clock_gettime(int which_clock, uintptr_t utp) {
  bool ok;
  const int64_t ns = clock_now(which_clock, &ok);
  if (!ok) return -EINVAL;
  const kernel_timespec ts = ns_to_timespec(ns);
  return copy_to_user(utp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_clock_getres(int which_clock, uintptr_t utp) {
  bool ok;
  clock_now(which_clock, &ok);
  if (!ok) return -EINVAL;
  const bool coarse = which_clock == CLOCK_REALTIME_COARSE || which_clock == CLOCK_MONOTONIC_COARSE;
  const kernel_timespec ts{0, coarse ? NSEC_PER_SEC / HZ : 1};
  if (utp && copy_to_user(utp, &ts, sizeof(ts))) return -EFAULT;
  return 0;
}

namespace {

struct kernel_timezone {
  int32_t tz_minuteswest, tz_dsttime;
};
std::atomic<uint64_t> sys_tz{0};  // the two fields packed, read and set whole

// do_sys_settimeofday64: validity, then CAP_SYS_TIME, then the zone and the
// time (kernel/time.cc).
long settimeofday(const kernel_timespec* ts, const kernel_timezone* tz) {
  if (ts && !settod_valid(ts->tv_sec, ts->tv_nsec)) return -EINVAL;
  if (!cred_capable_sys(current_cred())) return -EPERM;
  if (tz) {
    if (tz->tz_minuteswest > 15 * 60 || tz->tz_minuteswest < -15 * 60) return -EINVAL;
    sys_tz.store(static_cast<uint32_t>(tz->tz_minuteswest) | uint64_t{static_cast<uint32_t>(tz->tz_dsttime)} << 32,
                 std::memory_order_relaxed);
  }
  return ts ? do_settimeofday64(ts->tv_sec, ts->tv_nsec) : 0;
}

}  // namespace

long sys_clock_settime(int which_clock, uintptr_t utp) {
  // Only CLOCK_REALTIME can be set (Linux's other clocks, and unknown ids,
  // have no clock_set).
  if (which_clock != CLOCK_REALTIME) return -EINVAL;
  kernel_timespec ts;
  if (copy_from_user(&ts, utp, sizeof(ts))) return -EFAULT;
  return settimeofday(&ts, nullptr);
}

long sys_settimeofday(uintptr_t utv, uintptr_t utz) {
  kernel_timespec ts;
  if (utv) {
    kernel_timeval tv;
    if (copy_from_user(&tv, utv, sizeof(tv))) return -EFAULT;
    if (tv.tv_usec >= 1000000 || tv.tv_usec < 0) return -EINVAL;
    ts = kernel_timespec{tv.tv_sec, tv.tv_usec * 1000};
  }
  kernel_timezone tz;
  if (utz && copy_from_user(&tz, utz, sizeof(tz))) return -EFAULT;
  return settimeofday(utv ? &ts : nullptr, utz ? &tz : nullptr);
}

long sys_gettimeofday(uintptr_t utv, uintptr_t utz) {
  if (utv) {
    bool ok;
    const int64_t ns = clock_now(CLOCK_REALTIME, &ok);
    const kernel_timeval tv{ns / NSEC_PER_SEC, ns % NSEC_PER_SEC / 1000};
    if (copy_to_user(utv, &tv, sizeof(tv))) return -EFAULT;
  }
  if (utz) {
    const uint64_t packed = sys_tz.load(std::memory_order_relaxed);
    const kernel_timezone tz{static_cast<int32_t>(packed), static_cast<int32_t>(packed >> 32)};
    if (copy_to_user(utz, &tz, sizeof(tz))) return -EFAULT;
  }
  return 0;
}

long sys_nanosleep(uintptr_t urqtp, uintptr_t urmtp) { return do_nanosleep(CLOCK_MONOTONIC, 0, urqtp, urmtp); }

long sys_clock_nanosleep(int which_clock, int flags, uintptr_t urqtp, uintptr_t urmtp) {
  if (which_clock == CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  if (which_clock == CLOCK_PROCESS_CPUTIME_ID) return -EOPNOTSUPP;  // Linux: not for itself either
  return do_nanosleep(which_clock, flags, urqtp, urmtp);
}
