// fchmod, fchmodat and truncate (fs/attr.cc) from a task with a user address space
// (fs_user.h): the permission bits change and the file type stays, the
// ctime moves, a symlink is followed to its target, and the errnos are
// Linux's (EBADF for an O_PATH descriptor, EPERM for /proc's entries,
// EFAULT/ENOENT/ENOTDIR from the name).
#include <kernel/ktest.h>

#include <asm/uaccess.h>
#include <fs/fs.h>
#include <kernel/errno.h>
#include <kernel/syscalls.h>
#include <kernel/process.h>

#include "fs_user.h"

using namespace fs_user;

namespace {

linux_stat stat_of(int dfd, uintptr_t name, int flags = 0) {
  linux_stat st{};
  if (sys_newfstatat(dfd, name, BUF, flags) == 0) copy_from_user(&st, BUF, sizeof st);
  return st;
}

void chmod_calls(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-chmod"), O_RDWR | O_CREAT | O_EXCL, 0640);
  ASSERT_GE(fd, 0);
  const linux_stat before = stat_of(AT_FDCWD, P1);
  EXPECT_EQ(before.st_mode, S_IFREG | 0640u);
  EXPECT_EQ(sys_fchmod(static_cast<unsigned>(fd), 0755), 0);
  linux_stat st = stat_of(AT_FDCWD, P1);
  EXPECT_EQ(st.st_mode, S_IFREG | 0755u);
  EXPECT_TRUE(st.st_ctime_ > before.st_ctime_ ||
              (st.st_ctime_ == before.st_ctime_ && st.st_ctime_nsec >= before.st_ctime_nsec));
  // Only the permission bits (with set-id and sticky) are taken: a file
  // type in the argument changes nothing.
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, P1, S_IFDIR | 07777), 0);
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_mode, S_IFREG | 07777u);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, P1, 0), 0);
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_mode, static_cast<unsigned>(S_IFREG));
  // The descriptor sees the same inode.
  EXPECT_EQ(sys_fstat(static_cast<unsigned>(fd), BUF), 0);
  copy_from_user(&st, BUF, sizeof st);
  EXPECT_EQ(st.st_mode, static_cast<unsigned>(S_IFREG));

  // A symlink is followed: the target changes, the link stays 0777.
  EXPECT_EQ(sys_symlinkat(ustr(P2, "ktest-chmod"), AT_FDCWD, ustr(BUF + 512, "/ktest-chmod-link")), 0);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, BUF + 512, 0711), 0);
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_mode, S_IFREG | 0711u);
  EXPECT_EQ(stat_of(AT_FDCWD, BUF + 512, AT_SYMLINK_NOFOLLOW).st_mode, S_IFLNK | 0777u);

  // Relative to a directory descriptor; a directory's own mode.
  ASSERT_EQ(sys_mkdirat(AT_FDCWD, ustr(P2, "/ktest-chmod-dir"), 0755), 0);
  const long dfd = sys_openat(AT_FDCWD, P2, O_RDONLY | O_DIRECTORY, 0);
  ASSERT_GE(dfd, 0);
  const long inner = sys_openat(static_cast<int>(dfd), ustr(BUF + 1024, "f"), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(inner, 0);
  EXPECT_EQ(sys_fchmodat(static_cast<int>(dfd), BUF + 1024, 0604), 0);
  EXPECT_EQ(stat_of(static_cast<int>(dfd), BUF + 1024).st_mode, S_IFREG | 0604u);
  EXPECT_EQ(sys_fchmod(static_cast<unsigned>(dfd), 01777), 0);
  EXPECT_EQ(stat_of(AT_FDCWD, P2).st_mode, S_IFDIR | 01777u);

  // Errors.
  EXPECT_EQ(sys_fchmod(999, 0644), -EBADF);
  const long path_fd = sys_openat(AT_FDCWD, P1, O_PATH, 0);
  ASSERT_GE(path_fd, 0);
  EXPECT_EQ(sys_fchmod(static_cast<unsigned>(path_fd), 0644), -EBADF);
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_mode, S_IFREG | 0711u);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, ustr(BUF + 1024, "/ktest-chmod-none"), 0644), -ENOENT);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, ustr(BUF + 1024, "/ktest-chmod/x"), 0644), -ENOTDIR);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, ustr(BUF + 1024, ""), 0644), -ENOENT);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, kUnmapped, 0644), -EFAULT);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, kKernelPtr, 0644), -EFAULT);
  EXPECT_EQ(sys_fchmodat(static_cast<int>(fd), ustr(BUF + 1024, "rel"), 0644), -ENOTDIR);
  EXPECT_EQ(sys_fchmodat(4321, BUF + 1024, 0644), -EBADF);
  // /proc: a process's entries refuse (Linux's proc_setattr), through the
  // /proc/self symlink too. Kernel threads are not in the pid hash: put
  // this one there for the test, as fork would.
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    attach_pid(get_current());
  }
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, ustr(BUF + 1024, "/proc/self/maps"), 0666), -EPERM);
  EXPECT_EQ(sys_fchmodat(AT_FDCWD, ustr(BUF + 1024, "/proc/self"), 0777), -EPERM);
  EXPECT_EQ(stat_of(AT_FDCWD, ustr(BUF + 1024, "/proc/self/maps")).st_mode, S_IFREG | 0444u);
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    detach_pid(get_current());
  }

  EXPECT_EQ(sys_close(static_cast<unsigned>(path_fd)), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(inner)), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(dfd)), 0);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, ustr(BUF + 1024, "/ktest-chmod-dir/f"), 0), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P2, AT_REMOVEDIR), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, BUF + 512, 0), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

// truncate(2) by name: the size changes, a symlink is followed, and the
// errnos are Linux's.
void truncate_by_name(KTestContext& ktest_ctx_) {
  const long fd = sys_openat(AT_FDCWD, ustr(P1, "/ktest-truncate"), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ustr(BUF, "0123456789");
  EXPECT_EQ(sys_write(static_cast<unsigned>(fd), BUF, 10), 10);
  EXPECT_EQ(sys_truncate(P1, 4), 0);
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_size, 4);
  EXPECT_EQ(sys_pread64(static_cast<unsigned>(fd), BUF, 10, 0), 4);
  EXPECT_EQ(sys_symlinkat(ustr(P2, "ktest-truncate"), AT_FDCWD, ustr(BUF + 512, "/ktest-truncate-link")), 0);
  EXPECT_EQ(sys_truncate(BUF + 512, 8192), 0);  // through the link, growing (a hole)
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_size, 8192);
  EXPECT_EQ(sys_pread64(static_cast<unsigned>(fd), BUF, 6, 2), 6);
  EXPECT_TRUE(ueq(BUF, "23\0\0\0\0", 6));
  EXPECT_EQ(sys_truncate(P1, -1), -EINVAL);
  EXPECT_EQ(sys_truncate(ustr(BUF + 1024, "/dev"), 0), -EISDIR);
  EXPECT_EQ(sys_truncate(ustr(BUF + 1024, "/dev/console"), 0), -EINVAL);
  EXPECT_EQ(sys_truncate(ustr(BUF + 1024, "/ktest-truncate-none"), 0), -ENOENT);
  EXPECT_EQ(sys_truncate(ustr(BUF + 1024, ""), 0), -ENOENT);
  EXPECT_EQ(sys_truncate(kUnmapped, 0), -EFAULT);
  EXPECT_EQ(stat_of(AT_FDCWD, P1).st_size, 8192);
  EXPECT_EQ(sys_close(static_cast<unsigned>(fd)), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, BUF + 512, 0), 0);
  EXPECT_EQ(sys_unlinkat(AT_FDCWD, P1, 0), 0);
}

}  // namespace

KTEST(fs_attr, fchmod_and_fchmodat) { run_as_user(ktest_ctx_, chmod_calls); }
KTEST(fs_attr, truncate_by_name) { run_as_user(ktest_ctx_, truncate_by_name); }
