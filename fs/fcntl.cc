/*
 * dup, dup3, fcntl and ioctl (the generic FIOCLEX/FIONCLEX/FIONBIO, the
 * rest by the file's f_op->ioctl, else -ENOTTY).
 */
#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/syscalls.h>

namespace {

constexpr unsigned F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
constexpr unsigned FIONBIO = 0x5421, FIONCLEX = 0x5450, FIOCLEX = 0x5451;
// F_SETFL may change these (Linux's SETFL_MASK, minus what ramfs ignores anyway).
constexpr unsigned SETFL_MASK = O_APPEND | O_NONBLOCK | 00020000 /* FASYNC */ | 00040000 /* O_DIRECT */ |
                                01000000 /* O_NOATIME */;

long dupfd(file* f, unsigned long start, bool cloexec) {
  if (start >= NR_OPEN_MAX) return -EINVAL;
  const int fd = alloc_fd_install(current_files(), static_cast<unsigned>(start), get_file(f), cloexec);
  if (fd < 0) fput(f);
  return fd;
}

}  // namespace

long sys_dup(unsigned int fildes) {
  FdRef f(fildes);
  if (!f) return -EBADF;
  return dupfd(f.get(), 0, false);
}

long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags) {
  if (flags & ~static_cast<int>(O_CLOEXEC)) return -EINVAL;
  if (oldfd == newfd) return -EINVAL;
  FdRef f(oldfd);
  if (!f) return -EBADF;
  if (newfd >= NR_OPEN_MAX) return -EBADF;
  return replace_fd(current_files(), newfd, f.get(), flags & O_CLOEXEC);
}

long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg) {
  FdRef f(fd);
  if (!f) return -EBADF;
  const bool path = f->f_mode & FMODE_PATH;
  switch (cmd) {
    case F_DUPFD:
      return dupfd(f.get(), arg, false);
    case F_DUPFD_CLOEXEC:
      return dupfd(f.get(), arg, true);
    case F_GETFD:
      return get_close_on_exec(current_files(), fd) == 1 ? FD_CLOEXEC : 0;
    case F_SETFD:
      return set_close_on_exec(current_files(), fd, arg & FD_CLOEXEC);
    case F_GETFL:
      return f->f_flags;
    case F_SETFL:
      if (path) return -EBADF;
      f->f_flags = (f->f_flags & ~SETFL_MASK) | (static_cast<unsigned>(arg) & SETFL_MASK);
      return 0;
    default:
      return path ? -EBADF : -EINVAL;
  }
}

long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (f->f_mode & FMODE_PATH) return -EBADF;
  switch (cmd) {
    case FIOCLEX:
      return set_close_on_exec(current_files(), fd, true);
    case FIONCLEX:
      return set_close_on_exec(current_files(), fd, false);
    case FIONBIO: {
      uint8_t b[4];
      for (unsigned i = 0; i < 4; i++)
        if (get_user_u8(&b[i], arg + i)) return -EFAULT;
      const bool on = b[0] | b[1] | b[2] | b[3];
      f->f_flags = on ? f->f_flags | O_NONBLOCK : f->f_flags & ~O_NONBLOCK;
      return 0;
    }
    default:
      if (f->f_op && f->f_op->ioctl) return f->f_op->ioctl(f.get(), cmd, arg);
      return -ENOTTY;
  }
}
