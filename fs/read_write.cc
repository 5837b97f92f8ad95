/*
 * read, write, readv, writev, pread64, pwrite64, lseek, ftruncate.
 *
 * File operations see kernel buffers only (fs/fs.h): data moves through a
 * one-page bounce buffer, a chunk at a time, with no lock held while user
 * memory is touched. A chunk the file gave short (a console line, the end
 * of a file) ends the call. When user memory faults part-way, the call
 * returns what was transferred before the fault, or -EFAULT if nothing
 * was, and a file's position only advances over bytes that reached the
 * user (Linux's answer for a partially bad buffer).
 */
#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/syscalls.h>

namespace {

constexpr size_t kChunk = 4096;
constexpr size_t MAX_RW_COUNT = 0x7ffff000;  // INT_MAX & PAGE_MASK, as Linux caps one call

int check_readable(file* f) {
  if (!(f->f_mode & FMODE_READ)) return -EBADF;
  if (S_ISDIR(f->f_inode->i_mode)) return -EISDIR;
  if (!f->f_op || !f->f_op->read) return -EINVAL;
  return 0;
}
int check_writable(file* f) {
  if (!(f->f_mode & FMODE_WRITE)) return -EBADF;
  if (!f->f_op || !f->f_op->write) return -EINVAL;
  return 0;
}

// The frame read and write share: the count cap, the range check, the
// bounce page, and the result (the bytes moved, else the first error).
// step(bounce, user, want, &moved, &err) moves one chunk and says whether
// to go on.
template <typename Step>
long bounce_loop(int check, uintptr_t ubuf, size_t count, Step step) {
  if (check) return check;
  if (count > MAX_RW_COUNT) count = MAX_RW_COUNT;
  if (!access_ok(ubuf, count)) return -EFAULT;
  if (count == 0) return 0;
  char* bounce = static_cast<char*>(kmalloc(kChunk, GFP_KERNEL));
  if (!bounce) return -ENOMEM;
  size_t done = 0;
  long err = 0;
  for (bool more = true; more && done < count;) {
    const size_t want = count - done < kChunk ? count - done : kChunk;
    size_t moved = 0;
    more = step(bounce, ubuf + done, want, &moved, &err);
    done += moved;
  }
  kfree(bounce);
  return done ? static_cast<long>(done) : err;
}

// Reads up to count bytes at *pos into user memory.
long do_read(file* f, uintptr_t ubuf, size_t count, loff_t* pos) {
  return bounce_loop(check_readable(f), ubuf, count,
                     [f, pos](char* bounce, uintptr_t u, size_t want, size_t* moved, long* err) {
                       loff_t p = *pos;
                       const long n = f->f_op->read(f, bounce, want, &p);
                       if (n <= 0) {
                         *err = n;
                         return false;
                       }
                       const size_t left = copy_to_user(u, bounce, static_cast<size_t>(n));
                       *moved = static_cast<size_t>(n) - left;
                       *pos += static_cast<loff_t>(*moved);
                       if (left) *err = -EFAULT;
                       return !left && static_cast<size_t>(n) == want;
                     });
}

long do_write(file* f, uintptr_t ubuf, size_t count, loff_t* pos) {
  return bounce_loop(check_writable(f), ubuf, count,
                     [f, pos](char* bounce, uintptr_t u, size_t want, size_t* moved, long* err) {
                       const size_t left = copy_from_user(bounce, u, want);
                       if (left == want) {
                         *err = -EFAULT;
                         return false;
                       }
                       const long n = f->f_op->write(f, bounce, want - left, pos);
                       if (n <= 0) {
                         *err = n;
                         return false;
                       }
                       *moved = static_cast<size_t>(n);
                       if (left) *err = -EFAULT;
                       return !left && static_cast<size_t>(n) == want;
                     });
}

struct iovec_user {
  uint64_t iov_base;
  uint64_t iov_len;
};
constexpr unsigned long UIO_MAXIOV = 1024;

long do_iov(unsigned long fd, uintptr_t vec, unsigned long vlen, bool write) {
  FdRef f(static_cast<unsigned>(fd));
  if (!f || fd > 0xffffffffu) return -EBADF;
  if (int err = write ? check_writable(f.get()) : check_readable(f.get())) return err;
  if (vlen > UIO_MAXIOV) return -EINVAL;
  if (vlen == 0) return 0;
  // Validate every segment first, as Linux does (EINVAL for a negative
  // total, EFAULT for a bad array).
  size_t total = 0;
  for (unsigned long i = 0; i < vlen; i++) {
    iovec_user iov;
    if (copy_from_user(&iov, vec + i * sizeof(iov), sizeof(iov))) return -EFAULT;
    if (static_cast<int64_t>(iov.iov_len) < 0) return -EINVAL;
    if (iov.iov_len > MAX_RW_COUNT - total) iov.iov_len = MAX_RW_COUNT - total;
    if (!access_ok(iov.iov_base, iov.iov_len)) return -EFAULT;
    total += iov.iov_len;
  }
  size_t done = 0;
  for (unsigned long i = 0; i < vlen; i++) {
    iovec_user iov;
    if (copy_from_user(&iov, vec + i * sizeof(iov), sizeof(iov))) break;
    if (iov.iov_len == 0) continue;
    const long n = write ? do_write(f.get(), iov.iov_base, iov.iov_len, &f->f_pos)
                         : do_read(f.get(), iov.iov_base, iov.iov_len, &f->f_pos);
    if (n < 0) return done ? static_cast<long>(done) : n;
    done += static_cast<size_t>(n);
    if (static_cast<uint64_t>(n) < iov.iov_len) break;
  }
  return static_cast<long>(done);
}

}  // namespace

long sys_read(unsigned int fd, uintptr_t buf, size_t count) {
  FdRef f(fd);
  if (!f) return -EBADF;
  return do_read(f.get(), buf, count, &f->f_pos);
}

long sys_write(unsigned int fd, uintptr_t buf, size_t count) {
  FdRef f(fd);
  if (!f) return -EBADF;
  return do_write(f.get(), buf, count, &f->f_pos);
}

long sys_readv(unsigned long fd, uintptr_t vec, unsigned long vlen) { return do_iov(fd, vec, vlen, false); }
long sys_writev(unsigned long fd, uintptr_t vec, unsigned long vlen) { return do_iov(fd, vec, vlen, true); }

long sys_pread64(unsigned int fd, uintptr_t buf, size_t count, loff_t pos) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (pos < 0) return -EINVAL;
  if (f->f_op && f->f_op->llseek == no_llseek) return -ESPIPE;
  return do_read(f.get(), buf, count, &pos);
}

long sys_pwrite64(unsigned int fd, uintptr_t buf, size_t count, loff_t pos) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (pos < 0) return -EINVAL;
  if (f->f_op && f->f_op->llseek == no_llseek) return -ESPIPE;
  return do_write(f.get(), buf, count, &pos);
}

long sys_lseek(unsigned int fd, loff_t offset, unsigned int whence) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (whence > SEEK_END) return -EINVAL;
  return vfs_llseek(f.get(), offset, static_cast<int>(whence));
}

long sys_ftruncate(unsigned int fd, loff_t length) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (length < 0) return -EINVAL;
  inode* ino = f->f_inode;
  // Linux: EINVAL for anything but a regular file open for writing.
  if (!(f->f_mode & FMODE_WRITE) || !S_ISREG(ino->i_mode)) return -EINVAL;
  VfsMutexGuard g{ino->i_rwsem};
  return vfs_truncate_locked(ino, length);
}
