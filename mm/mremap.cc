/*
 * mremap (Linux's mm/mremap.c): shrink a mapping, grow it in place, or
 * move it.
 *
 * The old range must lie inside one VMA. Shrinking unmaps the tail (any
 * flags). Growing extends the VMA over the free range that follows,
 * charged like a new mapping (RLIMIT_AS/DATA through may_expand_vm,
 * commit for VM_ACCOUNT, RLIMIT_MEMLOCK for VM_LOCKED); nothing is faulted
 * in. When that does not fit, MREMAP_MAYMOVE moves it: a new VMA with the
 * same flags, backing and offset at a free range (or at new_addr with
 * MREMAP_FIXED, unmapping what was there), the page-table entries move
 * with their pages (pt_ops->move_range), and the old range is unmapped
 * (kept, empty, with MREMAP_DONTUNMAP). Hugetlb VMAs do not move or grow
 * (-EINVAL).
 */
#include <kernel/errno.h>
#include <mm/mmap.h>
#include <mm/shmem.h>

namespace {

// The move (mmap_lock held for writing).
long move_vma(mm_struct* mm, unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
              unsigned long new_addr) {
  vm_area_struct* vma = find_vma(mm, addr);
  if (!vma || vma->vm_start > addr) return -EFAULT;
  if (vma->vm_flags & VM_HUGETLB) return -EINVAL;
  if (old_len > vma->vm_end - addr) return -EFAULT;
  if (mm->pt_ops && !mm->pt_ops->move_range) return -ENOMEM;
  if (flags & MREMAP_FIXED) {
    if (new_addr & ~PAGE_MASK) return -EINVAL;
    if (new_addr > mm->task_size || new_len > mm->task_size - new_addr) return -EINVAL;
    if (new_addr < addr + old_len && addr < new_addr + new_len) return -EINVAL;  // overlapping ranges
    if (const int err = do_munmap(mm, new_addr, new_len)) return err;
    vma = find_vma(mm, addr);  // the unmap may not have touched it, but re-find it all the same
    if (!vma || vma->vm_start > addr) return -EFAULT;
  } else {
    new_addr = get_unmapped_area(mm, 0, new_len, vma->vm_pgoff, (vma->vm_flags & VM_SHARED) ? MAP_SHARED : 0);
    if (IS_ERR_VALUE(new_addr)) return static_cast<long>(new_addr);
  }
  vm_area_struct* nv = vm_area_alloc(mm);
  if (!nv) return -ENOMEM;
  nv->vm_start = new_addr;
  nv->vm_end = new_addr + new_len;
  nv->vm_flags = vma->vm_flags;
  nv->vm_page_prot = vma->vm_page_prot;
  nv->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
  nv->vm_file = vma->vm_file;
  nv->vm_object = vma->vm_object;
  if (const int err = insert_vm_struct(mm, nv)) {
    nv->vm_file = nullptr;
    nv->vm_object = nullptr;
    vm_area_free(nv);
    return err;
  }
  if (nv->vm_object) shmem_get(nv->vm_object);
  if (nv->vm_file) vm_file_ops->get(nv->vm_file);
  vm_stat_account(mm, nv->vm_flags, static_cast<long>(new_len >> PAGE_SHIFT));
  if (nv->vm_flags & VM_LOCKED) mm->locked_vm += new_len >> PAGE_SHIFT;
  const unsigned long moved = old_len < new_len ? old_len : new_len;
  if (mm->pt_ops) {
    if (const int err = mm->pt_ops->move_range(mm, addr, new_addr, moved)) {
      do_munmap(mm, new_addr, new_len);  // what moved comes back out of the new range: lost, as out of memory
      return err;
    }
  }
  if (!(flags & MREMAP_DONTUNMAP)) do_munmap(mm, addr, old_len);
  if (nv->vm_flags & VM_LOCKED && new_len > old_len) mm_populate(mm, new_addr + old_len, new_len - old_len);
  return static_cast<long>(new_addr);
}

}  // namespace

long sys_mremap(mm_struct* mm, unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
                unsigned long new_addr) {
  if (flags & ~static_cast<unsigned long>(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len)) return -EINVAL;
  if (addr & ~PAGE_MASK) return -EINVAL;
  old_len = page_align_up(old_len);
  new_len = page_align_up(new_len);
  if (!new_len) return -EINVAL;
  MmapWriteGuard g{mm};
  if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) return move_vma(mm, addr, old_len, new_len, flags, new_addr);
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
  if (!fits) return (flags & MREMAP_MAYMOVE) ? move_vma(mm, addr, old_len, new_len, flags, 0) : -ENOMEM;
  if ((vma->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, static_cast<long>(delta))) return -ENOMEM;
  vma_set_range(mm, vma, vma->vm_start, end, vma->vm_pgoff);
  vm_stat_account(mm, vma->vm_flags, static_cast<long>(delta));
  if (vma->vm_flags & VM_LOCKED) {
    mm->locked_vm += delta;
    mm_populate(mm, end - (delta << PAGE_SHIFT), delta << PAGE_SHIFT);
  }
  return static_cast<long>(addr);
}
