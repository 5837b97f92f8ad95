// /proc in the kernel: meminfo, slabinfo and uptime; /proc/self and
// /proc/<pid>/{stat,status,comm,exe,maps} of a kernel thread that runs on
// an mm with known VMAs (anonymous, shared, PROT_NONE, heap, stack, a
// mapped ramfs file), compared with
// Linux's exact text; readdir of /proc lists it; once it is reaped its
// directory is gone.
#include <kernel/ktest.h>

#include <asm/active_mm.h>
#include <fs/fdtable.h>
#include <fs/fs.h>
#include <fs/proc.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <kernel/process.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/slab.h>

namespace {

// The whole text of a /proc file (or "<errno N>").
void read_all(const char* path, char* out, size_t size) {
  auto f = filp_open(path, O_RDONLY, 0);
  if (!f) {
    snprintf(out, size, "<errno %d>", f.error().err);
    return;
  }
  size_t len = 0;
  loff_t pos = 0;
  for (;;) {
    // Small reads: the snapshot must stay consistent across them.
    const size_t want = size - 1 - len < 13 ? size - 1 - len : 13;
    if (want == 0) break;
    const long n = kernel_read(f.value(), out + len, want, &pos);
    if (n <= 0) break;
    len += static_cast<size_t>(n);
  }
  out[len] = 0;
  fput(f.value());
}

long link_of(const char* path, char* buf, size_t size) {
  dentry* root = vfs_root();
  const lookup_root r{root, root, 0};
  auto d = path_lookupat(r, root, path, 0);
  dput(root);
  if (!d) return d.error().err;
  inode* ino = d.value()->d_inode;
  const long n = ino->i_op && ino->i_op->get_link ? ino->i_op->get_link(d.value(), buf, size) : -EINVAL;
  dput(d.value());
  return n;
}

bool contains(const char* hay, const char* needle) {
  const size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncmp(hay, needle, n) == 0) return true;
  return false;
}

struct Subject {
  mm_struct* mm;
  std::atomic<bool> ready{false}, done{false};
};

// A kernel thread on a user address space that waits to be looked at.
int subject_thread(void* arg) {
  auto* s = static_cast<Subject*>(arg);
  kthread_use_mm(s->mm);
  s->ready.store(true);
  for (;;) {  // asleep until woken for good: "S" in stat and status
    set_current_state(TASK_INTERRUPTIBLE);
    if (s->done.load()) break;
    schedule();
  }
  __set_current_state(TASK_RUNNING);
  kthread_unuse_mm(s->mm);
  return 0;
}

constexpr unsigned long P = PAGE_SIZE;

}  // namespace

KTEST(proc, meminfo_slabinfo_uptime) {
  char* buf = static_cast<char*>(kmalloc(65536, GFP_KERNEL));
  ASSERT_TRUE(buf != nullptr);
  read_all("/proc/meminfo", buf, 65536);
  EXPECT_EQ(strncmp(buf, "MemTotal:", 9), 0);
  EXPECT_TRUE(contains(buf, "\nMemFree:"));
  read_all("/proc/slabinfo", buf, 65536);
  EXPECT_EQ(strncmp(buf, "slabinfo - version: 2.1\n# name", 30), 0);
  EXPECT_TRUE(contains(buf, "\ndentry "));
  EXPECT_TRUE(contains(buf, "\nfilp "));
  read_all("/proc/uptime", buf, 64);
  EXPECT_TRUE(buf[0] >= '0' && buf[0] <= '9' && strchr(buf, '.') && buf[strlen(buf) - 1] == '\n');
  read_all("/proc/nonexistent", buf, 64);
  EXPECT_EQ(strcmp(buf, "<errno -2>"), 0);
  auto w = filp_open("/proc/meminfo", O_WRONLY, 0);
  EXPECT_FALSE(w.ok());
  kfree(buf);
}

KTEST(proc, a_thread_seen_through_proc_pid) {
  const long files = nr_files(), dentries = nr_dentries(), inodes = nr_inodes();
  // The mm: anonymous rw, PROT_NONE, a heap, a stack.
  mm_struct* mm = mm_alloc();
  ASSERT_TRUE(mm && !mm_alloc_pgd(mm));
  constexpr unsigned long ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  EXPECT_EQ(sys_mmap(mm, 0x10000, 2 * P, PROT_READ | PROT_WRITE, ANON, ~0ul, 0), 0x10000);
  EXPECT_EQ(sys_mmap(mm, 0x20000, P, PROT_NONE, ANON, ~0ul, 0), 0x20000);
  EXPECT_EQ(sys_mmap(mm, 0x24000, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, ~0ul, 0),
            0x24000);
  EXPECT_EQ(sys_mmap(mm, 0x30000, 3 * P, PROT_READ | PROT_WRITE, ANON, ~0ul, 0), 0x30000);
  mm->start_brk = 0x30000;
  mm->brk = 0x32000;
  EXPECT_EQ(sys_mmap(mm, 0x3fff0000, 4 * P, PROT_READ | PROT_WRITE | PROT_EXEC, ANON, ~0ul, 0), 0x3fff0000);
  mm->start_stack = 0x3fff3ff0;
  auto exe = filp_open("/ktest-proc-exe", O_RDWR | O_CREAT, 0755);
  ASSERT_TRUE(exe.ok());
  mm->exe_file = get_file(exe.value());
  unsigned long populate;
  {
    MmapWriteGuard g{mm};
    EXPECT_EQ(do_mmap_file(mm, exe.value(), FMODE_READ, 0x40000, P, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, 0,
                           &populate),
              0x40000ul);
  }
  Subject s{mm};
  task_struct* t = kthread_run(subject_thread, &s, "ktest-subject");
  ASSERT_TRUE(t != nullptr);
  // Ready, and asleep (not merely between two naps: one CPU may run it).
  while (!s.ready.load() || task_state(t) != TASK_INTERRUPTIBLE || t->on_cpu.load()) msleep(1);
  // Kernel threads are not in the pid hash (only processes are): put it
  // there for the test, as fork would.
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    attach_pid(t);
  }

  char path[64], buf[2048], want[1024];
  const unsigned long ino = exe.value()->f_inode->i_ino;
  const unsigned dev = exe.value()->f_inode->i_sb->s_dev;
  snprintf(path, sizeof path, "/proc/%d/maps", t->pid);
  read_all(path, buf, sizeof buf);
  // Linux: the name starts at column 73 (25 + 6 * sizeof(void*) - 1, then one space).
  snprintf(want, sizeof want,
           "00010000-00012000 rw-p 00000000 00:00 0 \n"
           "00020000-00021000 ---p 00000000 00:00 0 \n"
           "00024000-00026000 rw-s 00000000 00:01 0                                  /dev/zero (deleted)\n"
           "00030000-00033000 rw-p 00000000 00:00 0                                  [heap]\n"
           "00040000-00041000 r-xp 00000000 %02x:%02x %-10lu                         /ktest-proc-exe\n"
           "3fff0000-3fff4000 rwxp 00000000 00:00 0                                  [stack]\n",
           MAJOR(dev), MINOR(dev), ino);
  EXPECT_EQ(strcmp(buf, want), 0);
  if (strcmp(buf, want)) ktest_ctx_.fail(__FILE__, __LINE__, "maps:\n%s\nwanted:\n%s", buf, want);

  snprintf(path, sizeof path, "/proc/%d/stat", t->pid);
  read_all(path, buf, sizeof buf);
  snprintf(want, sizeof want, "%d (ktest-subject) S ", t->pid);
  EXPECT_EQ(strncmp(buf, want, strlen(want)), 0);
  unsigned fields = 0;
  for (const char* c = buf; *c; c++) fields += *c == ' ';
  EXPECT_EQ(fields, 51u);  // 52 fields
  snprintf(path, sizeof path, "/proc/%d/status", t->pid);
  read_all(path, buf, sizeof buf);
  EXPECT_EQ(strncmp(buf, "Name:\tktest-subject\nUmask:\t0022\nState:\tS (sleeping)\n", 51), 0);
  snprintf(path, sizeof path, "/proc/%d/comm", t->pid);
  read_all(path, buf, sizeof buf);
  EXPECT_EQ(strcmp(buf, "ktest-subject\n"), 0);
  snprintf(path, sizeof path, "/proc/%d/exe", t->pid);
  EXPECT_EQ(link_of(path, buf, sizeof buf), 15);
  EXPECT_EQ(strcmp(buf, "/ktest-proc-exe"), 0);
  snprintf(path, sizeof path, "/proc/%d/nothing", t->pid);
  read_all(path, buf, sizeof buf);
  EXPECT_EQ(strcmp(buf, "<errno -2>"), 0);

  // readdir of /proc: the fixed entries and our pid.
  auto dir = filp_open("/proc", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(dir.ok());
  struct Ctx : dir_context {
    int pid;
    bool self = false, found = false;
    unsigned n = 0;
  } ctx;
  ctx.pid = t->pid;
  ctx.actor = [](dir_context* c, const char* name, size_t len, loff_t, uint64_t, unsigned char) {
    auto* x = static_cast<Ctx*>(c);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", x->pid);
    x->self |= len == 4 && memcmp(name, "self", 4) == 0;
    x->found |= strlen(pid) == len && memcmp(name, pid, len) == 0;
    return ++x->n % 5 != 0;  // stop every 5 entries: positions must resume
  };
  for (unsigned last = ~0u; last != ctx.n;) {
    last = ctx.n;
    EXPECT_EQ(vfs_iterate(dir.value(), &ctx), 0);
    if (ctx.n % 5 == 0) ctx.n++;  // the refused entry comes again next call
  }
  fput(dir.value());
  EXPECT_TRUE(ctx.self);
  EXPECT_TRUE(ctx.found);

  s.done.store(true);
  wake_up_process(t);
  const int pid = t->pid;
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    detach_pid(t);
  }
  kthread_join(t);
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  read_all(path, buf, sizeof buf);
  EXPECT_EQ(strcmp(buf, "<errno -2>"), 0);
  mmput(mm);
  fput(exe.value());
  dentry* root = vfs_root();
  const lookup_root r{root, root, 0};
  EXPECT_EQ(vfs_unlinkat(r, root, "ktest-proc-exe", false), 0);
  dput(root);
  EXPECT_EQ(nr_files(), files);
  EXPECT_EQ(nr_dentries(), dentries);
  EXPECT_EQ(nr_inodes(), inodes);
}

KTEST(proc, self_is_the_caller) {
  char buf[32], want[32];
  EXPECT_GT(link_of("/proc/self", buf, sizeof buf), 0);
  snprintf(want, sizeof want, "%d", get_current()->tgid ? get_current()->tgid : get_current()->pid);
  EXPECT_EQ(strcmp(buf, want), 0);
  read_all("/proc/self/comm", buf, sizeof buf);
  char comm[32];
  snprintf(comm, sizeof comm, "%s\n", get_current()->comm);
  EXPECT_EQ(strcmp(buf, comm), 0);
}
