/*
 * The kernel's ASID allocator instance and the satp side of an address
 * space switch. The allocator's logic (generations, rollover, lazy local
 * flushes) is arch-neutral and host-tested: see asm/asid.h.
 *
 * ASID width: write all ones to satp.ASID and read back what stuck (QEMU
 * implements 16 bits; the FU540's U54 none, then every switch flushes).
 * The probe runs on the kernel table, whose mappings are all global, so a
 * changed ASID cannot lose a kernel translation.
 */
#include <asm/mmu_context.h>

#include <asm/asid.h>
#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/page.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <lib/bitops.h>
#include <lib/string.h>

namespace {

constexpr unsigned kSatpAsidShift = 44;
constexpr uint64_t kSatpAsidMask = AsidAllocator::kAsidMask << kSatpAsidShift;
constexpr uint64_t kSatpPpnMask = (uint64_t{1} << 44) - 1;

AsidAllocator allocator;
unsigned hw_asid_bits;

}  // namespace

void asid_init() {
  uint64_t probed;
  {
    IrqSave irq;
    const uint64_t satp = csr_read<Csr::Satp>();
    csr_write<Csr::Satp>(satp | kSatpAsidMask);
    probed = (csr_read<Csr::Satp>() & kSatpAsidMask) >> kSatpAsidShift;
    csr_write<Csr::Satp>(satp);
    local_flush_tlb_all();
  }
  hw_asid_bits = hweight64(probed);
  allocator.init(hw_asid_bits, NR_CPUS);
  if (allocator.enabled())
    pr_info("asid: %u bits, %u ASIDs\n", hw_asid_bits, 1u << hw_asid_bits);
  else
    pr_info("asid: %u bits: not used; the TLB is flushed on every address-space switch\n", hw_asid_bits);
}

unsigned asid_bits() { return hw_asid_bits; }
bool asid_enabled() { return allocator.enabled(); }
unsigned asid_set_limit(unsigned nr) {
  allocator.set_limit(nr);
  return allocator.limit();
}
uint64_t asid_generation() { return allocator.generation(); }
uint64_t asid_rollovers() { return allocator.rollovers(); }

void set_mm(mm_context_t& ctx, uint64_t pgd_pa) {
  IrqSave irq;
  const unsigned cpu = this_cpu()->id;
  // Before satp: a flusher that misses this bit must not miss our entries.
  ctx.cpumask.fetch_or(uint64_t{1} << cpu, std::memory_order_seq_cst);
  const AsidAllocator::Switch s = allocator.switch_to(cpu, ctx);
  csr_write<Csr::Satp>(SATP_MODE_SV39 | (uint64_t{s.asid} << kSatpAsidShift) | ((pgd_pa >> PAGE_SHIFT) & kSatpPpnMask));
  if (s.flush_tlb) local_flush_tlb_all();
}

uint16_t mm_context_asid(const mm_context_t& ctx) {
  return allocator.enabled() ? AsidAllocator::asid_of(ctx.id.load(std::memory_order_relaxed)) : 0;
}

uint64_t user_pgd_alloc() {
  PageTableEditor kernel = kernel_page_table();
  const uint64_t pa = kernel_pt_alloc().alloc(nullptr);
  if (!pa) return 0;
  const pte_t* src = static_cast<const pte_t*>(__va(kernel.root()));
  pte_t* dst = static_cast<pte_t*>(__va(pa));
  memcpy(dst + PTRS_PER_PT / 2, src + PTRS_PER_PT / 2, PTRS_PER_PT / 2 * sizeof(pte_t));
  return pa;
}

void user_pgd_free(uint64_t pgd_pa) {
  user_page_table(pgd_pa).unmap(0, USER_TOP);  // frees every emptied table below the root
  kernel_pt_alloc().free(nullptr, pgd_pa);
}

PageTableEditor user_page_table(uint64_t pgd_pa) { return PageTableEditor(pgd_pa, kernel_pt_alloc()); }
