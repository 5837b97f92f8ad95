/*
 * The memory system calls of the running process: brk, mmap, munmap,
 * mprotect, madvise, mremap. Each passes the caller's mm to the mm/
 * implementation (mm/mmap.h), which checks its arguments as Linux does;
 * a task without an address space (a kernel thread) gets -EINVAL. mmap of
 * a descriptor maps its open file (a regular file only: else ENODEV).
 * Kernel-only (not in mm/host-sources.mk): it needs the current task.
 */
#include <kernel/syscalls.h>

#include <fs/fdtable.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <mm/mmap.h>

long sys_brk(unsigned long brk) {
  mm_struct* mm = get_current()->mm;
  return mm ? sys_brk(mm, brk) : -EINVAL;
}

long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, unsigned long fd,
              long off) {
  task_struct* tsk = get_current();
  mm_struct* mm = tsk->mm;
  if (!mm) return -EINVAL;
  if (flags & MAP_ANONYMOUS) return sys_mmap(mm, addr, len, prot, flags, fd, off);
  // A file: the descriptor's open file, held for the call (the VMA takes
  // its own reference).
  file* f = tsk->files && fd <= 0xffffffffu ? fget(tsk->files, static_cast<unsigned>(fd)) : nullptr;
  if (f && (f->f_mode & FMODE_PATH)) {  // Linux's fget: an O_PATH descriptor is no file to map
    fput(f);
    f = nullptr;
  }
  if (!f) return -EBADF;
  long ret;
  if (!f->f_op || !f->f_op->mmap) {
    // Linux checks the open mode before the file system's mmap.
    const bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
    if (!(f->f_mode & FMODE_READ) || (shared && (prot & PROT_WRITE) && !(f->f_mode & FMODE_WRITE)))
      ret = -EACCES;
    else
      ret = -ENODEV;
  } else if ((ret = f->f_op->mmap(f, flags)) == 0) {
    ret = sys_mmap_file(mm, f, f->f_mode & (FMODE_READ | FMODE_WRITE), addr, len, prot, flags, off);
  }
  fput(f);
  return ret;
}

long sys_munmap(unsigned long addr, size_t len) {
  mm_struct* mm = get_current()->mm;
  return mm ? sys_munmap(mm, addr, len) : -EINVAL;
}

long sys_mprotect(unsigned long start, size_t len, unsigned long prot) {
  mm_struct* mm = get_current()->mm;
  return mm ? sys_mprotect(mm, start, len, prot) : -EINVAL;
}

long sys_madvise(unsigned long start, size_t len, int behavior) {
  mm_struct* mm = get_current()->mm;
  return mm ? sys_madvise(mm, start, len, behavior) : -EINVAL;
}

long sys_msync(unsigned long start, size_t len, int flags) {
  mm_struct* mm = get_current()->mm;
  return mm ? sys_msync(mm, start, len, flags) : -EINVAL;
}

long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
                unsigned long new_addr) {
  mm_struct* mm = get_current()->mm;
  return mm ? sys_mremap(mm, addr, old_len, new_len, flags, new_addr) : -EINVAL;
}
