// Host tests for files behind VMAs (mm/filemap.h) over simulated RAM with
// real page tables: a fake file layer stands in for the VFS behind
// vm_file_ops (its page cache is a vector of pages; truncation takes pages
// off and calls unmap_mapping_range), faults run the way do_page_fault runs
// them (VM_FAULT_RETRY, the page looked up, the fault again). A randomised
// run of mmap (shared and private, at file offsets), munmap, mprotect
// splits, mremap moves, forks, exits, loads, stores and truncations checks
// after every step that every file VMA of every mm is on its file's i_mmap
// exactly once, that no page at or past a file's end is mapped, that a
// shared VMA maps the cache's page and a private one the cache's page
// read-only or a page of its own, that each cache page has one reference
// for the cache plus one per mapping, and what every mapping reads.
#include <doctest/doctest.h>

#include <kernel/errno.h>
#include <lib/container_of.h>
#include <mm/filemap.h>
#include <random>
#include <set>

#include "mm_test_util.h"

namespace {

constexpr unsigned long P = PAGE_SIZE;
constexpr unsigned long RW = PROT_READ | PROT_WRITE;

// One file: its page cache (index -> page, null for a hole) and its size
// in whole pages. mm sees it only as a file* behind the ops below.
struct FakeFile {
  address_space mapping;
  std::vector<page*> cache;
  unsigned long size_pages = 0;
  long refs = 1;
};
FakeFile* fake(const file* f) { return reinterpret_cast<FakeFile*>(const_cast<file*>(f)); }
file* as_file(FakeFile* f) { return reinterpret_cast<file*>(f); }

void ff_get(file* f) { fake(f)->refs++; }
void ff_put(file* f) {
  REQUIRE(fake(f)->refs > 0);
  fake(f)->refs--;
}
address_space* ff_mapping(const file* f) { return &fake(f)->mapping; }
page* ff_get_page(file* f, unsigned long index) {
  FakeFile* ff = fake(f);
  if (index >= ff->size_pages) return nullptr;
  if (ff->cache.size() <= index) ff->cache.resize(index + 1);
  page*& p = ff->cache[index];
  if (!p) {
    p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
    REQUIRE(p);
    page_cache_add(p, &ff->mapping, index);
  }
  get_page(p);
  return p;
}
constexpr vm_file_operations kFakeOps{ff_get, ff_put, ff_mapping, ff_get_page};

// The file system's side of truncate and write.
void truncate(FakeFile* ff, unsigned long pages) {
  for (unsigned long i = pages; i < ff->cache.size(); i++)
    if (ff->cache[i]) {
      page_cache_remove(ff->cache[i]);
      put_page(ff->cache[i]);
      ff->cache[i] = nullptr;
    }
  if (pages < ff->size_pages) unmap_mapping_range(&ff->mapping, pages);
  ff->size_pages = pages;
}
// write(2) of one byte at page index i.
void file_write(FakeFile* ff, unsigned long index, uint8_t v) {
  page* p = ff_get_page(as_file(ff), index);
  REQUIRE(p);
  *static_cast<uint8_t*>(page_address(p)) = v;
  put_page(p);
}
uint8_t file_read(FakeFile* ff, unsigned long index) {
  if (index >= ff->cache.size() || !ff->cache[index]) return 0;
  return *static_cast<uint8_t*>(page_address(ff->cache[index]));
}

// Installs the fake file layer for a test (the VFS's may be installed by
// another test).
struct FileOpsScope {
  const vm_file_operations* saved = vm_file_ops;
  FileOpsScope() { vm_file_ops = &kFakeOps; }
  ~FileOpsScope() { vm_file_ops = saved; }
};

enum class Access { Ok, SegvMap, SegvAcc, Bus };

// One user access at addr, as the MMU and do_page_fault run it.
Access access(mm_struct* mm, unsigned long addr, bool write, uint8_t* value) {
  page* filled = nullptr;
  for (int attempt = 0; attempt < 4; attempt++) {
    const PtWalk w = mm_translate(mm, addr);
    if (w.present && (w.pte & _PAGE_USER) && (write ? (w.pte & _PAGE_WRITE) : (w.pte & _PAGE_READ))) {
      REQUIRE(filled == nullptr);
      auto* mem = static_cast<uint8_t*>(mm_phys_to_virt(w.pa));
      if (write) *mem = *value;
      else *value = *mem;
      return Access::Ok;
    }
    file* f = nullptr;
    unsigned long offset = 0;
    {
      MmapReadGuard g{mm};
      vm_area_struct* vma = find_vma(mm, addr);
      // One thread: the VMA a retry comes back to is the one that asked.
      const bool allowed = vma && vma->vm_start <= addr &&
                           (write ? (vma->vm_flags & VM_WRITE) : (vma->vm_flags & (VM_READ | VM_WRITE)));
      if (!allowed) {
        REQUIRE(filled == nullptr);
        return vma && vma->vm_start <= addr ? Access::SegvAcc : Access::SegvMap;
      }
      const vm_fault_t r = handle_mm_fault_page(vma, addr, write ? FAULT_FLAG_WRITE : 0, filled);
      filled = nullptr;
      REQUIRE((r & VM_FAULT_ERROR) == 0);
      if (r & VM_FAULT_RETRY) {
        f = vma->vm_file;
        offset = vma_file_offset(vma, addr);
      }
    }
    if (f) {
      filled = read_file_page(f, offset);
      if (!filled) return Access::Bus;
    }
  }
  FAIL("fault did not resolve");
  return Access::Bus;
}

mm_struct* new_mm() {
  mm_struct* mm = mm_alloc();
  REQUIRE(mm);
  REQUIRE(mm_alloc_pgd(mm) == 0);
  return mm;
}

unsigned long map_file(mm_struct* mm, FakeFile* ff, unsigned long addr, unsigned long pages, unsigned long prot,
                       unsigned long type, unsigned long pgoff, unsigned fmode = MMAP_FMODE_READ | MMAP_FMODE_WRITE) {
  unsigned long populate;
  MmapWriteGuard g{mm};
  return do_mmap_file(mm, as_file(ff), fmode, addr, pages * P, prot, type | (addr ? MAP_FIXED : 0), pgoff,
                      &populate);
}

page* mapped(mm_struct* mm, unsigned long addr) {
  const PtWalk w = mm_translate(mm, addr);
  return w.present ? pfn_to_page(w.pa >> PAGE_SHIFT) : nullptr;
}

// The invariants over every mm and file (see the top of the file).
void check_files(const std::vector<mm_struct*>& mms, const std::vector<FakeFile*>& files) {
  std::map<page*, int> ptes;  // mappings of each page
  std::map<FakeFile*, std::multiset<vm_area_struct*>> expect;
  for (mm_struct* mm : mms) {
    check_mm(mm);
    check_tables(mm);
    for (vm_area_struct* v = mm->mmap; v; v = v->vm_next) {
      for (unsigned long a = v->vm_start; a < v->vm_end; a += P)
        if (page* p = mapped(mm, a)) ptes[p]++;
      if (!v->vm_file) continue;
      FakeFile* ff = fake(v->vm_file);
      expect[ff].insert(v);
      for (unsigned long a = v->vm_start; a < v->vm_end; a += P) {
        const unsigned long index = vma_file_offset(v, a) >> PAGE_SHIFT;
        page* p = mapped(mm, a);
        if (!p) continue;
        REQUIRE(index < ff->size_pages);  // nothing past the end stays mapped
        page* c = index < ff->cache.size() ? ff->cache[index] : nullptr;
        if (v->vm_flags & VM_SHARED) {
          REQUIRE(p == c);
        } else if (p == c) {
          REQUIRE((mm_translate(mm, a).pte & _PAGE_WRITE) == 0);  // the cache's page is never written privately
        } else {
          REQUIRE(page_mapping(p) == nullptr);
        }
      }
    }
  }
  for (FakeFile* ff : files) {
    std::multiset<vm_area_struct*> on_list;
    for (list_head* e = ff->mapping.i_mmap.next; e != &ff->mapping.i_mmap; e = e->next)
      on_list.insert(container_of(e, &vm_area_struct::shared));
    REQUIRE(on_list == expect[ff]);
    REQUIRE(ff->refs == 1 + static_cast<long>(on_list.size()));
    for (unsigned long i = 0; i < ff->cache.size(); i++) {
      page* c = ff->cache[i];
      if (!c) continue;
      REQUIRE(page_mapping(c) == &ff->mapping);
      REQUIRE(c->index == i);
      REQUIRE(page_ref_count(c) == 1 + ptes[c]);
    }
  }
}

uint8_t peek(mm_struct* mm, unsigned long addr) {
  uint8_t v = 0xee;
  REQUIRE(access(mm, addr, false, &v) == Access::Ok);
  return v;
}
void poke(mm_struct* mm, unsigned long addr, uint8_t v) { REQUIRE(access(mm, addr, true, &v) == Access::Ok); }

}  // namespace

TEST_CASE("file mappings: shared stores reach the cache, private ones copy, truncation zaps both") {
  MmTestEnv env;
  FileOpsScope ops;
  FakeFile file;
  file.size_pages = 3;
  for (unsigned long i = 0; i < 3; i++) file_write(&file, i, static_cast<uint8_t>(0x10 + i));
  mm_struct* mm = new_mm();
  const unsigned long s = map_file(mm, &file, 0, 4, RW, MAP_SHARED, 0);
  const unsigned long u = map_file(mm, &file, 0, 3, RW, MAP_PRIVATE, 0);
  REQUIRE(!IS_ERR_VALUE(s));
  REQUIRE(!IS_ERR_VALUE(u));
  CHECK(peek(mm, s + P) == 0x11);
  poke(mm, s + P, 0x21);
  CHECK(file_read(&file, 1) == 0x21);  // a store through the mapping is the file's
  file_write(&file, 2, 0x32);
  CHECK(peek(mm, s + 2 * P) == 0x32);  // write(2) shows in the mapping
  CHECK(peek(mm, u + P) == 0x21);      // the private mapping maps the cache page
  CHECK(mapped(mm, u + P) == mapped(mm, s + P));
  poke(mm, u + P, 0x99);  // its own copy
  CHECK(mapped(mm, u + P) != mapped(mm, s + P));
  CHECK(file_read(&file, 1) == 0x21);
  CHECK(peek(mm, s + P) == 0x21);
  uint8_t v;
  CHECK(access(mm, s + 3 * P, false, &v) == Access::Bus);  // past the end
  check_files({mm}, {&file});

  mm_struct* child = mm_alloc();
  REQUIRE(mm_alloc_pgd(child) == 0);
  REQUIRE(dup_mmap(child, mm) == 0);
  CHECK(mapped(child, s + 2 * P) == mapped(mm, s + 2 * P));
  check_files({mm, child}, {&file});
  truncate(&file, 1);  // pages 1 and 2 go from every mapping, the private copy too
  CHECK(mapped(mm, u + P) == nullptr);
  CHECK(mapped(child, s + 2 * P) == nullptr);
  CHECK(access(mm, u + P, false, &v) == Access::Bus);
  CHECK(access(child, s + P, true, &v) == Access::Bus);
  CHECK(peek(child, s) == 0x10);
  check_files({mm, child}, {&file});
  file.size_pages = 3;  // grown again: holes, read as zeros
  CHECK(peek(mm, s + P) == 0);
  CHECK(peek(mm, u + 2 * P) == 0);
  check_files({mm, child}, {&file});
  mmput(child);
  mmput(mm);
  CHECK(file.refs == 1);
  CHECK(list_empty(&file.mapping.i_mmap));
  for (page* p : file.cache)
    if (p) CHECK(page_ref_count(p) == 1);
  truncate(&file, 0);
}

TEST_CASE("file mappings: random maps, splits, moves, forks, faults and truncations keep the reverse map whole") {
  MmTestEnv env;
  FileOpsScope ops;
  {
    // Warm up: the caches' per-CPU arrays exist from their first use on.
    FakeFile warm;
    warm.size_pages = 1;
    mm_struct* mm = new_mm();
    poke(mm, map_file(mm, &warm, 0, 1, RW, MAP_PRIVATE, 0), 1);
    mmput(mm);
    truncate(&warm, 0);
  }
  const uint64_t free_before = SlabTestEnv::settle();
  std::mt19937 rng(1234);
  FakeFile files_storage[3];
  std::vector<FakeFile*> files;
  for (FakeFile& f : files_storage) {
    f.size_pages = 1 + rng() % 8;
    files.push_back(&f);
  }
  std::vector<mm_struct*> mms{new_mm()};
  const unsigned long base = 0x200000000;
  constexpr unsigned long kSpan = 48;  // pages of address space the run plays in
  for (int step = 0; step < 4000; step++) {
    const size_t i = rng() % mms.size();
    mm_struct* mm = mms[i];
    FakeFile* ff = files[rng() % files.size()];
    const unsigned long addr = base + (rng() % kSpan) * P;
    const unsigned op = rng() % 100;
    if (op < 12) {
      const unsigned long pages = 1 + rng() % 6;
      const unsigned long type = rng() % 2 ? MAP_SHARED : MAP_PRIVATE;
      const unsigned long prot = rng() % 3 ? RW : PROT_READ;
      const unsigned long r = map_file(mm, ff, addr, pages, prot, type, rng() % 10);
      REQUIRE(r == addr);
    } else if (op < 45) {
      uint8_t v = static_cast<uint8_t>(rng());
      const Access r = access(mm, addr, true, &v);
      if (r == Access::Ok) CHECK(peek(mm, addr) == v);
    } else if (op < 70) {
      uint8_t v;
      (void)access(mm, addr, false, &v);
    } else if (op < 76) {
      REQUIRE(sys_munmap(mm, addr, P * (1 + rng() % 4)) == 0);
    } else if (op < 82) {
      REQUIRE(sys_mprotect(mm, addr, P * (1 + rng() % 3), rng() % 2 ? PROT_READ : RW) >= -ENOMEM);
    } else if (op < 86) {
      // A move within the span (MREMAP_FIXED): whatever is at the target goes.
      const unsigned long len = P * (1 + rng() % 3);
      const unsigned long to = base + (rng() % (kSpan - 3)) * P;
      (void)sys_mremap(mm, addr, len, len + P * (rng() % 2), MREMAP_MAYMOVE | MREMAP_FIXED, to);
    } else if (op < 89 && mms.size() < 4) {
      mm_struct* child = new_mm();
      REQUIRE(dup_mmap(child, mm) == 0);
      mms.push_back(child);
    } else if (op < 91 && mms.size() > 1) {
      mmput(mm);
      mms.erase(mms.begin() + static_cast<long>(i));
    } else if (op < 96) {
      truncate(ff, rng() % 9);
    } else {
      const unsigned long n = 1 + rng() % 9;  // grows (holes) or stays
      if (n > ff->size_pages) ff->size_pages = n;
    }
    if (step % 20 == 0) check_files(mms, files);
  }
  check_files(mms, files);
  for (mm_struct* m : mms) mmput(m);
  for (FakeFile* f : files) {
    CHECK(f->refs == 1);
    CHECK(list_empty(&f->mapping.i_mmap));
    truncate(f, 0);
  }
  CHECK(SlabTestEnv::settle() == free_before);
}
