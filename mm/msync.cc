/*
 * msync (Linux's mm/msync.c). Nothing here is written back: anonymous
 * memory has no backing file, a private file mapping's written pages are
 * copies, and a shared one maps the file's own pages (ramfs: the page
 * cache is the file, mm/filemap.h), so read(2) sees every store at once.
 * msync only answers Linux's errors: EINVAL for bad flags or an
 * unaligned start, EBUSY for MS_INVALIDATE over locked memory, ENOMEM when
 * part of the range is not mapped (all of it is still looked at, except
 * for a plain MS_ASYNC, which stops at the first hole).
 */
#include <kernel/errno.h>
#include <mm/mmap.h>

long sys_msync(mm_struct* mm, unsigned long start, size_t len, int flags) {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
  if (start & ~PAGE_MASK) return -EINVAL;
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return -EINVAL;
  len = (len + ~PAGE_MASK) & PAGE_MASK;
  const unsigned long end = start + len;
  if (end < start) return -ENOMEM;
  if (end == start) return 0;
  MmapReadGuard g{mm};
  long unmapped_error = 0;
  vm_area_struct* vma = find_vma(mm, start);
  for (;;) {
    if (!vma) return -ENOMEM;
    if (start < vma->vm_start) {
      if (flags == MS_ASYNC) return -ENOMEM;
      start = vma->vm_start;
      if (start >= end) return -ENOMEM;
      unmapped_error = -ENOMEM;
    }
    if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED)) return -EBUSY;
    start = vma->vm_end;
    if (start >= end) return unmapped_error;
    vma = vma->vm_next;
  }
}
