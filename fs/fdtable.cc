/*
 * Descriptor tables (files_struct) and root/cwd (fs_struct); see
 * fs/fdtable.h for the structures and their locking.
 */
#include <fs/fdtable.h>

#include <new>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/slab.h>

fs_struct* init_fs;

namespace {

kmem_cache* files_cachep;
kmem_cache* fs_cachep;

constexpr unsigned kBitsPerLong = 8 * sizeof(unsigned long);

bool test_bit(const unsigned long* map, unsigned i) { return (map[i / kBitsPerLong] >> (i % kBitsPerLong)) & 1; }
void assign_bit(unsigned long* map, unsigned i, bool on) {
  const unsigned long m = 1ul << (i % kBitsPerLong);
  if (on)
    map[i / kBitsPerLong] |= m;
  else
    map[i / kBitsPerLong] &= ~m;
}

struct Arrays {
  file** fd;
  unsigned long* cloexec;
};

Arrays alloc_arrays(unsigned n) {
  auto** fd = static_cast<file**>(kzalloc(n * sizeof(file*), GFP_KERNEL));
  auto* ce = static_cast<unsigned long*>(kzalloc(n / 8, GFP_KERNEL));
  if (!fd || !ce) {
    kfree(fd);
    kfree(ce);
    return {nullptr, nullptr};
  }
  return {fd, ce};
}

// Grows the table to hold descriptor `want` (file_lock NOT held; it is
// taken for the swap). -EMFILE above NR_OPEN_MAX.
int expand_files(files_struct* files, unsigned want) {
  if (want >= NR_OPEN_MAX) return -EMFILE;
  unsigned cap;
  {
    MmLockGuard g{files->file_lock};
    cap = files->max_fds;
  }
  if (want < cap) return 0;
  unsigned n = cap ? cap : NR_OPEN_DEFAULT;
  while (n <= want) n *= 2;
  Arrays a = alloc_arrays(n);
  if (!a.fd) return -ENOMEM;
  file** old_fd;
  unsigned long* old_ce;
  {
    MmLockGuard g{files->file_lock};
    if (files->max_fds >= n) {  // someone else grew it meanwhile
      old_fd = a.fd;
      old_ce = a.cloexec;
    } else {
      memcpy(a.fd, files->fd, files->max_fds * sizeof(file*));
      memcpy(a.cloexec, files->close_on_exec, files->max_fds / 8);
      old_fd = files->fd;
      old_ce = files->close_on_exec;
      files->fd = a.fd;
      files->close_on_exec = a.cloexec;
      files->max_fds = n;
    }
  }
  kfree(old_fd);
  kfree(old_ce);
  return 0;
}

// Every file of a table whose last reference is gone.
void close_files(files_struct* files) {
  for (unsigned i = 0; i < files->max_fds; i++)
    if (files->fd[i]) fput(files->fd[i]);
}

}  // namespace

void fdtable_cache_init() {
  files_cachep = kmem_cache_create("files_cache", sizeof(files_struct), alignof(files_struct), SLAB_PANIC, nullptr);
  fs_cachep = kmem_cache_create("fs_cache", sizeof(fs_struct), alignof(fs_struct), SLAB_PANIC, nullptr);
}

files_struct* alloc_files() {
  void* mem = kmem_cache_alloc(files_cachep, GFP_KERNEL);
  if (!mem) return nullptr;
  files_struct* f = new (mem) files_struct;
  Arrays a = alloc_arrays(NR_OPEN_DEFAULT);
  if (!a.fd) {
    f->~files_struct();
    kmem_cache_free(files_cachep, f);
    return nullptr;
  }
  f->fd = a.fd;
  f->close_on_exec = a.cloexec;
  f->max_fds = NR_OPEN_DEFAULT;
  return f;
}

files_struct* dup_fd(files_struct* oldf) {
  files_struct* newf = alloc_files();
  if (!newf) return nullptr;
  for (;;) {
    unsigned cap;
    {
      MmLockGuard g{oldf->file_lock};
      cap = oldf->max_fds;
      if (cap <= newf->max_fds) {
        for (unsigned i = 0; i < cap; i++) {
          newf->fd[i] = oldf->fd[i];
          if (newf->fd[i]) get_file(newf->fd[i]);
        }
        memcpy(newf->close_on_exec, oldf->close_on_exec, cap / 8);
        return newf;
      }
    }
    if (expand_files(newf, cap - 1)) {
      put_files_struct(newf);
      return nullptr;
    }
  }
}

void put_files_struct(files_struct* files) {
  if (files->count.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  close_files(files);
  kfree(files->fd);
  kfree(files->close_on_exec);
  files->~files_struct();
  kmem_cache_free(files_cachep, files);
}

void do_close_on_exec(files_struct* files) {
  for (unsigned i = 0;; i++) {
    file* f = nullptr;
    {
      MmLockGuard g{files->file_lock};
      if (i >= files->max_fds) return;
      if (files->fd[i] && test_bit(files->close_on_exec, i)) {
        f = files->fd[i];
        files->fd[i] = nullptr;
        assign_bit(files->close_on_exec, i, false);
      }
    }
    if (f) fput(f);
  }
}

int alloc_fd_install(files_struct* files, unsigned start, file* f, bool cloexec) {
  for (;;) {
    unsigned want;
    {
      MmLockGuard g{files->file_lock};
      unsigned i = start;
      while (i < files->max_fds && files->fd[i]) i++;
      if (i < files->max_fds) {
        files->fd[i] = f;
        assign_bit(files->close_on_exec, i, cloexec);
        return static_cast<int>(i);
      }
      want = i;
    }
    if (int err = expand_files(files, want)) return err;
  }
}

file* fget(files_struct* files, unsigned fd) {
  MmLockGuard g{files->file_lock};
  if (fd >= files->max_fds || !files->fd[fd]) return nullptr;
  return get_file(files->fd[fd]);
}

int close_fd(files_struct* files, unsigned fd) {
  file* f;
  {
    MmLockGuard g{files->file_lock};
    if (fd >= files->max_fds || !files->fd[fd]) return -EBADF;
    f = files->fd[fd];
    files->fd[fd] = nullptr;
    assign_bit(files->close_on_exec, fd, false);
  }
  fput(f);
  return 0;
}

int replace_fd(files_struct* files, unsigned newfd, file* f, bool cloexec) {
  if (int err = expand_files(files, newfd)) return err == -EMFILE ? -EBADF : err;
  file* old;
  {
    MmLockGuard g{files->file_lock};
    old = files->fd[newfd];
    files->fd[newfd] = get_file(f);
    assign_bit(files->close_on_exec, newfd, cloexec);
  }
  if (old) fput(old);
  return static_cast<int>(newfd);
}

int get_close_on_exec(files_struct* files, unsigned fd) {
  MmLockGuard g{files->file_lock};
  if (fd >= files->max_fds || !files->fd[fd]) return -EBADF;
  return test_bit(files->close_on_exec, fd);
}

int set_close_on_exec(files_struct* files, unsigned fd, bool on) {
  MmLockGuard g{files->file_lock};
  if (fd >= files->max_fds || !files->fd[fd]) return -EBADF;
  assign_bit(files->close_on_exec, fd, on);
  return 0;
}

fs_struct* alloc_fs_struct(dentry* root, dentry* pwd) {
  void* mem = kmem_cache_alloc(fs_cachep, GFP_KERNEL);
  if (!mem) return nullptr;
  fs_struct* fs = new (mem) fs_struct;
  fs->root = dget(root);
  fs->pwd = dget(pwd);
  return fs;
}

fs_struct* copy_fs_struct(fs_struct* old) {
  lookup_root r = get_lookup_root(old);
  fs_struct* fs = alloc_fs_struct(r.root, r.cwd);
  if (fs) fs->umask = r.umask;
  put_lookup_root(r);
  return fs;
}

void put_fs_struct(fs_struct* fs) {
  if (fs->users.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  dput(fs->root);
  dput(fs->pwd);
  fs->~fs_struct();
  kmem_cache_free(fs_cachep, fs);
}

void set_fs_pwd(fs_struct* fs, dentry* d) {
  dget(d);
  dentry* old;
  {
    MmLockGuard g{fs->lock};
    old = fs->pwd;
    fs->pwd = d;
  }
  dput(old);
}

lookup_root get_lookup_root(fs_struct* fs) {
  MmLockGuard g{fs->lock};
  return lookup_root{dget(fs->root), dget(fs->pwd), fs->umask, current_fs_cred()};
}

void put_lookup_root(const lookup_root& r) {
  dput(r.root);
  dput(r.cwd);
}
