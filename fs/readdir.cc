/*
 * getdents64: the directory's entries as linux_dirent64 records
 *
 *   u64 d_ino | s64 d_off | u16 d_reclen | u8 d_type | name NUL, padded to 8
 *
 * d_off is the position of the next entry (what lseek would restore).
 * Records are built in a kernel buffer (the file system's iterate runs
 * under its locks) and copied out once; a buffer too small for even the
 * first record is -EINVAL, as Linux.
 */
#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/syscalls.h>
#include <lib/string.h>

namespace {

constexpr size_t kDirentHeader = 19;  // offsetof(linux_dirent64, d_name)

struct GetdentsCtx : dir_context {
  char* buf;
  size_t size, used;
  bool too_small;
};

bool filldir64(dir_context* c, const char* name, size_t len, loff_t pos, uint64_t ino, unsigned char type) {
  auto* ctx = static_cast<GetdentsCtx*>(c);
  const size_t reclen = (kDirentHeader + len + 1 + 7) & ~size_t{7};
  if (ctx->used + reclen > ctx->size) {
    if (ctx->used == 0) ctx->too_small = true;
    return false;
  }
  char* rec = ctx->buf + ctx->used;
  const int64_t next = pos + 1;
  const uint16_t rl = static_cast<uint16_t>(reclen);
  memcpy(rec, &ino, 8);
  memcpy(rec + 8, &next, 8);
  memcpy(rec + 16, &rl, 2);
  rec[18] = static_cast<char>(type);
  memcpy(rec + kDirentHeader, name, len);
  memset(rec + kDirentHeader + len, 0, reclen - kDirentHeader - len);
  ctx->used += reclen;
  return true;
}

}  // namespace

long sys_getdents64(unsigned int fd, uintptr_t dirent, unsigned int count) {
  FdRef f(fd);
  if (!f) return -EBADF;
  if (!access_ok(dirent, count)) return -EFAULT;
  const size_t size = count < 65536 ? count : 65536;
  GetdentsCtx ctx;
  ctx.actor = filldir64;
  ctx.buf = static_cast<char*>(kmalloc(size ? size : 1, GFP_KERNEL));
  if (!ctx.buf) return -ENOMEM;
  ctx.size = size;
  ctx.used = 0;
  ctx.too_small = false;
  const loff_t old_pos = f->f_pos;
  long ret = vfs_iterate(f.get(), &ctx);
  if (ret == 0) {
    if (ctx.too_small) {
      ret = -EINVAL;
    } else if (copy_to_user(dirent, ctx.buf, ctx.used)) {
      f->f_pos = old_pos;  // nothing reached the user: the entries stay unread
      ret = -EFAULT;
    } else {
      ret = static_cast<long>(ctx.used);
    }
  }
  kfree(ctx.buf);
  return ret;
}
