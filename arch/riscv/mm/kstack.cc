/*
 * Kernel stacks in the stack area (layout and overflow handling: see
 * asm/kstack.h). A bitmap of slots and each slot's name under one lock,
 * which also serialises this area's page-table edits: no other code maps
 * there, and the area's level-1 table exists from kstack_init() on (slot 0
 * is never freed), so edits never touch the shared root table.
 */
#include <asm/kstack.h>

#include <asm/mmu.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <mm/page_alloc.h>

namespace {

// Slots in use at most (the area has room for 32768; the names table is
// what costs memory).
constexpr unsigned kSlots = 2048;
constexpr unsigned kPages = KSTACK_SIZE / PAGE_SIZE;
static_assert(kSlots * KSTACK_SLOT_SIZE <= KSTACK_AREA_SIZE);
static_assert(KSTACK_GUARD_SIZE >= PAGE_SIZE && KSTACK_SIZE % PAGE_SIZE == 0);

SpinLock lock;
uint64_t slot_map[kSlots / 64];
const char* slot_name[kSlots];  // non-null exactly for allocated slots
uintptr_t cpu_stack_tops[NR_CPUS];

uintptr_t slot_base(unsigned slot) { return KSTACK_BASE + uintptr_t{slot} * KSTACK_SLOT_SIZE + KSTACK_GUARD_SIZE; }

// Unmaps and frees the first n pages of the stack at base. Lock held.
void release_pages_locked(uintptr_t base, unsigned n) {
  PageTableEditor pt = kernel_page_table();
  for (unsigned i = 0; i < n; i++) {
    const uintptr_t va = base + i * PAGE_SIZE;
    const PtWalk w = pt.walk(va);
    if (!w.present) continue;
    pt.unmap(va, PAGE_SIZE);
    __free_pages(pfn_to_page(w.pa >> PAGE_SHIFT), 0);
  }
}

}  // namespace

uintptr_t alloc_kernel_stack(const char* name) {
  SpinLockIrqSaveGuard g{lock};
  unsigned slot = kSlots;
  for (unsigned i = 0; i < kSlots && slot == kSlots; i++)
    if (!(slot_map[i / 64] & (uint64_t{1} << (i % 64)))) slot = i;
  if (slot == kSlots) return 0;
  const uintptr_t base = slot_base(slot);
  PageTableEditor pt = kernel_page_table();
  for (unsigned i = 0; i < kPages; i++) {
    page* p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
    if (p && pt.map(base + i * PAGE_SIZE, page_to_pfn(p) << PAGE_SHIFT, PAGE_SIZE, PAGE_KERNEL, PtLevel::Page) != 0) {
      __free_pages(p, 0);
      p = nullptr;
    }
    if (!p) {
      release_pages_locked(base, i);
      flush_tlb_kernel_range(base, KSTACK_SIZE);
      return 0;
    }
  }
  // A hart may have cached the slot's old (absent) translation.
  flush_tlb_kernel_range(base, KSTACK_SIZE);
  slot_map[slot / 64] |= uint64_t{1} << (slot % 64);
  slot_name[slot] = name;
  return base + KSTACK_SIZE;
}

void free_kernel_stack(uintptr_t top) {
  // top = slot_base(slot) + KSTACK_SIZE = KSTACK_BASE + (slot + 1) * slot size
  const uintptr_t off = top - KSTACK_BASE;
  const uintptr_t slot = off / KSTACK_SLOT_SIZE - 1;
  SpinLockIrqSaveGuard g{lock};
  if (top <= KSTACK_BASE || off % KSTACK_SLOT_SIZE != 0 || slot == 0 || slot >= kSlots || !slot_name[slot])
    panic("free_kernel_stack: 0x%lx is not the top of a freeable kernel stack", top);
  release_pages_locked(slot_base(slot), kPages);
  flush_tlb_kernel_range(slot_base(slot), KSTACK_SIZE);
  slot_map[slot / 64] &= ~(uint64_t{1} << (slot % 64));
  slot_name[slot] = nullptr;
}

bool kernel_stack_of(uintptr_t addr, KernelStackInfo* info) {
  if (addr < KSTACK_BASE || addr - KSTACK_BASE >= uintptr_t{kSlots} * KSTACK_SLOT_SIZE) return false;
  const unsigned slot = static_cast<unsigned>((addr - KSTACK_BASE) / KSTACK_SLOT_SIZE);
  // Read without the lock: an Oops must not wait for it.
  const char* name = __atomic_load_n(&slot_name[slot], __ATOMIC_ACQUIRE);
  if (!name) return false;
  info->name = name;
  info->base = slot_base(slot);
  info->guard = info->base - KSTACK_GUARD_SIZE;
  info->top = info->base + KSTACK_SIZE;
  return true;
}

void kstack_init() {
  const uintptr_t top = alloc_kernel_stack("boot/0");
  if (top != slot_base(0) + KSTACK_SIZE) panic("kstack_init: cannot allocate the boot stack");
  cpu_stack_tops[0] = top;
}

uintptr_t cpu_stack_top(unsigned cpu) { return cpu < NR_CPUS ? cpu_stack_tops[cpu] : 0; }
void set_cpu_stack_top(unsigned cpu, uintptr_t top) {
  if (cpu < NR_CPUS) cpu_stack_tops[cpu] = top;
}
