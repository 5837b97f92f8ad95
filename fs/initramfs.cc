/*
 * The initramfs unpacker: a cpio newc archive (lib/cpio.cc reads and
 * checks it) into the root file system, as Linux's init/initramfs.c does.
 *
 *   directory  mkdir (an existing directory is kept), then mode/owner/mtime
 *   regular    created or truncated, then written; hard links (nlink >= 2,
 *              same dev:ino) become links to the first name of the group,
 *              the data coming with whichever entry carries it
 *   symlink    created (an existing entry of that name is replaced)
 *   devices,   mknod: character devices open their driver (fs/char_dev.cc),
 *   FIFOs,     the others are kept as inodes that cannot be opened
 *   sockets
 *
 * Entries are applied one by one: a malformed archive stops at the bad
 * entry with the reader's message and offset, and everything before it
 * stays unpacked. An entry that cannot be applied (its parent directory is
 * missing, out of memory) is reported and skipped, as Linux skips it.
 */
#include <fs/initramfs.h>

#include <new>

#include <kernel/errno.h>
#include <lib/cpio.h>
#include <lib/string.h>
#include <mm/slab.h>

namespace {

struct LinkRecord {
  uint32_t dev_major, dev_minor, ino;
  char* name;
};

class Unpacker {
 public:
  Unpacker(dentry* root, UnpackStats* stats) : stats_(stats) { r_ = lookup_root{root, root, 0}; }
  ~Unpacker() {
    for (size_t i = 0; i < nlinks_; i++) kfree(links_[i].name);
    kfree(links_);
  }

  int apply(const CpioEntry& e) {
    if (e.name_len == 0) return set_attrs(r_.root, e);  // the root itself
    switch (e.type) {
      case CpioType::Directory:
        return do_dir(e);
      case CpioType::Regular:
        return do_file(e);
      case CpioType::Symlink:
        return do_symlink(e);
      default:
        return do_node(e);
    }
  }

 private:
  int set_attrs(dentry* d, const CpioEntry& e) {
    inode* ino = d->d_inode;
    VfsMutexGuard g{ino->i_rwsem};
    if (!S_ISLNK(ino->i_mode)) ino->i_mode = static_cast<umode_t>((ino->i_mode & S_IFMT) | (e.mode & 07777));
    ino->i_uid = e.uid;
    ino->i_gid = e.gid;
    ino->i_mtime = timespec64{static_cast<long>(e.mtime), 0};
    return 0;
  }
  int set_attrs_by_name(const CpioEntry& e) {
    auto d = path_lookupat(r_, r_.root, e.name, 0);
    if (!d) return d.error().err;
    set_attrs(d.value(), e);
    dput(d.value());
    return 0;
  }

  // Removes name when it exists with another type than `mode` (or always,
  // for `always`), as Linux's clean_path.
  void clean_path(const char* name, unsigned mode, bool always) {
    auto d = path_lookupat(r_, r_.root, name, 0);
    if (!d) return;
    const unsigned have = d.value()->d_inode->i_mode & S_IFMT;
    dput(d.value());
    if (!always && have == (mode & S_IFMT)) return;
    (void)vfs_unlinkat(r_, r_.root, name, have == S_IFDIR);
  }

  int do_dir(const CpioEntry& e) {
    clean_path(e.name, e.mode, false);
    int err = vfs_mkdirat(r_, r_.root, e.name, static_cast<umode_t>(e.mode & 07777));
    if (err && err != -EEXIST) return err;
    stats_->dirs += err == 0;
    return set_attrs_by_name(e);
  }

  int do_symlink(const CpioEntry& e) {
    clean_path(e.name, e.mode, true);
    char target[kCpioPathMax];
    memcpy(target, e.data, e.size);  // the reader checked 1 <= size < PATH_MAX, no NUL
    target[e.size] = 0;
    if (int err = vfs_symlinkat(r_, target, r_.root, e.name)) return err;
    stats_->symlinks++;
    return set_attrs_by_name(e);
  }

  int do_node(const CpioEntry& e) {
    clean_path(e.name, e.mode, true);
    const dev_t rdev = MKDEV(e.rdev_major, e.rdev_minor);
    if (int err = vfs_mknodat(r_, r_.root, e.name, static_cast<umode_t>(e.mode), rdev)) return err;
    stats_->nodes++;
    return set_attrs_by_name(e);
  }

  // The first name of e's hard-link group, or null (and e recorded as first).
  const char* link_group(const CpioEntry& e) {
    if (e.nlink < 2) return nullptr;
    for (size_t i = 0; i < nlinks_; i++)
      if (links_[i].ino == e.ino && links_[i].dev_major == e.dev_major && links_[i].dev_minor == e.dev_minor)
        return links_[i].name;
    if (nlinks_ == cap_) {
      const size_t n = cap_ ? 2 * cap_ : 16;
      auto* grown = static_cast<LinkRecord*>(krealloc(links_, n * sizeof(LinkRecord), GFP_KERNEL));
      if (!grown) return nullptr;
      links_ = grown;
      cap_ = n;
    }
    char* copy = kstrdup(e.name, GFP_KERNEL);
    if (copy) links_[nlinks_++] = LinkRecord{e.dev_major, e.dev_minor, e.ino, copy};
    return nullptr;
  }

  int do_file(const CpioEntry& e) {
    const char* first = link_group(e);
    unsigned flags = O_WRONLY | O_CREAT | O_TRUNC;
    if (first) {
      clean_path(e.name, e.mode, true);
      if (int err = vfs_linkat(r_, r_.root, first, r_.root, e.name)) return err;
      flags = O_WRONLY;  // the group's data may come with this entry: write it through the link
      stats_->hardlinks++;
    } else {
      clean_path(e.name, e.mode, false);
    }
    auto f = do_filp_open(r_, r_.root, e.name, flags, static_cast<umode_t>(e.mode & 07777));
    if (!f) return f.error().err;
    long err = 0;
    loff_t pos = 0;
    size_t done = 0;
    while (done < e.size) {
      const long n = kernel_write(f.value(), e.data + done, e.size - done, &pos);
      if (n <= 0) {
        err = n ? n : -EIO;
        break;
      }
      done += static_cast<size_t>(n);
    }
    fput(f.value());
    if (err) return static_cast<int>(err);
    stats_->files += first == nullptr;
    stats_->bytes += e.size;
    return set_attrs_by_name(e);
  }

  lookup_root r_;
  UnpackStats* stats_;
  LinkRecord* links_ = nullptr;
  size_t nlinks_ = 0, cap_ = 0;
};

}  // namespace

Result<void> unpack_to_rootfs(const void* buf, size_t len, dentry* root, UnpackStats* stats,
                              void (*report)(const char* name, int err)) {
  *stats = UnpackStats{};
  auto* reader = static_cast<CpioReader*>(kmalloc(sizeof(CpioReader), GFP_KERNEL));
  if (!reader) return Error{-ENOMEM, "initramfs: no memory for the reader"};
  new (reader) CpioReader(buf, len);
  Unpacker u{root, stats};
  Result<void> result;
  for (;;) {
    CpioEntry e;
    auto more = reader->next(&e);
    if (!more) {
      stats->error_offset = reader->offset();
      result = more.error();
      break;
    }
    if (!more.value()) break;
    if (int err = u.apply(e)) {
      stats->skipped++;
      if (report) report(e.raw_name, err);
    }
  }
  reader->~CpioReader();
  kfree(reader);
  return result;
}
