/*
 * do_page_fault: page and access faults (scause 1/5/7 and 12/13/15).
 *
 * Order of business for a kernel-mode fault today:
 *   1. A/D repair: SiFive U54/U74 raise a page fault when a leaf the access
 *      is allowed through has A clear (or D clear, on a store) instead of
 *      setting the bit as QEMU does. Set it, flush the entry, retry.
 *   2. The exception table: a user access or nofault probe resumes at its
 *      fixup.
 *   3. Anything else is a kernel bug: Oops.
 * Demand paging, stack growth and copy-on-write for user address spaces,
 * and SIGSEGV for user faults, arrive with mm_struct.
 */
#include <asm/extable.h>
#include <asm/mmu.h>
#include <asm/page.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

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

void do_page_fault(pt_regs* regs) {
  const Scause cause = scause_exception(regs->cause);
  if (!user_mode(regs) && repair_access_dirty(regs->badaddr, cause)) return;
  if (!user_mode(regs) && fixup_exception(regs)) return;
  const uint64_t addr = regs->badaddr;
  const char* what = addr < PAGE_SIZE ? "Unable to handle kernel NULL pointer dereference"
                                      : "Unable to handle kernel paging request";
  die(regs, what);
}
