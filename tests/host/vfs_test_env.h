// A booted SLAB plus the VFS (an empty ramfs root) for host tests, with a
// leak check at the end: every inode, dentry and file must be gone.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include <fs/fdtable.h>
#include <fs/fs.h>

#include "../../mm/slab_internal.h"  // slab_caches, for SlabTestEnv::settle
#include "test_slab_env.h"

struct VfsTestEnv : SlabTestEnv {
  dentry* root;
  lookup_root r;

  VfsTestEnv() : SlabTestEnv(64ull << 20) {
    vfs_caches_init();
    root = vfs_root();
    r = lookup_root{root, root, 022};
  }
  ~VfsTestEnv() {
    dput(root);
    vfs_exit();
    CHECK(nr_files() == 0);
    CHECK(nr_dentries() == 0);
    CHECK(nr_inodes() == 0);
  }

  int mkdir(const char* p, umode_t mode = 0755) { return vfs_mkdirat(r, root, p, mode); }
  int symlink(const char* target, const char* p) { return vfs_symlinkat(r, target, root, p); }
  int unlink(const char* p) { return vfs_unlinkat(r, root, p, false); }
  int rmdir(const char* p) { return vfs_unlinkat(r, root, p, true); }

  // open(p, flags) -> the file or a negative errno in *err.
  file* open(const char* p, unsigned flags, int* err = nullptr, umode_t mode = 0644) {
    auto f = do_filp_open(r, root, p, flags, mode);
    if (err) *err = f ? 0 : f.error().err;
    return f ? f.value() : nullptr;
  }
  // Creates (or truncates) p with contents s; 0 or a negative errno.
  int write_file(const char* p, const std::string& s, unsigned extra = 0) {
    int err;
    file* f = open(p, O_WRONLY | O_CREAT | O_TRUNC | extra, &err);
    if (!f) return err;
    loff_t pos = 0;
    const long n = s.empty() ? 0 : kernel_write(f, s.data(), s.size(), &pos);
    fput(f);
    return n == static_cast<long>(s.size()) ? 0 : static_cast<int>(n < 0 ? n : -EIO);
  }
  // The whole contents of p, or "<errno N>".
  std::string read_file(const char* p) {
    int err;
    file* f = open(p, O_RDONLY, &err);
    if (!f) return "<errno " + std::to_string(err) + ">";
    std::string out;
    char buf[1000];
    loff_t pos = 0;
    for (;;) {
      const long n = kernel_read(f, buf, sizeof buf, &pos);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    fput(f);
    return out;
  }
  // Lookup: 0 and *mode, or a negative errno.
  int stat(const char* p, unsigned flags = LOOKUP_FOLLOW, unsigned* mode = nullptr) {
    auto d = path_lookupat(r, root, p, flags);
    if (!d) return d.error().err;
    if (mode) *mode = d.value()->d_inode->i_mode;
    dput(d.value());
    return 0;
  }
  std::string path_of(const char* p, unsigned flags = LOOKUP_FOLLOW) {
    auto d = path_lookupat(r, root, p, flags);
    if (!d) return "<errno " + std::to_string(d.error().err) + ">";
    char buf[PATH_MAX];
    auto s = d_path(r, d.value(), buf, sizeof buf);
    dput(d.value());
    return s ? std::string(s.value()) : "<errno " + std::to_string(s.error().err) + ">";
  }
};
