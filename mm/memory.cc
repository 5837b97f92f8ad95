/*
 * User page tables: faults, fork copies, zapping and protection changes.
 *
 * Each mm with page tables owns a root (mm->pgd) and edits it through the
 * Sv39 PageTableEditor, under mm->page_table_lock (faults run in parallel
 * under the read side of mmap_lock; the lock keeps two of them from
 * creating the same table or mapping the same page twice).
 *
 *   read fault, private, nothing mapped    the shared zero page, read-only
 *   write fault, nothing mapped            a fresh zeroed page (owner Anon)
 *   write fault on a read-only private PTE copy-on-write: reuse the page if
 *                                          this PTE holds its only reference,
 *                                          else copy it (the zero page: zero it)
 *   hugetlb VMA                            the same with 2 MiB compound pages
 *                                          in megapage leaves (no zero page)
 *   file VMA, nothing mapped               the file's page-cache page
 *                                          (mm/filemap.h): mapped itself when
 *                                          shared or read, copied for a
 *                                          private write (a cache page always
 *                                          has the cache's reference too, so
 *                                          a later write to it copies)
 *
 * A private writable VMA's vm_page_prot has no W, so every PTE starts
 * read-only and the first write decides between reuse and copy; fork makes
 * the parent's PTEs read-only again and takes a reference per copied PTE.
 * PROT_NONE keeps the pages in PROT_NONE leaves (asm/pgtable.h). Pages are
 * released only after the TLB flush that ends their last mapping.
 */
#include <mm/memory.h>

#include <asm/pgtable_ops.h>
#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/filemap.h>
#include <mm/page_alloc.h>
#include <mm/shmem.h>

#ifndef HOST_TEST
#include <asm/mmu_context.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#endif

#ifdef HOST_TEST
void (*mm_host_tlb_flush)(mm_struct*, unsigned long, unsigned long);
#endif

namespace {

page* zero_page;

#ifdef HOST_TEST
// Table pages for user page tables on the host: zeroed pages from the page
// allocator over the simulated RAM (the kernel's come from
// user_page_table(), with the kernel half shared).
uint64_t pt_page_alloc(void*) {
  page* p = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, 0);
  if (!p) return 0;
  p->owner = PageOwner::PageTable;
  return page_to_pfn(p) << PAGE_SHIFT;
}
void pt_page_free(void*, uint64_t pa) { __free_pages(pfn_to_page(pa >> PAGE_SHIFT), 0); }
pte_t* pt_table(void*, uint64_t pa) { return static_cast<pte_t*>(mm_phys_to_virt(pa)); }
constexpr PtAlloc kUserTableAlloc{nullptr, pt_page_alloc, pt_page_free, pt_table};

const PtAlloc& user_pt_alloc() { return kUserTableAlloc; }
uint64_t pgd_alloc() { return pt_page_alloc(nullptr); }
void pgd_free(uint64_t pgd) { pt_page_free(nullptr, pgd); }
void flush_tlb_range(mm_struct* mm, unsigned long start, unsigned long end) {
  if (mm_host_tlb_flush) mm_host_tlb_flush(mm, start, end);
}
void flush_tlb_mm(mm_struct* mm) { flush_tlb_range(mm, 0, ~0ul); }
void flush_icache_mm_pages(mm_struct*) {}                         // nor instruction caches
#else
const PtAlloc& user_pt_alloc() { return kernel_pt_alloc(); }
void flush_icache_mm_pages(mm_struct* mm) { flush_icache_mm(mm); }
uint64_t pgd_alloc() { return user_pgd_alloc(); }
void pgd_free(uint64_t pgd) { user_pgd_free(pgd); }
// Every CPU that may cache mm's translations of [start, end) drops them.
void flush_tlb_range(mm_struct* mm, unsigned long start, unsigned long end) {
  ::flush_tlb_range(mm->context, start, end - start);
}
// Every CPU drops all of mm's translations, page-walk caches included.
void flush_tlb_mm(mm_struct* mm) { ::flush_tlb_mm(mm->context); }
#endif

PageTableEditor page_table(mm_struct* mm) { return PageTableEditor(mm->pgd, user_pt_alloc()); }

uint64_t pte_pa(pte_t pte) { return pte_pfn(pte) << PAGE_SHIFT; }
page* pte_page(pte_t pte) { return pfn_to_page(pte_pfn(pte)); }
bool is_zero_pfn(pte_t pte) { return pte_pfn(pte) == page_to_pfn(zero_page); }

page* alloc_user_page(unsigned order) {
  const gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | (order ? __GFP_COMP : 0);
  page* p = alloc_pages(gfp, order);
  if (p) p->owner = PageOwner::Anon;
  return p;
}

// What a zap took out of the page tables, released after the TLB flush
// that ends its last use: data pages (their references) and table pages.
// A hart may cache non-leaf entries too (the spec lets sfence.vma with an
// address keep them), so a flush after tables were unlinked is of the
// whole mm, as Linux's tlb_flush is when mmu_gather freed tables.
struct ZapBatch {
  static constexpr unsigned kMaxPages = 128;
  static constexpr unsigned kMaxTables = 16;
  mm_struct* mm;
  unsigned long start, end;
  const PtAlloc& tables_from;  // where table pages come from and go back to
  page* pages[kMaxPages] = {};
  uint64_t tables[kMaxTables] = {};
  unsigned n = 0, ntables = 0;
  bool cleared = false;  // a leaf went since the last flush
  void flush() {
    if (ntables) flush_tlb_mm(mm);
    else if (cleared) flush_tlb_range(mm, start, end);
    for (unsigned i = 0; i < n; i++) put_page(pages[i]);
    for (unsigned i = 0; i < ntables; i++) tables_from.free(tables_from.ctx, tables[i]);
    n = ntables = 0;
    cleared = false;
  }
  // unmap()'s leaf callback: the entry is cleared right after.
  static void take_leaf(void* ctx, uintptr_t, pte_t* e, unsigned) {
    auto* b = static_cast<ZapBatch*>(ctx);
    b->cleared = true;
    if (is_zero_pfn(*e)) return;
    // A full batch is flushed before this leaf is even cleared: harmless,
    // its page is only dropped at the next flush.
    if (b->n == kMaxPages) b->flush();
    b->pages[b->n++] = pte_page(*e);
  }
  // The PtAlloc unmap() edits with: a table is "freed" once its parent
  // entry is cleared, and really freed at the next flush.
  static void defer_table(void* ctx, uint64_t pa) {
    auto* b = static_cast<ZapBatch*>(ctx);
    if (b->ntables == kMaxTables) b->flush();
    b->tables[b->ntables++] = pa;
  }
  static uint64_t alloc_table(void* ctx) {
    const PtAlloc& a = static_cast<ZapBatch*>(ctx)->tables_from;
    return a.alloc(a.ctx);
  }
  static pte_t* table_at(void* ctx, uint64_t pa) {
    const PtAlloc& a = static_cast<ZapBatch*>(ctx)->tables_from;
    return a.table(a.ctx, pa);
  }
};

// Clears every leaf of [start, end) and frees the tables that leaves empty,
// in one walk; one TLB flush per batch (none when nothing was mapped).
void zap_range(mm_struct* mm, unsigned long start, unsigned long end) {
  if (!mm->pgd) return;
  MmLockGuard g{mm->page_table_lock};
  ZapBatch batch{mm, start, end, user_pt_alloc()};
  const PtAlloc deferred{&batch, ZapBatch::alloc_table, ZapBatch::defer_table, ZapBatch::table_at};
  PageTableEditor(mm->pgd, deferred).unmap(start, end - start, ZapBatch::take_leaf, &batch);
  batch.flush();
}

void change_protection(mm_struct* mm, unsigned long start, unsigned long end, pte_t prot) {
  if (!mm->pgd) return;
  MmLockGuard g{mm->page_table_lock};
  page_table(mm).protect(start, end - start, prot);
  flush_tlb_range(mm, start, end);
}

int populate(mm_struct* mm, vm_area_struct* vma, unsigned long start, unsigned long end) {
  (void)mm;
  // Writable memory is faulted for writing, so no zero page or COW is left.
  const unsigned flags = (vma->vm_flags & VM_WRITE) ? FAULT_FLAG_WRITE : 0;
  const unsigned long step = (vma->vm_flags & VM_HUGETLB) ? HPAGE_SIZE : PAGE_SIZE;
  for (unsigned long a = start; a < end; a += step)
    if (handle_mm_fault(vma, a, flags) & VM_FAULT_ERROR) return -ENOMEM;
  return 0;
}

// fork's copy of one leaf: private pages become read-only on both sides.
// The parent's write-protected range is flushed once, when dup_mmap ends
// (Linux: one flush_tlb_mm at the end of dup_mmap), on every path out.
struct CopyCtx {
  mm_struct* parent;
  vm_area_struct* vma = nullptr;
  unsigned long lo = ~0ul, hi = 0;  // the leaves that lost W
  static pte_t copy_leaf(void* ctx, uintptr_t va, pte_t* e, unsigned level) {
    auto* c = static_cast<CopyCtx*>(ctx);
    if (!(c->vma->vm_flags & VM_SHARED) && (*e & _PAGE_WRITE)) {
      *e &= ~(_PAGE_WRITE | _PAGE_DIRTY);
      if (va < c->lo) c->lo = va;
      if (va + pt_level_size(level) > c->hi) c->hi = va + pt_level_size(level);
    }
    if (!is_zero_pfn(*e)) get_page(pte_page(*e));
    return *e;
  }
  ~CopyCtx() {
    if (lo < hi) flush_tlb_range(parent, lo, hi);
  }
};

// Addresses of up to kMax leaves, for move_range.
struct Leaves {
  static constexpr unsigned kMax = 64;
  uintptr_t va[kMax];
  unsigned n = 0;
  static void add(void* ctx, uintptr_t va, pte_t*, unsigned) {
    auto* l = static_cast<Leaves*>(ctx);
    if (l->n < kMax) l->va[l->n++] = va;
  }
};

// mremap's move, a chunk at a time: the leaves are collected first and
// edited after, so the walk never sees a table it is changing.
int move_range(mm_struct* mm, unsigned long old_start, unsigned long new_start, unsigned long len) {
  if (!mm->pgd) return 0;
  int err = 0;
  MmLockGuard g{mm->page_table_lock};
  PageTableEditor pt = page_table(mm);
  for (unsigned long a = old_start; a < old_start + len; a += Leaves::kMax * PAGE_SIZE) {
    const unsigned long end = a + Leaves::kMax * PAGE_SIZE < old_start + len ? a + Leaves::kMax * PAGE_SIZE
                                                                               : old_start + len;
    Leaves l;
    pt.for_each_leaf(a, end, Leaves::add, &l);
    for (unsigned i = 0; i < l.n && !err; i++) {
      pte_t* e = pt.leaf_entry(l.va[i]);
      const pte_t old = *e;
      const pte_t prot = pte_protnone(old) ? 0 : old & PTE_PROT_MASK;
      // Out of table pages: what is left stays where it was (the caller's
      // munmap of the old range then frees it).
      err = pt.map(l.va[i] - old_start + new_start, pte_pa(old), PAGE_SIZE, prot, PtLevel::Page);
      if (!err) *pt.leaf_entry(l.va[i]) = 0;
    }
  }
  flush_tlb_range(mm, old_start, old_start + len);
  pt.unmap(old_start, len);  // frees the tables left empty
  return err;
}

}  // namespace

const mm_pt_ops mm_page_table_ops{zap_range, change_protection, populate, move_range};

void mm_zero_page_init() {
  zero_page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
}

PtWalk mm_translate(mm_struct* mm, unsigned long addr) {
  if (!mm->pgd) return {false, 0, 0, 0};
  return page_table(mm).walk(addr);
}

uint64_t zero_page_pa() { return page_to_pfn(zero_page) << PAGE_SHIFT; }

int mm_alloc_pgd(mm_struct* mm) {
  const uint64_t pgd = pgd_alloc();
  if (!pgd) return -ENOMEM;
  mm->pgd = pgd;
  mm->pt_ops = &mm_page_table_ops;
  return 0;
}

void mm_free_pgd(mm_struct* mm) {
  if (!mm->pgd) return;
  pgd_free(mm->pgd);  // exit_mmap already emptied the user half
  mm->pgd = 0;
}

// A fault is decided under the page-table lock from the PTE it finds; one
// that needs a new page allocates (and copies) it with the lock dropped, then
// installs it only if the PTE is still what it saw. Otherwise another CPU
// got there first: the page goes back and the access simply retries.
vm_fault_t handle_mm_fault(vm_area_struct* vma, unsigned long address, unsigned flags) {
  return handle_mm_fault_page(vma, address, flags, nullptr);
}

page* read_file_page(file* f, unsigned long offset) { return vm_file_ops->get_page(f, offset >> PAGE_SHIFT); }

vm_fault_t handle_mm_fault_page(vm_area_struct* vma, unsigned long address, unsigned flags, page* filled) {
  mm_struct* mm = vma->vm_mm;
  const bool write = flags & FAULT_FLAG_WRITE;
  const bool shared = vma->vm_flags & VM_SHARED;
  const unsigned order = (vma->vm_flags & VM_HUGETLB) ? HPAGE_SHIFT - PAGE_SHIFT : 0;
  const unsigned long size = PAGE_SIZE << order;
  const unsigned long addr = address & ~(size - 1);
  const PtLevel level = order ? PtLevel::Mega : PtLevel::Page;
  const vm_fault_t no_page = order ? VM_FAULT_SIGBUS : VM_FAULT_OOM;  // hugetlb: an empty pool is SIGBUS
  bool need_page = false;
  pte_t seen = 0;          // the read-only PTE a copy-on-write replaces (0: nothing mapped)
  page* source = nullptr;  // what it maps, held while copied
  {
    MmLockGuard g{mm->page_table_lock};
    PageTableEditor pt = page_table(mm);
    pte_t* e = pt.leaf_entry(addr);
    if (!e) {
      if (order || write || shared || vma->vm_file) {
        need_page = true;
      } else if (pt.map(addr, page_to_pfn(zero_page) << PAGE_SHIFT, size, vma->vm_page_prot, level)) {
        return VM_FAULT_OOM;  // a read of private memory: the zero page
      }
    } else if (pte_protnone(*e)) {
      return VM_FAULT_SIGSEGV;  // the VMA allows the access, the PTE not: a stale leaf
    } else if (write && !(*e & _PAGE_WRITE)) {
      const bool zero = !order && is_zero_pfn(*e);
      if (shared || (!zero && page_ref_count(pte_page(*e)) == 1)) {
        *e = make_leaf(pte_pa(*e), vma->vm_page_prot | _PAGE_WRITE);  // ours alone: allow the write
        flush_tlb_range(mm, addr, addr + size);
      } else {
        need_page = true;
        seen = *e;
        if (!zero) get_page(source = pte_page(*e));
      }
    } else {
      // Allowed already: another CPU resolved it, or (SiFive) A/D were clear.
      *e |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
      flush_tlb_range(mm, addr, addr + size);
    }
  }
  // A file page that is not mapped comes from the page cache (read by the
  // caller with mmap_lock dropped): a shared VMA or a read maps the cache
  // page itself, a private write a copy of it.
  const bool from_file = need_page && !seen && vma->vm_file;
  if (filled && !from_file) {
    put_page(filled);  // raced: the page is there already, or the VMA changed
    filled = nullptr;
  }
  if (from_file && !filled) return VM_FAULT_RETRY;
  page* cache = from_file ? filled : nullptr;  // held until installed: still in the cache then?
  if (cache && !shared && write) source = cache;
  if (need_page) {
    // Shared memory: the object's page for this offset (kept across zaps).
    page* np = cache && !source ? cache
               : vma->vm_object ? shmem_get_page(vma->vm_object, (vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT)) >> order)
                                : alloc_user_page(order);
    if (np && source) memcpy(page_address(np), page_address(source), size);
    if (source && source != cache) put_page(source);
    if (!np) {
      if (cache) put_page(cache);
      return no_page;
    }
    const uint64_t pa = page_to_pfn(np) << PAGE_SHIFT;
    page* replaced = nullptr;
    bool installed = false, no_table = false;
    {
      MmLockGuard g{mm->page_table_lock};
      PageTableEditor pt = page_table(mm);
      pte_t* e = pt.leaf_entry(addr);
      // Unless a truncation took the cache page off after it was looked
      // up (then the access faults again and finds the file's new end).
      const bool current = !cache || page_mapping(cache) == vma_mapping(vma);
      if (current && !seen && !e) {
        const pte_t prot = vma->vm_page_prot | (write && (vma->vm_flags & VM_WRITE) ? _PAGE_WRITE : 0);
        no_table = pt.map(addr, pa, size, prot, level) != 0;
        installed = !no_table;
      } else if (current && seen && e && *e == seen) {
        replaced = is_zero_pfn(seen) ? nullptr : pte_page(seen);
        *e = make_leaf(pa, vma->vm_page_prot | _PAGE_WRITE);
        flush_tlb_range(mm, addr, addr + size);
        installed = true;
      }
    }
    if (replaced) put_page(replaced);
    if (!installed) put_page(np);  // lost the race: the access retries
    if (cache && cache != np) put_page(cache);  // the source of a private copy
    if (no_table) return VM_FAULT_OOM;
    // Instruction fetches must see what was just written to an executable page.
    if (installed && (vma->vm_flags & VM_EXEC)) flush_icache_mm_pages(mm);
  }
  mm->min_flt.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

int dup_mmap(mm_struct* mm, mm_struct* oldmm) {
  MmapWriteGuard old_lock{oldmm};
  MmapWriteGuard new_lock{mm};
  mm->total_vm = oldmm->total_vm;
  mm->data_vm = oldmm->data_vm;
  mm->exec_vm = oldmm->exec_vm;
  mm->stack_vm = oldmm->stack_vm;
  mm->start_brk = oldmm->start_brk;
  mm->context.vdso = oldmm->context.vdso;  // the [vdso] VMA is copied below
  mm->brk = oldmm->brk;
  mm->start_stack = oldmm->start_stack;
  mm->mmap_base = oldmm->mmap_base;
  mm->start_code = oldmm->start_code;
  mm->end_code = oldmm->end_code;
  mm->start_data = oldmm->start_data;
  mm->end_data = oldmm->end_data;
  mm->arg_start = oldmm->arg_start;
  mm->arg_end = oldmm->arg_end;
  mm->env_start = oldmm->env_start;
  mm->env_end = oldmm->env_end;
  mm->exe_file = oldmm->exe_file;
  if (mm->exe_file) vm_file_ops->get(mm->exe_file);
  vm_area_struct* prev = nullptr;
  CopyCtx copy{oldmm};
  for (vm_area_struct* src = oldmm->mmap; src; src = src->vm_next) {
    if (src->vm_flags & VM_DONTCOPY) {
      vm_stat_account(mm, src->vm_flags, -static_cast<long>(vma_pages(src)));
      continue;
    }
    if ((src->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(oldmm, static_cast<long>(vma_pages(src))))
      return -ENOMEM;
    vm_area_struct* vma = vm_area_alloc(mm);
    if (!vma) {
      if (src->vm_flags & VM_ACCOUNT) vm_unacct_memory(static_cast<long>(vma_pages(src)));
      return -ENOMEM;
    }
    vma->vm_start = src->vm_start;
    vma->vm_end = src->vm_end;
    vma->vm_flags = src->vm_flags & ~VM_LOCKED;  // locks are not inherited
    vma->vm_page_prot = src->vm_page_prot;
    vma->vm_pgoff = src->vm_pgoff;
    rb_node** link;
    rb_node* parent;
    vm_area_struct* found_prev;
    if (find_vma_links(mm, vma->vm_start, vma->vm_end, &found_prev, &link, &parent)) {
      // Not reachable (the copy is empty where the source's VMAs go), but
      // undone like the allocation failure above: nothing taken yet leaks.
      vm_area_free(vma);
      if (src->vm_flags & VM_ACCOUNT) vm_unacct_memory(static_cast<long>(vma_pages(src)));
      return -ENOMEM;
    }
    vma->vm_file = src->vm_file;
    vma->vm_object = src->vm_object;
    if (vma->vm_object) shmem_get(vma->vm_object);
    if (vma->vm_file) vm_file_ops->get(vma->vm_file);
    vma_link(mm, vma, prev, link, parent);
    prev = vma;
    if (!oldmm->pgd || !mm->pgd) continue;
    MmLockGuard src_pt_lock{oldmm->page_table_lock};
    MmLockGuard dst_pt_lock{mm->page_table_lock};
    PageTableEditor dst_pt = page_table(mm);
    copy.vma = vma;
    if (page_table(oldmm).copy_range(dst_pt, src->vm_start, src->vm_end, CopyCtx::copy_leaf, &copy)) return -ENOMEM;
  }
  return 0;
}
