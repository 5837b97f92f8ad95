// VFS self-tests in the kernel: the root populate_rootfs made (/dev,
// /dev/console, /proc), console_on_rootfs giving a kernel thread fds 0-2 on
// the console, filp_open/kernel_read/kernel_write on a ramfs file from
// several threads at once, and every object given back afterwards.
#include <kernel/ktest.h>

#include <fs/fdtable.h>
#include <fs/fs.h>
#include <fs/initramfs.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <lib/string.h>

namespace {

int console_thread(void* arg) {
  auto* out = static_cast<long*>(arg);
  console_on_rootfs();
  task_struct* self = get_current();
  if (!self->files || !self->fs) return -ENOMEM;
  file* f0 = fget(self->files, 0);
  file* f1 = fget(self->files, 1);
  file* f2 = fget(self->files, 2);
  out[0] = f0 && f0 == f1 && f1 == f2;
  static const char msg[] = "# vfs: written through fd 1 = /dev/console\n";
  loff_t pos = 0;
  out[1] = f1 ? kernel_write(f1, msg, sizeof msg - 1, &pos) : -EBADF;
  out[2] = f1 ? vfs_llseek(f1, 0, SEEK_SET) : -EBADF;
  out[3] = f1 ? f1->f_count.load() : 0;  // 3 fds + our 3 fget references
  for (file* f : {f0, f1, f2})
    if (f) fput(f);
  put_files_struct(self->files);
  self->files = nullptr;
  put_fs_struct(self->fs);
  self->fs = nullptr;
  return 0;
}

struct Writer {
  int id;
  long result;
};

// Each thread writes its own file of 3 pages and reads it back.
int writer_thread(void* arg) {
  auto* w = static_cast<Writer*>(arg);
  char name[32], buf[256], back[256];
  snprintf(name, sizeof name, "/ktest-vfs-%d", w->id);
  auto f = filp_open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (!f) return w->result = f.error().err;
  loff_t pos = 0;
  for (int i = 0; i < 48; i++) {
    memset(buf, 'a' + (w->id + i) % 26, sizeof buf);
    if (kernel_write(f.value(), buf, sizeof buf, &pos) != sizeof buf) return w->result = -EIO;
  }
  pos = 0;
  for (int i = 0; i < 48; i++) {
    if (kernel_read(f.value(), back, sizeof back, &pos) != sizeof back) return w->result = -EIO;
    for (char c : back)
      if (c != 'a' + (w->id + i) % 26) return w->result = -EILSEQ;
  }
  w->result = f.value()->f_inode->i_size;
  fput(f.value());
  return 0;
}

}  // namespace

KTEST(vfs, rootfs_has_dev_console_and_proc) {
  auto dev = filp_open("/dev", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(dev.ok());
  fput(dev.value());
  auto con = filp_open("/dev/console", O_RDWR, 0);
  ASSERT_TRUE(con.ok());
  EXPECT_TRUE(S_ISCHR(con.value()->f_inode->i_mode));
  EXPECT_EQ(con.value()->f_inode->i_rdev, MKDEV(5, 1));
  fput(con.value());
  auto proc = filp_open("/proc", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(proc.ok());
  fput(proc.value());
  auto none = filp_open("/dev/nonexistent", O_RDONLY, 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().err, -ENOENT);
}

KTEST(vfs, console_on_rootfs_gives_fds_0_1_2) {
  const long files_before = nr_files();
  long out[4] = {};
  task_struct* t = kthread_run(console_thread, out, "ktest-console");
  ASSERT_TRUE(t != nullptr);
  EXPECT_EQ(kthread_join(t), 0);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 43);  // the length of msg
  EXPECT_EQ(out[2], -ESPIPE);
  EXPECT_EQ(out[3], 6);
  EXPECT_EQ(nr_files(), files_before);
}

KTEST(vfs, ramfs_files_from_threads_on_every_cpu) {
  const long inodes = nr_inodes(), dentries = nr_dentries(), files = nr_files();
  constexpr int kThreads = 8;
  Writer w[kThreads];
  task_struct* t[kThreads];
  for (int i = 0; i < kThreads; i++) {
    w[i] = Writer{i, 0};
    t[i] = kthread_run(writer_thread, &w[i], "ktest-vfs/%d", i);
    ASSERT_TRUE(t[i] != nullptr);
  }
  for (int i = 0; i < kThreads; i++) {
    kthread_join(t[i]);
    EXPECT_EQ(w[i].result, 48 * 256);
  }
  dentry* root = vfs_root();
  const lookup_root r{root, root, 0};
  for (int i = 0; i < kThreads; i++) {
    char name[32];
    snprintf(name, sizeof name, "ktest-vfs-%d", i);
    EXPECT_EQ(vfs_unlinkat(r, root, name, false), 0);
  }
  dput(root);
  EXPECT_EQ(nr_inodes(), inodes);
  EXPECT_EQ(nr_dentries(), dentries);
  EXPECT_EQ(nr_files(), files);
}
