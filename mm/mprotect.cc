/*
 * mprotect: change the access rights of [start, start + len), splitting the
 * VMAs at the ends and merging the result with compatible neighbours, with
 * Linux 6.1's checks (VM_MAY* bounds what may be granted; making private
 * memory writable charges the commit) and its partial-failure behaviour:
 * VMAs already changed stay changed when a hole or an error stops the walk.
 */
#include <kernel/errno.h>
#include <mm/mmap.h>

namespace {

unsigned long calc_vm_prot_bits(unsigned long prot) {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

// Gives [start, end) of vma (one VMA) the flags newflags. *pprev is the VMA
// before start on entry (or vma itself if start is inside it) and the VMA
// now ending at `end` on return.
int mprotect_fixup(mm_struct* mm, vm_area_struct* vma, vm_area_struct** pprev, unsigned long start,
                   unsigned long end, unsigned long newflags) {
  const unsigned long oldflags = vma->vm_flags;
  const unsigned long nrpages = (end - start) >> PAGE_SHIFT;
  if (newflags == oldflags) {
    *pprev = vma;
    return 0;
  }
  long charged = 0;
  if (newflags & VM_WRITE) {
    if (!may_expand_vm(mm, newflags, nrpages) && may_expand_vm(mm, oldflags, nrpages)) return -ENOMEM;
    // Private memory that becomes writable may now need real pages.
    if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
      charged = static_cast<long>(nrpages);
      if (security_vm_enough_memory_mm(mm, charged)) return -ENOMEM;
      newflags |= VM_ACCOUNT;
    }
  }
  const unsigned long pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
  // A file-backed VMA never merges (vma_merge does not compare files).
  vm_area_struct* merged = vma->vm_file ? nullptr : vma_merge(mm, *pprev, start, end, newflags, vma->vm_object, pgoff);
  if (merged) {
    vma = merged;
  } else {
    *pprev = vma;
    int e = 0;
    if (start != vma->vm_start) e = split_vma(mm, vma, start, 1);
    if (!e && end != vma->vm_end) e = split_vma(mm, vma, end, 0);
    if (e) {
      vm_unacct_memory(charged);
      return e;
    }
  }
  *pprev = vma;
  vma->vm_flags = newflags;
  vma->vm_page_prot = vm_get_page_prot(newflags);
  vm_stat_account(mm, oldflags, -static_cast<long>(nrpages));
  vm_stat_account(mm, newflags, static_cast<long>(nrpages));
  if (mm->pt_ops) mm->pt_ops->change_protection(mm, start, end, vma->vm_page_prot);
  return 0;
}

}  // namespace

long sys_mprotect(mm_struct* mm, unsigned long start, size_t len, unsigned long prot) {
  const unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~grows;
  if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if (start & ~PAGE_MASK) return -EINVAL;
  if (!len) return 0;
  len = page_align_up(len);
  unsigned long end = start + len;
  if (end <= start) return -ENOMEM;
  if (prot & ~static_cast<unsigned long>(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -EINVAL;

  MmapWriteGuard g{mm};
  vm_area_struct* vma = find_vma(mm, start);
  if (!vma) return -ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    // Extend the change down to the start of a grows-down VMA.
    if (vma->vm_start >= end) return -ENOMEM;
    start = vma->vm_start;
    if (!(vma->vm_flags & VM_GROWSDOWN)) return -EINVAL;
  } else {
    if (vma->vm_start > start) return -ENOMEM;
    if (grows & PROT_GROWSUP) return -EINVAL;  // no VMA grows up on riscv
  }
  vm_area_struct* prev = start > vma->vm_start ? vma : vma->vm_prev;
  unsigned long nstart = start;
  for (;;) {
    unsigned long newflags = calc_vm_prot_bits(prot) | (vma->vm_flags & ~VM_ACCESS_FLAGS);
    // Only what VM_MAY* allows (VM_MAYREAD is VM_READ << 4, ...).
    if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) return -EACCES;
    const unsigned long tmp = vma->vm_end < end ? vma->vm_end : end;
    if (int e = mprotect_fixup(mm, vma, &prev, nstart, tmp, newflags)) return e;
    nstart = tmp;
    if (nstart < prev->vm_end) nstart = prev->vm_end;
    if (nstart >= end) return 0;
    vma = prev->vm_next;
    if (!vma || vma->vm_start != nstart) return -ENOMEM;  // a hole
  }
}
