// The kernel's final page table (swapper_pg_dir), built by paging_init().
#pragma once

#include <stdint.h>

#include <asm/pgtable_ops.h>

// Builds the final kernel page table from the device tree's memory and
// switches the calling hart to it:
//   kernel image   text RX, rodata R, data/bss RW (4 KiB leaves, no W+X)
//   direct map     all RAM at __va(): 1 GiB leaves where aligned, except over
//                  a reserved (firmware) range, else 2 MiB, else 4 KiB
//   I/O window     physical 0..2 GiB at IO_BASE, RW, never executable
void paging_init();

// Secondary harts: move from the early page table to the kernel's.
void switch_to_kernel_page_table();

// An editor over the kernel page table (walks in tests, A/D repair).
PageTableEditor kernel_page_table();
// From now on new kernel table pages come from the page allocator.
void paging_use_page_allocator();
// Table pages taken from the boot pool so far.
unsigned paging_boot_pool_used();
