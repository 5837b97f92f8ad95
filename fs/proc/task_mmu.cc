/*
 * /proc/<pid>/maps in Linux's format (fs/proc/task_mmu.c, show_map_vma):
 *
 *   %08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu <pad> name
 *
 * start-end, rwx and p (private) or s (VM_MAYSHARE), the file offset
 * (0 for anonymous memory), the file's device and inode, then, when there
 * is a name, spaces up to column 73 and the name: the file's path (with
 * "\n" shown as "\012", " (deleted)" when unlinked), "/dev/zero (deleted)"
 * for shared anonymous memory ("/anon_hugepage (deleted)" for hugetlb), as
 * Linux's shmem file shows, the architecture's special mappings by their
 * names (arch_vma_name: [vdso]), [heap] for the VMA holding the brk area,
 * [stack] for the one holding start_stack. A line
 * without a name ends in the space after the inode, as Linux's does.
 *
 * The VMAs are copied under mmap_lock (a spinning read lock) with a
 * reference on each file, and formatted after it is dropped: d_path takes
 * the sleeping dcache_lock.
 */
#include <fs/proc.h>

#include <kernel/errno.h>
#include <kernel/signal.h>  // arch_vma_name
#include <lib/string.h>
#include <mm/mmap.h>
#include <mm/slab.h>

#include "internal.h"

namespace {

struct VmaSnap {
  unsigned long start, end, flags, pgoff;
  file* f;
  bool object;          // shared anonymous memory (a shmem object)
  const char* special;  // the architecture's name for it ([vdso]), or null
};

// Linux's seq_setwidth(m, 25 + sizeof(void*) * 6 - 1) for 64-bit.
constexpr size_t kNameColumn = 25 + 8 * 6 - 1;

}  // namespace

long proc_maps_format(mm_struct* mm, const lookup_root& r, char** out) {
  *out = nullptr;
  VmaSnap* snap = nullptr;
  size_t n = 0;
  unsigned long start_brk, brk, start_stack;
  for (;;) {
    int count;
    {
      MmapReadGuard g{mm};
      count = mm->map_count;
    }
    kfree(snap);
    snap = static_cast<VmaSnap*>(kmalloc((count ? count : 1) * sizeof(VmaSnap), GFP_KERNEL));
    if (!snap) return -ENOMEM;
    MmapReadGuard g{mm};
    if (mm->map_count > count) continue;  // grew meanwhile: size again
    n = 0;
    for (vm_area_struct* v = mm->mmap; v; v = v->vm_next) {
      snap[n++] = VmaSnap{v->vm_start, v->vm_end, v->vm_flags, v->vm_pgoff,
                          v->vm_file ? get_file(v->vm_file) : nullptr, v->vm_object != nullptr, arch_vma_name(v)};
    }
    start_brk = mm->start_brk;
    brk = mm->brk;
    start_stack = mm->start_stack;
    break;
  }
  ProcText t;
  char* path = static_cast<char*>(kmalloc(PATH_MAX, GFP_KERNEL));
  if (!path) t.failed = true;
  for (size_t i = 0; i < n && !t.failed; i++) {
    const VmaSnap& v = snap[i];
    const size_t line = t.len;
    unsigned long long pgoff = 0;
    unsigned major = 0, minor = 0;
    unsigned long ino = 0;
    if (v.f) {
      const inode* fi = v.f->f_inode;
      pgoff = static_cast<unsigned long long>(v.pgoff) << PAGE_SHIFT;
      major = MAJOR(fi->i_sb->s_dev);
      minor = MINOR(fi->i_sb->s_dev);
      ino = fi->i_ino;
    } else if (v.object && !v.special) {
      // Linux backs shared anonymous memory with an unlinked shmem file
      // (device 00:01); its inode number has no counterpart here.
      pgoff = static_cast<unsigned long long>(v.pgoff) << PAGE_SHIFT;
      minor = 1;
    }
    t.printf("%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", v.start, v.end, (v.flags & VM_READ) ? 'r' : '-',
             (v.flags & VM_WRITE) ? 'w' : '-', (v.flags & VM_EXEC) ? 'x' : '-', (v.flags & VM_MAYSHARE) ? 's' : 'p',
             pgoff, major, minor, ino);
    // t.len - line now counts the trailing space: pad what precedes it.
    const char* name = nullptr;
    if (v.f) {
      auto p = d_path(r, v.f->f_dentry, path, PATH_MAX);
      name = p ? p.value() : "";
    } else if (v.special) {
      name = v.special;  // a special mapping: no device, inode or offset
    } else if (v.object) {
      name = (v.flags & VM_HUGETLB) ? "/anon_hugepage (deleted)" : "/dev/zero (deleted)";
    } else if (v.start <= brk && v.end >= start_brk && start_brk) {
      name = "[heap]";
    } else if (v.start <= start_stack && v.end >= start_stack) {
      name = "[stack]";
    }
    if (name) {
      t.len--;  // seq_pad(m, ' '): pad to the column, then the separating space
      t.pad_to(line, kNameColumn);
      t.put(" ", 1);
      for (const char* c = name; *c; c++) {
        if (*c == '\n')
          t.put("\\012", 4);
        else
          t.put(c, 1);
      }
    }
    t.put("\n", 1);
  }
  kfree(path);
  for (size_t i = 0; i < n; i++)
    if (snap[i].f) fput(snap[i].f);
  kfree(snap);
  if (t.failed) {
    kfree(t.buf);
    return -ENOMEM;
  }
  *out = t.buf;
  return static_cast<long>(t.len);
}
