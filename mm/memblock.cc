// memblock region lists (see mm/memblock.h).
#include <mm/memblock.h>

#include <kernel/errno.h>

Memblock memblock;

int MemblockType::insert_at(unsigned index, uint64_t base, uint64_t size) {
  if (count_ == MEMBLOCK_MAX_REGIONS) return -ENOSPC;
  for (unsigned i = count_; i > index; i--) regions_[i] = regions_[i - 1];
  regions_[index] = MemblockRegion{base, size};
  count_++;
  return 0;
}

void MemblockType::erase_at(unsigned index) {
  for (unsigned i = index; i + 1 < count_; i++) regions_[i] = regions_[i + 1];
  count_--;
}

int MemblockType::add(uint64_t base, uint64_t size) {
  if (size == 0) return 0;
  if (base + size < base) return -EINVAL;
  uint64_t end = base + size;
  // Absorb every region that overlaps or touches [base, end).
  unsigned i = 0;
  while (i < count_ && regions_[i].end() < base) i++;
  while (i < count_ && regions_[i].base <= end) {
    if (regions_[i].base < base) base = regions_[i].base;
    if (regions_[i].end() > end) end = regions_[i].end();
    erase_at(i);
  }
  return insert_at(i, base, end - base);
}

int MemblockType::remove(uint64_t base, uint64_t size) {
  if (size == 0) return 0;
  if (base + size < base) return -EINVAL;
  const uint64_t end = base + size;
  for (unsigned i = 0; i < count_;) {
    MemblockRegion& r = regions_[i];
    if (r.end() <= base || r.base >= end) {
      i++;
      continue;
    }
    const uint64_t r_base = r.base, r_end = r.end();
    erase_at(i);
    if (r_base < base) {
      if (const int err = insert_at(i, r_base, base - r_base)) return err;
      i++;
    }
    if (r_end > end) {
      if (const int err = insert_at(i, end, r_end - end)) return err;
      i++;
    }
  }
  return 0;
}

bool MemblockType::overlaps(uint64_t base, uint64_t size) const {
  for (unsigned i = 0; i < count_; i++)
    if (regions_[i].base < base + size && base < regions_[i].end()) return true;
  return false;
}

uint64_t MemblockType::total() const {
  uint64_t t = 0;
  for (unsigned i = 0; i < count_; i++) t += regions_[i].size;
  return t;
}

uint64_t Memblock::alloc(uint64_t size, uint64_t align, uint64_t limit) {
  if (size == 0 || align == 0 || (align & (align - 1))) return 0;
  uint64_t found = 0;
  for_each_free_range([&](uint64_t base, uint64_t end) {
    if (limit && end > limit) end = limit;
    if (end < size || end <= base) return;
    const uint64_t candidate = (end - size) & ~(align - 1);
    if (candidate >= base && candidate > found) found = candidate;  // highest wins
  });
  if (found == 0 || reserved.add(found, size) != 0) return 0;
  return found;
}

uint64_t Memblock::free_bytes() const {
  uint64_t n = 0;
  for_each_free_range([&](uint64_t base, uint64_t end) { n += end - base; });
  return n;
}
