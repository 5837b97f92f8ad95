// The final kernel page table: W^X on the image, the direct map over all
// RAM, no gigapage over the firmware.
#include <kernel/ktest.h>

#include <asm/mmu.h>
#include <asm/page.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <kernel/devicetree.h>

extern "C" char _start[], _etext[], _srodata[], _erodata[], _sdata[], _end[];

namespace {

// An uncompressed `ret` in writable data: executing it must fault.
uint32_t data_insn[2] = {0x00008067, 0x00008067};
const uint32_t rodata_word = 0x12345678;

void store_word(void* addr) { *static_cast<volatile uint32_t*>(addr) = 0x13; }  // 0x13 = nop
void call_at(void* addr) { reinterpret_cast<void (*)()>(addr)(); }

pte_t leaf_of(const void* va) { return kernel_page_table().walk(reinterpret_cast<uintptr_t>(va)).pte; }

}  // namespace

KTEST(paging, writing_kernel_text_faults) {
  TrapRecord rec{};
  void* text = reinterpret_cast<void*>(&store_word);
  ASSERT_TRUE(probe_fault(store_word, text, &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::StorePageFault));
  EXPECT_EQ(rec.stval, reinterpret_cast<uint64_t>(text));
}

KTEST(paging, writing_rodata_faults) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(store_word, const_cast<uint32_t*>(&rodata_word), &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::StorePageFault));
  EXPECT_EQ(rodata_word, 0x12345678u);
}

KTEST(paging, executing_data_faults) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(call_at, data_insn, &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::InstructionPageFault));
  EXPECT_EQ(rec.stval, reinterpret_cast<uint64_t>(data_insn));
  EXPECT_EQ(rec.sepc, reinterpret_cast<uint64_t>(data_insn));
}

KTEST(paging, image_segments_have_their_permissions) {
  for (const char* p = _start; p < _etext; p += PAGE_SIZE) {
    const pte_t e = leaf_of(p);
    EXPECT_TRUE((e & _PAGE_EXEC) && !(e & _PAGE_WRITE));
  }
  for (const char* p = _srodata; p < _erodata; p += PAGE_SIZE) {
    const pte_t e = leaf_of(p);
    EXPECT_TRUE((e & _PAGE_READ) && !(e & (_PAGE_WRITE | _PAGE_EXEC)));
  }
  for (const char* p = _sdata; p < _end; p += PAGE_SIZE) {
    const pte_t e = leaf_of(p);
    EXPECT_TRUE((e & _PAGE_WRITE) && (e & _PAGE_DIRTY) && !(e & _PAGE_EXEC));
  }
}

KTEST(paging, direct_map_covers_every_ram_byte) {
  const PageTableEditor pt = kernel_page_table();
  const MachineInfo& m = machine();
  for (unsigned i = 0; i < m.nr_memory; i++) {
    const uint64_t base = m.memory[i].base, end = base + m.memory[i].size;
    // Every 2 MiB step translates to itself; first and last words are readable.
    for (uint64_t pa = base; pa < end; pa += PMD_SIZE) {
      const PtWalk w = pt.walk(reinterpret_cast<uintptr_t>(__va(pa)));
      ASSERT_TRUE(w.present);
      EXPECT_EQ(w.pa, pa);
      EXPECT_TRUE((w.pte & _PAGE_WRITE) && !(w.pte & _PAGE_EXEC));
    }
    // Reads through the direct map work outside the firmware's region (which
    // PMP keeps from S-mode: an access fault there is the expected answer).
    uint64_t first = base;
    for (unsigned r = 0; r < m.nr_reserved; r++)
      if (m.reserved[r].base <= first && first < m.reserved[r].base + m.reserved[r].size)
        first = m.reserved[r].base + m.reserved[r].size;
    uint64_t v;
    EXPECT_EQ(get_kernel_nofault(&v, __va(first)), 0);
    EXPECT_EQ(get_kernel_nofault(&v, __va(end - 8)), 0);
    EXPECT_EQ(pt.walk(reinterpret_cast<uintptr_t>(__va(end - 1))).pa, end - 1);
  }
}

KTEST(paging, no_gigapage_over_the_firmware) {
  const PageTableEditor pt = kernel_page_table();
  const MachineInfo& m = machine();
  ASSERT_GE(m.nr_reserved, 1u);
  for (unsigned i = 0; i < m.nr_reserved; i++) {
    const PtWalk w = pt.walk(reinterpret_cast<uintptr_t>(__va(m.reserved[i].base)));
    if (w.present) EXPECT_LT(w.level, 2u);
  }
}

KTEST(paging, early_identity_map_is_gone) {
  uint64_t v;
  // The early table mapped the load address 1:1; the kernel table must not.
  EXPECT_EQ(get_kernel_nofault(&v, reinterpret_cast<void*>(__pa_symbol(_start))), -EFAULT);
  EXPECT_FALSE(kernel_page_table().walk(__pa_symbol(_start)).present);
}

namespace {

alignas(PAGE_SIZE) uint8_t ad_page[PAGE_SIZE];

pt_regs fault_regs(Scause cause, uintptr_t addr) {
  pt_regs r{};
  r.cause = static_cast<uint64_t>(cause);
  r.badaddr = addr;
  r.status = 1ull << 8;  // SPP: from the kernel
  return r;
}

}  // namespace

// QEMU sets A/D itself, so the SiFive behaviour (a page fault on a leaf with
// A or D clear) is reproduced by handing do_page_fault() the fault a U54/U74
// would raise, on a kernel leaf whose bits were cleared.
KTEST(paging, fault_on_clear_accessed_dirty_is_repaired) {
  const uintptr_t va = reinterpret_cast<uintptr_t>(ad_page);
  pte_t* e = kernel_page_table().leaf_entry(va);
  ASSERT_TRUE(e != nullptr);
  const pte_t saved = *e;
  *e &= ~(_PAGE_ACCESSED | _PAGE_DIRTY);
  pt_regs load = fault_regs(Scause::LoadPageFault, va + 8);
  do_page_fault(&load);  // would Oops if not repaired
  EXPECT_TRUE((*e & _PAGE_ACCESSED) != 0);
  EXPECT_TRUE((*e & _PAGE_DIRTY) == 0);  // a load does not dirty
  pt_regs store = fault_regs(Scause::StorePageFault, va + 8);
  do_page_fault(&store);
  EXPECT_TRUE((*e & _PAGE_DIRTY) != 0);
  EXPECT_EQ(*e, saved);
  // A store to a read-only leaf is a real fault, not an A/D repair.
  EXPECT_FALSE(repair_access_dirty(reinterpret_cast<uintptr_t>(&rodata_word), Scause::StorePageFault));
  EXPECT_FALSE(repair_access_dirty(va, Scause::IllegalInstruction));
}
