/*
 * Sv39 virtual address layout, shared by assembly and C++.
 *
 *   0x0000000000000000 .. 0x0000003fffffffff  user (256 GiB)
 *   0xffffffc000000000 .. 0xffffffc07fffffff  early I/O window: physical 0..2 GiB
 *   0xffffffc800000000 .. 0xffffffc83fffffff  kernel stacks: 32 KiB slots, each
 *                                             16 KiB unmapped guard + 16 KiB stack
 *   0xffffffd800000000 ..                     direct map: VA = PA + PAGE_OFFSET
 *   0xffffffff80000000 ..                     kernel image (KERNEL_LINK_ADDR)
 *
 * The direct map is linear from physical address 0, so __va/__pa are one add.
 * RAM at 0x80000000 (every supported machine) appears at 0xffffffda00000000;
 * the window up to the kernel image holds 158 GiB of physical address space.
 */
#pragma once

#define LAYOUT_PAGE_SHIFT        12
#define LAYOUT_PAGE_OFFSET       0xffffffd800000000
#define LAYOUT_IO_BASE           0xffffffc000000000
#define LAYOUT_IO_SIZE           0x80000000
#define LAYOUT_KERNEL_LINK_ADDR  0xffffffff80000000
#define LAYOUT_MAX_HARTS         64
#define LAYOUT_BOOT_STACK_SIZE   16384

/* Kernel stacks (asm/kstack.h): slot i covers [BASE + i * SLOT, + SLOT);
 * its low GUARD bytes are never mapped, the stack is the rest. */
#define LAYOUT_KSTACK_BASE       0xffffffc800000000
#define LAYOUT_KSTACK_AREA_SIZE  0x40000000
#define LAYOUT_KSTACK_SLOT_SIZE  0x8000
#define LAYOUT_KSTACK_GUARD_SIZE 0x4000
/* Per-CPU stack the trap entry moves to when the kernel stack overflowed. */
#define LAYOUT_OVERFLOW_STACK_SIZE 8192
