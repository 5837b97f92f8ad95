/*
 * Files behind VMAs: the page cache as mm sees it, and the reverse map
 * from a file to the VMAs that map it (Linux's address_space, i_mmap and
 * unmap_mapping_range).
 *
 * A file system that can be mapped keeps one address_space per inode and
 * its pages are the file's page cache: each such page has owner File,
 * page->mapping = that address_space and page->index = its page number in
 * the file, and the cache holds one reference on it. Every VMA with a
 * vm_file is on its mapping's i_mmap list, private or shared, so that a
 * truncation can find every page table that maps the part of the file
 * that went away.
 *
 *   fault, file page not mapped   the cache page for the offset (mm/memory.cc
 *                                 through vm_file_ops->get_page, mmap_lock
 *                                 dropped): a shared VMA maps it; a private
 *                                 one maps it read-only for a read (a later
 *                                 write copies it, like any COW) and maps a
 *                                 copy for a write
 *   store through a shared VMA    lands in the cache page: read(2) sees it
 *   write(2)                      writes the cache page: every mapping sees it
 *   truncate below a mapping      the file system takes the pages off the
 *                                 cache (page->mapping = null), then
 *                                 unmap_mapping_range zaps every PTE at or
 *                                 past the new end, private copies included
 *                                 (Linux's even_cows): the next access faults
 *                                 and, past the end, gets SIGBUS
 *
 * Locking: i_mmap_lock (a spinlock) guards the i_mmap list and, for a VMA
 * on it, the range and offset a walker reads (vm_start, vm_end, vm_pgoff):
 * linking, unlinking and every range change of a file VMA take it. A
 * walker holds it for the whole walk and takes each mm's page_table_lock
 * inside it. New VMAs go to the tail of i_mmap, so a VMA whose page-table
 * entries are copied (fork) or moved (mremap) into another comes before
 * the other in the walk: an entry is either zapped at its source before it
 * moves or found at its destination afterwards. A fault that brings a
 * cache page installs it only if, under page_table_lock, the page is still
 * in the cache; a truncation clears page->mapping before it zaps (under
 * the same lock), so either the fault sees the page gone or the zap sees
 * the new entry.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>

#include <lib/list.h>
#include <mm/env.h>
#include <mm/mmap.h>
#include <mm/page.h>

struct address_space {
  MmLock i_mmap_lock;
  list_head i_mmap;  // the VMAs mapping the file, by vm_area_struct::shared
};

// A file page's cache, or null once it was taken off (or never a file page).
inline address_space* page_mapping(const page* p) {
  return p->owner == PageOwner::File ? __atomic_load_n(&p->mapping, __ATOMIC_ACQUIRE) : nullptr;
}
// Puts a fresh page into m's cache at index (the file system's lock held).
inline void page_cache_add(page* p, address_space* m, unsigned long index) {
  p->owner = PageOwner::File;
  p->index = index;
  __atomic_store_n(&p->mapping, m, __ATOMIC_RELEASE);
}
// Takes a page off its cache (before the cache's reference is dropped).
inline void page_cache_remove(page* p) { __atomic_store_n(&p->mapping, nullptr, __ATOMIC_RELEASE); }

// The page cache a VMA maps (its file's), or null.
inline address_space* vma_mapping(const vm_area_struct* vma) {
  return vma->vm_file ? vm_file_ops->mapping(vma->vm_file) : nullptr;
}
// i_mmap_lock of m for the scope; nothing when m is null (no file).
class MappingLock {
 public:
  explicit MappingLock(address_space* m) {
    if (m) g_.emplace(m->i_mmap_lock);
  }

 private:
  std::optional<MmLockGuard> g_;
};

// Zaps, in every VMA mapping m, the entries for file pages at index
// first_index and above (the pages of a truncated tail). Takes i_mmap_lock
// and each mm's page_table_lock; needs no mmap_lock.
void unmap_mapping_range(address_space* m, unsigned long first_index);
// The VMAs mapping m (tests).
size_t mapping_nr_vmas(address_space* m);
