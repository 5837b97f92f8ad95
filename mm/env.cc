// The mm/ environment seam (see mm/include/mm/env.h): warnings go to the
// kernel log, or to stderr in host tests. Host tests also get a
// single-threaded RCU here (kernel/include/kernel/rcupdate.h): callbacks
// queue up and run when synchronize_rcu() or rcu_barrier() is called, which
// is a grace period because the one host thread is then outside any
// read-side section.
#include <mm/env.h>

#include <stdarg.h>

#ifdef HOST_TEST
#include <cstdio>
#include <cstdlib>

#include <kernel/rcupdate.h>

const char* mm_host_cmdline = "";
unsigned mm_host_cache_line_size = 64;

void mm_warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
}

void mm_panic(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fputs("Kernel panic - not syncing: ", stderr);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::abort();
}

unsigned mm_cache_line_size() { return mm_host_cache_line_size; }
const char* mm_cmdline() { return mm_host_cmdline; }
// Every CPU's turn, played by this thread: callers (cache shrink and
// destroy) run when the threads playing the other CPUs are quiet.
void mm_on_each_cpu(void (*fn)(void*), void* arg) {
  const unsigned self = mm_this_cpu();
  for (unsigned cpu = 0; cpu < MM_MAX_CPUS; cpu++) {
    mm_host_set_cpu(cpu);
    fn(arg);
  }
  mm_host_set_cpu(self);
}
bool mm_is_kernel_rodata(const void*) { return false; }

namespace {

rcu_head* rcu_queue_head;
rcu_head** rcu_queue_tail = &rcu_queue_head;
int rcu_nesting;

// Runs every queued callback, including those the callbacks queue.
void rcu_run_callbacks() {
  if (rcu_nesting) mm_panic("synchronize_rcu() inside an RCU read-side critical section\n");
  while (rcu_queue_head) {
    rcu_head* list = rcu_queue_head;
    rcu_queue_head = nullptr;
    rcu_queue_tail = &rcu_queue_head;
    while (list) {
      rcu_head* next = list->next;
      list->func(list);
      list = next;
    }
  }
}

}  // namespace

void rcu_read_lock() { rcu_nesting++; }
void rcu_read_unlock() {
  if (--rcu_nesting < 0) mm_panic("rcu_read_unlock() without rcu_read_lock()\n");
}
void synchronize_rcu() { rcu_run_callbacks(); }
void rcu_barrier() { rcu_run_callbacks(); }
void call_rcu(rcu_head* head, void (*func)(rcu_head*)) {
  head->next = nullptr;
  head->func = func;
  *rcu_queue_tail = head;
  rcu_queue_tail = &head->next;
}
#else
#include <asm/smp.h>
#include <kernel/devicetree.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <lib/string.h>

void mm_warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintk(LogLevel::Warning, fmt, ap);
  va_end(ap);
}

void mm_panic(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  panic("%s", buf);
}

unsigned mm_cache_line_size() {
  const unsigned n = machine().cache_line_size;
  return n && !(n & (n - 1)) ? n : 64;
}
const char* mm_cmdline() { return machine().bootargs ? machine().bootargs : ""; }
void mm_on_each_cpu(void (*fn)(void*), void* arg) { on_each_cpu(fn, arg); }

extern "C" char _srodata[], _erodata[];
bool mm_is_kernel_rodata(const void* p) {
  const char* c = static_cast<const char*>(p);
  return c >= _srodata && c < _erodata;
}
#endif
