// The file system calls from a task with a user address space: each case
// runs in a kernel thread that has its own descriptor table, fs_struct and
// an mm with 16 read-write user pages at kUser (kthread_use_mm), and calls
// the sys_* functions as the syscall table would, with user pointers,
// including hostile ones (unmapped, kernel addresses, straddling the end of
// the mapping), which must give -EFAULT.
#include <kernel/ktest.h>

#include <new>

#include <asm/active_mm.h>
#include <asm/uaccess.h>
#include <fs/fdtable.h>
#include <fs/fs.h>
#include <kernel/syscalls.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/slab.h>

#include "fs_user.h"

using namespace fs_user;

namespace {

void open_read_write(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-rw"), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ustr(BUF, "hello, world");
  EXPECT_EQ(sys_write(fd, BUF, 12), 12);
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_CUR), 12);
  EXPECT_EQ(sys_lseek(fd, 7, SEEK_SET), 7);
  EXPECT_EQ(sys_read(fd, BUF + 100, 100), 5);
  EXPECT_TRUE(ueq(BUF + 100, "world", 5));
  EXPECT_EQ(sys_read(fd, BUF + 100, 100), 0);
  EXPECT_EQ(sys_pread64(fd, BUF + 200, 5, 0), 5);
  EXPECT_TRUE(ueq(BUF + 200, "hello", 5));
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_CUR), 12);  // pread leaves the position
  EXPECT_EQ(sys_lseek(fd, -1, SEEK_SET), -EINVAL);
  EXPECT_EQ(sys_lseek(fd, 0, 3), -EINVAL);
  // Hostile buffers: nothing transferred, the position unchanged.
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_SET), 0);
  EXPECT_EQ(sys_read(fd, kUnmapped, 10), -EFAULT);
  EXPECT_EQ(sys_read(fd, kKernelPtr, 10), -EFAULT);
  EXPECT_EQ(sys_write(fd, kKernelPtr, 10), -EFAULT);
  EXPECT_EQ(sys_read(fd, 0, 10), -EFAULT);
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_CUR), 0);
  // A buffer running off the end of the mapping: the part that fits.
  EXPECT_EQ(sys_read(fd, kUser + kUserSize - 4, 12), 4);
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_CUR), 4);
  EXPECT_EQ(sys_read(fd, BUF, -1ul), 8);  // a huge count is capped, not refused
  EXPECT_EQ(sys_close(fd), 0);
  EXPECT_EQ(sys_close(fd), -EBADF);
  EXPECT_EQ(sys_read(fd, BUF, 1), -EBADF);
  EXPECT_EQ(sys_openat(AT_FDCWD, P1, O_RDWR | O_CREAT | O_EXCL, 0600), -EEXIST);
  const long ro = sys_openat(AT_FDCWD, P1, O_RDONLY, 0);
  ASSERT_GE(ro, 0);
  EXPECT_EQ(sys_write(ro, BUF, 1), -EBADF);
  EXPECT_EQ(sys_ftruncate(ro, 0), -EINVAL);
  EXPECT_EQ(sys_close(ro), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

void open_errors(KTestContext& ktest_ctx_) {
  EXPECT_EQ(sys_openat(AT_FDCWD, ustr(P1, "/no/such"), O_RDONLY, 0), -ENOENT);
  EXPECT_EQ(sys_openat(AT_FDCWD, ustr(P1, "/dev"), O_WRONLY, 0), -EISDIR);
  EXPECT_EQ(sys_openat(AT_FDCWD, ustr(P1, "/dev/console/x"), O_RDONLY, 0), -ENOTDIR);
  EXPECT_EQ(sys_openat(AT_FDCWD, ustr(P1, "/dev/console"), O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
  EXPECT_EQ(sys_openat(AT_FDCWD, ustr(P1, ""), O_RDONLY, 0), -ENOENT);
  EXPECT_EQ(sys_openat(AT_FDCWD, kUnmapped, O_RDONLY, 0), -EFAULT);
  EXPECT_EQ(sys_openat(AT_FDCWD, kKernelPtr, O_RDONLY, 0), -EFAULT);
  copy_to_user(kUser + kUserSize - 3, "xyz", 3);
  EXPECT_EQ(sys_openat(AT_FDCWD, kUser + kUserSize - 3, O_RDONLY, 0), -EFAULT);  // no NUL before the end
  // A name of PATH_MAX bytes without its NUL.
  char* big = static_cast<char*>(kmalloc(PATH_MAX + 1, GFP_KERNEL));
  ASSERT_TRUE(big != nullptr);
  memset(big, 'a', PATH_MAX);
  big[PATH_MAX] = 0;
  copy_to_user(BUF, big, PATH_MAX + 1);
  kfree(big);
  EXPECT_EQ(sys_openat(AT_FDCWD, BUF, O_RDONLY, 0), -ENAMETOOLONG);
  EXPECT_EQ(sys_openat(12345, ustr(P1, "rel"), O_RDONLY, 0), -EBADF);
  EXPECT_EQ(sys_openat(-7, P1, O_RDONLY, 0), -EBADF);
}

void stat_layout(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-stat"), O_RDWR | O_CREAT | O_TRUNC, 0640);
  ASSERT_GE(fd, 0);
  ustr(BUF, "0123456789");
  EXPECT_EQ(sys_write(fd, BUF, 10), 10);
  linux_stat a, b;
  EXPECT_EQ(sys_fstat(fd, BUF), 0);
  copy_from_user(&a, BUF, sizeof a);
  EXPECT_EQ(a.st_mode, S_IFREG | 0640u);
  EXPECT_EQ(a.st_size, 10);
  EXPECT_EQ(a.st_nlink, 1u);
  EXPECT_EQ(a.st_blksize, 4096);
  EXPECT_EQ(sys_newfstatat(AT_FDCWD, P1, BUF, 0), 0);
  copy_from_user(&b, BUF, sizeof b);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_EQ(sys_newfstatat(fd, ustr(P2, ""), BUF, AT_EMPTY_PATH), 0);
  copy_from_user(&b, BUF, sizeof b);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(sys_newfstatat(fd, P2, BUF, 0), -ENOENT);
  EXPECT_EQ(sys_newfstatat(AT_FDCWD, P1, BUF, 0x1), -EINVAL);
  EXPECT_EQ(sys_newfstatat(AT_FDCWD, P1, kUnmapped, 0), -EFAULT);
  EXPECT_EQ(sys_fstat(fd, kKernelPtr), -EFAULT);
  // A symlink: followed by default, itself with AT_SYMLINK_NOFOLLOW.
  EXPECT_EQ(sys_symlinkat(ustr(P2, "ktest-stat"), AT_FDCWD, ustr(BUF + 512, "/ktest-link")), 0);
  EXPECT_EQ(sys_newfstatat(AT_FDCWD, BUF + 512, BUF, 0), 0);
  copy_from_user(&b, BUF, sizeof b);
  EXPECT_EQ(b.st_ino, a.st_ino);
  EXPECT_EQ(sys_newfstatat(AT_FDCWD, BUF + 512, BUF, AT_SYMLINK_NOFOLLOW), 0);
  copy_from_user(&b, BUF, sizeof b);
  EXPECT_EQ(b.st_mode, S_IFLNK | 0777u);
  EXPECT_EQ(b.st_size, 10);
  // readlinkat: the target, truncated to bufsiz, no NUL added.
  EXPECT_EQ(sys_readlinkat(AT_FDCWD, BUF + 512, BUF + 1024, 100), 10);
  EXPECT_TRUE(ueq(BUF + 1024, "ktest-stat", 10));
  EXPECT_EQ(sys_readlinkat(AT_FDCWD, BUF + 512, BUF + 2048, 3), 3);
  EXPECT_EQ(sys_readlinkat(AT_FDCWD, BUF + 512, BUF, 0), -EINVAL);
  EXPECT_EQ(sys_readlinkat(AT_FDCWD, P1, BUF, 100), -EINVAL);
  EXPECT_EQ(sys_readlinkat(AT_FDCWD, BUF + 512, kUnmapped, 100), -EFAULT);
  // The console: a character device 5:1 (st_rdev in the user encoding).
  EXPECT_EQ(sys_newfstatat(AT_FDCWD, ustr(P2, "/dev/console"), BUF, 0), 0);
  copy_from_user(&b, BUF, sizeof b);
  EXPECT_EQ(b.st_mode & S_IFMT, static_cast<unsigned>(S_IFCHR));
  EXPECT_EQ(b.st_rdev, 0x501ul);
  EXPECT_EQ(sys_close(fd), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, BUF + 512, 0), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

void getdents(KTestContext& ktest_ctx_) {
  ASSERT_EQ(sys_mkdirat(AT_FDCWD, ustr(P1, "/ktest-dir"), 0755), 0);
  const long dfd = sys_openat(AT_FDCWD, P1, O_RDONLY | O_DIRECTORY, 0);
  ASSERT_GE(dfd, 0);
  char name[16];
  for (int i = 0; i < 20; i++) {
    snprintf(name, sizeof name, "file%02d", i);
    const long fd = sys_openat(dfd, ustr(P2, name), O_WRONLY | O_CREAT, 0644);
    EXPECT_GE(fd, 0);
    sys_close(fd);
  }
  EXPECT_EQ(sys_mkdirat(dfd, ustr(P2, "sub"), 0755), 0);
  EXPECT_EQ(sys_getdents64(dfd, BUF, 10), -EINVAL);  // too small for one record
  unsigned seen = 0, files = 0;
  bool dot = false, dotdot = false, sub = false, well_formed = true;
  for (;;) {
    const long n = sys_getdents64(dfd, BUF, 200);  // a few records per call
    ASSERT_GE(n, 0);
    if (n == 0) break;
    char buf[200];
    copy_from_user(buf, BUF, static_cast<size_t>(n));
    for (long off = 0; off < n;) {
      uint16_t reclen;
      memcpy(&reclen, buf + off + 16, 2);
      const char* nm = buf + off + 19;
      const unsigned char type = static_cast<unsigned char>(buf[off + 18]);
      if (reclen % 8 || reclen < 24 || off + reclen > n) {
        well_formed = false;
        break;
      }
      seen++;
      if (strcmp(nm, ".") == 0) dot = true;
      if (strcmp(nm, "..") == 0) dotdot = true;
      if (strcmp(nm, "sub") == 0) sub = type == DT_DIR;
      if (strncmp(nm, "file", 4) == 0 && type == DT_REG) files++;
      off += reclen;
    }
  }
  EXPECT_TRUE(well_formed);
  EXPECT_EQ(seen, 23u);
  EXPECT_EQ(files, 20u);
  EXPECT_TRUE(dot && dotdot && sub);
  EXPECT_EQ(sys_lseek(dfd, 0, SEEK_SET), 0);
  EXPECT_EQ(sys_getdents64(dfd, kUnmapped, 4096), -EFAULT);
  EXPECT_GT(sys_getdents64(dfd, BUF, 4096), 0);  // the position did not move on EFAULT
  const long reg = sys_openat(dfd, ustr(P2, "file00"), O_RDONLY, 0);
  EXPECT_EQ(sys_getdents64(reg, BUF, 4096), -ENOTDIR);
  sys_close(reg);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, AT_REMOVEDIR), -ENOTEMPTY);
  for (int i = 0; i < 20; i++) {
    snprintf(name, sizeof name, "file%02d", i);
    EXPECT_EQ(sys_unlinkat(dfd, ustr(P2, name), 0), 0);
  }
  EXPECT_EQ(sys_unlinkat(dfd, ustr(P2, "sub"), 0), -EISDIR);
  EXPECT_EQ(sys_unlinkat(dfd, P2, AT_REMOVEDIR), 0);
  EXPECT_EQ(sys_unlinkat(dfd, P2, 0x1), -EINVAL);
  EXPECT_EQ(sys_close(dfd), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, AT_REMOVEDIR), 0);
}

void dup_fcntl(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/dev/console"), O_RDWR, 0);
  ASSERT_EQ(fd, 0);  // the lowest free descriptor
  EXPECT_EQ(sys_fcntl(fd, 3 /* F_GETFL */, 0), static_cast<long>(O_RDWR | FS_O_LARGEFILE));
  EXPECT_EQ(sys_dup(fd), 1);
  EXPECT_EQ(sys_dup3(fd, 5, O_CLOEXEC), 5);
  EXPECT_EQ(sys_fcntl(5, 1 /* F_GETFD */, 0), 1);
  EXPECT_EQ(sys_fcntl(1, 1, 0), 0);
  EXPECT_EQ(sys_fcntl(fd, 1030 /* F_DUPFD_CLOEXEC */, 3), 3);
  EXPECT_EQ(sys_fcntl(3, 1, 0), 1);
  EXPECT_EQ(sys_fcntl(3, 2 /* F_SETFD */, 0), 0);
  EXPECT_EQ(sys_fcntl(3, 1, 0), 0);
  EXPECT_EQ(sys_fcntl(fd, 0 /* F_DUPFD */, 3), 4);  // the lowest free at or above 3
  EXPECT_EQ(sys_dup3(fd, fd, 0), -EINVAL);
  EXPECT_EQ(sys_dup3(fd, 7, 1), -EINVAL);
  EXPECT_EQ(sys_dup3(99, 7, 0), -EBADF);
  EXPECT_EQ(sys_dup3(fd, NR_OPEN_MAX, 0), -EBADF);
  EXPECT_EQ(sys_fcntl(fd, 9999, 0), -EINVAL);
  EXPECT_EQ(sys_fcntl(77, 1, 0), -EBADF);
  // exec closes exactly the close-on-exec descriptors.
  EXPECT_EQ(sys_fcntl(1, 2, 1), 0);
  do_close_on_exec(get_current()->files);
  EXPECT_EQ(sys_fcntl(1, 1, 0), -EBADF);
  EXPECT_EQ(sys_fcntl(5, 1, 0), -EBADF);
  EXPECT_EQ(sys_fcntl(3, 1, 0), 0);
  // ioctl: TCGETS on the console gives a termios, on a file ENOTTY.
  EXPECT_EQ(sys_ioctl(fd, 0x5401, BUF), 0);
  EXPECT_EQ(sys_ioctl(fd, 0x5401, kUnmapped), -EFAULT);
  EXPECT_EQ(sys_ioctl(fd, 0x1234, BUF), -ENOTTY);
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_SET), -ESPIPE);
  EXPECT_EQ(sys_pread64(fd, BUF, 1, 0), -ESPIPE);
  const long f = sys_openat(AT_FDCWD, ustr(P1, "/ktest-ioctl"), O_RDWR | O_CREAT, 0600);
  EXPECT_EQ(sys_ioctl(f, 0x5401, BUF), -ENOTTY);
  EXPECT_EQ(sys_ioctl(f, 0x5451 /* FIOCLEX */, 0), 0);
  EXPECT_EQ(sys_fcntl(f, 1, 0), 1);
  sys_close(f);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

void cwd(KTestContext& ktest_ctx_) {
  EXPECT_EQ(sys_getcwd(BUF, 100), 2);
  EXPECT_TRUE(ueq(BUF, "/", 2));
  ASSERT_EQ(sys_mkdirat(AT_FDCWD, ustr(P1, "/ktest-cwd"), 0755), 0);
  EXPECT_EQ(sys_mkdirat(AT_FDCWD, P1, 0755), -EEXIST);
  EXPECT_EQ(sys_mkdirat(AT_FDCWD, ustr(P2, "/ktest-cwd/inner"), 0755), 0);
  EXPECT_EQ(sys_chdir(P2), 0);
  EXPECT_EQ(sys_getcwd(BUF, 100), 17);
  EXPECT_TRUE(ueq(BUF, "/ktest-cwd/inner", 17));
  EXPECT_EQ(sys_getcwd(BUF, 16), -ERANGE);
  EXPECT_EQ(sys_getcwd(kUnmapped, 100), -EFAULT);
  const long fd = sys_openat(AT_FDCWD, ustr(P2, "../here"), O_WRONLY | O_CREAT, 0644);
  EXPECT_GE(fd, 0);
  sys_close(fd);
  EXPECT_EQ(sys_faccessat(AT_FDCWD, ustr(P2, "/ktest-cwd/here"), 0), 0);
  EXPECT_EQ(sys_faccessat(AT_FDCWD, P2, 1 /* X_OK */), -EACCES);  // 0644: no x bit, even for root
  EXPECT_EQ(sys_faccessat(AT_FDCWD, P2, 8), -EINVAL);
  EXPECT_EQ(sys_chdir(P2), -ENOTDIR);
  EXPECT_EQ(sys_chdir(kUnmapped), -EFAULT);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P2, 0), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, ustr(P2, "/ktest-cwd/inner"), AT_REMOVEDIR), 0);
  EXPECT_EQ(sys_getcwd(BUF, 100), -ENOENT);  // the cwd is gone
  EXPECT_EQ(sys_chdir(ustr(P2, "/")), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, AT_REMOVEDIR), 0);
}

void iovecs(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-iov"), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ustr(BUF, "abc");
  ustr(BUF + 8, "defgh");
  const uint64_t iov[6] = {BUF, 3, BUF + 8, 5, BUF, 0};
  copy_to_user(BUF + 512, iov, sizeof iov);
  EXPECT_EQ(sys_writev(fd, BUF + 512, 3), 8);
  EXPECT_EQ(sys_lseek(fd, 0, SEEK_SET), 0);
  const uint64_t riov[4] = {BUF + 1024, 2, BUF + 1100, 100};
  copy_to_user(BUF + 600, riov, sizeof riov);
  EXPECT_EQ(sys_readv(fd, BUF + 600, 2), 8);
  EXPECT_TRUE(ueq(BUF + 1024, "ab", 2));
  EXPECT_TRUE(ueq(BUF + 1100, "cdefgh", 6));
  EXPECT_EQ(sys_writev(fd, kUnmapped, 1), -EFAULT);
  EXPECT_EQ(sys_writev(fd, BUF + 512, 1025), -EINVAL);
  const uint64_t bad[2] = {kKernelPtr, 4};
  copy_to_user(BUF + 700, bad, sizeof bad);
  EXPECT_EQ(sys_writev(fd, BUF + 700, 1), -EFAULT);
  const uint64_t neg[2] = {BUF, ~0ull};
  copy_to_user(BUF + 700, neg, sizeof neg);
  EXPECT_EQ(sys_readv(fd, BUF + 700, 1), -EINVAL);
  sys_close(fd);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

struct PipeFeeder {
  file* w;
  size_t total;
  long written;
};

// Writes `total` bytes of a pattern (byte i is i % 251) in odd-sized pieces.
int pipe_feeder(void* arg) {
  auto* pf = static_cast<PipeFeeder*>(arg);
  char buf[3001];
  size_t done = 0;
  while (done < pf->total) {
    const size_t n = pf->total - done < sizeof buf ? pf->total - done : sizeof buf;
    for (size_t i = 0; i < n; i++) buf[i] = static_cast<char>((done + i) % 251);
    loff_t pos = 0;
    const long w = kernel_write(pf->w, buf, n, &pos);
    if (w <= 0) break;
    done += static_cast<size_t>(w);
  }
  pf->written = static_cast<long>(done);
  fput(pf->w);  // the last write end: the reader sees end of file
  return 0;
}

void pipes(KTestContext& ktest_ctx_) {
  int fds[2];
  ASSERT_EQ(sys_pipe2(BUF, 0), 0);
  copy_from_user(fds, BUF, sizeof fds);
  EXPECT_EQ(fds[0], 0);
  EXPECT_EQ(fds[1], 1);
  EXPECT_EQ(sys_write(fds[1], ustr(P1, "abc"), 3), 3);
  EXPECT_EQ(sys_read(fds[0], P2, 10), 3);
  EXPECT_TRUE(ueq(P2, "abc", 3));
  EXPECT_EQ(sys_lseek(fds[0], 0, SEEK_SET), -ESPIPE);
  EXPECT_EQ(sys_write(fds[0], P1, 1), -EBADF);
  linux_stat st;
  EXPECT_EQ(sys_fstat(fds[0], BUF), 0);
  copy_from_user(&st, BUF, sizeof st);
  EXPECT_EQ(st.st_mode & S_IFMT, static_cast<unsigned>(S_IFIFO));
  EXPECT_EQ(sys_close(fds[1]), 0);
  EXPECT_EQ(sys_read(fds[0], P2, 10), 0);  // no writer: end of file
  EXPECT_EQ(sys_close(fds[0]), 0);

  // Non-blocking: empty and full give EAGAIN; no reader gives EPIPE.
  ASSERT_EQ(sys_pipe2(BUF, O_NONBLOCK | O_CLOEXEC), 0);
  copy_from_user(fds, BUF, sizeof fds);
  EXPECT_EQ(sys_fcntl(fds[0], 1, 0), 1);
  EXPECT_EQ(sys_read(fds[0], P2, 10), -EAGAIN);
  long total = 0;
  for (int i = 0; i < 20; i++) {
    const long n = sys_write(fds[1], BUF, 4096);
    if (n < 0) {
      EXPECT_EQ(n, -EAGAIN);
      break;
    }
    total += n;
  }
  EXPECT_EQ(total, 65536);
  EXPECT_EQ(sys_close(fds[0]), 0);
  EXPECT_EQ(sys_write(fds[1], BUF, 1), -EPIPE);
  EXPECT_EQ(sys_close(fds[1]), 0);

  EXPECT_EQ(sys_pipe2(BUF, 0x1), -EINVAL);
  EXPECT_EQ(sys_pipe2(kUnmapped, 0), -EFAULT);
  // The failed pipe2 calls left no descriptor behind: the next one is 0.
  EXPECT_EQ(sys_openat(AT_FDCWD, ustr(P1, "/dev/console"), O_RDWR, 0), 0);
  sys_close(0);

  // A blocking reader and a writer thread: 200 KB through the 64 KB ring.
  ASSERT_EQ(sys_pipe2(BUF, 0), 0);
  copy_from_user(fds, BUF, sizeof fds);
  PipeFeeder pf{fget(get_current()->files, static_cast<unsigned>(fds[1])), 200000, 0};
  EXPECT_EQ(sys_close(fds[1]), 0);  // the feeder holds the only write end
  task_struct* t = kthread_run(pipe_feeder, &pf, "ktest-pipe");
  ASSERT_TRUE(t != nullptr);
  size_t got = 0;
  bool pattern = true;
  for (;;) {
    const long n = sys_read(fds[0], BUF, 7000);
    if (n <= 0) {
      EXPECT_EQ(n, 0);
      break;
    }
    char buf[7000];
    copy_from_user(buf, BUF, static_cast<size_t>(n));
    for (long i = 0; i < n; i++) pattern &= buf[i] == static_cast<char>((got + static_cast<size_t>(i)) % 251);
    got += static_cast<size_t>(n);
  }
  kthread_join(t);
  EXPECT_EQ(pf.written, 200000);
  EXPECT_EQ(got, 200000u);
  EXPECT_TRUE(pattern);
  EXPECT_EQ(sys_close(fds[0]), 0);
}

// fork's side: a copied table shares the open files, CLONE_FILES/CLONE_FS
// share the tables themselves; exit gives everything back.
void fork_tables(KTestContext& ktest_ctx_) {
  task_struct* self = get_current();
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/dev/console"), O_RDWR, 0);
  ASSERT_EQ(fd, 0);
  file* f = fget(self->files, 0);
  const long before = f->f_count.load();
  void* mem = kmalloc(sizeof(task_struct), GFP_KERNEL);
  ASSERT_TRUE(mem != nullptr);
  task_struct* child = new (mem) task_struct;  // only its files and fs are used
  EXPECT_EQ(copy_files_and_fs(0, self, child), 0);
  EXPECT_TRUE(child->files != self->files && child->fs != self->fs);
  EXPECT_EQ(f->f_count.load(), before + 1);
  EXPECT_TRUE(fget(child->files, 0) == f);
  fput(f);
  exit_files_and_fs(child);
  EXPECT_TRUE(child->files == nullptr && child->fs == nullptr);
  EXPECT_EQ(f->f_count.load(), before);
  EXPECT_EQ(copy_files_and_fs(0x600 /* CLONE_FS | CLONE_FILES */, self, child), 0);
  EXPECT_TRUE(child->files == self->files && child->fs == self->fs);
  EXPECT_EQ(self->files->count.load(), 2);
  EXPECT_EQ(self->fs->users.load(), 2);
  exit_files_and_fs(child);
  EXPECT_EQ(self->files->count.load(), 1);
  EXPECT_EQ(self->fs->users.load(), 1);
  child->~task_struct();
  kfree(mem);
  fput(f);
  EXPECT_EQ(sys_close(0), 0);
}

// mmap(2) of a descriptor: a private mapping shows the file's bytes (zeros
// past its end), the open mode and file type give Linux's errnos.
void mmap_fd(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-mmap"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ustr(BUF, "mapped bytes");
  EXPECT_EQ(sys_write(fd, BUF, 12), 12);
  const long a = sys_mmap(0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, static_cast<unsigned long>(fd), 0);
  ASSERT_GT(a, 0);
  EXPECT_TRUE(ueq(static_cast<uintptr_t>(a), "mapped bytes\0\0", 14));
  EXPECT_EQ(sys_close(fd), 0);  // the mapping keeps the file
  EXPECT_TRUE(ueq(static_cast<uintptr_t>(a), "mapped", 6));
  EXPECT_EQ(sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 99, 0), -EBADF);
  const long wo = sys_openat(AT_FDCWD, P1, O_WRONLY, 0);
  EXPECT_EQ(sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, static_cast<unsigned long>(wo), 0), -EACCES);
  const long dir = sys_openat(AT_FDCWD, ustr(P2, "/dev"), O_RDONLY | O_DIRECTORY, 0);
  EXPECT_EQ(sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, static_cast<unsigned long>(dir), 0), -ENODEV);
  const long con = sys_openat(AT_FDCWD, ustr(P2, "/dev/console"), O_RDWR, 0);
  EXPECT_EQ(sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, static_cast<unsigned long>(con), 0), -ENODEV);
  sys_close(wo);
  sys_close(dir);
  sys_close(con);
  EXPECT_EQ(sys_munmap(static_cast<unsigned long>(a), 2 * PAGE_SIZE), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

}  // namespace

KTEST(fs_syscalls, open_read_write_lseek_close) { run_as_user(ktest_ctx_, open_read_write); }
KTEST(fs_syscalls, open_errnos_and_hostile_names) { run_as_user(ktest_ctx_, open_errors); }
KTEST(fs_syscalls, stat_layout_symlinks_readlinkat) { run_as_user(ktest_ctx_, stat_layout); }
KTEST(fs_syscalls, getdents64_records) { run_as_user(ktest_ctx_, getdents); }
KTEST(fs_syscalls, dup_fcntl_cloexec_ioctl) { run_as_user(ktest_ctx_, dup_fcntl); }
KTEST(fs_syscalls, chdir_getcwd_faccessat) { run_as_user(ktest_ctx_, cwd); }
KTEST(fs_syscalls, readv_writev) { run_as_user(ktest_ctx_, iovecs); }
KTEST(fs_syscalls, pipe2_eof_epipe_eagain_and_a_blocking_reader) { run_as_user(ktest_ctx_, pipes); }
KTEST(fs_syscalls, fork_copies_or_shares_the_tables) { run_as_user(ktest_ctx_, fork_tables); }
KTEST(fs_syscalls, mmap_of_a_descriptor) { run_as_user(ktest_ctx_, mmap_fd); }
