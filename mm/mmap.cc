/*
 * Address-space life and the mapping system calls: mm_alloc/mmput, mmap,
 * munmap and brk, with Linux 6.1's checks and errno values for riscv64
 * (Sv39, TASK_SIZE 256 GiB).
 *
 * A new mapping goes: argument checks (ksys_mmap_pgoff, do_mmap) ->
 * get_unmapped_area (mm/unmapped_area.cc) -> mmap_region: unmap whatever
 * MAP_FIXED covers, charge the commit (private writable memory), then extend
 * a compatible neighbour (vma_merge) or link a new VMA. munmap splits the
 * VMAs straddling either end and removes everything between.
 *
 * Backing objects: private anonymous memory has none (vm_object null,
 * pgoff = address in pages). A shared anonymous mapping gets a
 * shmem_object of its own (Linux: a shmem / hugetlbfs file), so it never
 * merges with another mapping; hugetlb VMAs are VM_DONTEXPAND and never
 * merge at all. A file mapping, private or shared, has the file (its page
 * cache, mm/filemap.h) and merges with nothing.
 *
 * Locking: the sys_* functions take mmap_lock for writing; everything else
 * expects it held.
 */
#include <kernel/errno.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/shmem.h>
#include <mm/slab.h>
#include <mm/vma_index.h>

#include <new>

int sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
unsigned long mmap_min_addr = PAGE_SIZE;             // CONFIG_DEFAULT_MMAP_MIN_ADDR on riscv
unsigned long stack_guard_gap = 256ul << PAGE_SHIFT;  // 1 MiB, Linux's default

namespace {

kmem_cache* vm_area_cachep;
kmem_cache* vma_node_cachep;
kmem_cache* mm_cachep;

// mmap_base: below the stack's reservation (rlimit plus guard), which is
// kept between 128 MiB and 5/6 of the address space.
void arch_pick_mmap_layout(mm_struct* mm) {
  constexpr unsigned long MIN_GAP = 128ul << 20;
  constexpr unsigned long MAX_GAP = STACK_TOP / 6 * 5;
  unsigned long gap = mm->rlimit_stack;
  if (gap + stack_guard_gap > gap) gap += stack_guard_gap;
  if (gap < MIN_GAP) gap = MIN_GAP;
  if (gap > MAX_GAP) gap = MAX_GAP;
  mm->mmap_base = page_align_up(STACK_TOP - gap);
}

// Linux's accountable_mapping: private writable memory that may be
// committed later is charged now; hugetlb has its own pool.
bool accountable_mapping(unsigned long vm_flags) {
  return !(vm_flags & VM_HUGETLB) && (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

unsigned long calc_vm_prot_bits(unsigned long prot) {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

unsigned long calc_vm_flag_bits(unsigned long flags) {
  return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0) |
         (flags & MAP_SYNC ? VM_SYNC : 0);
}

// The flags mmap always accepted (MAP_SHARED_VALIDATE refuses others unless
// the backing object supports them).
constexpr unsigned long LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE |
                                          MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED |
                                          MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB;

unsigned long err(int e) { return static_cast<unsigned long>(static_cast<long>(e)); }

// Takes the VMAs of [start, end) out of the address space: their pages,
// their accounting and the VMAs themselves. The ends must be VMA boundaries.
// The pages go in one zap of the span the VMAs cover (holes have no
// leaves): one TLB flush per batch, not per VMA, like Linux's unmap_region
// with one mmu_gather.
void remove_vma_range(mm_struct* mm, unsigned long start, unsigned long end) {
  long nr_accounted = 0;
  vm_area_struct* const first = find_vma(mm, start);
  if (!first || first->vm_start >= end) return;
  if (mm->pt_ops) {
    unsigned long zap_end = first->vm_end;
    for (vm_area_struct* v = first->vm_next; v && v->vm_start < end; v = v->vm_next) zap_end = v->vm_end;
    mm->pt_ops->zap_range(mm, first->vm_start, zap_end);
  }
  vm_area_struct* vma = first;
  while (vma && vma->vm_start < end) {
    vm_area_struct* next = vma->vm_next;
    const long pages = static_cast<long>(vma_pages(vma));
    if (vma->vm_flags & VM_ACCOUNT) nr_accounted += pages;
    if (vma->vm_flags & VM_LOCKED) mm->locked_vm -= pages;
    vm_stat_account(mm, vma->vm_flags, -pages);
    vma_remove(mm, vma);
    vma = next;
  }
  vm_unacct_memory(nr_accounted);
}

// Pages of [start, end) already mapped (MAP_FIXED replaces them, so they do
// not count against RLIMIT_AS twice).
unsigned long count_vma_pages_range(mm_struct* mm, unsigned long start, unsigned long end) {
  unsigned long pages = 0;
  for (vm_area_struct* vma = find_vma_intersection(mm, start, end); vma && vma->vm_start < end;
       vma = vma->vm_next) {
    const unsigned long s = vma->vm_start > start ? vma->vm_start : start;
    const unsigned long e = vma->vm_end < end ? vma->vm_end : end;
    pages += (e - s) >> PAGE_SHIFT;
  }
  return pages;
}

// A shared mapping gets its object here, after MAP_FIXED's unmap, like
// Linux's shmem_zero_setup (charged unless MAP_NORESERVE; hugetlb never).
unsigned long mmap_region(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long vm_flags,
                          unsigned long pgoff, file* f) {
  const unsigned long npages = len >> PAGE_SHIFT;
  if (!may_expand_vm(mm, vm_flags, npages) &&
      !may_expand_vm(mm, vm_flags, npages - count_vma_pages_range(mm, addr, addr + len)))
    return err(-ENOMEM);
  if (do_munmap(mm, addr, len)) return err(-ENOMEM);
  long charged = 0;
  if (accountable_mapping(vm_flags)) {
    charged = static_cast<long>(npages);
    if (security_vm_enough_memory_mm(mm, charged)) return err(-ENOMEM);
    vm_flags |= VM_ACCOUNT;
  }
  shmem_object* object = nullptr;
  if ((vm_flags & VM_SHARED) && !f) {
    const bool hugetlb = vm_flags & VM_HUGETLB;
    object = shmem_create(npages, hugetlb ? HPAGE_SHIFT - PAGE_SHIFT : 0,
                          hugetlb || (vm_flags & VM_NORESERVE) ? 0 : static_cast<long>(npages));
    if (!object) {
      vm_unacct_memory(charged);
      return err(-ENOMEM);
    }
  }
  vm_area_struct* prev;
  rb_node** link;
  rb_node* parent;
  find_vma_links(mm, addr, addr + len, &prev, &link, &parent);  // a hole now
  // A file mapping never merges (vma_merge does not compare files).
  vm_area_struct* vma = f ? nullptr : vma_merge(mm, prev, addr, addr + len, vm_flags, object, pgoff);
  if (!vma) {
    vma = vm_area_alloc(mm);
    if (!vma) {
      if (object) shmem_put(object);
      vm_unacct_memory(charged);
      return err(-ENOMEM);
    }
    vma->vm_start = addr;
    vma->vm_end = addr + len;
    vma->vm_flags = vm_flags;
    vma->vm_page_prot = vm_get_page_prot(vm_flags);
    vma->vm_pgoff = pgoff;
    vma->vm_object = object;
    if (f) vm_file_ops->get(vma->vm_file = f);
    vma_link(mm, vma, prev, link, parent);
  }
  vm_stat_account(mm, vm_flags, static_cast<long>(npages));
  if (vm_flags & VM_LOCKED) mm->locked_vm += npages;
  return addr;
}

}  // namespace

// ---- caches and mm_struct life ----

void proc_caches_init() {
  mm_cachep = kmem_cache_create("mm_struct", sizeof(mm_struct), alignof(mm_struct),
                                SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, nullptr);
  vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(vm_area_struct), alignof(vm_area_struct),
                                     SLAB_PANIC | SLAB_ACCOUNT, nullptr);
  vma_node_cachep = kmem_cache_create("vma_node", sizeof(vma_node), alignof(vma_node),
                                      SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, nullptr);
  vma_index_init();
  mm_zero_page_init();
}

vm_area_struct* vm_area_alloc(mm_struct* mm) {
  void* p = kmem_cache_alloc(vm_area_cachep, GFP_KERNEL);
  if (!p) return nullptr;
  void* n = kmem_cache_alloc(vma_node_cachep, GFP_KERNEL);
  if (!n) {
    kmem_cache_free(vm_area_cachep, p);
    return nullptr;
  }
  auto* vma = new (p) vm_area_struct{};
  vma->vm_mm = mm;
  vma->vm_node = new (n) vma_node{};
  vma->vm_node->vma = vma;
  RB_CLEAR_NODE(&vma->vm_node->rb);
  return vma;
}

void vm_area_free(vm_area_struct* vma) {
  kmem_cache_free(vma_node_cachep, vma->vm_node);
  kmem_cache_free(vm_area_cachep, vma);
}

mm_struct* mm_alloc() {
  void* p = kmem_cache_alloc(mm_cachep, GFP_KERNEL);
  if (!p) return nullptr;
  auto* mm = new (p) mm_struct{};
  mm->task_size = TASK_SIZE;
  arch_pick_mmap_layout(mm);
  return mm;
}

void exit_mmap(mm_struct* mm) {
  // Every VMA goes: free the index at once rather than erase it entry by
  // entry (dropped, vma_remove leaves it alone), then leave it valid and
  // empty.
  vma_index_drop(mm);
  if (mm->mmap) remove_vma_range(mm, 0, ~0ul);
  vma_index_destroy(mm);
}

void mmput(mm_struct* mm) {
  if (mm->mm_users.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  {
    MmapWriteGuard g{mm};
    exit_mmap(mm);
  }
  mm_free_pgd(mm);
  if (mm->exe_file) vm_file_ops->put(mm->exe_file);
  mm->~mm_struct();
  kmem_cache_free(mm_cachep, mm);
}

pte_t vm_get_page_prot(unsigned long vm_flags) {
  // riscv's protection_map: no PTE at all for PROT_NONE; W without R is
  // not encodable, so write implies read; a private writable mapping is
  // read-only until its write fault copies the page.
  const unsigned long rwx = vm_flags & VM_ACCESS_FLAGS;
  if (!rwx) return 0;
  pte_t prot = _PAGE_VALID | _PAGE_USER | _PAGE_ACCESSED;
  if (vm_flags & (VM_READ | VM_WRITE)) prot |= _PAGE_READ;
  if (vm_flags & VM_EXEC) prot |= _PAGE_EXEC;
  if ((vm_flags & VM_WRITE) && (vm_flags & VM_SHARED)) prot |= _PAGE_WRITE | _PAGE_DIRTY;
  return prot;
}

// ---- munmap ----

int do_munmap(mm_struct* mm, unsigned long start, size_t len) {
  if ((start & ~PAGE_MASK) || start > mm->task_size || len > mm->task_size - start) return -EINVAL;
  len = page_align_up(len);
  if (len == 0) return -EINVAL;
  const unsigned long end = start + len;
  vm_area_struct* vma = find_vma(mm, start);
  if (!vma || vma->vm_start >= end) return 0;
  if (start > vma->vm_start) {
    // Splitting the middle out of one VMA adds a VMA; refuse that at the
    // limit (a partial unmap of an end may go one over, to free memory).
    if (end < vma->vm_end && mm->map_count >= sysctl_max_map_count) return -ENOMEM;
    if (int e = __split_vma(mm, vma, start, 0)) return e;
  }
  vm_area_struct* last = find_vma(mm, end);
  if (last && end > last->vm_start) {
    if (int e = __split_vma(mm, last, end, 1)) return e;
  }
  remove_vma_range(mm, start, end);
  return 0;
}

long sys_munmap(mm_struct* mm, unsigned long addr, size_t len) {
  MmapWriteGuard g{mm};
  return do_munmap(mm, addr, len);
}

// ---- mmap ----

void mm_populate(mm_struct* mm, unsigned long start, unsigned long len) {
  if (!mm->pt_ops) return;
  const unsigned long end = start + len;
  for (vm_area_struct* vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma->vm_next) {
    if (vma->vm_flags & (VM_IO | VM_PFNMAP)) continue;
    if (!(vma->vm_flags & VM_ACCESS_FLAGS)) continue;  // PROT_NONE: nothing to fault in
    const unsigned long s = vma->vm_start > start ? vma->vm_start : start;
    const unsigned long e = vma->vm_end < end ? vma->vm_end : end;
    (void)mm->pt_ops->populate(mm, vma, s, e);  // like Linux: a failed populate still maps
  }
}

unsigned long do_mmap(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot,
                      unsigned long flags, unsigned long pgoff, unsigned long* populate) {
  return do_mmap_file(mm, nullptr, 0, addr, len, prot, flags, pgoff, populate);
}

unsigned long do_mmap_file(mm_struct* mm, file* f, unsigned fmode, unsigned long addr, unsigned long len,
                           unsigned long prot, unsigned long flags, unsigned long pgoff, unsigned long* populate) {
  *populate = 0;
  if (!len) return err(-EINVAL);
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  // A non-null hint below mmap_min_addr is raised to it (round_hint_to_min).
  if (!(flags & MAP_FIXED) && addr && addr < mmap_min_addr) addr = page_align_up(mmap_min_addr);
  len = page_align_up(len);
  if (!len) return err(-ENOMEM);
  if (pgoff + (len >> PAGE_SHIFT) < pgoff) return err(-EOVERFLOW);
  if (mm->map_count > sysctl_max_map_count) return err(-ENOMEM);

  addr = get_unmapped_area(mm, addr, len, pgoff, flags);
  if (IS_ERR_VALUE(addr)) return addr;
  if ((flags & MAP_FIXED_NOREPLACE) && find_vma_intersection(mm, addr, addr + len)) return err(-EEXIST);

  unsigned long vm_flags =
      calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | mm->def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  // RLIMIT_MEMLOCK (no task is privileged: CAP_IPC_LOCK does not exist here).
  if ((vm_flags & VM_LOCKED) && (len >> PAGE_SHIFT) + mm->locked_vm > mm->rlimit_memlock >> PAGE_SHIFT)
    return err(-EAGAIN);

  const bool hugetlb = flags & MAP_HUGETLB;
  if (f) {
    // Linux's file checks: a private mapping needs a readable file; a
    // shared one a writable file for PROT_WRITE.
    if (hugetlb) return err(-EINVAL);
    switch (flags & MAP_TYPE) {
      case MAP_SHARED_VALIDATE:
        // No file here supports a flag beyond the legacy ones (MAP_SYNC
        // needs DAX).
        if (flags & ~LEGACY_MAP_MASK) return err(-EOPNOTSUPP);
        [[fallthrough]];
      case MAP_SHARED:
        if ((prot & PROT_WRITE) && !(fmode & MMAP_FMODE_WRITE)) return err(-EACCES);
        // The pages are the file's: stores reach it. A read-only open
        // file's mapping can never be written, so it is shared in name
        // only (maps still says 's').
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        if (!(fmode & MMAP_FMODE_WRITE)) vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
        [[fallthrough]];
      case MAP_PRIVATE:
        if (!(fmode & MMAP_FMODE_READ)) return err(-EACCES);
        if (vm_flags & VM_GROWSDOWN) return err(-EINVAL);
        break;
      default:
        return err(-EINVAL);
    }
  } else if (hugetlb) {
    // The hugetlbfs file path of do_mmap and hugetlbfs_file_mmap.
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
      case MAP_PRIVATE:
        break;
      case MAP_SHARED_VALIDATE:
        // hugetlbfs supports no flag beyond the legacy ones.
        if (flags & ~LEGACY_MAP_MASK) return err(-EOPNOTSUPP);
        break;
      default:
        return err(-EINVAL);
    }
    if ((flags & MAP_TYPE) != MAP_PRIVATE) vm_flags |= VM_SHARED | VM_MAYSHARE;
    if (vm_flags & VM_GROWSDOWN) return err(-EINVAL);
    if (pgoff & ((HPAGE_SIZE >> PAGE_SHIFT) - 1)) return err(-EINVAL);
    vm_flags |= VM_HUGETLB | VM_DONTEXPAND;
  } else {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if (vm_flags & VM_GROWSDOWN) return err(-EINVAL);
        pgoff = 0;  // offsets into the mapping's own shmem object
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_PRIVATE:
        pgoff = addr >> PAGE_SHIFT;
        break;
      default:
        return err(-EINVAL);
    }
  }
  if (flags & MAP_NORESERVE) {
    if (sysctl_overcommit_memory != OVERCOMMIT_NEVER) vm_flags |= VM_NORESERVE;
    if (hugetlb) vm_flags |= VM_NORESERVE;
  }

  addr = mmap_region(mm, addr, len, vm_flags, pgoff, f);
  if (!IS_ERR_VALUE(addr) && ((vm_flags & VM_LOCKED) || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
    *populate = len;
  return addr;
}

long ksys_mmap_pgoff(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot,
                     unsigned long flags, unsigned long fd, unsigned long pgoff) {
  (void)fd;
  // No file can be mapped yet: every descriptor is bad.
  if (!(flags & MAP_ANONYMOUS)) return -EBADF;
  if (flags & MAP_HUGETLB) {
    // Only the 2 MiB megapage size exists (0 selects the default).
    const unsigned size_log = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    if (size_log != 0 && size_log != HPAGE_SHIFT) return -EINVAL;
    len = (len + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
  }
  unsigned long populate;
  unsigned long ret;
  {
    MmapWriteGuard g{mm};
    ret = do_mmap(mm, addr, len, prot, flags, pgoff, &populate);
    if (populate) mm_populate(mm, ret, populate);
  }
  return static_cast<long>(ret);
}

long sys_mmap(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
              unsigned long fd, long offset) {
  if (offset & ~PAGE_MASK) return -EINVAL;
  // riscv (5.17 .. 6.1): write-only is not expressible in a PTE.
  if ((prot & PROT_WRITE) && !(prot & PROT_READ)) return -EINVAL;
  return ksys_mmap_pgoff(mm, addr, len, prot, flags, fd, static_cast<unsigned long>(offset) >> PAGE_SHIFT);
}

long sys_mmap_file(mm_struct* mm, file* f, unsigned fmode, unsigned long addr, unsigned long len,
                   unsigned long prot, unsigned long flags, long offset) {
  if (offset & ~PAGE_MASK) return -EINVAL;
  if ((prot & PROT_WRITE) && !(prot & PROT_READ)) return -EINVAL;
  unsigned long populate;
  unsigned long ret;
  {
    MmapWriteGuard g{mm};
    ret = do_mmap_file(mm, f, fmode, addr, len, prot, flags & ~static_cast<unsigned long>(MAP_ANONYMOUS),
                       static_cast<unsigned long>(offset) >> PAGE_SHIFT, &populate);
    if (populate) mm_populate(mm, ret, populate);
  }
  return static_cast<long>(ret);
}

long sys_mmap2(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
               unsigned long fd, long pgoff) {
  // The offset is in 4 KiB units, which is the page size: always aligned.
  if ((prot & PROT_WRITE) && !(prot & PROT_READ)) return -EINVAL;
  return ksys_mmap_pgoff(mm, addr, len, prot, flags, fd, static_cast<unsigned long>(pgoff) >> (PAGE_SHIFT - 12));
}

// ---- stack growth ----

int expand_stack(vm_area_struct* vma, unsigned long address) {
  mm_struct* mm = vma->vm_mm;
  address &= PAGE_MASK;
  if (address < mmap_min_addr) return -EPERM;
  // Faults hold mmap_lock only for reading: the page-table lock keeps two
  // of them from moving the same start.
  MmLockGuard g{mm->page_table_lock};
  if (address >= vma->vm_start) return 0;  // another fault grew it meanwhile
  // Keep the guard gap to an accessible mapping below.
  vm_area_struct* prev = vma->vm_prev;
  if (prev && address < prev->vm_end) return -ENOMEM;
  if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
      address - prev->vm_end < stack_guard_gap)
    return -ENOMEM;
  const unsigned long size = vma->vm_end - address;
  const unsigned long grow = (vma->vm_start - address) >> PAGE_SHIFT;
  if (!may_expand_vm(mm, vma->vm_flags, grow) || size > mm->rlimit_stack) return -ENOMEM;
  if ((vma->vm_flags & VM_LOCKED) && mm->locked_vm + grow > mm->rlimit_memlock >> PAGE_SHIFT) return -ENOMEM;
  if ((vma->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, static_cast<long>(grow))) return -ENOMEM;
  vma_set_range(mm, vma, address, vma->vm_end, vma->vm_pgoff - grow);
  if (vma->vm_flags & VM_LOCKED) mm->locked_vm += grow;
  vm_stat_account(mm, vma->vm_flags, static_cast<long>(grow));
  return 0;
}

// ---- brk ----

int do_brk_flags(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long flags) {
  flags |= VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm->def_flags;
  const unsigned long npages = len >> PAGE_SHIFT;
  if (!may_expand_vm(mm, flags, npages)) return -ENOMEM;
  if (mm->map_count > sysctl_max_map_count) return -ENOMEM;
  if (security_vm_enough_memory_mm(mm, static_cast<long>(npages))) return -ENOMEM;
  vm_area_struct* prev;
  rb_node** link;
  rb_node* parent;
  if (find_vma_links(mm, addr, addr + len, &prev, &link, &parent)) {
    vm_unacct_memory(static_cast<long>(npages));
    return -ENOMEM;
  }
  if (!vma_merge(mm, prev, addr, addr + len, flags, 0, addr >> PAGE_SHIFT)) {
    vm_area_struct* vma = vm_area_alloc(mm);
    if (!vma) {
      vm_unacct_memory(static_cast<long>(npages));
      return -ENOMEM;
    }
    vma->vm_start = addr;
    vma->vm_end = addr + len;
    vma->vm_pgoff = addr >> PAGE_SHIFT;
    vma->vm_flags = flags;
    vma->vm_page_prot = vm_get_page_prot(flags);
    vma_link(mm, vma, prev, link, parent);
  }
  vm_stat_account(mm, flags, static_cast<long>(npages));
  if (flags & VM_LOCKED) mm->locked_vm += npages;
  return 0;
}

long sys_brk(mm_struct* mm, unsigned long brk) {
  MmapWriteGuard g{mm};
  const unsigned long origbrk = mm->brk;
  // Failure is not an error: brk returns the unchanged break.
  if (brk < mm->start_brk) return static_cast<long>(origbrk);
  if (brk - mm->start_brk > mm->rlimit_data) return static_cast<long>(origbrk);
  const unsigned long newbrk = page_align_up(brk);
  const unsigned long oldbrk = page_align_up(mm->brk);
  if (newbrk == oldbrk) {
    mm->brk = brk;
    return static_cast<long>(brk);
  }
  if (brk <= mm->brk) {
    // Shrinking always works (and unmaps what lies above the new break).
    if (do_munmap(mm, newbrk, oldbrk - newbrk)) return static_cast<long>(origbrk);
    mm->brk = brk;
    return static_cast<long>(brk);
  }
  // Growing must leave a page (and any guard gap) before the next mapping.
  vm_area_struct* next = find_vma(mm, oldbrk);
  if (next && newbrk + PAGE_SIZE > vm_start_gap(next)) return static_cast<long>(origbrk);
  if (newbrk > mm->task_size || newbrk < oldbrk) return static_cast<long>(origbrk);
  if (do_brk_flags(mm, oldbrk, newbrk - oldbrk, 0) < 0) return static_cast<long>(origbrk);
  mm->brk = brk;
  if (mm->def_flags & VM_LOCKED) mm_populate(mm, oldbrk, newbrk - oldbrk);
  return static_cast<long>(brk);
}
