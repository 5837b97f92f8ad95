/*
 * memblock: the boot-time physical memory map. Two sorted, merged region
 * lists: `memory` (RAM the device tree reports) and `reserved` (firmware,
 * kernel image, initrd, early allocations). Free memory is memory minus
 * reserved; memblock_alloc() carves from its top. The page allocator takes
 * over every free range once struct pages exist.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

constexpr unsigned MEMBLOCK_MAX_REGIONS = 128;

struct MemblockRegion {
  uint64_t base;
  uint64_t size;
  uint64_t end() const { return base + size; }
};

class MemblockType {
 public:
  // Adds [base, base + size), merging with neighbours; -ENOSPC when the
  // region array is full (the caller reports it), -EINVAL on overflow.
  int add(uint64_t base, uint64_t size);
  // Removes [base, base + size), splitting regions as needed.
  int remove(uint64_t base, uint64_t size);
  bool overlaps(uint64_t base, uint64_t size) const;
  uint64_t total() const;
  unsigned count() const { return count_; }
  const MemblockRegion& operator[](unsigned i) const { return regions_[i]; }

 private:
  int insert_at(unsigned index, uint64_t base, uint64_t size);
  void erase_at(unsigned index);
  MemblockRegion regions_[MEMBLOCK_MAX_REGIONS];
  unsigned count_ = 0;
};

class Memblock {
 public:
  MemblockType memory;
  MemblockType reserved;

  // The allocation comes from the highest free range below `limit`
  // (0 = no limit), aligned; returns its physical address, 0 when none fits.
  uint64_t alloc(uint64_t size, uint64_t align, uint64_t limit = 0);
  // Calls fn(base, end) for every free range (memory minus reserved), ascending.
  template <typename Fn>
  void for_each_free_range(Fn fn) const;
  uint64_t free_bytes() const;
};

template <typename Fn>
void Memblock::for_each_free_range(Fn fn) const {
  for (unsigned i = 0; i < memory.count(); i++) {
    uint64_t cur = memory[i].base;
    const uint64_t end = memory[i].end();
    for (unsigned r = 0; r < reserved.count() && cur < end; r++) {
      const MemblockRegion& res = reserved[r];
      if (res.end() <= cur || res.base >= end) continue;
      if (res.base > cur) fn(cur, res.base);
      cur = res.end();
    }
    if (cur < end) fn(cur, end);
  }
}

// The kernel's instance.
extern Memblock memblock;
