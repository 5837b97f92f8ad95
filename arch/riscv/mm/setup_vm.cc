/*
 * The early page table, built by setup_vm() before the MMU is on.
 *
 * setup_vm() runs at the physical load address with satp = 0, so it may only
 * use PC-relative addressing (-mcmodel=medany gives that) and must not call
 * through function pointers, vtables or anything else holding a link-time
 * address. It builds early_pg_dir with
 *
 *   - the kernel image at KERNEL_LINK_ADDR in 2 MiB leaves (RWX until the
 *     final kernel page table splits text/rodata/data)
 *   - an identity gigapage over the load address, so the instructions right
 *     after `csrw satp` can still be fetched
 *   - the direct map of the gigabytes holding the kernel and the DTB
 *   - the early I/O window: physical 0..2 GiB at IO_BASE, where every MMIO
 *     device of the supported machines sits
 *
 * Leaves get A and D preset (SiFive cores fault on clear A/D rather than
 * setting them); non-leaf entries never carry A/D/U.
 */
#include <asm/csr.h>
#include <asm/page.h>
#include <asm/pgtable.h>

extern "C" char _start[], _end[];

alignas(PAGE_SIZE) pte_t early_pg_dir[PTRS_PER_PT];
alignas(PAGE_SIZE) static pte_t early_kernel_pmd[PTRS_PER_PT];
uint64_t early_satp;
uintptr_t kernel_load_pa;

namespace {

void map_gigapage(uintptr_t va, uintptr_t pa, uint64_t prot) {
  early_pg_dir[pgd_index(va)] = pfn_pte(pa >> PAGE_SHIFT, prot);
}

}  // namespace

extern "C" uint64_t setup_vm(unsigned long /*hartid*/, uintptr_t dtb_pa) {
  // Running at the load address: &_start is the physical base here.
  const uintptr_t load_pa = reinterpret_cast<uintptr_t>(_start);
  const uintptr_t image_size = reinterpret_cast<uintptr_t>(_end) - load_pa;

  kernel_load_pa = load_pa;

  // Identity map for the switch.
  map_gigapage(load_pa & ~(PUD_SIZE - 1), load_pa & ~(PUD_SIZE - 1), PAGE_KERNEL_EXEC);

  // Kernel image.
  early_pg_dir[pgd_index(KERNEL_LINK_ADDR)] =
      pfn_pte(reinterpret_cast<uintptr_t>(early_kernel_pmd) >> PAGE_SHIFT, PAGE_TABLE);
  for (uintptr_t off = 0; off < image_size; off += PMD_SIZE)
    early_kernel_pmd[pmd_index(KERNEL_LINK_ADDR + off)] =
        pfn_pte((load_pa + off) >> PAGE_SHIFT, PAGE_KERNEL_EXEC);

  // Direct map of the kernel's and the DTB's gigabytes.
  const uintptr_t kernel_gb = load_pa & ~(PUD_SIZE - 1);
  map_gigapage(PAGE_OFFSET + kernel_gb, kernel_gb, PAGE_KERNEL);
  if (dtb_pa != 0) {
    const uintptr_t dtb_gb = dtb_pa & ~(PUD_SIZE - 1);
    map_gigapage(PAGE_OFFSET + dtb_gb, dtb_gb, PAGE_KERNEL);
    // A DTB straddling a gigabyte boundary needs the next one too.
    map_gigapage(PAGE_OFFSET + dtb_gb + PUD_SIZE, dtb_gb + PUD_SIZE, PAGE_KERNEL);
  }

  // Early I/O window.
  for (uintptr_t pa = 0; pa < IO_SIZE; pa += PUD_SIZE) map_gigapage(IO_BASE + pa, pa, PAGE_KERNEL);

  early_satp = SATP_MODE_SV39 | (reinterpret_cast<uintptr_t>(early_pg_dir) >> PAGE_SHIFT);
  return early_satp;
}

uintptr_t __pa_symbol(const void* va) {
  return reinterpret_cast<uintptr_t>(va) - KERNEL_LINK_ADDR + kernel_load_pa;
}
