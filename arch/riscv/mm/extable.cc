// Exception-table search (see asm/extable.h). The table is small and not
// sorted by the linker (.fixup code interleaves), so it is scanned.
#include <asm/extable.h>

extern "C" const exception_table_entry __ex_table_start[], __ex_table_end[];

namespace {

uint64_t field_target(const int32_t* field) { return reinterpret_cast<uint64_t>(field) + static_cast<int64_t>(*field); }

}  // namespace

const exception_table_entry* search_exception_tables(uint64_t addr) {
  for (const exception_table_entry* e = __ex_table_start; e < __ex_table_end; e++)
    if (field_target(&e->insn) == addr) return e;
  return nullptr;
}

bool fixup_exception(pt_regs* regs) {
  const exception_table_entry* e = search_exception_tables(regs->epc);
  if (!e) return false;
  regs->epc = field_target(&e->fixup);
  return true;
}
