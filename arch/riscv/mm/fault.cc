/*
 * do_page_fault: page and access faults (scause 1/5/7 and 12/13/15).
 *
 * Today only the kernel runs, so a fault is either an access with an
 * exception-table entry (resumed at its fixup) or a bug (Oops). Demand
 * paging, stack growth and copy-on-write for user address spaces, and
 * SIGSEGV for user faults, arrive with mm_struct (issue: address spaces).
 */
#include <asm/extable.h>
#include <asm/page.h>
#include <asm/traps.h>

void do_page_fault(pt_regs* regs) {
  if (!user_mode(regs) && fixup_exception(regs)) return;
  const uint64_t addr = regs->badaddr;
  const char* what = addr < PAGE_SIZE ? "Unable to handle kernel NULL pointer dereference"
                                      : "Unable to handle kernel paging request";
  die(regs, what);
}
