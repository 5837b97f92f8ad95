/*
 * mremap (Linux's mm/mremap.c, the in-place part): shrink a mapping, or
 * grow it in place when the range after it is free.
 *
 * The old range must lie inside one VMA. Shrinking unmaps the tail (any
 * flags). Growing extends the VMA over the free range that follows,
 * charged like a new mapping (RLIMIT_AS/DATA through may_expand_vm,
 * commit for VM_ACCOUNT, RLIMIT_MEMLOCK for VM_LOCKED); nothing is faulted
 * in. A grow that does not fit where the mapping is gives -ENOMEM (with
 * or without MREMAP_MAYMOVE: moving page tables is not implemented, and
 * glibc falls back to allocate + copy + free on that answer).
 */
#include <kernel/errno.h>
#include <mm/mmap.h>

long sys_mremap(mm_struct* mm, unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
                unsigned long new_addr) {
  (void)new_addr;
  if (flags & ~static_cast<unsigned long>(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len)) return -EINVAL;
  if (addr & ~PAGE_MASK) return -EINVAL;
  old_len = page_align_up(old_len);
  new_len = page_align_up(new_len);
  if (!new_len) return -EINVAL;
  if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) return -ENOMEM;  // both always move
  MmapWriteGuard g{mm};
  if (old_len >= new_len) {
    if (old_len > new_len) {
      const int ret = do_munmap(mm, addr + new_len, old_len - new_len);
      if (ret) return ret;
    }
    return static_cast<long>(addr);
  }
  vm_area_struct* vma = find_vma(mm, addr);
  if (!vma || vma->vm_start > addr) return -EFAULT;
  if (vma->vm_flags & VM_HUGETLB) return -EINVAL;
  if (old_len > vma->vm_end - addr) return -EFAULT;  // the old range spans VMAs
  const unsigned long delta = (new_len - old_len) >> PAGE_SHIFT;
  if (vma->vm_flags & VM_LOCKED) {
    if (((mm->locked_vm + delta) << PAGE_SHIFT) > mm->rlimit_memlock) return -EAGAIN;
  }
  if (!may_expand_vm(mm, vma->vm_flags, delta)) return -ENOMEM;
  // In place: the old range ends the VMA and the new end fits before the next one.
  const unsigned long end = addr + new_len;
  const bool fits = addr + old_len == vma->vm_end && end <= mm->task_size && end > addr &&
                    (!vma->vm_next || end <= vm_start_gap(vma->vm_next));
  if (!fits) return -ENOMEM;
  if ((vma->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, static_cast<long>(delta))) return -ENOMEM;
  vma_set_range(mm, vma, vma->vm_start, end, vma->vm_pgoff);
  vm_stat_account(mm, vma->vm_flags, static_cast<long>(delta));
  if (vma->vm_flags & VM_LOCKED) {
    mm->locked_vm += delta;
    mm_populate(mm, end - (delta << PAGE_SHIFT), delta << PAGE_SHIFT);
  }
  return static_cast<long>(addr);
}
