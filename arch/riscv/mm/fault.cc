/*
 * do_page_fault: page and access faults (scause 1/5/7 and 12/13/15).
 *
 * A page fault on a user address (below TASK_SIZE) with a user address
 * space active is resolved in it, as Linux's riscv do_page_fault does:
 *   find_vma; below vm_start only a VM_GROWSDOWN VMA may expand_stack;
 *   the access must be allowed by vm_flags (12 instruction -> VM_EXEC,
 *   13 load -> VM_READ or VM_WRITE, 15 store/AMO -> VM_WRITE);
 *   handle_mm_fault maps the page, and the access is retried.
 * No VMA gives SEGV_MAPERR, a forbidden access SEGV_ACCERR, a failed
 * hugetlb allocation BUS_ADRERR (do_user_addr_fault reports which). A
 * kernel-mode access to user memory must come from the uaccess helpers
 * (sstatus.SUM set): when it cannot be resolved it resumes at its
 * exception-table fixup (-EFAULT); without SUM it is an Oops.
 *
 * Everything else, in a kernel-mode fault:
 *   1. A/D repair: SiFive U54/U74 raise a page fault when a leaf the access
 *      is allowed through has A clear (or D clear, on a store) instead of
 *      setting the bit as QEMU does. Set it, flush the entry, retry.
 *   2. The exception table: a user access or nofault probe resumes at its
 *      fixup.
 *   3. Anything else is a kernel bug: Oops.
 * A user-mode fault that cannot be resolved earns the process its signal
 * (user_fault_signal); from kernel mode without a fixup it is an Oops.
 */
#include <asm/active_mm.h>
#include <asm/csr.h>
#include <asm/extable.h>
#include <asm/mmu.h>
#include <asm/page.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <kernel/printk.h>
#include <mm/memory.h>

namespace {

// The permission an access of this cause needs in the leaf.
pte_t needed_permission(Scause cause) {
  switch (cause) {
    case Scause::StorePageFault: return _PAGE_WRITE;
    case Scause::InstructionPageFault: return _PAGE_EXEC;
    default: return _PAGE_READ;
  }
}

}  // namespace

bool repair_access_dirty(uintptr_t addr, Scause cause) {
  if (cause != Scause::LoadPageFault && cause != Scause::StorePageFault && cause != Scause::InstructionPageFault)
    return false;
  pte_t* e = kernel_page_table().leaf_entry(addr);
  if (!e || !(*e & needed_permission(cause))) return false;
  const pte_t want = _PAGE_ACCESSED | (cause == Scause::StorePageFault ? _PAGE_DIRTY : 0);
  if ((*e & want) == want) return false;  // a real fault, not an A/D one
  __atomic_or_fetch(e, want, __ATOMIC_RELAXED);
  local_flush_tlb_page(addr);
  return true;
}

namespace {

// One attempt under mmap_lock. A file page that must be looked up first
// comes back as VM_FAULT_RETRY with *file (a reference) and *offset set.
// `filled` (if any) was read from filled_file at filled_offset: it is used
// only if that is still what backs addr.
UserFault fault_once(mm_struct* mm, uintptr_t addr, Scause cause, unsigned flags, page* filled,
                     const file* filled_file, unsigned long filled_offset, file** rfile, unsigned long* offset) {
  MmapReadGuard g{mm};
  vm_area_struct* vma = find_vma(mm, addr);
  if (filled && (!vma || vma->vm_start > addr || vma->vm_file != filled_file ||
                 vma_file_offset(vma, addr) != filled_offset)) {
    put_page(filled);  // the mapping changed while the page was read
    filled = nullptr;
  }
  if (!vma) return UserFault::SegvMapErr;
  if (vma->vm_start > addr) {
    if (!(vma->vm_flags & VM_GROWSDOWN) || expand_stack(vma, addr)) return UserFault::SegvMapErr;
  }
  bool allowed;
  switch (cause) {
    case Scause::InstructionPageFault: allowed = vma->vm_flags & VM_EXEC; break;
    case Scause::StorePageFault: allowed = vma->vm_flags & VM_WRITE; break;
    default: allowed = vma->vm_flags & (VM_READ | VM_WRITE); break;  // write implies read
  }
  if (!allowed) {
    if (filled) put_page(filled);
    return UserFault::SegvAccErr;
  }
  const vm_fault_t fault = handle_mm_fault_page(vma, addr, flags, filled);
  if (fault & VM_FAULT_RETRY) {
    vm_file_ops->get(vma->vm_file);
    *rfile = vma->vm_file;
    *offset = vma_file_offset(vma, addr);
    return UserFault::Retry;
  }
  if (fault & VM_FAULT_OOM) return UserFault::OutOfMemory;
  if (fault & VM_FAULT_SIGBUS) return UserFault::BusAdrErr;
  if (fault & VM_FAULT_SIGSEGV) return UserFault::SegvAccErr;
  return UserFault::Resolved;
}

}  // namespace

// A file page is looked up with mmap_lock dropped (that may sleep;
// mmap_lock does not allow it), then the fault is tried again with it: the
// VMA may have changed meanwhile, which the second attempt sees.
UserFault do_user_addr_fault(mm_struct* mm, uintptr_t addr, Scause cause, bool user) {
  unsigned flags = user ? FAULT_FLAG_USER : 0;
  if (cause == Scause::StorePageFault) flags |= FAULT_FLAG_WRITE;
  if (cause == Scause::InstructionPageFault) flags |= FAULT_FLAG_INSTRUCTION;
  page* filled = nullptr;
  file* held = nullptr;  // the file `filled` came from, held so its identity stays valid
  unsigned long held_offset = 0;
  for (;;) {
    file* f = nullptr;
    unsigned long offset = 0;
    const UserFault r = fault_once(mm, addr, cause, flags, filled, held, held_offset, &f, &offset);
    if (held) vm_file_ops->put(held);
    held = nullptr;
    if (r != UserFault::Retry) return r;
    filled = read_file_page(f, offset);
    if (!filled) {
      vm_file_ops->put(f);
      return UserFault::BusAdrErr;  // Linux: a failed read of a mapped file is SIGBUS
    }
    held = f;
    held_offset = offset;
  }
}

void do_page_fault(pt_regs* regs) {
  const Scause cause = scause_exception(regs->cause);
  const uint64_t addr = regs->badaddr;
  const bool page_fault = cause == Scause::LoadPageFault || cause == Scause::StorePageFault ||
                          cause == Scause::InstructionPageFault;
  mm_struct* mm = current_mm();
  if (page_fault && mm && addr < TASK_SIZE) {
    if (!user_mode(regs) && !(regs->status & SR_SUM)) die(regs, "access to user memory without uaccess routines");
    const UserFault f = do_user_addr_fault(mm, addr, cause, user_mode(regs));
    if (f == UserFault::Resolved) return;  // retry the access
    if (!user_mode(regs) && fixup_exception(regs)) return;  // -EFAULT from a uaccess helper
    if (user_mode(regs)) {
      // Out of memory: Linux's OOM killer would pick a victim; the
      // faulting process is the one we can name.
      if (f == UserFault::OutOfMemory) user_fault_signal(regs, SIGKILL, 0, addr);
      else user_fault_signal(regs, user_fault_signo(f), user_fault_code(f), addr);
      return;
    }
    if (f == UserFault::OutOfMemory) die(regs, "out of memory on a user fault");
    pr_err("user fault at %#lx: signal %d, si_code %d\n", addr, user_fault_signo(f), user_fault_code(f));
    die(regs, "unhandled user fault in kernel mode without a fixup");
  }
  if (user_mode(regs)) {
    // A kernel address, an access fault (PMP), or no address space. Linux
    // reports an access fault at the instruction (do_trap_*_fault).
    user_fault_signal(regs, SIGSEGV, page_fault ? SEGV_MAPERR : SEGV_ACCERR, page_fault ? addr : regs->epc);
    return;
  }
  if (!user_mode(regs) && repair_access_dirty(addr, cause)) return;
  if (!user_mode(regs) && fixup_exception(regs)) return;
  const char* what = addr < PAGE_SIZE ? "Unable to handle kernel NULL pointer dereference"
                                      : "Unable to handle kernel paging request";
  die(regs, what);
}
