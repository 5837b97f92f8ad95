/*
 * The VMA interface (Linux's names and semantics, riscv64 Sv39):
 *   mm/vma.cc       the tree: find_vma, linking, merging, splitting
 *   mm/mmap.cc      mm_struct life, get_unmapped_area, mmap, munmap, brk
 *   mm/mprotect.cc  mprotect;  mm/madvise.cc  madvise;  mm/util.cc  accounting
 *
 * Functions named do_* / vma_* / find_* expect mm->mmap_lock held (for
 * writing when they change anything); the sys_* entry points take it. They
 * take the mm explicitly: the system-call layer passes current's.
 */
#pragma once

#include <linux/mman.h>  // PROT_*, MAP_*, MADV_*, OVERCOMMIT_* (the UAPI values)
#include <stddef.h>
#include <stdint.h>

#include <asm/page.h>
#include <mm/mm_types.h>

// Sv39: the user half is 256 GiB; the stack starts at its top and mmap
// allocates top-down below the stack's reservation.
constexpr unsigned long TASK_SIZE = USER_TOP;
constexpr unsigned long STACK_TOP = TASK_SIZE;
constexpr unsigned long TASK_UNMAPPED_BASE = page_align_up(TASK_SIZE / 3);
constexpr unsigned long HPAGE_SIZE = PMD_SIZE;  // the one hugetlb size: 2 MiB megapages
constexpr unsigned HPAGE_SHIFT = 21;
constexpr unsigned long DEFAULT_MAX_MAP_COUNT = 65530;

// Tunables with Linux's defaults (vm.* sysctls).
extern int sysctl_max_map_count;
extern int sysctl_overcommit_memory;       // OVERCOMMIT_GUESS / _ALWAYS / _NEVER
extern int sysctl_overcommit_ratio;        // percent of RAM for OVERCOMMIT_NEVER
extern unsigned long mmap_min_addr;        // lowest address a mapping may use
extern unsigned long stack_guard_gap;      // kept free below a VM_GROWSDOWN VMA

// Errors travel in the address as -errno, like Linux's IS_ERR_VALUE.
constexpr bool IS_ERR_VALUE(unsigned long x) { return x >= static_cast<unsigned long>(-4095); }

inline unsigned long vma_pages(const vm_area_struct* vma) { return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT; }
// The range a VMA keeps free of other mappings (the stack guard gap below
// a grows-down VMA).
inline unsigned long vm_start_gap(const vm_area_struct* vma) {
  unsigned long start = vma->vm_start;
  if (vma->vm_flags & VM_GROWSDOWN) start = start > stack_guard_gap ? start - stack_guard_gap : 0;
  return start;
}
inline unsigned long vm_end_gap(const vm_area_struct* vma) { return vma->vm_end; }
// PTE permissions for vm_flags (riscv protection_map: a private writable
// VMA maps read-only until a write fault copies the page).
pte_t vm_get_page_prot(unsigned long vm_flags);

// ---- files behind VMAs (mm/filemap.h) ----
// Each VMA with a file holds one reference on vm_file, taken and dropped
// through these; a fault maps the file's page-cache page (or a private
// copy of it). The kernel's file layer installs them (fs/file_table.cc);
// where none is installed (host tests) no VMA has a file.
struct vm_file_operations {
  void (*get)(file* f);
  void (*put)(file* f);
  // The page cache of f's inode.
  address_space* (*mapping)(const file* f);
  // The cache page at page index `index` of f (a hole gets a zeroed page),
  // with a reference for the caller; null past the page holding the last
  // byte (SIGBUS for the access) or when out of memory. May sleep.
  page* (*get_page)(file* f, unsigned long index);
};
extern const vm_file_operations* vm_file_ops;

// ---- mm_struct life (mm/mmap.cc) ----
// A new empty address space with the default layout (mmap_base below the
// stack's rlimit and guard, no randomization); null when out of memory.
mm_struct* mm_alloc();
// Drops a reference (mm_users); the last one unmaps everything and frees
// the mm. mmget() takes one.
void mmput(mm_struct* mm);
inline void mmget(mm_struct* mm) { mm->mm_users.fetch_add(1, std::memory_order_relaxed); }
void exit_mmap(mm_struct* mm);
// Creates the VMA and mm_struct caches (once, after kmem_cache_init).
void proc_caches_init();

vm_area_struct* vm_area_alloc(mm_struct* mm);
void vm_area_free(vm_area_struct* vma);

struct MmapReadGuard {
  explicit MmapReadGuard(mm_struct* mm) : mm_(mm) { mm_->mmap_lock.lock_shared(); }
  ~MmapReadGuard() { mm_->mmap_lock.unlock_shared(); }
  MmapReadGuard(const MmapReadGuard&) = delete;
  MmapReadGuard& operator=(const MmapReadGuard&) = delete;
  mm_struct* mm_;
};
struct MmapWriteGuard {
  explicit MmapWriteGuard(mm_struct* mm) : mm_(mm) { mm_->mmap_lock.lock(); }
  ~MmapWriteGuard() { mm_->mmap_lock.unlock(); }
  MmapWriteGuard(const MmapWriteGuard&) = delete;
  MmapWriteGuard& operator=(const MmapWriteGuard&) = delete;
  mm_struct* mm_;
};

// ---- the VMA tree (mm/vma.cc) ----
// First VMA with addr < vm_end, or null.
vm_area_struct* find_vma(mm_struct* mm, unsigned long addr);
// Same, and *pprev = the VMA before it (the last VMA when none is found).
vm_area_struct* find_vma_prev(mm_struct* mm, unsigned long addr, vm_area_struct** pprev);
// First VMA overlapping [start, end), or null.
vm_area_struct* find_vma_intersection(mm_struct* mm, unsigned long start, unsigned long end);
// Where a VMA for [addr, end) would be linked; -ENOMEM if one overlaps.
int find_vma_links(mm_struct* mm, unsigned long addr, unsigned long end, vm_area_struct** pprev,
                   rb_node*** rb_link, rb_node** rb_parent);
void vma_link(mm_struct* mm, vm_area_struct* vma, vm_area_struct* prev, rb_node** rb_link, rb_node* rb_parent);
// Links a VMA the caller built (vm_start/vm_end/vm_flags set); an anonymous
// one gets vm_pgoff = vm_start >> PAGE_SHIFT; VM_ACCOUNT VMAs are charged.
// -ENOMEM on overlap or when the commit charge is refused.
int insert_vm_struct(mm_struct* mm, vm_area_struct* vma);
// Merges [addr, end) (a hole, or a part of one VMA whose flags change)
// with prev and/or the VMA after it when flags, backing object and page
// offsets agree; returns the VMA now covering [addr, end), or null.
vm_area_struct* vma_merge(mm_struct* mm, vm_area_struct* prev, unsigned long addr, unsigned long end,
                          unsigned long vm_flags, shmem_object* object, unsigned long pgoff);
// Splits vma at addr; the new VMA is the part below addr if new_below.
// __split_vma ignores max_map_count (munmap may go one over it).
int __split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, int new_below);
int split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, int new_below);
// Removes vma from the tree and list and frees it, dropping its reference
// on vm_object (no other accounting).
void vma_remove(mm_struct* mm, vm_area_struct* vma);
// vm_start/vm_end/vm_pgoff changed in place: fixes the gaps.
void vma_set_range(mm_struct* mm, vm_area_struct* vma, unsigned long start, unsigned long end, unsigned long pgoff);
void vmacache_invalidate(mm_struct* mm);

// ---- mappings (mm/mmap.cc) ----
struct vm_unmapped_area_info {
  static constexpr unsigned long TOPDOWN = 1;
  unsigned long flags;
  unsigned long length;
  unsigned long low_limit, high_limit;
  unsigned long align_mask, align_offset;
};
// The highest (TOPDOWN) or lowest fitting gap in [low_limit, high_limit),
// in O(log n) through rb_subtree_gap; -ENOMEM if none. *visited (optional)
// counts the tree nodes looked at.
unsigned long vm_unmapped_area(mm_struct* mm, const vm_unmapped_area_info* info, unsigned* visited = nullptr);
unsigned long get_unmapped_area(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long pgoff,
                                unsigned long flags);
unsigned long do_mmap(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot,
                      unsigned long flags, unsigned long pgoff, unsigned long* populate);
// The same for a file (null: anonymous), opened with fmode (MMAP_FMODE_*,
// Linux's FMODE_READ/FMODE_WRITE values), private or shared.
constexpr unsigned MMAP_FMODE_READ = 0x1, MMAP_FMODE_WRITE = 0x2;
unsigned long do_mmap_file(mm_struct* mm, file* f, unsigned fmode, unsigned long addr, unsigned long len,
                           unsigned long prot, unsigned long flags, unsigned long pgoff, unsigned long* populate);
int do_munmap(mm_struct* mm, unsigned long start, size_t len);
// Grows a VM_GROWSDOWN VMA down to cover address (a fault below it): keeps
// stack_guard_gap to an accessible VMA below, RLIMIT_STACK, the commit
// charge. 0, -ENOMEM or -EPERM (below mmap_min_addr).
int expand_stack(vm_area_struct* vma, unsigned long address);
// Grows the data segment by [addr, addr + len) (brk).
int do_brk_flags(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long flags);
// Faults in the VMAs over [start, start + len), ignoring failures (MAP_POPULATE).
void mm_populate(mm_struct* mm, unsigned long start, unsigned long len);
void vm_stat_account(mm_struct* mm, unsigned long flags, long npages);
bool may_expand_vm(mm_struct* mm, unsigned long flags, unsigned long npages);

// ---- commit accounting (mm/util.cc) ----
// Charges `pages` to vm_committed_as if the overcommit policy allows; 0 or -ENOMEM.
int __vm_enough_memory(mm_struct* mm, long pages, bool cap_sys_admin);
int security_vm_enough_memory_mm(mm_struct* mm, long pages);
void vm_acct_memory(long pages);
void vm_unacct_memory(long pages);
long vm_memory_committed();

// ---- system calls (the riscv64 ABI; errors as -errno) ----
long ksys_mmap_pgoff(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot,
                     unsigned long flags, unsigned long fd, unsigned long pgoff);
long sys_mmap(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
              unsigned long fd, long offset);
// mmap of a file the caller resolved from the fd (a regular file).
long sys_mmap_file(mm_struct* mm, file* f, unsigned fmode, unsigned long addr, unsigned long len,
                   unsigned long prot, unsigned long flags, long offset);
// rv32's mmap2: offset in 4 KiB units.
long sys_mmap2(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
               unsigned long fd, long pgoff);
long sys_munmap(mm_struct* mm, unsigned long addr, size_t len);
long sys_mprotect(mm_struct* mm, unsigned long start, size_t len, unsigned long prot);
long sys_brk(mm_struct* mm, unsigned long brk);
long sys_madvise(mm_struct* mm, unsigned long start, size_t len, int behavior);
// mm/msync.cc: Linux's checks and errors (nothing needs writing back).
long sys_msync(mm_struct* mm, unsigned long start, size_t len, int flags);
// mm/mremap.cc: shrink, grow in place, or move.
long sys_mremap(mm_struct* mm, unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
                unsigned long new_addr);
