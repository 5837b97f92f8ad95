/*
 * paging_init(): the final kernel page table.
 *
 *   0xffffffc000000000  I/O window      physical 0 .. 2 GiB      RW
 *   0xffffffd800000000  direct map      every DT memory range    RW
 *   0xffffffff80000000  kernel image    text RX | rodata R | data+bss RW
 *
 * Table pages come from a pool in BSS (there is no page allocator yet at
 * this point); once mm_init() has run, from the page allocator. The bound: root + one level-1 table per kernel-image and
 * direct-map gigabyte that needs smaller leaves + level-0 tables at the
 * unaligned edges; kBootPoolPages covers 16 memory ranges with both edges
 * unaligned. Running out is a boot-time panic with that explanation.
 *
 * No 1 GiB leaf covers a reserved-memory range (OpenSBI's region): the
 * FU540 misbehaves with a gigapage over PMP-protected firmware, and the
 * rule costs one level-1 table per affected gigabyte on every machine.
 */
#include <asm/mmu.h>

#include <asm/csr.h>
#include <asm/page.h>
#include <kernel/devicetree.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <lib/string.h>
#include <mm/page_alloc.h>

extern "C" char _start[], _etext[], _srodata[], _erodata[], _sdata[], _end[];

namespace {

constexpr unsigned kBootPoolPages = 80;
alignas(PAGE_SIZE) uint8_t boot_pool[kBootPoolPages][PAGE_SIZE];
unsigned pool_used;
uint64_t pool_free_list[kBootPoolPages];
unsigned pool_free_count;

uint64_t swapper_root;
uint64_t kernel_satp;

bool page_allocator_ready;

bool in_boot_pool(uint64_t pa) {
  const uint64_t start = __pa_symbol(boot_pool[0]);
  return pa >= start && pa < start + sizeof(boot_pool);
}

// Table pages: the boot pool until the page allocator exists, then the
// page allocator (owner PageTable). A freed pool page goes back to the pool.
uint64_t table_page_alloc(void*) {
  if (page_allocator_ready) {
    page* p = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, 0);
    if (!p) return 0;
    p->owner = PageOwner::PageTable;
    return page_to_pfn(p) << PAGE_SHIFT;
  }
  uint64_t pa;
  if (pool_free_count) {
    pa = pool_free_list[--pool_free_count];
  } else {
    if (pool_used == kBootPoolPages) return 0;
    pa = __pa_symbol(boot_pool[pool_used++]);  // an image address: not __pa()
  }
  memset(__va(pa), 0, PAGE_SIZE);
  return pa;
}

void table_page_free(void*, uint64_t pa) {
  if (in_boot_pool(pa)) {
    pool_free_list[pool_free_count++] = pa;
    return;
  }
  page* p = pfn_to_page(pa >> PAGE_SHIFT);
  p->owner = PageOwner::Kernel;
  __free_pages(p, 0);
}

pte_t* table_at(void*, uint64_t pa) { return static_cast<pte_t*>(__va(pa)); }

constexpr PtAlloc kTableAlloc{nullptr, table_page_alloc, table_page_free, table_at};

void must(int err, const char* what) {
  if (err) panic("paging_init: cannot map %s (error %d; boot pool %u/%u pages)", what, err, pool_used, kBootPoolPages);
}

void map_kernel_segment(PageTableEditor& pt, const char* start, const char* end, pte_t prot, const char* what) {
  const uintptr_t va = reinterpret_cast<uintptr_t>(start);
  const size_t size = page_align_up(reinterpret_cast<uintptr_t>(end)) - va;
  must(pt.map(va, __pa_symbol(start), size, prot, PtLevel::Page), what);
}

bool overlaps_reserved(uint64_t base, uint64_t end) {
  const MachineInfo& m = machine();
  for (unsigned i = 0; i < m.nr_reserved; i++)
    if (m.reserved[i].base < end && base < m.reserved[i].base + m.reserved[i].size) return true;
  return false;
}

void map_direct(PageTableEditor& pt, uint64_t base, uint64_t end) {
  base = page_align_up(base);
  end = page_align_down(end);
  while (base < end) {
    const uint64_t gb_end = (base & ~(PUD_SIZE - 1)) + PUD_SIZE;
    const uint64_t piece_end = gb_end < end ? gb_end : end;
    const PtLevel max = overlaps_reserved(base & ~(PUD_SIZE - 1), gb_end) ? PtLevel::Mega : PtLevel::Giga;
    must(pt.map(reinterpret_cast<uintptr_t>(__va(base)), base, piece_end - base, PAGE_KERNEL, max), "the direct map");
    base = piece_end;
  }
}

}  // namespace

PageTableEditor kernel_page_table() { return PageTableEditor(swapper_root, kTableAlloc); }
const PtAlloc& kernel_pt_alloc() { return kTableAlloc; }
unsigned paging_boot_pool_used() { return pool_used - pool_free_count; }

void paging_init() {
  swapper_root = table_page_alloc(nullptr);
  PageTableEditor pt(swapper_root, kTableAlloc);
  map_kernel_segment(pt, _start, _etext, PAGE_KERNEL_RX, "kernel text");
  map_kernel_segment(pt, _srodata, _erodata, PAGE_KERNEL_RO, "kernel rodata");
  map_kernel_segment(pt, _sdata, _end, PAGE_KERNEL, "kernel data");
  const MachineInfo& m = machine();
  uint64_t ram = 0;
  for (unsigned i = 0; i < m.nr_memory; i++) {
    const uint64_t end = m.memory[i].base + m.memory[i].size;
    if (end > IO_BASE - PAGE_OFFSET || m.memory[i].base >= KERNEL_LINK_ADDR - PAGE_OFFSET) {
      pr_warn("paging: memory [0x%lx-0x%lx] is beyond the direct map; ignored\n", m.memory[i].base, end - 1);
      continue;
    }
    map_direct(pt, m.memory[i].base, end);
    ram += m.memory[i].size;
  }
  must(pt.map(IO_BASE, 0, IO_SIZE, PAGE_KERNEL, PtLevel::Giga), "the I/O window");

  kernel_satp = SATP_MODE_SV39 | (swapper_root >> PAGE_SHIFT);
  switch_to_kernel_page_table();
  pr_info("paging: kernel page table at 0x%lx: text RX, rodata R, data RW; direct map of %lu MiB; %u table pages\n",
          swapper_root, ram >> 20, paging_boot_pool_used());
}

void paging_use_page_allocator() { page_allocator_ready = true; }

void switch_to_kernel_page_table() {
  csr_write<Csr::Satp>(kernel_satp);
  local_flush_tlb_all();
}
