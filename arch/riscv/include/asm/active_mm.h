// Which user address space each CPU runs, and switching to it.
#pragma once

struct mm_struct;

// The user address space the calling CPU runs (null: only the kernel's).
mm_struct* current_mm();
// Runs the calling CPU on mm's page table, so the kernel can reach its user
// half (inside UserAccess) and its faults are resolved in mm (Linux's
// kthread_use_mm); kthread_unuse_mm returns to the kernel's table.
void kthread_use_mm(mm_struct* mm);
void kthread_unuse_mm(mm_struct* mm);
