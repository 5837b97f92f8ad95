// Page sizes and the kernel's address-space constants (see asm/layout.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/layout.h>

constexpr unsigned PAGE_SHIFT = LAYOUT_PAGE_SHIFT;
constexpr uintptr_t PAGE_SIZE = uintptr_t{1} << PAGE_SHIFT;
constexpr uintptr_t PAGE_MASK = ~(PAGE_SIZE - 1);
constexpr uintptr_t PMD_SIZE = uintptr_t{1} << 21;  // 2 MiB megapage
constexpr uintptr_t PUD_SIZE = uintptr_t{1} << 30;  // 1 GiB gigapage

constexpr uintptr_t PAGE_OFFSET = LAYOUT_PAGE_OFFSET;
constexpr uintptr_t IO_BASE = LAYOUT_IO_BASE;
constexpr uintptr_t IO_SIZE = LAYOUT_IO_SIZE;
constexpr uintptr_t KERNEL_LINK_ADDR = LAYOUT_KERNEL_LINK_ADDR;
constexpr uintptr_t USER_TOP = uintptr_t{1} << 38;  // Sv39 lower half

constexpr uintptr_t page_align_down(uintptr_t x) { return x & PAGE_MASK; }
constexpr uintptr_t page_align_up(uintptr_t x) { return (x + PAGE_SIZE - 1) & PAGE_MASK; }

// Direct map translation (linear from physical 0).
inline void* __va(uintptr_t pa) { return reinterpret_cast<void*>(pa + PAGE_OFFSET); }
inline uintptr_t __pa(const void* va) { return reinterpret_cast<uintptr_t>(va) - PAGE_OFFSET; }

// Physical address of a kernel-image symbol (text, data, bss).
uintptr_t __pa_symbol(const void* va);
