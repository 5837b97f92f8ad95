// The kernel's final page table (swapper_pg_dir), built by paging_init(),
// and the per-address-space MMU state (mm_context_t).
#pragma once

#include <stdint.h>

#include <atomic>

#include <asm/pgtable_ops.h>

// The MMU part of an address space, embedded in mm_struct as `context`
// (Linux's riscv mm_context_t). The ASID allocator (asm/asid.h) owns `id`.
struct mm_context_t {
  // generation << 16 | ASID; 0 until the address space first runs.
  std::atomic<uint64_t> id{0};
  // CPUs whose TLB may hold its translations (remote flushes go there).
  // Only ever grows: with ASIDs a CPU keeps them after switching away.
  std::atomic<uint64_t> cpumask{0};
  // CPUs that must run fence.i before they next enter user mode in this
  // address space: code was written to one of its pages (asm/processor.h).
  std::atomic<uint64_t> icache_stale_mask{0};
  // The sigreturn trampoline page ([vdso], arch/riscv/kernel/signal.cc),
  // mapped at exec and inherited by fork; 0 when there is none.
  uint64_t vdso = 0;
};

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
// Where kernel and user table pages come from (boot pool, then the page
// allocator with owner PageTable).
const PtAlloc& kernel_pt_alloc();
// From now on new kernel table pages come from the page allocator.
void paging_use_page_allocator();
// Table pages taken from the boot pool so far.
unsigned paging_boot_pool_used();
