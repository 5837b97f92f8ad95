/*
 * The object behind a shared anonymous (or shared hugetlb) mapping, in
 * place of Linux's shmem / hugetlbfs file: the pages of the mapping by
 * offset, so every VMA piece and every forked copy of the mapping maps the
 * same page, and MADV_DONTNEED or PROT_NONE on one of them loses nothing.
 *
 * Each VMA that maps the object holds a reference (mmap, split, fork);
 * the object holds one reference on each of its pages, every PTE another.
 * The last VMA gone frees the pages and returns the commit charge taken at
 * mmap (none with MAP_NORESERVE, none for hugetlb). Pages are filled in at
 * first fault, under the object's lock.
 */
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/page.h>

struct shmem_object {
  std::atomic<long> refs;
  unsigned long nr_slots;  // pages of 4 KiB << order
  unsigned order;          // 0, or 9 for hugetlb megapages
  long charged;            // pages charged to vm_committed_as
  MmLock lock;
  page** slots;            // nr_slots entries, null until first fault
};

// An object for nr_pages 4 KiB pages (a multiple of 1 << order), charged
// `charge` pages; null when out of memory or refused by the overcommit policy.
shmem_object* shmem_create(unsigned long nr_pages, unsigned order, long charge);
void shmem_get(shmem_object* obj);
void shmem_put(shmem_object* obj);
// The page at slot `index` (allocated zeroed at first use), with a new
// reference for the caller's PTE; null when out of memory.
page* shmem_get_page(shmem_object* obj, unsigned long index);
