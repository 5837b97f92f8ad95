/*
 * The VMA tree of an mm_struct: lookup, linking, merging and splitting.
 *
 * Each VMA sits in the address-sorted list (vm_prev/vm_next) and in the
 * red-black tree mm_rb, augmented with rb_subtree_gap (see mm_types.h).
 * The gap of a VMA depends on its own start and its list predecessor's
 * end, so every change to a start, an end or a predecessor is followed by
 * vma_gap_update() on the VMAs whose gap moved: the VMA itself and its
 * successor (or highest_vm_end for the last one). Rebalancing keeps the
 * maxima through the RbAugmentMax policy; the list is only changed after
 * the tree, so gaps recomputed during a rotation see a consistent list.
 *
 * A VMA with a file is also on its file's i_mmap list (mm/filemap.h):
 * linking and removing it, and changing its range, happen under the
 * file's i_mmap_lock, so a truncation walking the list sees each VMA's
 * range whole; a split changes one range and links the other part under
 * one hold of the lock, so no page of the VMA is ever outside both.
 *
 * Every function here expects mmap_lock held for writing, except find_vma*
 * (read is enough). Accounting (total_vm, commit charge) is the callers'.
 */
#include <kernel/errno.h>
#include <mm/filemap.h>
#include <mm/mmap.h>
#include <mm/shmem.h>
#include <mm/vma_index.h>

namespace {

unsigned long vma_compute_gap(const vma_node* node) {
  const vm_area_struct* vma = node->vma;
  unsigned long gap = vm_start_gap(vma);
  if (vma->vm_prev) {
    const unsigned long prev_end = vm_end_gap(vma->vm_prev);
    gap = gap > prev_end ? gap - prev_end : 0;
  }
  return gap;
}

using GapAugment = RbAugmentMax<vma_node, &vma_node::rb, unsigned long, &vma_node::rb_subtree_gap, vma_compute_gap>;

vma_node* node_of(rb_node* n) { return rb_entry<vma_node, &vma_node::rb>(n); }
vm_area_struct* vma_of(rb_node* n) { return n ? node_of(n)->vma : nullptr; }

// vma's own gap changed (its start or its predecessor's end): fix the maxima up to the root.
void vma_gap_update(vm_area_struct* vma) { GapAugment{}.propagate(&vma->vm_node->rb, nullptr); }

// The successor's gap (or highest_vm_end) after vma's end or presence changed.
void gap_after_update(mm_struct* mm, vm_area_struct* prev, vm_area_struct* next) {
  if (next) vma_gap_update(next);
  else mm->highest_vm_end = prev ? vm_end_gap(prev) : 0;
}

// The object behind a VMA, for merging: same flags, same backing, and page
// offsets that continue across the boundary.
bool is_mergeable(const vm_area_struct* vma, unsigned long vm_flags, shmem_object* object) {
  return vma->vm_flags == vm_flags && vma->vm_object == object && vma->vm_file == nullptr;
}
// [.., vma) then the new range at pgoff.
bool can_merge_after(const vm_area_struct* vma, unsigned long vm_flags, shmem_object* object, unsigned long pgoff) {
  return is_mergeable(vma, vm_flags, object) && vma->vm_pgoff + vma_pages(vma) == pgoff;
}
// The new range ending at pgoff (its first page after it), then vma.
bool can_merge_before(const vm_area_struct* vma, unsigned long vm_flags, shmem_object* object, unsigned long pgoff) {
  return is_mergeable(vma, vm_flags, object) && vma->vm_pgoff == pgoff;
}

constexpr unsigned long VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP;

}  // namespace

const vm_file_operations* vm_file_ops = nullptr;

void vmacache_invalidate(mm_struct* mm) {
  for (auto& slot : mm->vmacache) {
    slot.vma.store(nullptr, std::memory_order_relaxed);
    slot.end.store(0, std::memory_order_relaxed);
    slot.start.store(0, std::memory_order_relaxed);
  }
}

namespace {

// find_vma's answer from mm_rb, for when the index was dropped.
vm_area_struct* find_vma_rb(const mm_struct* mm, unsigned long addr) {
  vma_node* found = nullptr;
  rb_node* n = mm->mm_rb.rb_node;
  while (n) {
    vma_node* node = node_of(n);
    if (addr < node->vm_end) {
      found = node;
      if (node->vm_start <= addr) break;
      n = n->rb_left;
    } else {
      n = n->rb_right;
    }
  }
  return found ? found->vma : nullptr;
}

}  // namespace

vm_area_struct* find_vma(mm_struct* mm, unsigned long addr) {
  // One slot per address: the page it lies in picks it, so a miss costs a
  // single probe and consecutive pages of a VMA still fill different slots.
  vmacache_entry& slot = mm->vmacache[(addr >> PAGE_SHIFT) % VMACACHE_SIZE];
  const unsigned long start = slot.start.load(std::memory_order_relaxed);
  if (addr - start < slot.end.load(std::memory_order_relaxed) - start) {  // start <= addr < end
    vm_area_struct* vma = slot.vma.load(std::memory_order_relaxed);
    if (vma && vma->vm_start <= addr && addr < vma->vm_end) return vma;
  }
  vm_area_struct* found = mm->vma_index_valid ? vma_index_lookup(mm, addr) : find_vma_rb(mm, addr);
  if (!found) return nullptr;
  slot.vma.store(found, std::memory_order_relaxed);
  slot.start.store(found->vm_start, std::memory_order_relaxed);
  slot.end.store(found->vm_end, std::memory_order_relaxed);
  return found;
}

vm_area_struct* find_vma_prev(mm_struct* mm, unsigned long addr, vm_area_struct** pprev) {
  vm_area_struct* vma = find_vma(mm, addr);
  if (vma) *pprev = vma->vm_prev;
  else *pprev = vma_of(rb_last(&mm->mm_rb));
  return vma;
}

vm_area_struct* find_vma_intersection(mm_struct* mm, unsigned long start, unsigned long end) {
  vm_area_struct* vma = find_vma(mm, start);
  return vma && vma->vm_start < end ? vma : nullptr;
}

int find_vma_links(mm_struct* mm, unsigned long addr, unsigned long end, vm_area_struct** pprev,
                   rb_node*** rb_link, rb_node** rb_parent) {
  rb_node** link = &mm->mm_rb.rb_node;
  rb_node* parent = nullptr;
  rb_node* prev = nullptr;
  while (*link) {
    parent = *link;
    const vma_node* node = node_of(parent);
    if (node->vm_end > addr) {
      if (node->vm_start < end) return -ENOMEM;  // overlaps [addr, end)
      link = &parent->rb_left;
    } else {
      prev = parent;
      link = &parent->rb_right;
    }
  }
  *pprev = vma_of(prev);
  *rb_link = link;
  *rb_parent = parent;
  return 0;
}

namespace {

// vma_link with the file's i_mmap_lock held (if it has a file).
void vma_link_locked(mm_struct* mm, vm_area_struct* vma, vm_area_struct* prev, rb_node** rb_link, rb_node* rb_parent) {
  vma->vm_mm = mm;
  vm_area_struct* next = prev ? prev->vm_next : mm->mmap;
  vma->vm_prev = prev;
  vma->vm_next = next;
  if (prev) prev->vm_next = vma;
  else mm->mmap = vma;
  if (next) next->vm_prev = vma;
  gap_after_update(mm, vma, next);
  // The search that found rb_link did not raise the maxima on its way down
  // (the gap needs vm_prev, unknown then): link with a zero gap, which the
  // path above already covers, then raise it like any other change.
  vma_node* node = vma->vm_node;
  node->vm_start = vma->vm_start;
  node->vm_end = vma->vm_end;
  rb_link_node(&node->rb, rb_parent, rb_link);
  node->rb_subtree_gap = 0;
  vma_gap_update(vma);
  rb_insert_augmented(&node->rb, &mm->mm_rb, GapAugment{});
  vma_index_insert(mm, vma);
  mm->map_count++;
  // At the tail: see the ordering argument in mm/filemap.h.
  if (address_space* m = vma_mapping(vma)) list_add_tail(&vma->shared, &m->i_mmap);
}

void vma_set_range_locked(mm_struct* mm, vm_area_struct* vma, unsigned long start, unsigned long end,
                          unsigned long pgoff) {
  const unsigned long old_end = vma->vm_end;
  vma->vm_start = vma->vm_node->vm_start = start;
  vma->vm_end = vma->vm_node->vm_end = end;
  vma->vm_pgoff = pgoff;
  vma_index_update(mm, vma, old_end);
  vma_gap_update(vma);
  gap_after_update(mm, vma, vma->vm_next);
}

}  // namespace

void vma_link(mm_struct* mm, vm_area_struct* vma, vm_area_struct* prev, rb_node** rb_link, rb_node* rb_parent) {
  MappingLock g{vma_mapping(vma)};
  vma_link_locked(mm, vma, prev, rb_link, rb_parent);
}


int insert_vm_struct(mm_struct* mm, vm_area_struct* vma) {
  vm_area_struct* prev;
  rb_node** link;
  rb_node* parent;
  if (find_vma_links(mm, vma->vm_start, vma->vm_end, &prev, &link, &parent)) return -ENOMEM;
  if ((vma->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, static_cast<long>(vma_pages(vma))))
    return -ENOMEM;
  // An anonymous VMA's offset is its address in pages, so VMAs that later
  // become neighbours have contiguous offsets and can merge.
  if (!vma->vm_file && !vma->vm_object) vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
  vma_link(mm, vma, prev, link, parent);
  return 0;
}

void vma_remove(mm_struct* mm, vm_area_struct* vma) {
  // Tree first: rotations recompute gaps, which read the (still intact) list.
  rb_erase_augmented(&vma->vm_node->rb, &mm->mm_rb, GapAugment{});
  vma_index_erase(mm, vma);
  vm_area_struct* prev = vma->vm_prev;
  vm_area_struct* next = vma->vm_next;
  if (prev) prev->vm_next = next;
  else mm->mmap = next;
  if (next) next->vm_prev = prev;
  gap_after_update(mm, prev, next);
  mm->map_count--;
  vmacache_invalidate(mm);
  if (address_space* m = vma_mapping(vma)) {
    MappingLock g{m};
    list_del_init(&vma->shared);
  }
  if (vma->vm_object) shmem_put(vma->vm_object);
  if (vma->vm_file) vm_file_ops->put(vma->vm_file);
  vm_area_free(vma);
}

void vma_set_range(mm_struct* mm, vm_area_struct* vma, unsigned long start, unsigned long end, unsigned long pgoff) {
  MappingLock g{vma_mapping(vma)};
  vma_set_range_locked(mm, vma, start, end, pgoff);
}

vm_area_struct* vma_merge(mm_struct* mm, vm_area_struct* prev, unsigned long addr, unsigned long end,
                          unsigned long vm_flags, shmem_object* object, unsigned long pgoff) {
  if (vm_flags & VM_SPECIAL) return nullptr;
  const unsigned long pglen = (end - addr) >> PAGE_SHIFT;
  // The VMA [addr, end) lies in when its flags are being changed (mprotect):
  // prev itself when the range is prev's tail, else the one after prev.
  vm_area_struct* cur = nullptr;
  if (prev && addr < prev->vm_end) {
    cur = prev;
  } else {
    vm_area_struct* n = prev ? prev->vm_next : mm->mmap;
    if (n && n->vm_start < end) cur = n;
  }
  // Neighbours that touch the range and could absorb it.
  vm_area_struct* left = prev && prev->vm_end == addr ? prev : nullptr;
  vm_area_struct* after = cur ? (cur->vm_end == end ? cur->vm_next : nullptr) : (prev ? prev->vm_next : mm->mmap);
  vm_area_struct* right = after && after->vm_start == end ? after : nullptr;
  const bool merge_left = left && can_merge_after(left, vm_flags, object, pgoff);
  const bool merge_right = right && can_merge_before(right, vm_flags, object, pgoff + pglen);

  if (merge_left) {
    // cur, if any, starts at addr (left ends there).
    unsigned long new_end = end;
    if (merge_right) {
      new_end = right->vm_end;
      vma_remove(mm, right);
    }
    if (cur) {
      if (cur->vm_end <= end) vma_remove(mm, cur);
      else vma_set_range(mm, cur, end, cur->vm_end, cur->vm_pgoff + pglen);  // cur keeps its tail
    }
    vma_set_range(mm, left, left->vm_start, new_end, left->vm_pgoff);
    return left;
  }
  if (merge_right) {
    // cur, if any, ends at end (right starts there).
    if (cur) {
      if (cur->vm_start >= addr) vma_remove(mm, cur);
      else vma_set_range(mm, cur, cur->vm_start, addr, cur->vm_pgoff);  // cur keeps its head
    }
    vma_set_range(mm, right, addr, right->vm_end, right->vm_pgoff - pglen);
    return right;
  }
  return nullptr;
}

int __split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, int new_below) {
  // A hugetlb VMA is made of whole megapages.
  if ((vma->vm_flags & VM_HUGETLB) && (addr & (HPAGE_SIZE - 1))) return -EINVAL;
  vm_area_struct* part = vm_area_alloc(mm);
  if (!part) return -ENOMEM;
  part->vm_flags = vma->vm_flags;
  part->vm_page_prot = vma->vm_page_prot;
  part->vm_file = vma->vm_file;
  part->vm_object = vma->vm_object;
  if (part->vm_object) shmem_get(part->vm_object);
  if (part->vm_file) vm_file_ops->get(part->vm_file);
  const unsigned long split_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
  // The part goes right next to vma in address order: as the leftmost node
  // of vma's right subtree (above) or the rightmost of its left (below).
  rb_node* parent = &vma->vm_node->rb;
  rb_node** link;
  MappingLock g{vma_mapping(vma)};
  if (new_below) {
    part->vm_start = vma->vm_start;
    part->vm_end = addr;
    part->vm_pgoff = vma->vm_pgoff;
    vma_set_range_locked(mm, vma, addr, vma->vm_end, split_pgoff);
    link = &parent->rb_left;
    while (*link) {
      parent = *link;
      link = &parent->rb_right;
    }
    vma_link_locked(mm, part, vma->vm_prev, link, parent);
  } else {
    part->vm_start = addr;
    part->vm_end = vma->vm_end;
    part->vm_pgoff = split_pgoff;
    vma_set_range_locked(mm, vma, vma->vm_start, addr, vma->vm_pgoff);
    link = &parent->rb_right;
    while (*link) {
      parent = *link;
      link = &parent->rb_left;
    }
    vma_link_locked(mm, part, vma, link, parent);
  }
  return 0;
}

int split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, int new_below) {
  if (mm->map_count >= sysctl_max_map_count) return -ENOMEM;
  return __split_vma(mm, vma, addr, new_below);
}
