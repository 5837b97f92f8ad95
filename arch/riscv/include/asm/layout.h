/*
 * Sv39 virtual address layout, shared by assembly and C++.
 *
 *   0x0000000000000000 .. 0x0000003fffffffff  user (256 GiB)
 *   0xffffffc000000000 .. 0xffffffc07fffffff  early I/O window: physical 0..2 GiB
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
