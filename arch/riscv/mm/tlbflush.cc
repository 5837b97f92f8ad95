/*
 * TLB shootdown for an address space. ctx.cpumask holds every CPU that may
 * cache its translations (set_mm adds the CPU before writing satp), so a
 * flush reaches the calling CPU directly and the others through SBI
 * RFENCE. With ASIDs only that ASID's entries go; without, everything
 * non-global. Ranges above kFullFlushPages become one whole-ASID flush, as
 * Linux's tlb_flush_all_threshold does. An id of an older generation names
 * an ASID that may now be another address space's: flushing it costs that
 * one some misses, never correctness, and the owner flushes at its next
 * switch anyway (the rollover marked every CPU).
 */
#include <asm/tlbflush.h>

#include <asm/irqflags.h>
#include <asm/mmu_context.h>
#include <asm/page.h>
#include <asm/sbi.h>
#include <asm/smp.h>
#include <kernel/percpu.h>

namespace {

constexpr uintptr_t kFullFlushPages = 64;

void local_flush(uint16_t asid, bool use_asid, bool full, uintptr_t start, uintptr_t size) {
  if (full) {
    if (use_asid)
      local_flush_tlb_all_asid(asid);
    else
      local_flush_tlb_all();
    return;
  }
  for (uintptr_t va = start & PAGE_MASK; va < start + size; va += PAGE_SIZE) {
    if (use_asid)
      local_flush_tlb_page_asid(va, asid);
    else
      local_flush_tlb_page(va);
  }
}

bool flush_range(mm_context_t& ctx, uintptr_t start, uintptr_t size, bool remote) {
  const bool use_asid = asid_enabled();
  const uint16_t asid = mm_context_asid(ctx);
  const bool full = size == ~uintptr_t{0} || size / PAGE_SIZE > kFullFlushPages || cpu_errata.cip_1200;
  cpumask_t others;
  {
    IrqSave irq;  // stay on one CPU between the local flush and the mask
    local_flush(asid, use_asid, full, start, size);
    others = ctx.cpumask.load(std::memory_order_seq_cst) & cpu_online_mask() & ~(cpumask_t{1} << this_cpu()->id);
  }
  if (!remote || !others) return true;
  const uint64_t harts = hart_mask_of(others);
  const uint64_t rstart = full ? 0 : start;
  const uint64_t rsize = full ? ~uint64_t{0} : size;
  const SbiRet r = use_asid ? sbi_remote_sfence_vma_asid(harts, 0, rstart, rsize, asid)
                            : sbi_remote_sfence_vma(harts, 0, rstart, rsize);
  return r.ok();
}

}  // namespace

void local_flush_tlb_mm(mm_context_t& ctx) { flush_range(ctx, 0, ~uintptr_t{0}, false); }
bool flush_tlb_mm(mm_context_t& ctx) { return flush_range(ctx, 0, ~uintptr_t{0}, true); }
bool flush_tlb_page(mm_context_t& ctx, uintptr_t addr) { return flush_range(ctx, addr, PAGE_SIZE, true); }
bool flush_tlb_range(mm_context_t& ctx, uintptr_t start, uintptr_t size) {
  return flush_range(ctx, start, size, true);
}
