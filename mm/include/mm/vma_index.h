/*
 * The VMA index: an mm's VMAs keyed by vm_end in a B+tree (lib/btree.h),
 * which is what find_vma() searches after the vmacache.
 *
 * mm_rb stays the VMA tree: it orders the VMAs for linking, carries
 * rb_subtree_gap for get_unmapped_area(), and is what the index is checked
 * against. It is a poor structure to search, though: a walk loads one node
 * per level, one after another, 17 of them for 100000 VMAs, and in a
 * benchmark it ran level with std::map's walk over the same keys (same tree
 * shape, same loop) -- how fast either went was decided by where the host
 * placed their nodes, up to 2x either way. The index answers the same
 * question from five 16-key nodes (Linux 6.1 replaced the rbtree with its
 * maple tree for the same reason).
 *
 * The index is an accelerator, never the only copy: vma_link, vma_remove
 * and vma_set_range keep it in step under mmap_lock held for writing. When
 * a node allocation fails (or the index disagrees with a change, which is
 * a bug) it is dropped, find_vma() walks mm_rb instead, and the next
 * vma_link tries to build it again from the VMA list. So no VMA operation
 * fails, or needs memory it did not need before, because of the index.
 */
#pragma once

#include <mm/mm_types.h>

void vma_index_init();  // its kmem_cache; from proc_caches_init()

// Called with the VMA linked in the list (insert), still linked (erase), or
// after its vm_end moved from old_end without passing a neighbour (update).
void vma_index_insert(mm_struct* mm, vm_area_struct* vma);
void vma_index_erase(mm_struct* mm, vm_area_struct* vma);
void vma_index_update(mm_struct* mm, vm_area_struct* vma, unsigned long old_end);
// Frees every node; the (empty) index is valid again. From exit_mmap().
void vma_index_destroy(mm_struct* mm);
// What a failed node allocation does: free the index, search mm_rb until
// the next vma_link rebuilds it. For tests and benchmarks.
void vma_index_drop(mm_struct* mm);

// The first VMA with addr < vm_end, if the index is valid.
inline vm_area_struct* vma_index_lookup(const mm_struct* mm, unsigned long addr) {
  return static_cast<vm_area_struct*>(btree_upper_bound(&mm->vma_index, addr));
}
