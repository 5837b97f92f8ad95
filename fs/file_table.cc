/*
 * Open files: struct file from the "filp" cache, dentry_open, the last
 * fput, and the kernel's read/write/lseek entry points that the system
 * calls and exec share.
 */
#include <fs/fs.h>

#include <new>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/mmap.h>
#include <mm/slab.h>

namespace {

kmem_cache* filp_cache;
std::atomic<long> live_files{0};

// What mm/ asks of the files behind VMAs (mm/mmap.h): references, the
// page cache, and its page for a fault (the file system's map_page).
void vma_file_get(file* f) { get_file(f); }
void vma_file_put(file* f) { fput(f); }
address_space* vma_file_mapping(const file* f) { return &f->f_inode->i_data; }
page* vma_file_get_page(file* f, unsigned long index) {
  return f->f_op && f->f_op->map_page ? f->f_op->map_page(f, index) : nullptr;
}
const vm_file_operations fs_vm_file_operations = {vma_file_get, vma_file_put, vma_file_mapping, vma_file_get_page};

}  // namespace

void files_cache_init() {
  filp_cache = kmem_cache_create("filp", sizeof(file), alignof(file), SLAB_PANIC, nullptr);
  fdtable_cache_init();
  vm_file_ops = &fs_vm_file_operations;
}

long nr_files() { return live_files.load(std::memory_order_relaxed); }

Result<file*> dentry_open(dentry* d, unsigned flags) {
  inode* ino = d->d_inode;
  const umode_t mode = ino->i_mode;
  if (!(flags & O_PATH)) {
    if (S_ISLNK(mode)) return Error{-ELOOP, "open: a symlink"};
    // FIFOs, sockets and block devices open only where something drives
    // them (a pipe's inode has its file operations); ramfs ones do not.
    if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISCHR(mode) && !ino->i_fop) return Error{-ENXIO, "open: no driver"};
  }
  void* mem = kmem_cache_alloc(filp_cache, GFP_KERNEL);
  if (!mem) return Error{-ENOMEM, "open: no memory"};
  file* f = new (mem) file;
  live_files.fetch_add(1, std::memory_order_relaxed);
  f->f_flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  f->f_dentry = dget(d);
  f->f_inode = ino;
  if (flags & O_PATH) {
    f->f_mode = FMODE_PATH;
    f->f_flags = flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW);
    return f;
  }
  const unsigned acc = flags & O_ACCMODE;
  f->f_mode = (acc == O_RDONLY || acc == O_RDWR ? FMODE_READ : 0) | (acc == O_WRONLY || acc == O_RDWR ? FMODE_WRITE : 0);
  f->f_op = ino->i_fop;
  if (f->f_op && f->f_op->open) {
    if (int err = f->f_op->open(ino, f)) {
      f->f_op = nullptr;  // no release for a file that never opened
      fput(f);
      return Error{err, "open: the driver refused"};
    }
  }
  return f;
}

void fput(file* f) {
  if (f->f_count.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (f->f_op && f->f_op->release) f->f_op->release(f->f_inode, f);
  dput(f->f_dentry);
  f->~file();
  kmem_cache_free(filp_cache, f);
  live_files.fetch_sub(1, std::memory_order_relaxed);
}

long kernel_read(file* f, void* buf, size_t count, loff_t* pos) {
  if (!(f->f_mode & FMODE_READ)) return -EBADF;
  if (S_ISDIR(f->f_inode->i_mode)) return -EISDIR;
  if (!f->f_op || !f->f_op->read) return -EINVAL;
  if (count == 0) return 0;
  return f->f_op->read(f, static_cast<char*>(buf), count, pos);
}

long kernel_write(file* f, const void* buf, size_t count, loff_t* pos) {
  if (!(f->f_mode & FMODE_WRITE)) return -EBADF;
  if (!f->f_op || !f->f_op->write) return -EINVAL;
  if (count == 0) return 0;
  return f->f_op->write(f, static_cast<const char*>(buf), count, pos);
}

loff_t generic_file_llseek(file* f, loff_t offset, int whence) {
  loff_t base;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = f->f_pos;
      break;
    case SEEK_END: {
      VfsMutexGuard g{f->f_inode->i_rwsem};
      base = f->f_inode->i_size;
      break;
    }
    default:
      return -EINVAL;
  }
  loff_t pos;
  if (__builtin_add_overflow(base, offset, &pos) || pos < 0) return -EINVAL;
  f->f_pos = pos;
  return pos;
}

loff_t no_llseek(file*, loff_t, int) { return -ESPIPE; }

loff_t vfs_llseek(file* f, loff_t offset, int whence) {
  if (f->f_mode & FMODE_PATH) return -EBADF;
  if (f->f_op && f->f_op->llseek) return f->f_op->llseek(f, offset, whence);
  return generic_file_llseek(f, offset, whence);
}

int vfs_truncate_locked(inode* ino, loff_t size) {
  if (S_ISDIR(ino->i_mode)) return -EISDIR;
  if (!S_ISREG(ino->i_mode)) return -EINVAL;
  if (!ino->i_op || !ino->i_op->setsize) return -EPERM;
  return ino->i_op->setsize(ino, size);
}

int vfs_iterate(file* f, dir_context* ctx) {
  if (f->f_mode & FMODE_PATH) return -EBADF;
  if (!S_ISDIR(f->f_inode->i_mode)) return -ENOTDIR;
  if (!f->f_op || !f->f_op->iterate) return -ENOTDIR;
  ctx->pos = f->f_pos;
  const int err = f->f_op->iterate(f, ctx);
  f->f_pos = ctx->pos;
  return err;
}

void vfs_getattr(inode* ino, kstat* st) {
  VfsMutexGuard g{ino->i_rwsem};
  st->ino = ino->i_ino;
  st->dev = ino->i_sb ? ino->i_sb->s_dev : 0;
  st->rdev = ino->i_rdev;
  st->mode = ino->i_mode;
  st->nlink = ino->i_nlink;
  st->uid = ino->i_uid;
  st->gid = ino->i_gid;
  st->size = ino->i_size;
  st->atime_sec = ino->i_atime.tv_sec;
  st->atime_nsec = ino->i_atime.tv_nsec;
  st->mtime_sec = ino->i_mtime.tv_sec;
  st->mtime_nsec = ino->i_mtime.tv_nsec;
  st->ctime_sec = ino->i_ctime.tv_sec;
  st->ctime_nsec = ino->i_ctime.tv_nsec;
  st->blksize = 4096;
  unsigned long long pages = 0;
  for (size_t i = 0; i < ino->i_npages; i++) pages += ino->i_pages[i] != nullptr;
  st->blocks = pages * 8;
}

void stat_to_user_layout(const kstat& k, linux_stat* out) {
  *out = linux_stat{};
  out->st_dev = new_encode_dev(k.dev);
  out->st_ino = k.ino;
  out->st_mode = k.mode;
  out->st_nlink = k.nlink;
  out->st_uid = k.uid;
  out->st_gid = k.gid;
  out->st_rdev = new_encode_dev(k.rdev);
  out->st_size = k.size;
  out->st_blksize = static_cast<int>(k.blksize);
  out->st_blocks = static_cast<long>(k.blocks);
  out->st_atime_ = k.atime_sec;
  out->st_atime_nsec = static_cast<unsigned long>(k.atime_nsec);
  out->st_mtime_ = k.mtime_sec;
  out->st_mtime_nsec = static_cast<unsigned long>(k.mtime_nsec);
  out->st_ctime_ = k.ctime_sec;
  out->st_ctime_nsec = static_cast<unsigned long>(k.ctime_nsec);
}
