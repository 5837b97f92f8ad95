// Mappings of ramfs files and the page cache behind them (mm/filemap.h),
// from a task with a user address space (fs_user.h): a shared mapping's
// stores are the file's bytes for read(2) and write(2)'s bytes show in
// the mapping; a private mapping maps the same cache pages until it writes;
// truncation zaps every mapping past the new end (private copies too) and a
// fault there fails; fork and mremap keep the reverse map whole; and each
// cache page's reference count is the cache's one plus one per mapping,
// back to the baseline after munmap and close.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/uaccess.h>
#include <fs/fdtable.h>
#include <fs/fs.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <lib/string.h>
#include <mm/filemap.h>
#include <mm/memory.h>

#include "fs_user.h"
#include "settle.h"

using namespace fs_user;

namespace {

constexpr unsigned long P = PAGE_SIZE;

// The page mapped at addr in the current mm, or null.
page* mapped_page(mm_struct* mm, unsigned long addr) {
  const PtWalk w = mm_translate(mm, addr);
  return w.present ? pfn_to_page(w.pa >> PAGE_SHIFT) : nullptr;
}
mm_struct* cur_mm() { return get_current()->mm; }

// The inode behind fd (a file reference, dropped by the caller's fput).
file* file_of(long fd) { return fget(get_current()->files, static_cast<unsigned>(fd)); }

bool ustore(unsigned long addr, const char* s) { return copy_to_user(addr, s, strlen(s)) == 0; }
bool uload_ok(unsigned long addr) {
  char c;
  return copy_from_user(&c, addr, 1) == 0;
}
// Writes len bytes of c at file offset off.
long fill(long fd, char c, size_t len, loff_t off) {
  char buf[256];
  memset(buf, c, sizeof buf);
  long done = 0;
  while (static_cast<size_t>(done) < len) {
    const size_t n = len - static_cast<size_t>(done) < sizeof buf ? len - static_cast<size_t>(done) : sizeof buf;
    copy_to_user(BUF, buf, n);
    const long w = sys_pwrite64(static_cast<unsigned>(fd), BUF, n, off + done);
    if (w <= 0) return w;
    done += w;
  }
  return done;
}

// A read-write mapping of `pages` pages of fd from offset 0 (an errno
// comes back as an address past TASK_SIZE).
unsigned long map_rw(long fd, unsigned long pages, unsigned long type) {
  return static_cast<unsigned long>(
      sys_mmap(0, pages * P, PROT_READ | PROT_WRITE, type, static_cast<unsigned long>(fd), 0));
}

long open_file(const char* name, size_t pages) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, name), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) {
    for (size_t i = 0; i < pages; i++) fill(fd, static_cast<char>('a' + i), P, static_cast<loff_t>(i * P));
  }
  return fd;
}

void shared_both_ways(KTestContext& ktest_ctx_) {
  const long fd = open_file("/ktest-filemap", 2);
  ASSERT_GE(fd, 0);
  const long a = sys_mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<unsigned long>(fd), 0);
  ASSERT_GT(a, 0);
  const unsigned long s = static_cast<unsigned long>(a);
  EXPECT_TRUE(ueq(s, "aaaa", 4));
  EXPECT_TRUE(ueq(s + P, "bbbb", 4));
  // A store through the mapping is the file's.
  EXPECT_TRUE(ustore(s + 10, "stored"));
  EXPECT_EQ(sys_pread64(static_cast<unsigned>(fd), BUF, 8, 8), 8);
  EXPECT_TRUE(ueq(BUF, "aastored", 8));
  // write(2) is seen through the mapping.
  copy_to_user(BUF, "written", 7);
  EXPECT_EQ(sys_pwrite64(static_cast<unsigned>(fd), BUF, 7, P + 100), 7);
  EXPECT_TRUE(ueq(s + P + 100, "written", 7));
  // A second shared mapping at offset P maps the same page.
  const long b = sys_mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<unsigned long>(fd), P);
  ASSERT_GT(b, 0);
  const unsigned long t = static_cast<unsigned long>(b);
  EXPECT_TRUE(ueq(t + 100, "written", 7));
  EXPECT_TRUE(ustore(t + 200, "alias"));
  EXPECT_TRUE(ueq(s + P + 200, "alias", 5));
  EXPECT_TRUE(mapped_page(cur_mm(), s + P) == mapped_page(cur_mm(), t));
  // A private mapping: the cache's pages until it writes, then its own.
  const long c = sys_mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, static_cast<unsigned long>(fd), 0);
  ASSERT_GT(c, 0);
  const unsigned long u = static_cast<unsigned long>(c);
  EXPECT_TRUE(ueq(u + 10, "stored", 6));
  EXPECT_TRUE(ueq(u + P + 200, "alias", 5));
  EXPECT_TRUE(mapped_page(cur_mm(), u + P) == mapped_page(cur_mm(), t));
  EXPECT_TRUE(ustore(u + 10, "PRIVATE"));
  EXPECT_TRUE(ueq(s + 10, "stored", 6));
  EXPECT_EQ(sys_pread64(static_cast<unsigned>(fd), BUF, 6, 10), 6);
  EXPECT_TRUE(ueq(BUF, "stored", 6));
  EXPECT_TRUE(mapped_page(cur_mm(), u) != mapped_page(cur_mm(), s));
  // Its page 1, never written, shows a later write(2) (Linux too).
  copy_to_user(BUF, "later", 5);
  EXPECT_EQ(sys_pwrite64(static_cast<unsigned>(fd), BUF, 5, P + 300), 5);
  EXPECT_TRUE(ueq(u + P + 300, "later", 5));
  // msync answers, nothing to write back.
  EXPECT_EQ(sys_msync(s, 2 * P, MS_SYNC), 0);
  EXPECT_EQ(sys_msync(s, 2 * P, MS_ASYNC | MS_INVALIDATE), 0);
  EXPECT_EQ(sys_msync(s, 2 * P, MS_ASYNC | MS_SYNC), -EINVAL);

  // Reference counts: the cache's one plus one per mapping of the page.
  page* p1 = mapped_page(cur_mm(), s + P);
  ASSERT_TRUE(p1 != nullptr);
  EXPECT_EQ(page_ref_count(p1), 4);  // cache, s, t, u
  file* f = file_of(fd);
  ASSERT_TRUE(f != nullptr);
  address_space* m = &f->f_inode->i_data;
  EXPECT_TRUE(page_mapping(p1) == m);
  EXPECT_EQ(p1->index, 1ul);
  EXPECT_EQ(mapping_nr_vmas(m), 3ul);
  EXPECT_EQ(sys_munmap(t, P), 0);
  EXPECT_EQ(page_ref_count(p1), 3);
  EXPECT_EQ(sys_munmap(u, 2 * P), 0);
  EXPECT_EQ(page_ref_count(p1), 2);
  EXPECT_EQ(mapping_nr_vmas(m), 1ul);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_TRUE(ueq(s + P + 100, "written", 7));  // the mapping keeps the file
  EXPECT_EQ(sys_munmap(s, 2 * P), 0);
  EXPECT_EQ(page_ref_count(p1), 1);  // the cache's alone
  EXPECT_EQ(mapping_nr_vmas(m), 0ul);
  fput(f);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

void truncation(KTestContext& ktest_ctx_) {
  const long fd = open_file("/ktest-filemap-trunc", 3);
  ASSERT_GE(fd, 0);
  const unsigned long s = map_rw(fd, 4, MAP_SHARED);
  const unsigned long u = map_rw(fd, 3, MAP_PRIVATE);
  ASSERT_LT(s, TASK_SIZE);
  ASSERT_LT(u, TASK_SIZE);
  // Past the page holding the last byte: no page (SIGBUS for a user access).
  EXPECT_TRUE(uload_ok(s + 3 * P - 1));
  EXPECT_FALSE(uload_ok(s + 3 * P));
  EXPECT_TRUE(ustore(u + 2 * P, "copy"));  // a private copy of page 2
  EXPECT_TRUE(uload_ok(s + 2 * P));
  EXPECT_TRUE(mapped_page(cur_mm(), s + 2 * P) != nullptr);
  // Truncate into page 1: its tail reads zero at once, pages 2.. are gone
  // from both mappings, the private copy too.
  EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), P + 100), 0);
  EXPECT_TRUE(ueq(s + P + 98, "bb\0\0", 4));
  EXPECT_TRUE(ueq(u + P + 98, "bb\0\0", 4));
  EXPECT_TRUE(mapped_page(cur_mm(), s + 2 * P) == nullptr);
  EXPECT_TRUE(mapped_page(cur_mm(), u + 2 * P) == nullptr);
  EXPECT_FALSE(uload_ok(s + 2 * P));
  EXPECT_FALSE(uload_ok(u + 2 * P));
  EXPECT_FALSE(ustore(s + 2 * P, "x"));
  // Growing again: the pages come back as zeros, not as what was there.
  EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), 3 * P), 0);
  EXPECT_TRUE(ueq(s + 2 * P, "\0\0\0\0", 4));
  EXPECT_TRUE(ueq(u + 2 * P, "\0\0\0\0", 4));
  // A store into a hole made by the growth is the file's (size unchanged).
  EXPECT_TRUE(ustore(s + 2 * P + 7, "hole"));
  EXPECT_EQ(sys_pread64(static_cast<unsigned>(fd), BUF, 4, 2 * P + 7), 4);
  EXPECT_TRUE(ueq(BUF, "hole", 4));
  EXPECT_EQ(sys_lseek(static_cast<unsigned>(fd), 0, SEEK_END), static_cast<long>(3 * P));
  // To zero (by name) and back: everything goes, then the shared mapping
  // works again.
  EXPECT_EQ(sys_truncate(P1, 0), 0);
  EXPECT_FALSE(uload_ok(s));
  EXPECT_EQ(fill(fd, 'z', 10, 0), 10);
  EXPECT_TRUE(ueq(s, "zzzzzzzzzz\0", 11));
  EXPECT_EQ(sys_munmap(s, 4 * P), 0);
  EXPECT_EQ(sys_munmap(u, 3 * P), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

// fork's copy of a file VMA and mremap's move stay on the reverse map:
// a truncation after either zaps the copy and the moved entries.
void fork_and_mremap(KTestContext& ktest_ctx_) {
  const long fd = open_file("/ktest-filemap-fork", 2);
  ASSERT_GE(fd, 0);
  const unsigned long s = map_rw(fd, 2, MAP_SHARED);
  const unsigned long u = map_rw(fd, 2, MAP_PRIVATE);
  ASSERT_LT(s, TASK_SIZE);
  ASSERT_LT(u, TASK_SIZE);
  EXPECT_TRUE(uload_ok(s + P));
  EXPECT_TRUE(uload_ok(u + P));
  EXPECT_TRUE(ustore(u, "mine"));
  file* f = file_of(fd);
  ASSERT_TRUE(f != nullptr);
  address_space* m = &f->f_inode->i_data;
  mm_struct* child = mm_alloc();
  ASSERT_TRUE(child != nullptr);
  ASSERT_EQ(mm_alloc_pgd(child), 0);
  EXPECT_EQ(dup_mmap(child, cur_mm()), 0);
  EXPECT_EQ(mapping_nr_vmas(m), 4ul);
  // The child maps the same cache pages; its copy of the private page is
  // the parent's until one of them writes.
  EXPECT_TRUE(mapped_page(child, s + P) == mapped_page(cur_mm(), s + P));
  EXPECT_TRUE(mapped_page(child, u + P) == mapped_page(cur_mm(), s + P));
  EXPECT_TRUE(mapped_page(child, u) == mapped_page(cur_mm(), u));
  EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), 1), 0);
  EXPECT_TRUE(mapped_page(child, s + P) == nullptr);
  EXPECT_TRUE(mapped_page(child, u + P) == nullptr);
  EXPECT_TRUE(mapped_page(child, u) != nullptr);  // page 0 stays
  mmput(child);
  EXPECT_EQ(mapping_nr_vmas(m), 2ul);

  // mremap moves the shared mapping: the reverse map follows it.
  EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), 2 * P), 0);
  EXPECT_TRUE(ustore(s + P, "moved"));
  const unsigned long n = kUser + 0x1000000;  // a free place: it has to move
  ASSERT_EQ(sys_mremap(s, 2 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, n), static_cast<long>(n));
  EXPECT_TRUE(ueq(n + P, "moved", 5));
  EXPECT_EQ(mapping_nr_vmas(m), 2ul);
  // Split it: two VMAs of the file, each on the reverse map.
  EXPECT_EQ(sys_mprotect(n, P, PROT_READ), 0);
  EXPECT_EQ(mapping_nr_vmas(m), 3ul);
  EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), P), 0);
  EXPECT_TRUE(mapped_page(cur_mm(), n + P) == nullptr);
  EXPECT_FALSE(uload_ok(n + P));
  EXPECT_TRUE(uload_ok(n));
  EXPECT_EQ(sys_munmap(n, 3 * P), 0);
  EXPECT_EQ(sys_munmap(u, 2 * P), 0);
  EXPECT_EQ(mapping_nr_vmas(m), 0ul);
  fput(f);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

// Linux's mmap checks for a shared mapping of a file.
void shared_errnos(KTestContext& ktest_ctx_) {
  const long fd = open_file("/ktest-filemap-errno", 1);
  ASSERT_GE(fd, 0);
  const long ro = sys_openat(AT_FDCWD, P1, O_RDONLY, 0);
  ASSERT_GE(ro, 0);
  const unsigned long urw = PROT_READ | PROT_WRITE;
  EXPECT_EQ(sys_mmap(0, P, urw, MAP_SHARED, static_cast<unsigned long>(ro), 0), -EACCES);
  // Read-only: shared in name only, and mprotect cannot make it writable.
  const long r = sys_mmap(0, P, PROT_READ, MAP_SHARED, static_cast<unsigned long>(ro), 0);
  ASSERT_GT(r, 0);
  EXPECT_TRUE(ueq(static_cast<unsigned long>(r), "aaaa", 4));
  EXPECT_EQ(sys_mprotect(static_cast<unsigned long>(r), P, urw), -EACCES);
  EXPECT_EQ(sys_munmap(static_cast<unsigned long>(r), P), 0);
  // An O_PATH descriptor is no file to map (Linux's fget).
  const long path_fd = sys_openat(AT_FDCWD, P1, O_PATH, 0);
  ASSERT_GE(path_fd, 0);
  EXPECT_EQ(sys_mmap(0, P, PROT_READ, MAP_PRIVATE, static_cast<unsigned long>(path_fd), 0), -EBADF);
  EXPECT_EQ(sys_close(static_cast<unsigned>(path_fd)), 0);
  // MAP_SHARED_VALIDATE refuses flags the file does not support.
  EXPECT_EQ(sys_mmap(0, P, urw, MAP_SHARED_VALIDATE | MAP_SYNC, static_cast<unsigned long>(fd), 0), -EOPNOTSUPP);
  const long v = sys_mmap(0, P, urw, MAP_SHARED_VALIDATE, static_cast<unsigned long>(fd), 0);
  ASSERT_GT(v, 0);
  EXPECT_TRUE(ustore(static_cast<unsigned long>(v), "V"));
  EXPECT_EQ(sys_munmap(static_cast<unsigned long>(v), P), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(ro)), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

// Truncation racing with faults from another mm on another CPU: the
// racer loads and stores through its shared mapping (and a private one)
// while this thread shrinks and grows the file and writes it. Every load
// that works reads what someone wrote ('x') or a hole's zero; one past the
// end fails (SIGBUS for a user access); nothing is left mapped or leaked.
struct Racer {
  std::atomic<bool> stop{false};
  std::atomic<long> loads{0}, failed{0}, bad{0};
  int err = 0;
};

void racer(void* arg) {
  auto* r = static_cast<Racer*>(arg);
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-filemap-race"), O_RDWR, 0);
  const long s = sys_mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<unsigned long>(fd), 0);
  const long u = sys_mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, static_cast<unsigned long>(fd), 0);
  if (fd < 0 || s < 0 || u < 0) {
    r->err = 1;
    return;
  }
  for (unsigned i = 0; !r->stop.load(); i++) {
    const unsigned long off = (i % 4) * P + (i * 37) % P;
    char c;
    const unsigned long base = static_cast<unsigned long>(i % 3 ? s : u);
    if (copy_from_user(&c, base + off, 1)) {
      r->failed.fetch_add(1);
    } else {
      r->loads.fetch_add(1);
      if (c != 0 && c != 'x') r->bad.fetch_add(1);
    }
    if (i % 5 == 0) (void)copy_to_user(base + off, "x", 1);
  }
  sys_munmap(static_cast<unsigned long>(s), 4 * P);
  sys_munmap(static_cast<unsigned long>(u), 4 * P);
  sys_close(static_cast<unsigned>(fd));
}

void truncate_race(KTestContext& ktest_ctx_) {
  const long fd = open_file("/ktest-filemap-race", 0);
  ASSERT_GE(fd, 0);
  const long s = sys_mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<unsigned long>(fd), 0);
  ASSERT_GT(s, 0);
  Racer r;
  const int cpus = static_cast<int>(num_online_cpus());
  task_struct* t = spawn_as_user(racer, &r, cpus > 1 ? 1 : -1);
  ASSERT_TRUE(t != nullptr);
  for (unsigned i = 0; i < 1000; i++) {
    const unsigned pages = (i * 7) % 5;
    EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), static_cast<loff_t>(pages * P) - (pages ? 50 : 0)), 0);
    if (pages) EXPECT_EQ(fill(fd, 'x', 3, static_cast<loff_t>((i % pages) * P + 100)), 3);
    char c;
    if (copy_from_user(&c, static_cast<unsigned long>(s) + (i % 4) * P + 1, 1) == 0) EXPECT_TRUE(c == 0 || c == 'x');
    (void)copy_to_user(static_cast<unsigned long>(s) + (i % 4) * P + 2, "x", 1);
  }
  r.stop.store(true);
  EXPECT_EQ(kthread_join(t), 0);
  EXPECT_EQ(r.err, 0);
  EXPECT_EQ(r.bad.load(), 0);
  EXPECT_GT(r.loads.load(), 0);
  EXPECT_EQ(sys_ftruncate(static_cast<unsigned>(fd), P), 0);
  for (unsigned long a = static_cast<unsigned long>(s) + P; a < static_cast<unsigned long>(s) + 4 * P; a += P)
    EXPECT_TRUE(mapped_page(cur_mm(), a) == nullptr);
  EXPECT_EQ(sys_munmap(static_cast<unsigned long>(s), 4 * P), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

// Every page back where it was once the files are closed and unlinked.
// A first run on the CPU warms its caches (a SLAB cache's per-CPU array is
// made at its first use there); the second, on the same CPU, must leave
// the free page count exactly as it found it.
void run_settled(KTestContext& ktest_ctx_, void (*fn)(KTestContext&)) {
  run_as_user(ktest_ctx_, fn, 0);
  const uint64_t before = settled_free_pages();
  run_as_user(ktest_ctx_, fn, 0);
  EXPECT_EQ(settled_free_pages(), before);
}

}  // namespace

KTEST(filemap, shared_stores_and_writes_are_seen_both_ways) { run_settled(ktest_ctx_, shared_both_ways); }
KTEST(filemap, truncate_zaps_every_mapping_past_the_end) { run_settled(ktest_ctx_, truncation); }
KTEST(filemap, fork_and_mremap_stay_on_the_reverse_map) { run_settled(ktest_ctx_, fork_and_mremap); }
KTEST(filemap, shared_mapping_errnos) { run_as_user(ktest_ctx_, shared_errnos); }
KTEST(filemap, truncation_races_faults_on_another_cpu) { run_settled(ktest_ctx_, truncate_race); }
