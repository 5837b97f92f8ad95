/*
 * Finding room for a new mapping: get_unmapped_area() and the gap search
 * under it.
 *
 * Layout (no randomization): mmap_base lies below the stack's reservation
 * (RLIMIT_STACK plus the guard gap, at least 128 MiB); mappings without a
 * usable hint go top-down from mmap_base, and only when nothing fits there,
 * bottom-up from TASK_UNMAPPED_BASE (a third of the user space) to the top.
 *
 * The gap below VMA v is [vm_end_gap(v->vm_prev) or 0, vm_start_gap(v));
 * the one above the last VMA starts at highest_vm_end. rb_subtree_gap, the
 * largest gap below any VMA of a subtree, lets the search skip every
 * subtree that cannot hold the request, and the address limits skip the
 * ones on the wrong side: a search visits O(log n) nodes.
 */
#include <kernel/errno.h>
#include <mm/mmap.h>

namespace {

vma_node* node_of(rb_node* n) { return rb_entry<vma_node, &vma_node::rb>(n); }

unsigned long gap_start_of(const vm_area_struct* vma) { return vma->vm_prev ? vm_end_gap(vma->vm_prev) : 0; }

struct GapSearch {
  const vm_unmapped_area_info* info;
  unsigned long length;  // the request plus its worst-case alignment waste
  unsigned visited = 0;
  unsigned long found_start = 0, found_end = 0;

  // Does [start, end), clipped to the limits, hold `length`?
  bool fits(unsigned long start, unsigned long end) {
    if (start < info->low_limit) start = info->low_limit;
    if (end > info->high_limit) end = info->high_limit;
    if (end <= start || end - start < length) return false;
    found_start = start;
    found_end = end;
    return true;
  }
  // Gaps in the subtree right of v start at or above v's end; those left of
  // v end at or below the gap below v. Either side is hopeless when the
  // request could not fit between that bound and the limit.
  bool right_may_fit(const vm_area_struct* v) const { return vm_end_gap(v) <= info->high_limit - length; }
  bool left_may_fit(const vm_area_struct* v) const { return gap_start_of(v) >= info->low_limit + length; }

  // Highest fitting gap in the subtree: right side, v, left side.
  bool search_down(rb_node* n) {
    if (!n) return false;
    const vma_node* node = node_of(n);
    visited++;
    if (node->rb_subtree_gap < length) return false;
    const vm_area_struct* v = node->vma;
    if (right_may_fit(v) && search_down(n->rb_right)) return true;
    if (fits(gap_start_of(v), vm_start_gap(v))) return true;
    return left_may_fit(v) && search_down(n->rb_left);
  }
  // Lowest fitting gap in the subtree: left side, v, right side.
  bool search_up(rb_node* n) {
    if (!n) return false;
    const vma_node* node = node_of(n);
    visited++;
    if (node->rb_subtree_gap < length) return false;
    const vm_area_struct* v = node->vma;
    if (left_may_fit(v) && search_up(n->rb_left)) return true;
    if (fits(gap_start_of(v), vm_start_gap(v))) return true;
    return right_may_fit(v) && search_up(n->rb_right);
  }
};

}  // namespace

unsigned long vm_unmapped_area(mm_struct* mm, const vm_unmapped_area_info* info, unsigned* visited) {
  GapSearch s{info, info->length + info->align_mask};
  unsigned long addr = static_cast<unsigned long>(-ENOMEM);
  const bool topdown = info->flags & vm_unmapped_area_info::TOPDOWN;
  // Requests that cannot fit between the limits at all (also catches the
  // length + align_mask overflow).
  const bool possible = s.length >= info->length && info->high_limit >= s.length &&
                        info->low_limit <= info->high_limit - s.length;
  bool found = false;
  if (possible) {
    rb_node* root = mm->mm_rb.rb_node;
    if (topdown) found = s.fits(mm->highest_vm_end, ~0ul) || s.search_down(root);
    else found = s.search_up(root) || s.fits(mm->highest_vm_end, ~0ul);
  }
  if (found) {
    if (topdown) {
      addr = s.found_end - info->length;
      addr -= (addr - info->align_offset) & info->align_mask;
    } else {
      addr = s.found_start;
      addr += (info->align_offset - addr) & info->align_mask;
    }
  }
  if (visited) *visited = s.visited;
  return addr;
}

namespace {

// The generic top-down policy (Linux's arch_get_unmapped_area_topdown).
unsigned long get_unmapped_area_topdown(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long flags) {
  const unsigned long mmap_end = mm->task_size;
  if (len > mmap_end - mmap_min_addr) return static_cast<unsigned long>(-ENOMEM);
  if (flags & MAP_FIXED) return addr;
  if (addr) {
    // A hint is taken as it is when the range and the guard gaps around it are free.
    addr = page_align_up(addr);
    vm_area_struct* prev;
    vm_area_struct* vma = find_vma_prev(mm, addr, &prev);
    if (mmap_end - len >= addr && addr >= mmap_min_addr && (!vma || addr + len <= vm_start_gap(vma)) &&
        (!prev || addr >= vm_end_gap(prev)))
      return addr;
  }
  vm_unmapped_area_info info{};
  info.flags = vm_unmapped_area_info::TOPDOWN;
  info.length = len;
  info.low_limit = PAGE_SIZE > mmap_min_addr ? PAGE_SIZE : mmap_min_addr;
  info.high_limit = mm->mmap_base;
  addr = vm_unmapped_area(mm, &info);
  if (addr & ~PAGE_MASK) {
    // Nothing below mmap_base: anywhere above TASK_UNMAPPED_BASE will do.
    info.flags = 0;
    info.low_limit = TASK_UNMAPPED_BASE;
    info.high_limit = mmap_end;
    addr = vm_unmapped_area(mm, &info);
  }
  return addr;
}

// hugetlbfs's policy: whole megapages at megapage-aligned addresses.
unsigned long hugetlb_get_unmapped_area(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long flags) {
  if (len & (HPAGE_SIZE - 1)) return static_cast<unsigned long>(-EINVAL);
  if (len > mm->task_size) return static_cast<unsigned long>(-ENOMEM);
  if (flags & MAP_FIXED) return addr & (HPAGE_SIZE - 1) ? static_cast<unsigned long>(-EINVAL) : addr;
  if (addr) {
    addr = (addr + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
    vm_area_struct* vma = find_vma(mm, addr);
    if (mm->task_size - len >= addr && (!vma || addr + len <= vm_start_gap(vma))) return addr;
  }
  vm_unmapped_area_info info{};
  info.flags = vm_unmapped_area_info::TOPDOWN;
  info.length = len;
  info.low_limit = PAGE_SIZE > mmap_min_addr ? PAGE_SIZE : mmap_min_addr;
  info.high_limit = mm->mmap_base;
  info.align_mask = PAGE_MASK & (HPAGE_SIZE - 1);
  addr = vm_unmapped_area(mm, &info);
  if (addr & ~PAGE_MASK) {
    info.flags = 0;
    info.low_limit = TASK_UNMAPPED_BASE;
    info.high_limit = mm->task_size;
    addr = vm_unmapped_area(mm, &info);
  }
  return addr;
}

}  // namespace

unsigned long get_unmapped_area(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long pgoff,
                                unsigned long flags) {
  (void)pgoff;  // only file mappings colour by offset
  if (len > mm->task_size) return static_cast<unsigned long>(-ENOMEM);
  addr = (flags & MAP_HUGETLB) ? hugetlb_get_unmapped_area(mm, addr, len, flags)
                               : get_unmapped_area_topdown(mm, addr, len, flags);
  if (IS_ERR_VALUE(addr)) return addr;
  if (addr > mm->task_size - len) return static_cast<unsigned long>(-ENOMEM);
  if (addr & ~PAGE_MASK) return static_cast<unsigned long>(-EINVAL);
  // security_mmap_addr: an unprivileged task may not map below mmap_min_addr.
  if (addr < mmap_min_addr) return static_cast<unsigned long>(-EPERM);
  return addr;
}
