/*
 * Exception table. An instruction that may fault on purpose (a user access,
 * a nofault probe) gets an entry {insn, fixup}, both stored as 32-bit
 * offsets relative to the entry field itself (position independent, half
 * the size of absolute pointers). On a fault at insn, the trap handler
 * resumes at fixup instead of an Oops.
 */
#pragma once

#include <stdint.h>

#include <asm/ptrace.h>

struct exception_table_entry {
  int32_t insn;
  int32_t fixup;
};

// Inline-asm fragment adding an entry for labels `from` -> `to`.
#define ASM_EXTABLE(from, to)            \
  ".pushsection __ex_table, \"a\"\n"     \
  ".balign 4\n"                          \
  ".long (" #from " - .), (" #to " - .)\n" \
  ".popsection\n"

// One access `insn` at local label 1 that may fault, and its fixup: a fault
// resumes after it with %[err] = -EFAULT, running `on_fault` first (a load
// passes "li %[v], 0\n" so its result is defined).
#define ASM_ACCESS_FIXUP(insn, on_fault)  \
  "1: " insn "\n"                          \
  "2:\n"                                   \
  ".pushsection .fixup, \"ax\"\n"          \
  "3: li %[err], %[efault]\n" on_fault     \
  "   j 2b\n"                              \
  ".popsection\n" ASM_EXTABLE(1b, 3b)

// Redirects regs->epc to the fixup for the faulting instruction; false when
// the instruction has no entry.
bool fixup_exception(pt_regs* regs);
const exception_table_entry* search_exception_tables(uint64_t addr);
