// Which user address space each CPU runs, and switching to it.
#pragma once

struct mm_struct;

// The user address space the calling CPU runs (null: only the kernel's).
mm_struct* current_mm();
// Runs the calling task on mm's page table, so the kernel can reach its
// user half (inside UserAccess) and its faults are resolved in mm (Linux's
// kthread_use_mm); kthread_unuse_mm returns to the kernel's table. The
// task keeps mm (task->mm) across sleeps and CPUs: each context switch
// loads the next task's address space (switch_mm_irqs_off).
void kthread_use_mm(mm_struct* mm);
void kthread_unuse_mm(mm_struct* mm);
// Context switch (interrupts off): the CPU runs `next` (null: the kernel's
// table only, what a kernel thread without an mm gets).
void switch_mm_irqs_off(mm_struct* next);
