/*
 * madvise: MADV_DONTNEED and MADV_DONTNEED_LOCKED drop the pages of a range
 * (the next touch of private anonymous memory sees zeroes again); the VMAs
 * stay. Linux 6.1's walk: a hole in the range is reported as -ENOMEM after
 * the mapped parts were handled. Other advice values are refused with
 * -EINVAL (not implemented yet).
 */
#include <kernel/errno.h>
#include <mm/mmap.h>

namespace {

// madvise_dontneed_free_valid_vma: may these pages be dropped? A hugetlb
// range must start on a megapage and is extended to whole megapages.
bool dontneed_valid(const vm_area_struct* vma, unsigned long start, unsigned long* end, int behavior) {
  if (!(vma->vm_flags & VM_HUGETLB)) {
    unsigned long forbidden = VM_PFNMAP;
    if (behavior != MADV_DONTNEED_LOCKED) forbidden |= VM_LOCKED;
    return !(vma->vm_flags & forbidden);
  }
  if (start & (HPAGE_SIZE - 1)) return false;
  *end = (*end + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
  return true;
}

}  // namespace

long sys_madvise(mm_struct* mm, unsigned long start, size_t len_in, int behavior) {
  if (behavior != MADV_DONTNEED && behavior != MADV_DONTNEED_LOCKED) return -EINVAL;
  if (start & ~PAGE_MASK) return -EINVAL;
  const unsigned long len = page_align_up(len_in);
  if (len_in && !len) return -EINVAL;  // a small negative length rounded to 0
  const unsigned long end = start + len;
  if (end < start) return -EINVAL;
  if (end == start) return 0;

  MmapReadGuard g{mm};
  long unmapped_error = 0;
  vm_area_struct* prev;
  vm_area_struct* vma = find_vma_prev(mm, start, &prev);
  if (vma && start > vma->vm_start) prev = vma;
  for (;;) {
    if (!vma) return -ENOMEM;
    if (start < vma->vm_start) {
      unmapped_error = -ENOMEM;
      start = vma->vm_start;
      if (start >= end) break;
    }
    unsigned long tmp = vma->vm_end < end ? vma->vm_end : end;
    prev = vma;
    if (!dontneed_valid(vma, start, &tmp, behavior)) return -EINVAL;
    if (tmp > vma->vm_end) tmp = vma->vm_end;
    if (mm->pt_ops) mm->pt_ops->zap_range(mm, start, tmp);
    start = tmp;
    if (start < prev->vm_end) start = prev->vm_end;
    if (start >= end) break;
    vma = prev->vm_next;
  }
  return unmapped_error;
}
