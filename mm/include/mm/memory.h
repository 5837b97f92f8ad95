/*
 * Faulting user memory in and copying address spaces (mm/memory.cc):
 * handle_mm_fault (demand zero, the shared zero page, copy-on-write,
 * hugetlb megapages), dup_mmap for fork, and mm_page_table_ops, the
 * mm_pt_ops that zap, protect and populate an mm's Sv39 tables.
 *
 * An mm with page tables has mm->pgd (root, kernel half shared on the
 * kernel) and pt_ops = &mm_page_table_ops. Anonymous pages are order-0
 * pages with owner Anon and one reference per PTE mapping them; the zero
 * page is never counted; a hugetlb page is an order-9 compound page.
 */
#pragma once

#include <asm/pgtable_ops.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>

// Fault flags (Linux's values).
constexpr unsigned FAULT_FLAG_WRITE = 0x01;
constexpr unsigned FAULT_FLAG_USER = 0x40;
constexpr unsigned FAULT_FLAG_INSTRUCTION = 0x100;

using vm_fault_t = unsigned;
constexpr vm_fault_t VM_FAULT_OOM = 0x1;
constexpr vm_fault_t VM_FAULT_SIGBUS = 0x2;
constexpr vm_fault_t VM_FAULT_SIGSEGV = 0x40;
// A file page is needed: get it from the page cache (with mmap_lock
// dropped, that may sleep) and call handle_mm_fault_page with it.
constexpr vm_fault_t VM_FAULT_RETRY = 0x400;
constexpr vm_fault_t VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV;

extern const mm_pt_ops mm_page_table_ops;

// Gives mm a root page table and the page-table ops; -ENOMEM. mmput()
// frees it (mm_free_pgd) after exit_mmap emptied the user half.
int mm_alloc_pgd(mm_struct* mm);
void mm_free_pgd(mm_struct* mm);
// Allocates the zero page (once, with the VMA caches).
void mm_zero_page_init();
// Resolves a fault at address inside vma (the caller checked the access
// against vm_flags and holds mmap_lock for reading). 0 or VM_FAULT_*.
vm_fault_t handle_mm_fault(vm_area_struct* vma, unsigned long address, unsigned flags);
// The same with the page-cache page of a file VMA already looked up (one
// reference, which this takes over whether or not it is installed).
vm_fault_t handle_mm_fault_page(vm_area_struct* vma, unsigned long address, unsigned flags, page* filled);
// The page-cache page of f at byte offset `offset` (a referenced one), or
// null past the page holding the file's last byte (SIGBUS) or when out of
// memory. Sleeps: call without mmap_lock, with the file held.
page* read_file_page(file* f, unsigned long offset);
// The file offset backing address in a file VMA.
inline unsigned long vma_file_offset(const vm_area_struct* vma, unsigned long address) {
  return (vma->vm_pgoff << PAGE_SHIFT) + ((address & PAGE_MASK) - vma->vm_start);
}
// fork: copies oldmm's VMAs (but VM_DONTCOPY ones) and page tables into the
// empty mm; private pages become copy-on-write in both. 0 or -ENOMEM (the
// caller then mmput()s the partial copy).
int dup_mmap(mm_struct* mm, mm_struct* oldmm);
// What mm's page table maps at addr (the MMU's view; tests and debugging).
PtWalk mm_translate(mm_struct* mm, unsigned long addr);
// Physical address of the shared zero page.
uint64_t zero_page_pa();

#ifdef HOST_TEST
// The host has no TLB: each flush mm/memory.cc asks for is reported here
// (start 0, end ~0: the whole mm), for tests of when and what it flushes.
extern void (*mm_host_tlb_flush)(mm_struct* mm, unsigned long start, unsigned long end);
#endif
