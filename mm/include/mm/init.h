// Boot-time memory setup: memblock from the device tree, struct pages, and
// the page allocator.
#pragma once

#include <stdint.h>

// Needs the device tree and the final kernel page table (direct map of all RAM).
void mm_init();

// RAM the device tree reports, in bytes.
uint64_t mm_total_ram();
