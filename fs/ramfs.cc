/*
 * ramfs: files that live in memory only (Linux's ramfs/tmpfs semantics
 * without a size limit). The namespace is the dcache itself; a regular
 * file's contents are an array of pages indexed by page number, grown by
 * write and shrunk by truncate. A slot that was never written is a hole
 * and reads as zeros. i_rwsem guards the array and i_size.
 *
 * The pages are the file's page cache (mm/filemap.h): a mapping of the
 * file maps them (map_page; a hole faulted in gets a zeroed page), so
 * read and write see a shared mapping's stores and the other way round.
 * The array holds one reference per page; a truncation takes the pages
 * past the new end off the cache, then zaps them out of every mapping.
 */
#include <fs/fs.h>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

namespace {

constexpr size_t kPage = MM_PAGE_SIZE;

void free_pages_from(inode* ino, size_t first) {
  for (size_t i = first; i < ino->i_npages; i++)
    if (ino->i_pages[i]) {
      page_cache_remove(ino->i_pages[i]);
      put_page(ino->i_pages[i]);  // mappings may hold it a little longer
      ino->i_pages[i] = nullptr;
    }
}

// The page of slot idx, a zeroed one put in the cache for a hole; null
// when out of memory (i_rwsem held, slots made).
page* slot_page(inode* ino, size_t idx) {
  page*& slot = ino->i_pages[idx];
  if (!slot) {
    slot = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, 0);
    if (slot) page_cache_add(slot, &ino->i_data, idx);
  }
  return slot;
}

void ramfs_evict(inode* ino) {
  if (ino->i_pages) {
    free_pages_from(ino, 0);
    kfree(ino->i_pages);
  }
  kfree(ino->i_link);
}

// Makes room for `pages` page slots (i_rwsem held).
int ensure_slots(inode* ino, size_t pages) {
  if (pages <= ino->i_npages) return 0;
  size_t n = ino->i_npages ? ino->i_npages : 4;
  while (n < pages) n *= 2;
  if (n > (size_t{1} << 40) / sizeof(page*)) return -EFBIG;
  auto** slots = static_cast<page**>(krealloc(ino->i_pages, n * sizeof(page*), GFP_KERNEL));
  if (!slots) return -ENOMEM;
  memset(slots + ino->i_npages, 0, (n - ino->i_npages) * sizeof(page*));
  ino->i_pages = slots;
  ino->i_npages = n;
  return 0;
}

long ramfs_read(file* f, char* buf, size_t count, loff_t* pos) {
  inode* ino = f->f_inode;
  VfsMutexGuard g{ino->i_rwsem};
  if (*pos < 0) return -EINVAL;
  if (*pos >= ino->i_size) return 0;
  const size_t n = static_cast<size_t>(ino->i_size - *pos) < count ? static_cast<size_t>(ino->i_size - *pos) : count;
  size_t done = 0;
  while (done < n) {
    const uint64_t off = static_cast<uint64_t>(*pos) + done;
    const size_t idx = off / kPage, in = off % kPage;
    const size_t chunk = kPage - in < n - done ? kPage - in : n - done;
    page* p = idx < ino->i_npages ? ino->i_pages[idx] : nullptr;
    if (p)
      memcpy(buf + done, static_cast<char*>(page_address(p)) + in, chunk);
    else
      memset(buf + done, 0, chunk);
    done += chunk;
  }
  *pos += static_cast<loff_t>(n);
  return static_cast<long>(n);
}

long ramfs_write(file* f, const char* buf, size_t count, loff_t* pos) {
  inode* ino = f->f_inode;
  VfsMutexGuard g{ino->i_rwsem};
  if (f->f_flags & O_APPEND) *pos = ino->i_size;
  if (*pos < 0) return -EINVAL;
  if (count == 0) return 0;
  if (static_cast<uint64_t>(*pos) + count > static_cast<uint64_t>(MAX_LFS_FILESIZE)) return -EFBIG;
  const uint64_t end = static_cast<uint64_t>(*pos) + count;
  if (int err = ensure_slots(ino, (end + kPage - 1) / kPage)) return err;
  size_t done = 0;
  while (done < count) {
    const uint64_t off = static_cast<uint64_t>(*pos) + done;
    const size_t idx = off / kPage, in = off % kPage;
    const size_t chunk = kPage - in < count - done ? kPage - in : count - done;
    page* p = slot_page(ino, idx);
    if (!p) break;
    memcpy(static_cast<char*>(page_address(p)) + in, buf + done, chunk);
    done += chunk;
  }
  if (done == 0) return -ENOMEM;
  *pos += static_cast<loff_t>(done);
  if (*pos > ino->i_size) ino->i_size = *pos;
  ino->i_mtime = ino->i_ctime = current_time();
  return static_cast<long>(done);
}

// i_rwsem held. Growing leaves holes; shrinking frees whole pages past the
// end and zeroes the tail of the last one, so a later growth reads zeros
// (and a mapping of that page sees the zeros at once, as on Linux). Every
// mapping loses its entries past the end: an access there is SIGBUS.
int ramfs_setsize(inode* ino, loff_t size) {
  if (size < 0) return -EINVAL;
  if (size < ino->i_size) {
    const uint64_t keep = (static_cast<uint64_t>(size) + kPage - 1) / kPage;
    free_pages_from(ino, keep);
    const size_t in = static_cast<uint64_t>(size) % kPage;
    if (in && keep - 1 < ino->i_npages && ino->i_pages[keep - 1])
      memset(static_cast<char*>(page_address(ino->i_pages[keep - 1])) + in, 0, kPage - in);
    unmap_mapping_range(&ino->i_data, keep);
  }
  ino->i_size = size;
  ino->i_mtime = ino->i_ctime = current_time();
  return 0;
}

// Every mapping, private or shared, maps the file's own pages.
int ramfs_mmap(file*, unsigned long) { return 0; }

page* ramfs_map_page(file* f, unsigned long index) {
  inode* ino = f->f_inode;
  VfsMutexGuard g{ino->i_rwsem};
  // Past the page that holds the last byte: SIGBUS (Linux's filemap_fault).
  if (index >= (static_cast<uint64_t>(ino->i_size) + kPage - 1) / kPage) return nullptr;
  if (ensure_slots(ino, index + 1)) return nullptr;
  page* p = slot_page(ino, index);
  if (p) get_page(p);
  return p;
}

int ramfs_create(inode* dir, dentry* d, umode_t mode, dev_t rdev) {
  inode* ino = new_inode(dir->i_sb, mode);
  if (!ino) return -ENOMEM;
  inode_init_owner(ino, dir);
  switch (mode & S_IFMT) {
    case S_IFDIR:
      ino->i_op = &ramfs_dir_inode_operations;
      ino->i_fop = &dcache_dir_operations;
      ino->i_nlink = 2;
      dir->i_nlink++;
      break;
    case S_IFREG:
      ino->i_op = &ramfs_file_inode_operations;
      ino->i_fop = &ramfs_file_operations;
      break;
    case S_IFCHR:
      ino->i_fop = &def_chr_fops;
      ino->i_rdev = rdev;
      break;
    default:  // block devices, FIFOs and sockets are kept but cannot be opened
      ino->i_rdev = rdev;
      break;
  }
  d_instantiate(d, ino);
  d_add_linked(d);
  dir->i_mtime = dir->i_ctime = current_time();
  return 0;
}

int ramfs_symlink(inode* dir, dentry* d, const char* target) {
  inode* ino = new_inode(dir->i_sb, S_IFLNK | 0777);
  if (!ino) return -ENOMEM;
  inode_init_owner(ino, dir);
  ino->i_link = kstrdup(target, GFP_KERNEL);
  if (!ino->i_link) {
    iput(ino);
    return -ENOMEM;
  }
  ino->i_size = static_cast<loff_t>(strlen(target));
  ino->i_op = &ramfs_symlink_inode_operations;
  d_instantiate(d, ino);
  d_add_linked(d);
  dir->i_mtime = dir->i_ctime = current_time();
  return 0;
}

long ramfs_get_link(dentry* d, char* buf, size_t size) {
  const size_t n = strlcpy(buf, d->d_inode->i_link, size);
  return n < size ? static_cast<long>(n) : -ENAMETOOLONG;
}

int ramfs_link(dentry* old, inode* dir, dentry* d) {
  inode* ino = old->d_inode;
  ino->i_nlink++;
  ino->i_ctime = current_time();
  d_instantiate(d, ihold(ino));
  d_add_linked(d);
  return 0;
}

int ramfs_unlink(inode* dir, dentry* d) {
  inode* ino = d->d_inode;
  ino->i_nlink--;
  ino->i_ctime = dir->i_mtime = dir->i_ctime = current_time();
  d_unlink_locked(d);
  dput(d);  // the pin
  return 0;
}

int ramfs_rmdir(inode* dir, dentry* d) {
  if (!list_empty(&d->d_subdirs)) return -ENOTEMPTY;
  if (d->d_mounted) return -EBUSY;
  d->d_inode->i_nlink = 0;
  dir->i_nlink--;
  return ramfs_unlink(dir, d) ;
}

}  // namespace

const inode_operations ramfs_dir_inode_operations = {
    .lookup = nullptr,
    .get_link = nullptr,
    .create = ramfs_create,
    .symlink = ramfs_symlink,
    .link = ramfs_link,
    .unlink = ramfs_unlink,
    .rmdir = ramfs_rmdir,
    .setsize = nullptr,
};
const inode_operations ramfs_file_inode_operations = {.setsize = ramfs_setsize};
const inode_operations ramfs_symlink_inode_operations = {.get_link = ramfs_get_link};

const file_operations ramfs_file_operations = {
    .read = ramfs_read,
    .write = ramfs_write,
    .llseek = generic_file_llseek,
    .mmap = ramfs_mmap,
    .map_page = ramfs_map_page,
};

super_block* ramfs_mount() {
  super_block* sb = alloc_super("ramfs");
  if (!sb) return nullptr;
  sb->evict_inode = ramfs_evict;
  inode* root = new_inode(sb, S_IFDIR | 0755);
  if (!root) {
    kfree(sb);
    return nullptr;
  }
  root->i_op = &ramfs_dir_inode_operations;
  root->i_fop = &dcache_dir_operations;
  root->i_nlink = 2;
  if (!d_alloc_root(sb, root)) {
    iput(root);
    kfree(sb);
    return nullptr;
  }
  return sb;
}

// getdents over d_subdirs: position 0 is ".", 1 "..", n >= 2 the (n-2)th
// child. An unlink between two calls shifts the later children down one,
// so one entry may be skipped (Linux keeps a cursor dentry instead).
int dcache_readdir(file* f, dir_context* ctx) {
  dentry* d = f->f_dentry;
  VfsMutexGuard g{dcache_lock};
  if (ctx->pos == 0) {
    if (!ctx->actor(ctx, ".", 1, 0, d->d_inode->i_ino, DT_DIR)) return 0;
    ctx->pos = 1;
  }
  if (ctx->pos == 1) {
    dentry* up = d;
    while (up == up->d_sb->s_root && up->d_sb->s_mountpoint) up = up->d_sb->s_mountpoint;
    if (!ctx->actor(ctx, "..", 2, 1, up->d_parent->d_inode->i_ino, DT_DIR)) return 0;
    ctx->pos = 2;
  }
  loff_t i = 2;
  for (list_head* p = d->d_subdirs.next; p != &d->d_subdirs; p = p->next, i++) {
    if (i < ctx->pos) continue;
    dentry* c = container_of(p, &dentry::d_child);
    if (!ctx->actor(ctx, c->d_name, c->d_len, i, c->d_inode->i_ino, dt_type(c->d_inode->i_mode))) return 0;
    ctx->pos = i + 1;
  }
  return 0;
}

const file_operations dcache_dir_operations = {
    .read = nullptr,
    .write = nullptr,
    .llseek = generic_file_llseek,
    .iterate = dcache_readdir,
};
