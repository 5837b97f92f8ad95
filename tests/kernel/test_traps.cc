// Self-tests of the trap path: each fault is raised on purpose under
// probe_fault() and the decoded cause, pc and address are checked.
#include <kernel/ktest.h>

#include <asm/page.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <kernel/ksyms.h>
#include <kernel/percpu.h>
#include <lib/string.h>

// One illegal instruction and one ebreak at known addresses.
asm(R"(
	.text
	.balign 4
	.globl ktest_illegal_insn
ktest_illegal_insn:
	.word 0
	ret
	.globl ktest_ebreak_insn
ktest_ebreak_insn:
	.option push
	.option norvc
	ebreak
	.option pop
	ret
)");
extern "C" void ktest_illegal_insn();
extern "C" void ktest_ebreak_insn();

namespace {

// Kernel-half addresses no page table maps: between the I/O window and the
// direct map, and (user half) page 0.
constexpr uintptr_t kUnmapped = 0xffffffc400001230;

void load_from(void* addr) { (void)*static_cast<volatile uint64_t*>(addr); }
void store_to(void* addr) { *static_cast<volatile uint64_t*>(addr) = 0x5a; }
void call_illegal(void*) { ktest_illegal_insn(); }
void call_ebreak(void*) { ktest_ebreak_insn(); }
void no_fault(void* p) { *static_cast<int*>(p) = 42; }

}  // namespace

KTEST(traps, load_page_fault_decoded) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(load_from, reinterpret_cast<void*>(kUnmapped), &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::LoadPageFault));
  EXPECT_EQ(rec.stval, kUnmapped);
  EXPECT_TRUE(ksym_lookup(rec.sepc).name != nullptr);
}

KTEST(traps, store_page_fault_decoded) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(store_to, reinterpret_cast<void*>(kUnmapped + 8), &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::StorePageFault));
  EXPECT_EQ(rec.stval, kUnmapped + 8);
}

KTEST(traps, null_dereference_is_a_page_fault_at_zero) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(load_from, nullptr, &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::LoadPageFault));
  EXPECT_EQ(rec.stval, 0u);
  EXPECT_LT(rec.stval, PAGE_SIZE);  // what die() reports as a NULL pointer dereference
}

KTEST(traps, illegal_instruction_reports_its_pc) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(call_illegal, nullptr, &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::IllegalInstruction));
  EXPECT_EQ(rec.sepc, reinterpret_cast<uint64_t>(&ktest_illegal_insn));
}

KTEST(traps, ebreak_is_a_breakpoint) {
  TrapRecord rec{};
  ASSERT_TRUE(probe_fault(call_ebreak, nullptr, &rec));
  EXPECT_EQ(rec.scause, static_cast<uint64_t>(Scause::Breakpoint));
  EXPECT_EQ(rec.sepc, reinterpret_cast<uint64_t>(&ktest_ebreak_insn));
}

KTEST(traps, probe_without_fault_runs_to_completion) {
  int value = 0;
  TrapRecord rec{};
  EXPECT_FALSE(probe_fault(no_fault, &value, &rec));
  EXPECT_EQ(value, 42);
  EXPECT_TRUE(this_cpu()->fault_catch == nullptr);
}

KTEST(traps, exception_table_fixup) {
  uint64_t v = 7;
  EXPECT_EQ(get_kernel_nofault(&v, reinterpret_cast<void*>(kUnmapped)), -EFAULT);
  EXPECT_EQ(v, 0u);
  const uint64_t word = 0x1122334455667788;
  EXPECT_EQ(get_kernel_nofault(&v, &word), 0);
  EXPECT_EQ(v, word);
}

KTEST(traps, scause_names) {
  EXPECT_EQ(strcmp(scause_name(13), "load page fault"), 0);
  EXPECT_EQ(strcmp(scause_name(SCAUSE_INTERRUPT | 5), "supervisor timer interrupt"), 0);
  EXPECT_EQ(strcmp(scause_name(SCAUSE_INTERRUPT | 1), "supervisor software interrupt"), 0);
  EXPECT_EQ(strcmp(scause_name(24), "unknown exception"), 0);
}

KTEST(traps, symbol_lookup) {
  const uint64_t addr = reinterpret_cast<uint64_t>(&probe_fault);
  const KsymLookup s = ksym_lookup(addr + 4);
  ASSERT_TRUE(s.name != nullptr);
  EXPECT_EQ(s.start, addr);
  EXPECT_EQ(s.offset, 4u);
  EXPECT_GT(s.size, 4u);
  EXPECT_EQ(ksym_address(s.name), addr);
  EXPECT_TRUE(ksym_lookup(0x1000).name == nullptr);
}

// Run by name only: shows a real Oops (and stops the kernel).
KTEST_EXPLICIT(traps, oops) { load_from(reinterpret_cast<void*>(kUnmapped)); }
