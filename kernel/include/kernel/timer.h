/*
 * Tick-granular timers (kernel/timer.cc), Linux's timer_list reduced to
 * what sleeping needs: a timer fires from the timer tick of the CPU that
 * added it, once jiffies >= expires, with interrupts off (the callback must
 * not sleep). Each CPU keeps its pending timers in a list sorted by expiry
 * under its own lock; callbacks run under that lock, so del_timer_sync()
 * returning means the callback is not running and will not run.
 */
#pragma once

#include <stdint.h>

#include <lib/list.h>

struct timer_list {
  list_head entry;
  uint64_t expires = 0;  // in jiffies
  void (*function)(timer_list*) = nullptr;
  unsigned base = 0;  // the CPU whose list holds it
};

void add_timer(timer_list* t);
// True when the timer was pending (it will now never fire).
bool del_timer_sync(timer_list* t);
// From the tick: fires this CPU's expired timers.
void run_local_timers();
