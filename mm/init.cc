/*
 * mm_init(): from the device tree to a working page allocator.
 *
 *   memblock.memory    every /memory range
 *   memblock.reserved  reserved-memory + /memreserve/ (firmware), the kernel
 *                      image (which holds the DTB copy and the boot page
 *                      tables), the initrd
 *   mem_map            one struct page per frame over the span of RAM,
 *                      carved from the top of free memory by memblock
 *   buddy              every free memblock range
 *   slab               kmem_cache and the kmalloc caches over the buddy
 */
#include <mm/init.h>

#include <asm/mmu.h>
#include <asm/page.h>
#include <kernel/devicetree.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <mm/memblock.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

extern "C" char _start[], _etext[], _sdata[], _end[];

namespace {

uint64_t total_ram;

void add_or_panic(MemblockType& type, uint64_t base, uint64_t size, const char* what) {
  if (type.add(base, size) != 0)
    panic("mm_init: memblock cannot record %s [0x%lx-0x%lx] (more than %u regions?)", what, base, base + size - 1,
          MEMBLOCK_MAX_REGIONS);
}

}  // namespace

uint64_t mm_total_ram() { return total_ram; }

void mm_init() {
  const MachineInfo& m = machine();
  for (unsigned i = 0; i < m.nr_memory; i++) {
    add_or_panic(memblock.memory, m.memory[i].base, m.memory[i].size, "memory");
    total_ram += m.memory[i].size;
  }
  for (unsigned i = 0; i < m.nr_reserved; i++)
    add_or_panic(memblock.reserved, m.reserved[i].base, m.reserved[i].size, "reserved-memory");
  const uint64_t kernel_pa = __pa_symbol(_start);
  const uint64_t kernel_end = __pa_symbol(_end);
  add_or_panic(memblock.reserved, kernel_pa, kernel_end - kernel_pa, "the kernel image");
  if (m.initrd_start) add_or_panic(memblock.reserved, m.initrd_start, m.initrd_end - m.initrd_start, "the initrd");

  const uint64_t start_pfn = memblock.memory[0].base >> PAGE_SHIFT;
  const uint64_t end_pfn = memblock.memory[memblock.memory.count() - 1].end() >> PAGE_SHIFT;
  const uint64_t map_bytes = page_align_up((end_pfn - start_pfn) * sizeof(page));
  const uint64_t map_pa = memblock.alloc(map_bytes, PAGE_SIZE);
  if (!map_pa) panic("mm_init: no room for the page array (%lu KiB)", map_bytes >> 10);

  mm_phys_virt_offset = PAGE_OFFSET;
  free_area_init(static_cast<page*>(__va(map_pa)), start_pfn, end_pfn);
  memblock.for_each_free_range([](uint64_t base, uint64_t end) {
    free_pages_range(page_align_up(base) >> PAGE_SHIFT, page_align_down(end) >> PAGE_SHIFT);
  });
  setup_min_reserves();
  paging_use_page_allocator();
  kmem_cache_init();
  proc_caches_init();

  const uint64_t available_k = nr_free_pages() * (PAGE_SIZE / 1024);
  const uint64_t total_k = total_ram >> 10;
  const uint64_t code_k = (reinterpret_cast<uintptr_t>(_etext) - reinterpret_cast<uintptr_t>(_start)) >> 10;
  const uint64_t data_k = (reinterpret_cast<uintptr_t>(_end) - reinterpret_cast<uintptr_t>(_sdata)) >> 10;
  pr_info("Memory: %luK/%luK available (%luK kernel code, %luK data, %luK reserved)\n", available_k, total_k, code_k,
          data_k, total_k - available_k);
}
