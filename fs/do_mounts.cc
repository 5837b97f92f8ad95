/*
 * Boot-time root file system: the ramfs root filled from the initramfs
 * (the archive linked into the image, then the device tree's initrd, as
 * Linux unpacks its built-in archive first and the bootloader's over it),
 * /dev/console and /proc, and init's first three descriptors.
 *
 * The initrd's memory was reserved by mm_init (memblock) so nothing was
 * allocated over it; after unpacking, its whole pages go to the page
 * allocator ("Freeing initrd memory"), except any another reservation
 * (firmware, the kernel image) shares.
 */
#include <asm/page.h>
#include <fs/fdtable.h>
#include <fs/initramfs.h>
#include <fs/proc.h>
#include <kernel/console.h>
#include <kernel/devicetree.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <mm/page_alloc.h>

extern "C" const char __initramfs_start[], __initramfs_end[];
extern "C" char _start[], _end[];

namespace {

void report_skipped(const char* name, int err) { pr_warn("initramfs: %s: not unpacked (error %d)\n", name, err); }

void unpack(const char* what, const void* buf, size_t len) {
  dentry* root = vfs_root();
  UnpackStats st;
  auto res = unpack_to_rootfs(buf, len, root, &st, report_skipped);
  dput(root);
  pr_info("initramfs: %s: %u directories, %u files (%lu bytes), %u symlinks, %u nodes, %u hard links\n", what,
          st.dirs, st.files, st.bytes, st.symlinks, st.nodes, st.hardlinks);
  if (!res)
    pr_err("initramfs: %s is corrupt at offset %lu: %s (error %d); the entries before it are unpacked\n", what,
           static_cast<unsigned long>(st.error_offset), res.error().msg, res.error().err);
}

bool overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d) { return a < d && c < b; }

void free_initrd_mem(uint64_t start, uint64_t end) {
  const uint64_t first = page_align_up(start), last = page_align_down(end);
  if (first >= last) return;
  const MachineInfo& m = machine();
  for (unsigned i = 0; i < m.nr_reserved; i++)
    if (overlaps(first, last, m.reserved[i].base, m.reserved[i].base + m.reserved[i].size)) {
      pr_warn("initramfs: initrd shares memory with a reserved region; not freed\n");
      return;
    }
  if (overlaps(first, last, __pa_symbol(_start), __pa_symbol(_end))) return;
  free_pages_range(first >> PAGE_SHIFT, last >> PAGE_SHIFT);
  pr_info("Freeing initrd memory: %luK\n", static_cast<unsigned long>((last - first) >> 10));
}

// What the kernel provides whatever the archive holds (Linux's default
// initramfs and devtmpfs give the same): /dev, /dev/console, /proc.
void make_default_nodes() {
  dentry* root = vfs_root();
  const lookup_root r{root, root, 0};
  (void)vfs_mkdirat(r, root, "dev", 0755);
  const int err = vfs_mknodat(r, root, "dev/console", S_IFCHR | 0600, MKDEV(5, 1));
  if (err && err != -EEXIST) pr_err("initramfs: cannot create /dev/console: %d\n", err);
  (void)vfs_mkdirat(r, root, "proc", 0555);
  if (int e = proc_mount(r, root, "proc")) pr_err("proc: cannot mount /proc: %d\n", e);
  dput(root);
}

}  // namespace

void populate_rootfs() {
  vfs_caches_init();
  tty_console_init();
  const size_t builtin = static_cast<size_t>(+__initramfs_end - +__initramfs_start);
  if (builtin) unpack("built-in initramfs", __initramfs_start, builtin);
  const MachineInfo& m = machine();
  if (m.initrd_start && m.initrd_end > m.initrd_start) {
    pr_info("Unpacking initramfs from the initrd at [0x%lx-0x%lx]\n", m.initrd_start, m.initrd_end - 1);
    unpack("initrd", __va(m.initrd_start), m.initrd_end - m.initrd_start);
    free_initrd_mem(m.initrd_start, m.initrd_end);
  }
  make_default_nodes();
}

void console_on_rootfs() {
  task_struct* t = get_current();
  if (!t->fs) t->fs = copy_fs_struct(init_fs);
  if (!t->files) t->files = alloc_files();
  if (!t->fs || !t->files) {
    pr_err("Warning: unable to open an initial console (no memory).\n");
    return;
  }
  auto f = filp_open("/dev/console", O_RDWR, 0);
  if (!f) {
    pr_err("Warning: unable to open an initial console (error %d).\n", f.error().err);
    return;
  }
  for (unsigned fd = 0; fd < 3; fd++) replace_fd(t->files, fd, f.value(), false);
  fput(f.value());
}
