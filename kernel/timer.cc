// Per-CPU timer lists and sleeping on them (schedule_timeout, msleep).
// The timer mechanism is described in kernel/timer.h.
#include <kernel/timer.h>

#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <lib/container_of.h>

namespace {

struct alignas(64) TimerBase {
  SpinLock lock;
  list_head pending;  // sorted by expires, earliest first
};

TimerBase bases[NR_CPUS];

uint64_t now_jiffies() { return __atomic_load_n(const_cast<uint64_t*>(&jiffies), __ATOMIC_RELAXED); }

}  // namespace

void add_timer(timer_list* t) {
  IrqSave irq;
  const unsigned cpu = this_cpu()->id;
  TimerBase& b = bases[cpu];
  SpinLockGuard g{b.lock};
  t->base = cpu;
  list_head* pos = b.pending.next;
  while (pos != &b.pending && container_of(pos, &timer_list::entry)->expires <= t->expires) pos = pos->next;
  list_add_tail(&t->entry, pos);  // before pos: after every timer expiring no later
}

bool del_timer_sync(timer_list* t) {
  SpinLockIrqSaveGuard g{bases[t->base].lock};
  if (list_empty(&t->entry)) return false;
  list_del_init(&t->entry);
  return true;
}

void run_local_timers() {
  TimerBase& b = bases[this_cpu()->id];
  SpinLockGuard g{b.lock};  // interrupts are off in the tick
  const uint64_t now = now_jiffies();
  while (!list_empty(&b.pending)) {
    timer_list* t = container_of(b.pending.next, &timer_list::entry);
    if (t->expires > now) break;
    list_del_init(&t->entry);
    t->function(t);
  }
}

namespace {

struct ProcessTimer {
  timer_list timer;
  task_struct* task;
};

void process_timeout(timer_list* t) { wake_up_process(container_of(t, &ProcessTimer::timer)->task); }

}  // namespace

long schedule_timeout(long timeout) {
  if (timeout == MAX_SCHEDULE_TIMEOUT) {
    schedule();
    return timeout;
  }
  if (timeout < 0) timeout = 0;
  const uint64_t expire = now_jiffies() + static_cast<uint64_t>(timeout);
  ProcessTimer pt;
  pt.task = get_current();
  pt.timer.expires = expire;
  pt.timer.function = process_timeout;
  add_timer(&pt.timer);
  schedule();
  del_timer_sync(&pt.timer);
  const uint64_t now = now_jiffies();
  return now >= expire ? 0 : static_cast<long>(expire - now);
}

long schedule_timeout_uninterruptible(long timeout) {
  set_current_state(TASK_UNINTERRUPTIBLE);
  return schedule_timeout(timeout);
}

unsigned long msecs_to_jiffies(unsigned ms) { return (static_cast<unsigned long>(ms) * HZ + 999) / 1000; }

void msleep(unsigned ms) {
  // Jiffies only count CPU 0's ticks, which may come late; the timebase
  // decides when enough time has passed, the tick only wakes us.
  const uint64_t end = ktime_get_ns() + uint64_t{ms} * 1000000;
  for (;;) {
    const uint64_t now = ktime_get_ns();
    if (now >= end) return;
    const unsigned left_ms = static_cast<unsigned>((end - now + 999999) / 1000000);
    schedule_timeout_uninterruptible(static_cast<long>(msecs_to_jiffies(left_ms)) + 1);
  }
}
