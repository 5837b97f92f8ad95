// /proc/meminfo, /proc/slabinfo (SLAB's "slabinfo - version: 2.1") and
// /proc/uptime: text from the allocators and the clock, made at open.
#include <kernel/errno.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

#include "internal.h"

#ifndef HOST_TEST
#include <kernel/time.h>
#endif

namespace {

// A formatter that writes at most size-1 bytes and returns the length:
// grow the buffer until the text fits.
int from_formatter(ProcText* t, size_t (*format)(char* buf, size_t size)) {
  for (size_t size = 4096; size <= (size_t{1} << 22); size *= 2) {
    char* buf = static_cast<char*>(kmalloc(size, GFP_KERNEL));
    if (!buf) return -ENOMEM;
    const size_t n = format(buf, size);
    if (n + 1 < size) {
      t->put(buf, n);
      kfree(buf);
      return 0;
    }
    kfree(buf);
  }
  return -EFBIG;
}

int meminfo_gen(inode*, ProcText* t) { return from_formatter(t, meminfo_format); }
int slabinfo_gen(inode*, ProcText* t) { return from_formatter(t, slabinfo_format); }

int uptime_gen(inode*, ProcText* t) {
#ifdef HOST_TEST
  const uint64_t ns = 0;
#else
  const uint64_t ns = ktime_get_ns();
#endif
  const unsigned long cs = static_cast<unsigned long>(ns / 10000000);
  // No idle accounting yet: the second field (idle time) is 0.00.
  t->printf("%lu.%02lu 0.00\n", cs / 100, cs % 100);
  return 0;
}

}  // namespace

void proc_misc_init() {
  proc_register_text(PROC_MEMINFO, meminfo_gen);
  proc_register_text(PROC_SLABINFO, slabinfo_gen);
  proc_register_text(PROC_UPTIME, uptime_gen);
}
