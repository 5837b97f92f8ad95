// User page faults on the real MMU: a test address space is made active on
// this CPU (kthread_use_mm), and the uaccess helpers touch its user pages,
// so every fault goes trap -> do_page_fault -> handle_mm_fault and the
// access is retried, or ends at the helper's fixup with -EFAULT.
#include <kernel/ktest.h>

#include <asm/active_mm.h>
#include <asm/pgtable_ops.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <mm/memory.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

#include "settle.h"

namespace {

constexpr unsigned long P = PAGE_SIZE;
constexpr unsigned long RW = PROT_READ | PROT_WRITE;
constexpr unsigned long ANON = MAP_PRIVATE | MAP_ANONYMOUS;

mm_struct* new_mm() {
  mm_struct* mm = mm_alloc();
  if (mm && mm_alloc_pgd(mm)) {
    mmput(mm);
    return nullptr;
  }
  return mm;
}

unsigned long map(mm_struct* mm, unsigned long len, unsigned long prot, unsigned long flags, unsigned long addr = 0) {
  return static_cast<unsigned long>(sys_mmap(mm, addr, len, prot, flags, ~0ul, 0));
}

// Reads a byte of mm's memory through a real user access.
int peek(mm_struct* mm, unsigned long addr, uint8_t* v) {
  kthread_use_mm(mm);
  const int r = get_user_u8(v, addr);
  kthread_unuse_mm(mm);
  return r;
}
int poke(mm_struct* mm, unsigned long addr, uint8_t v) {
  kthread_use_mm(mm);
  const int r = put_user_u8(v, addr);
  kthread_unuse_mm(mm);
  return r;
}


}  // namespace

KTEST(fault, demand_zero_then_write) {
  mm_struct* mm = new_mm();
  ASSERT_TRUE(mm);
  const unsigned long a = map(mm, 4 * P, RW, ANON);
  ASSERT_LT(a, TASK_SIZE);
  uint8_t v = 0xee;
  EXPECT_EQ(peek(mm, a + 100, &v), 0);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(mm_translate(mm, a).pa, zero_page_pa());  // read: the shared zero page
  EXPECT_EQ(mm_translate(mm, a).pte & _PAGE_WRITE, 0u);
  EXPECT_EQ(poke(mm, a + 100, 42), 0);
  EXPECT_NE(mm_translate(mm, a).pa, zero_page_pa());  // write: a page of its own
  EXPECT_EQ(peek(mm, a + 100, &v), 0);
  EXPECT_EQ(v, 42);
  EXPECT_EQ(peek(mm, a + 101, &v), 0);
  EXPECT_EQ(v, 0);
  EXPECT_GE(mm->min_flt.load(), 2u);
  mmput(mm);
}

KTEST(fault, cow_after_dup_mmap_from_both_sides) {
  mm_struct* parent = new_mm();
  ASSERT_TRUE(parent);
  const unsigned long a = map(parent, 2 * P, RW, ANON);
  ASSERT_EQ(poke(parent, a, 0xaa), 0);
  ASSERT_EQ(poke(parent, a + P, 0x11), 0);
  mm_struct* child = new_mm();
  ASSERT_TRUE(child);
  ASSERT_EQ(dup_mmap(child, parent), 0);
  EXPECT_EQ(mm_translate(child, a).pa, mm_translate(parent, a).pa);
  EXPECT_EQ(page_ref_count(pfn_to_page(mm_translate(parent, a).pa >> PAGE_SHIFT)), 2);
  uint8_t v = 0;
  // The child writes first: it gets a copy; the parent keeps its data.
  EXPECT_EQ(poke(child, a, 0xbb), 0);
  EXPECT_NE(mm_translate(child, a).pa, mm_translate(parent, a).pa);
  EXPECT_EQ(peek(parent, a, &v), 0);
  EXPECT_EQ(v, 0xaa);
  const uint64_t parent_pa = mm_translate(parent, a).pa;
  EXPECT_EQ(poke(parent, a, 0xcc), 0);  // sole owner now: reused in place
  EXPECT_EQ(mm_translate(parent, a).pa, parent_pa);
  // The parent writes first on the other page.
  EXPECT_EQ(poke(parent, a + P, 0x22), 0);
  EXPECT_EQ(peek(child, a + P, &v), 0);
  EXPECT_EQ(v, 0x11);
  EXPECT_EQ(peek(child, a, &v), 0);
  EXPECT_EQ(v, 0xbb);
  mmput(child);
  mmput(parent);
}

KTEST(fault, segv_maperr_and_accerr_for_each_scause) {
  mm_struct* mm = new_mm();
  ASSERT_TRUE(mm);
  const unsigned long ro = map(mm, P, PROT_READ, ANON);
  const unsigned long none = map(mm, P, PROT_NONE, ANON);
  const unsigned long rx = map(mm, P, PROT_READ | PROT_EXEC, ANON);
  const unsigned long hole = 0x100000;
  const Scause causes[] = {Scause::InstructionPageFault, Scause::LoadPageFault, Scause::StorePageFault};
  for (Scause c : causes) EXPECT_EQ(static_cast<int>(do_user_addr_fault(mm, hole, c, true)), static_cast<int>(UserFault::SegvMapErr));
  EXPECT_EQ(static_cast<int>(do_user_addr_fault(mm, ro, Scause::LoadPageFault, true)), static_cast<int>(UserFault::Resolved));
  EXPECT_EQ(static_cast<int>(do_user_addr_fault(mm, ro, Scause::StorePageFault, true)), static_cast<int>(UserFault::SegvAccErr));
  EXPECT_EQ(static_cast<int>(do_user_addr_fault(mm, ro, Scause::InstructionPageFault, true)), static_cast<int>(UserFault::SegvAccErr));
  EXPECT_EQ(static_cast<int>(do_user_addr_fault(mm, none, Scause::LoadPageFault, true)), static_cast<int>(UserFault::SegvAccErr));
  EXPECT_EQ(static_cast<int>(do_user_addr_fault(mm, rx, Scause::InstructionPageFault, true)), static_cast<int>(UserFault::Resolved));
  EXPECT_EQ(user_fault_signo(UserFault::SegvAccErr), SIGSEGV);
  EXPECT_EQ(user_fault_code(UserFault::SegvAccErr), SEGV_ACCERR);
  EXPECT_EQ(user_fault_code(UserFault::SegvMapErr), SEGV_MAPERR);
  // Through the real trap: a store to the read-only page and a load from
  // nothing end at the uaccess fixup.
  uint8_t v;
  EXPECT_EQ(poke(mm, ro, 1), -EFAULT);
  EXPECT_EQ(peek(mm, hole, &v), -EFAULT);
  EXPECT_EQ(peek(mm, none, &v), -EFAULT);
  EXPECT_EQ(peek(mm, ro, &v), 0);
  mmput(mm);
}

KTEST(fault, stack_growth_and_guard_gap) {
  mm_struct* mm = new_mm();
  ASSERT_TRUE(mm);
  const unsigned long top = 0x7000000;
  ASSERT_EQ(map(mm, 2 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN, top - 2 * P), top - 2 * P);
  // An accessible mapping 2 MiB below: the 1 MiB guard gap stays free.
  const unsigned long low_end = top - (2ul << 20);
  ASSERT_EQ(map(mm, P, PROT_READ, ANON | MAP_FIXED, low_end - P), low_end - P);
  EXPECT_EQ(poke(mm, top - 10 * P, 9), 0);  // grows the stack
  EXPECT_EQ(find_vma(mm, top - P)->vm_start, top - 10 * P);
  EXPECT_EQ(poke(mm, low_end + stack_guard_gap, 1), 0);  // just outside the guard
  EXPECT_EQ(poke(mm, low_end + stack_guard_gap - P, 1), -EFAULT);  // inside it
  uint8_t v;
  EXPECT_EQ(peek(mm, top - 10 * P, &v), 0);
  EXPECT_EQ(v, 9);
  mmput(mm);
}

KTEST(fault, hugetlb_megapage) {
  mm_struct* mm = new_mm();
  ASSERT_TRUE(mm);
  const unsigned long a = map(mm, HPAGE_SIZE, RW, ANON | MAP_HUGETLB);
  ASSERT_LT(a, TASK_SIZE);
  EXPECT_EQ(a % HPAGE_SIZE, 0u);
  EXPECT_EQ(poke(mm, a + HPAGE_SIZE - 1, 3), 0);
  const PtWalk w = mm_translate(mm, a);
  EXPECT_TRUE(w.present);
  EXPECT_EQ(w.level, 1u);
  uint8_t v = 1;
  EXPECT_EQ(peek(mm, a + 4096 * 7, &v), 0);
  EXPECT_EQ(v, 0);
  mmput(mm);
}

KTEST(fault, exit_mmap_returns_every_page) {
  mm_struct* warm = new_mm();  // the caches' per-CPU arrays exist after first use
  ASSERT_TRUE(warm);
  EXPECT_EQ(poke(warm, map(warm, P, RW, ANON), 1), 0);
  mmput(warm);
  const uint64_t before = settled_free_pages();
  mm_struct* mm = new_mm();
  ASSERT_TRUE(mm);
  const unsigned long a = map(mm, 64 * P, RW, ANON | MAP_POPULATE);
  EXPECT_EQ(poke(mm, a, 1), 0);
  mm_struct* child = new_mm();
  ASSERT_TRUE(child);
  ASSERT_EQ(dup_mmap(child, mm), 0);
  EXPECT_EQ(poke(child, a + 5 * P, 2), 0);
  const unsigned long h = map(mm, HPAGE_SIZE, RW, ANON | MAP_HUGETLB | MAP_POPULATE);
  EXPECT_LT(h, TASK_SIZE);
  EXPECT_LT(settled_free_pages(), before - 64 - 512);
  mmput(child);
  mmput(mm);
  EXPECT_EQ(settled_free_pages(), before);
}

KTEST(fault, copy_from_user_bad_pointer_is_efault) {
  mm_struct* mm = new_mm();
  ASSERT_TRUE(mm);
  const unsigned long a = map(mm, P, RW, ANON);
  char buf[16] = "hello, world";
  kthread_use_mm(mm);
  EXPECT_EQ(copy_to_user(a + P - 5, buf, 5), 0u);
  char back[16] = {};
  EXPECT_EQ(copy_from_user(back, a + P - 5, 5), 0u);
  EXPECT_EQ(back[4], 'o');
  EXPECT_EQ(copy_from_user(back, a + P - 2, 5), 3u);  // runs off the mapping
  EXPECT_EQ(copy_from_user(back, 0x10, 4), 4u);        // nothing there
  EXPECT_EQ(copy_from_user(back, reinterpret_cast<uintptr_t>(buf), 4), 4u);  // a kernel address
  EXPECT_EQ(copy_to_user(TASK_SIZE - 2, buf, 4), 4u);
  kthread_unuse_mm(mm);
  mmput(mm);
}
