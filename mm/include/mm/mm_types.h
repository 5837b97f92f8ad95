/*
 * Address spaces: mm_struct and vm_area_struct (Linux's names and fields).
 *
 * An mm_struct owns the user half of one Sv39 address space. Its VMAs are
 * disjoint [vm_start, vm_end) ranges, page aligned, kept three ways:
 *   - in a red-black tree keyed by address (mm_rb), augmented with
 *     rb_subtree_gap = the largest free gap just below any VMA of the
 *     subtree, so get_unmapped_area() finds a hole in O(log n). The tree's
 *     nodes are not inside the VMAs: each VMA owns a 64-byte vma_node (its
 *     own cache) holding the links, the gap and a copy of the range, kept
 *     by vma_link and vma_set_range, the only ways a linked VMA's range
 *     changes;
 *   - in the VMA index (mm/vma_index.h), a B+tree by vm_end that find_vma()
 *     searches: five 16-key nodes for 100000 VMAs where mm_rb takes 17
 *     dependent node loads;
 *   - in a sorted doubly linked list (mmap, vm_next/vm_prev), for
 *     neighbours in O(1) (merging, gap computation, munmap walks).
 * The gap below a VMA runs from the end of the previous VMA (0 for the
 * first) to its start, less the stack guard gap when it grows down;
 * highest_vm_end closes the gap above the last VMA.
 *
 * Locking: mmap_lock (reader-writer). Readers (find_vma, page faults) may
 * walk the tree and fill the vmacache; everything that changes a VMA or the
 * tree holds it for writing and clears the vmacache when it frees a VMA.
 */
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>

#include <asm/mmu.h>
#include <asm/pgtable.h>
#include <lib/btree.h>
#include <lib/list.h>
#include <lib/rbtree.h>
#include <mm/env.h>

struct mm_struct;
struct vm_area_struct;
struct file;
struct shmem_object;
struct address_space;
struct page;

// vm_flags (Linux's bit values).
constexpr unsigned long VM_NONE = 0;
constexpr unsigned long VM_READ = 0x1;
constexpr unsigned long VM_WRITE = 0x2;
constexpr unsigned long VM_EXEC = 0x4;
constexpr unsigned long VM_SHARED = 0x8;
// VM_MAY* = what mprotect may turn on later (VM_* << 4).
constexpr unsigned long VM_MAYREAD = 0x10;
constexpr unsigned long VM_MAYWRITE = 0x20;
constexpr unsigned long VM_MAYEXEC = 0x40;
constexpr unsigned long VM_MAYSHARE = 0x80;
constexpr unsigned long VM_GROWSDOWN = 0x100;
constexpr unsigned long VM_PFNMAP = 0x400;
constexpr unsigned long VM_LOCKED = 0x2000;
constexpr unsigned long VM_IO = 0x4000;
constexpr unsigned long VM_DONTCOPY = 0x20000;
constexpr unsigned long VM_DONTEXPAND = 0x40000;
constexpr unsigned long VM_ACCOUNT = 0x100000;    // charged to vm_committed_as
constexpr unsigned long VM_NORESERVE = 0x200000;  // not charged (MAP_NORESERVE)
constexpr unsigned long VM_HUGETLB = 0x400000;
constexpr unsigned long VM_SYNC = 0x800000;

constexpr unsigned long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
constexpr unsigned long VM_STACK = VM_GROWSDOWN;
// riscv: data (brk, anonymous) is not executable by default.
constexpr unsigned long VM_DATA_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
constexpr unsigned long VM_STACK_FLAGS = VM_STACK | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT;

// A VMA's place in mm_rb (see above). Allocated and freed with its VMA.
struct vma_node {
  rb_node rb;
  unsigned long vm_start;  // == vma->vm_start while linked
  unsigned long vm_end;    // == vma->vm_end while linked
  // Largest free gap below any VMA in this node's subtree (see above).
  unsigned long rb_subtree_gap;
  vm_area_struct* vma;
};
static_assert(sizeof(vma_node) <= 64, "one cache line per tree level");

struct vm_area_struct {
  unsigned long vm_start;  // first address inside
  unsigned long vm_end;    // first address after
  vm_area_struct* vm_next;  // address-sorted list
  vm_area_struct* vm_prev;
  vma_node* vm_node;       // in mm_rb

  mm_struct* vm_mm;
  pte_t vm_page_prot;      // PTE permission bits for vm_flags (vm_get_page_prot)
  unsigned long vm_flags;
  // Offset in PAGE_SIZE units into the backing object; an anonymous private
  // VMA's is its start >> PAGE_SHIFT, so pieces of it stay contiguous.
  unsigned long vm_pgoff;
  // The mapped file (a reference), or null; a VMA with a file is on its
  // mapping's i_mmap list through `shared` (mm/filemap.h).
  file* vm_file;
  list_head shared;
  // A shared anonymous or shared hugetlb mapping's pages (mm/shmem.h; Linux
  // keeps a shmem or hugetlbfs file in vm_file): pieces of one mapping may
  // merge again, two mappings never do. Null for private memory. The VMA
  // holds a reference.
  shmem_object* vm_object;
};

// A small per-mm cache of recent find_vma() answers, checked before the
// tree (Linux 5.x keeps it per thread; there are no threads yet). The page
// of the address picks one slot, so a miss costs a single probe, decided on
// the mm's own cache line: each slot keeps a copy of its VMA's range, since
// with many VMAs the cached VMA is usually cold and reading it first would
// cost the memory access the index walk then pays again. A hit checks the
// VMA itself, so a stale or torn copy (readers fill slots concurrently,
// each word relaxed) only ever costs a miss. The entries are atomics because
// readers fill them under the read lock; a writer clears them whenever it
// frees or unlinks a VMA, so a slot's VMA is always a live one.
struct vmacache_entry {
  std::atomic<unsigned long> start{0};  // [start, end) of vma when it was cached
  std::atomic<unsigned long> end{0};
  std::atomic<vm_area_struct*> vma{nullptr};
};
constexpr unsigned VMACACHE_SIZE = 4;

// What the VMA code asks of the page tables, so the VMA logic runs without
// them (host tests give a model, benchmarks nothing). Every call is made
// with mmap_lock held for writing, after the VMAs already say the new truth
// -- except zap_range from unmap_mapping_range (a file truncated under its
// mappings, mm/filemap.h), which holds only the file's i_mmap_lock: faults
// may run meanwhile, so zap_range does all its work under page_table_lock.
struct mm_pt_ops {
  // Unmaps [start, end), releasing the pages mapped there.
  void (*zap_range)(mm_struct* mm, unsigned long start, unsigned long end);
  // Present pages in [start, end) take the protection `prot`.
  void (*change_protection)(mm_struct* mm, unsigned long start, unsigned long end, pte_t prot);
  // Faults in [start, end) of `vma` (MAP_POPULATE); 0 or -ENOMEM.
  int (*populate)(mm_struct* mm, vm_area_struct* vma, unsigned long start, unsigned long end);
  // mremap: the pages mapped in [old_start, old_start + len) move to
  // new_start (4 KiB leaves only); 0 or -ENOMEM.
  int (*move_range)(mm_struct* mm, unsigned long old_start, unsigned long new_start, unsigned long len);
};

struct mm_struct {
  rb_root mm_rb;
  // Tasks (and kernel users) holding the address space: vfork's child and
  // CLONE_VM share it; the last mmput() tears it down.
  std::atomic<int> mm_users{1};
  vm_area_struct* mmap = nullptr;  // lowest VMA (list head)
  vmacache_entry vmacache[VMACACHE_SIZE];
  // find_vma's index of the VMAs by vm_end (mm/vma_index.h). Not valid
  // (and empty) after a node allocation failed, until vma_link rebuilds it.
  btree vma_index;
  bool vma_index_valid = true;
  unsigned long highest_vm_end = 0;  // end (plus guard) of the last VMA
  int map_count = 0;

  uint64_t pgd = 0;          // physical address of the root page table, 0 until one exists
  mm_context_t context;      // ASID and the CPUs that may cache its translations
  const mm_pt_ops* pt_ops = nullptr;
  MmLock page_table_lock;    // serializes edits of the tables under pgd (mm/memory.cc)
  void* pt_ctx = nullptr;    // for pt_ops

  unsigned long task_size = 0;   // user addresses are below this
  unsigned long mmap_base = 0;   // top-down allocation starts below it
  unsigned long start_brk = 0, brk = 0;
  unsigned long start_stack = 0;
  // Set by exec (fs/binfmt_elf.cc) for /proc: the image's code and data,
  // the argv and envp strings on the stack.
  unsigned long start_code = 0, end_code = 0, start_data = 0, end_data = 0;
  unsigned long arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
  file* exe_file = nullptr;  // the executable (/proc/<pid>/exe), one reference (vm_file_ops)
  unsigned long def_flags = 0;   // added to every new VMA's flags

  // Pages of VMAs (Linux's names): all, locked, writable private data,
  // executable, stack.
  unsigned long total_vm = 0, locked_vm = 0, data_vm = 0, exec_vm = 0, stack_vm = 0;
  // Limits in bytes (RLIMIT_AS, RLIMIT_DATA, RLIMIT_MEMLOCK, RLIMIT_STACK).
  unsigned long rlimit_as = ~0ul, rlimit_data = ~0ul, rlimit_memlock = 8ul << 20, rlimit_stack = 8ul << 20;

  MmRwLock mmap_lock;
  // Faults resolved without I/O (every fault, until there is swap) and with.
  std::atomic<unsigned long> min_flt{0}, maj_flt{0};
};
