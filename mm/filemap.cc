// The reverse map of files behind VMAs (see mm/include/mm/filemap.h).
#include <mm/filemap.h>

#include <lib/container_of.h>

void unmap_mapping_range(address_space* m, unsigned long first_index) {
  MmLockGuard g{m->i_mmap_lock};
  for (list_head* e = m->i_mmap.next; e != &m->i_mmap; e = e->next) {
    vm_area_struct* vma = container_of(e, &vm_area_struct::shared);
    const unsigned long pages = vma_pages(vma);
    if (vma->vm_pgoff + pages <= first_index) continue;  // wholly below the cut
    const unsigned long skip = first_index > vma->vm_pgoff ? first_index - vma->vm_pgoff : 0;
    mm_struct* mm = vma->vm_mm;
    // The VMA is on the list, so its mm still has its page tables:
    // exit_mmap unlinks every VMA before they go.
    if (mm->pt_ops) mm->pt_ops->zap_range(mm, vma->vm_start + (skip << PAGE_SHIFT), vma->vm_end);
  }
}

size_t mapping_nr_vmas(address_space* m) {
  MmLockGuard g{m->i_mmap_lock};
  size_t n = 0;
  for (list_head* e = m->i_mmap.next; e != &m->i_mmap; e = e->next) n++;
  return n;
}
