/*
 * Kernel stacks with guard pages, in their own virtual range (asm/layout.h):
 *
 *   slot i:  | guard, 16 KiB, never mapped | stack, 16 KiB, 4 pages RW |
 *            ^ KSTACK_BASE + i * 32 KiB                                ^ top
 *
 * A stack overflowing runs into its guard and faults. The trap entry
 * (entry.S) checks, before saving anything, whether the frame it is about
 * to push would land in a guard; if so it moves to this CPU's overflow
 * stack and calls handle_bad_stack(), which reports a "kernel stack
 * overflow" Oops naming the stack and the CPU, instead of faulting again
 * while saving registers.
 *
 * Slot 0 is CPU 0's boot stack and is never freed: it pins the area's
 * level-1 table, whose root entry user page tables copy when made.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/layout.h>

constexpr uintptr_t KSTACK_BASE = LAYOUT_KSTACK_BASE;
constexpr uintptr_t KSTACK_AREA_SIZE = LAYOUT_KSTACK_AREA_SIZE;
constexpr uintptr_t KSTACK_SLOT_SIZE = LAYOUT_KSTACK_SLOT_SIZE;
constexpr uintptr_t KSTACK_GUARD_SIZE = LAYOUT_KSTACK_GUARD_SIZE;
constexpr uintptr_t KSTACK_SIZE = KSTACK_SLOT_SIZE - KSTACK_GUARD_SIZE;

// Sets up the area and CPU 0's boot stack (after mm_init).
void kstack_init();
// A new stack; returns its top (the initial sp), 0 when out of memory or
// slots. `name` (a string that outlives the stack) appears in Oopses.
uintptr_t alloc_kernel_stack(const char* name);
void free_kernel_stack(uintptr_t top);

struct KernelStackInfo {
  const char* name;
  uintptr_t guard;  // lowest guard byte
  uintptr_t base;   // lowest stack byte (= guard + KSTACK_GUARD_SIZE)
  uintptr_t top;
};
// The allocated stack whose slot (guard or stack) holds addr.
bool kernel_stack_of(uintptr_t addr, KernelStackInfo* info);

// Switches this CPU to the stack whose top is `sp` and calls fn(arg) there.
extern "C" [[noreturn]] void call_on_stack(uintptr_t sp, void (*fn)(void*), void* arg);

// Top of CPU 0's boot stack (from kstack_init) and each secondary's idle stack.
uintptr_t cpu_stack_top(unsigned cpu);
void set_cpu_stack_top(unsigned cpu, uintptr_t top);
