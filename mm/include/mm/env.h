/*
 * What mm/ needs from its surroundings, in one small seam so the same
 * allocator code links into the kernel and into the host tests/benchmarks:
 * a lock (kernel: spinlock with interrupts off; host: std::mutex), a
 * reader-writer lock for mmap_lock (kernel: RwLock; host: std::shared_mutex,
 * both with lock/unlock/lock_shared/unlock_shared), a warning
 * printer, and the physical-to-virtual offset of the memory it manages
 * (kernel: the direct map; host: a simulated RAM buffer).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

constexpr unsigned MM_MAX_CPUS = 8;

#ifdef HOST_TEST
#include <mutex>
#include <shared_mutex>
using MmLock = std::mutex;
using MmRwLock = std::shared_mutex;
using MmLockGuard = std::lock_guard<std::mutex>;
// On the host each thread plays one CPU: CPU 0 unless the thread says
// otherwise with mm_host_set_cpu() (a two-thread benchmark or test gives its
// second thread CPU 1). A CPU's per-CPU data is then only touched by its own
// thread and there are no interrupts, so there is nothing to mask.
struct [[maybe_unused]] MmIrqGuard {
  MmIrqGuard() {}  // user-provided: a guard variable is not "unused"
};
inline thread_local unsigned mm_host_cpu_id = 0;
inline unsigned mm_this_cpu() { return mm_host_cpu_id; }
inline void mm_host_set_cpu(unsigned cpu) {
  if (cpu >= MM_MAX_CPUS) __builtin_trap();  // two threads sharing a CPU's data would race
  mm_host_cpu_id = cpu;
}
#else
#include <kernel/percpu.h>
#include <kernel/rwlock.h>
#include <kernel/spinlock.h>
using MmLock = SpinLock;
using MmRwLock = RwLock;
using MmLockGuard = SpinLockIrqSaveGuard;
using MmIrqGuard = IrqSave;  // per-CPU data: no migration, no interrupt re-entry
inline unsigned mm_this_cpu() { return this_cpu()->id; }
static_assert(MM_MAX_CPUS >= NR_CPUS);
#endif

constexpr unsigned MM_PAGE_SHIFT = 12;
constexpr uint64_t MM_PAGE_SIZE = uint64_t{1} << MM_PAGE_SHIFT;

// virtual = physical + mm_phys_virt_offset for all managed memory.
extern uintptr_t mm_phys_virt_offset;

inline void* mm_phys_to_virt(uint64_t pa) { return reinterpret_cast<void*>(pa + mm_phys_virt_offset); }
inline uint64_t mm_virt_to_phys(const void* va) { return reinterpret_cast<uintptr_t>(va) - mm_phys_virt_offset; }

void mm_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// For SLAB: a panic (SLAB_PANIC), the data cache line size (the device
// tree's, else 64), the boot command line, and running a function on every
// CPU (kernel: on_each_cpu with interrupts enabled; host: just here).
[[noreturn]] void mm_panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned mm_cache_line_size();
const char* mm_cmdline();
void mm_on_each_cpu(void (*fn)(void*), void* arg);
#ifdef HOST_TEST
// Host tests set these before kmem_cache_init().
extern const char* mm_host_cmdline;
extern unsigned mm_host_cache_line_size;
#endif
// True for addresses in the kernel image's read-only data (kstrdup_const);
// the host has none.
bool mm_is_kernel_rodata(const void* p);
