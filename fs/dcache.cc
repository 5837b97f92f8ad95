/*
 * Dentries and inodes: allocation, references, the root.
 *
 * dput drops a reference; at zero the dentry is not linked (a linked one
 * holds its pin), so it is freed with no lock: its inode reference and
 * the reference it held on its parent go too, which may free the parent
 * in turn (a loop, not recursion: a deep unlinked chain must not overflow
 * a 16 KiB kernel stack). iput at zero lets the file system free the
 * contents (evict_inode) and frees the inode.
 */
#include <fs/fdtable.h>
#include <fs/fs.h>

#include <new>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/slab.h>

VfsMutex dcache_lock;

namespace {

kmem_cache* dentry_cache;
kmem_cache* inode_cache;
std::atomic<long> live_dentries{0};
std::atomic<long> live_inodes{0};
dentry* root_dentry;

void free_dentry(dentry* d) {
  if (d->d_inode) iput(d->d_inode);
  kfree(d->d_name);
  d->~dentry();
  kmem_cache_free(dentry_cache, d);
  live_dentries.fetch_sub(1, std::memory_order_relaxed);
}

dentry* alloc_dentry(const char* name, size_t len) {
  void* mem = kmem_cache_alloc(dentry_cache, GFP_KERNEL);
  if (!mem) return nullptr;
  dentry* d = new (mem) dentry;
  d->d_name = static_cast<char*>(kmalloc(len + 1, GFP_KERNEL));
  if (!d->d_name) {
    d->~dentry();
    kmem_cache_free(dentry_cache, d);
    return nullptr;
  }
  memcpy(d->d_name, name, len);
  d->d_name[len] = 0;
  d->d_len = len;
  live_dentries.fetch_add(1, std::memory_order_relaxed);
  return d;
}

}  // namespace

void vfs_caches_init() {
  dentry_cache = kmem_cache_create("dentry", sizeof(dentry), alignof(dentry), SLAB_PANIC, nullptr);
  inode_cache = kmem_cache_create("inode_cache", sizeof(inode), alignof(inode), SLAB_PANIC, nullptr);
  files_cache_init();
  super_block* sb = ramfs_mount();
  root_dentry = sb ? sb->s_root : nullptr;
  if (root_dentry) init_fs = alloc_fs_struct(root_dentry, root_dentry);
}

dentry* vfs_root() { return root_dentry ? dget(root_dentry) : nullptr; }

void vfs_exit() {
  if (!root_dentry) return;
  if (init_fs) put_fs_struct(init_fs);
  init_fs = nullptr;
  vfs_unlink_tree(root_dentry);
  super_block* sb = root_dentry->d_sb;
  dput(root_dentry);
  root_dentry = nullptr;
  kfree(sb);
}

long nr_inodes() { return live_inodes.load(std::memory_order_relaxed); }
long nr_dentries() { return live_dentries.load(std::memory_order_relaxed); }

void dput(dentry* d) {
  while (d) {
    if (d->d_count.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    dentry* parent = d->d_parent == d ? nullptr : d->d_parent;
    free_dentry(d);
    d = parent;
  }
}

void iput(inode* i) {
  if (i->i_count.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (i->i_sb && i->i_sb->evict_inode) i->i_sb->evict_inode(i);
  i->~inode();
  kmem_cache_free(inode_cache, i);
  live_inodes.fetch_sub(1, std::memory_order_relaxed);
}

super_block* alloc_super(const char* type) {
  static std::atomic<unsigned> next_anon_dev{1};
  void* mem = kzalloc(sizeof(super_block), GFP_KERNEL);
  if (!mem) return nullptr;
  super_block* sb = new (mem) super_block;
  sb->s_type = type;
  sb->s_dev = MKDEV(0, next_anon_dev.fetch_add(1, std::memory_order_relaxed));
  return sb;
}

inode* new_inode(super_block* sb, umode_t mode) {
  void* mem = kmem_cache_alloc(inode_cache, GFP_KERNEL);
  if (!mem) return nullptr;
  inode* i = new (mem) inode;
  i->i_sb = sb;
  i->i_mode = mode;
  i->i_ino = sb->s_next_ino.fetch_add(1, std::memory_order_relaxed);
  i->i_atime = i->i_mtime = i->i_ctime = current_time();
  live_inodes.fetch_add(1, std::memory_order_relaxed);
  return i;
}

dentry* d_alloc(dentry* parent, const char* name, size_t len) {
  dentry* d = alloc_dentry(name, len);
  if (!d) return nullptr;
  d->d_parent = dget(parent);
  d->d_sb = parent->d_sb;
  return d;
}

dentry* d_alloc_root(super_block* sb, inode* root) {
  dentry* d = alloc_dentry("/", 1);
  if (!d) return nullptr;
  d->d_sb = sb;
  d->d_inode = root;
  sb->s_root = d;
  return d;
}

dentry* d_alloc_anon(super_block* sb, const char* name, size_t len, inode* ino) {
  dentry* d = alloc_dentry(name, len);
  if (!d) return nullptr;
  d->d_sb = sb;
  d->d_inode = ino;
  return d;
}

void d_instantiate(dentry* d, inode* ino) { d->d_inode = ino; }

void d_add_linked(dentry* d) {
  dget(d);  // the pin
  d->d_flags |= DCACHE_LINKED;
  list_add_tail(&d->d_child, &d->d_parent->d_subdirs);
}

void d_unlink_locked(dentry* d) {
  list_del_init(&d->d_child);
  d->d_flags &= ~DCACHE_LINKED;
}

dentry* d_lookup_locked(dentry* dir, const char* name, size_t len) {
  for (list_head* p = dir->d_subdirs.next; p != &dir->d_subdirs; p = p->next) {
    dentry* c = container_of(p, &dentry::d_child);
    if (c->d_len == len && memcmp(c->d_name, name, len) == 0) return dget(c);
  }
  return nullptr;
}

// Unlinks every dentry below d, deepest first (host tests' teardown and a
// failed mount). Iterative: a deep tree must not overflow the stack.
void vfs_unlink_tree(dentry* top) {
  VfsMutexGuard g{dcache_lock};
  dentry* d = top;
  for (;;) {
    if (!list_empty(&d->d_subdirs)) {
      d = container_of(d->d_subdirs.next, &dentry::d_child);
      continue;
    }
    if (d == top) return;
    dentry* parent = d->d_parent;
    if (d->d_mounted) {  // unmount: the mounted root and the mount's reference on d go
      dentry* mroot = d->d_mounted->s_root;
      super_block* msb = d->d_mounted;
      d->d_mounted = nullptr;
      dput(mroot);
      kfree(msb);
      dput(d);
    }
    if (d->d_inode && d->d_inode->i_nlink) d->d_inode->i_nlink--;
    d_unlink_locked(d);
    dput(d);  // the pin; the parent still holds ours through the child ref until freed
    d = parent;
  }
}
