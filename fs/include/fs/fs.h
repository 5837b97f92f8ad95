/*
 * The VFS: inodes, dentries, super blocks and open files (Linux's names).
 *
 *   dentry  a name in the tree: d_parent, its children on d_subdirs (through
 *           d_child), the inode it names (never null: negative dentries are
 *           not kept), and d_mounted when another file system's root covers
 *           it (/proc). Each child holds a reference on its parent, so a
 *           dentry outlives nothing it needs to name its path (d_path).
 *   inode   the object: mode, size, link count, owner, times, the file
 *           system's operations (i_op for the namespace, i_fop for an open
 *           file) and its contents (ramfs: an array of pages, or the target
 *           of a symlink). A dentry holds one i_count reference; hard links
 *           are several dentries on one inode.
 *   file    an open file: the dentry, the position, the open flags and the
 *           file operations, refcounted (fds, fork, mmap's vm_file).
 *
 * The dcache is the namespace of ramfs (as in Linux's ramfs and libfs): a
 * created dentry is linked into its parent's d_subdirs and pinned by one
 * reference until it is unlinked. File systems that make entries up on
 * demand (/proc) implement i_op->lookup, which returns a fresh dentry that
 * is not linked: it lives while someone holds it.
 *
 * Locking: dcache_lock (a sleeping mutex) serialises every change of the
 * tree (link, unlink, mount) and every walk of a d_subdirs list; i_rwsem
 * (per inode) the contents and size of a file. Reference counts are atomic
 * and dput/iput need no lock: a dentry that can reach zero is no longer
 * linked. File operations only ever see kernel buffers; the system calls
 * copy to and from user memory outside these locks (so a user page fault,
 * which may read a file for a file-backed VMA, never waits for a lock its
 * own read holds).
 */
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>  // loff_t, dev_t (kernel encoding here: major << 20 | minor)

#include <fs/lock.h>
#include <kernel/cred.h>
#include <mm/env.h>
#include <mm/filemap.h>
#include <fs/stat.h>
#include <fs/uapi.h>
#include <lib/container_of.h>
#include <lib/list.h>
#include <lib/result.h>

using umode_t = unsigned short;
using fmode_t = unsigned;

constexpr unsigned MINORBITS = 20;
constexpr dev_t MKDEV(unsigned major, unsigned minor) { return (major << MINORBITS) | minor; }
constexpr unsigned MAJOR(dev_t d) { return d >> MINORBITS; }
constexpr unsigned MINOR(dev_t d) { return d & ((1u << MINORBITS) - 1); }

constexpr unsigned MAXSYMLINKS = 40;

constexpr fmode_t FMODE_READ = 0x1;
constexpr fmode_t FMODE_WRITE = 0x2;
constexpr fmode_t FMODE_PATH = 0x4000;

constexpr loff_t MAX_LFS_FILESIZE = 0x7fffffffffffffffLL;

inline unsigned char dt_type(umode_t mode) { return static_cast<unsigned char>((mode >> 12) & 15); }

struct inode;
struct dentry;
struct file;
struct super_block;

struct timespec64 {
  long tv_sec;
  long tv_nsec;
};

// getdents: the file system calls actor once per entry; actor returns false
// when the caller's buffer is full (the entry was not taken, pos stays).
struct dir_context {
  bool (*actor)(dir_context* ctx, const char* name, size_t len, loff_t pos, uint64_t ino, unsigned char type);
  loff_t pos;
};

struct file_operations {
  // Kernel buffers only (see above). Return bytes or a negative errno.
  long (*read)(file* f, char* buf, size_t count, loff_t* pos) = nullptr;
  long (*write)(file* f, const char* buf, size_t count, loff_t* pos) = nullptr;
  loff_t (*llseek)(file* f, loff_t offset, int whence) = nullptr;  // null: generic_file_llseek
  int (*iterate)(file* f, dir_context* ctx) = nullptr;
  // arg is the user's argument, a user pointer for most commands.
  long (*ioctl)(file* f, unsigned cmd, unsigned long arg) = nullptr;
  // mmap: 0 when the file can be mapped with these MAP_* flags (its pages
  // then come from map_page on fault, mm/filemap.h); null: -ENODEV.
  int (*mmap)(file* f, unsigned long map_flags) = nullptr;
  // The page-cache page at page index `index` (a hole gets a zeroed page),
  // with a reference for the caller; null past the page holding the last
  // byte, or when out of memory. Takes i_rwsem.
  struct page* (*map_page)(file* f, unsigned long index) = nullptr;
  int (*open)(inode* ino, file* f) = nullptr;
  void (*release)(inode* ino, file* f) = nullptr;
  // The ready mask (POLLIN & co, fs/poll.h) now; queues the poller with
  // poll_wait when pt is not null. Null: always readable and writable.
  unsigned (*poll)(file* f, struct poll_table* pt) = nullptr;
};

struct inode_operations {
  // Directories whose entries are made up on demand: a new, unlinked
  // dentry for name under dir, or a negative errno (-ENOENT).
  Result<dentry*> (*lookup)(dentry* dir, const char* name, size_t len) = nullptr;
  // Symlinks: writes the target into buf (size bytes, NUL-terminated);
  // its length or a negative errno.
  long (*get_link)(dentry* d, char* buf, size_t size) = nullptr;
  // Namespace changes (dcache_lock held); null: the file system refuses
  // (-EPERM). dentry is new and not yet linked.
  int (*create)(inode* dir, dentry* d, umode_t mode, dev_t rdev) = nullptr;
  int (*symlink)(inode* dir, dentry* d, const char* target) = nullptr;
  int (*link)(dentry* old, inode* dir, dentry* d) = nullptr;
  int (*unlink)(inode* dir, dentry* d) = nullptr;
  int (*rmdir)(inode* dir, dentry* d) = nullptr;
  // Size changes (i_rwsem held).
  int (*setsize)(inode* ino, loff_t size) = nullptr;
  // Attribute changes (i_rwsem held; fs/attr.cc); null: simple_setattr.
  int (*setattr)(dentry* d, const struct iattr* attr) = nullptr;
};

struct super_block {
  const char* s_type;      // "ramfs", "proc"
  dev_t s_dev;             // st_dev of its inodes (an anonymous device, 0:N)
  dentry* s_root = nullptr;
  dentry* s_mountpoint = nullptr;  // the dentry it covers; null for the root
  std::atomic<unsigned long> s_next_ino{1};
  void (*evict_inode)(inode* ino) = nullptr;  // frees the contents
};

struct inode {
  std::atomic<long> i_count{1};
  umode_t i_mode = 0;
  unsigned i_nlink = 1;
  unsigned i_uid = 0, i_gid = 0;
  dev_t i_rdev = 0;
  unsigned long i_ino = 0;
  loff_t i_size = 0;
  timespec64 i_atime{}, i_mtime{}, i_ctime{};
  super_block* i_sb = nullptr;
  const inode_operations* i_op = nullptr;
  const file_operations* i_fop = nullptr;
  VfsMutex i_rwsem;
  // ramfs contents: i_pages[i] is page i of a regular file (null: a hole,
  // reads as zeros), i_link a symlink's target. The pages are the page
  // cache of i_data, which also lists the VMAs mapping the file.
  address_space i_data;
  struct page** i_pages = nullptr;
  size_t i_npages = 0;  // slots in i_pages
  char* i_link = nullptr;
  // File-system private: /proc keeps the pid and the entry kind here.
  long i_private = 0;
  unsigned i_private_kind = 0;
};

constexpr unsigned DCACHE_LINKED = 0x1;  // on its parent's d_subdirs (pinned)

struct dentry {
  std::atomic<long> d_count{1};
  unsigned d_flags = 0;
  dentry* d_parent = this;  // the root is its own parent
  inode* d_inode = nullptr;
  super_block* d_sb = nullptr;
  super_block* d_mounted = nullptr;  // a file system whose root covers this
  char* d_name = nullptr;            // NUL-terminated, "/" for a root
  size_t d_len = 0;
  list_head d_child;    // in d_parent->d_subdirs
  list_head d_subdirs;  // children, oldest first
};

struct file {
  std::atomic<long> f_count{1};
  unsigned f_flags = 0;  // O_* as opened (minus O_CREAT/O_EXCL/O_TRUNC/O_CLOEXEC)
  fmode_t f_mode = 0;
  loff_t f_pos = 0;
  dentry* f_dentry = nullptr;
  inode* f_inode = nullptr;
  const file_operations* f_op = nullptr;
  void* private_data = nullptr;
};

extern VfsMutex dcache_lock;

// ---- caches and the root ----------------------------------------------------
// Creates the inode/dentry/filp caches and an empty ramfs as the root.
void vfs_caches_init();
// The root of the namespace ("/"), a counted reference.
dentry* vfs_root();
// Tears down the namespace (host tests); every reference must be back.
void vfs_exit();

// ---- references -------------------------------------------------------------
inline dentry* dget(dentry* d) {
  d->d_count.fetch_add(1, std::memory_order_relaxed);
  return d;
}
void dput(dentry* d);
inline inode* ihold(inode* i) {
  i->i_count.fetch_add(1, std::memory_order_relaxed);
  return i;
}
void iput(inode* i);
inline file* get_file(file* f) {
  f->f_count.fetch_add(1, std::memory_order_relaxed);
  return f;
}
void fput(file* f);

// Live objects (leak checks in the tests).
long nr_inodes();
long nr_dentries();
long nr_files();

// ---- building blocks for file systems ---------------------------------------
super_block* alloc_super(const char* type);
inode* new_inode(super_block* sb, umode_t mode);  // i_ino from the sb, count 1
// A dentry named name under parent (holds a reference on parent), not linked;
// d_inode is set by d_instantiate (which takes over the caller's inode ref).
dentry* d_alloc(dentry* parent, const char* name, size_t len);
dentry* d_alloc_root(super_block* sb, inode* root);
// A dentry for an object with no place in any tree (a pipe): its own
// parent, named name ("pipe:[ino]" in d_path), holding ino.
dentry* d_alloc_anon(super_block* sb, const char* name, size_t len, inode* ino);
void d_instantiate(dentry* d, inode* ino);
// Links d into its parent's children and pins it (dcache_lock held).
void d_add_linked(dentry* d);
// The linked child of dir named name, referenced, or null (dcache_lock held).
dentry* d_lookup_locked(dentry* dir, const char* name, size_t len);
// Takes d off its parent's children (dcache_lock held); the caller drops the pin.
void d_unlink_locked(dentry* d);
// Unlinks everything below top (host tests' teardown).
void vfs_unlink_tree(dentry* top);
void files_cache_init();
void fdtable_cache_init();
timespec64 current_time();

// ---- path lookup (fs/namei.cc) ------------------------------------------------
constexpr unsigned LOOKUP_FOLLOW = 0x1;     // follow a final symlink
constexpr unsigned LOOKUP_DIRECTORY = 0x2;  // the result must be a directory
// Where a walk starts and what "/" is, the umask for creations, and whose
// permissions the walk checks (the caller's; faccessat's real ids).
struct lookup_root {
  dentry* root;
  dentry* cwd;
  unsigned umask;
  const struct cred* cred = &init_cred;
};
// Resolves name (absolute, or relative to start) to a referenced dentry.
// Errors as Linux: -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ELOOP, -EACCES.
Result<dentry*> path_lookupat(const lookup_root& r, dentry* start, const char* name, unsigned flags);
// For create/unlink/mkdir: the parent directory (referenced, symlinks on
// the way followed) and a copy of the last component. last_len is 0 for
// "/" (no last component); "." and ".." come back as such (the callers
// refuse them); trailing_slash when the name ended in "/".
struct nameidata_parent {
  dentry* parent;
  size_t last_len;
  bool trailing_slash;
  char last[NAME_MAX + 1];
};
Result<nameidata_parent> path_parentat(const lookup_root& r, dentry* start, const char* name);
// The child of dir named name (dcache or i_op->lookup), referenced, with
// mounts crossed; -ENOENT. dcache_lock held.
Result<dentry*> lookup_one_locked(dentry* dir, const char* name, size_t len);

// The path of d as seen from root (Linux's d_path): written at the end of
// buf, returns its start, or an error (-ENAMETOOLONG). " (deleted)" is
// appended for an unlinked dentry, as Linux.
Result<char*> d_path(const lookup_root& r, dentry* d, char* buf, size_t size);

// Namespace changes by path (relative to start), as the *at system calls.
int vfs_mknodat(const lookup_root& r, dentry* start, const char* name, umode_t mode, dev_t rdev);
int vfs_mkdirat(const lookup_root& r, dentry* start, const char* name, umode_t mode);
int vfs_symlinkat(const lookup_root& r, const char* target, dentry* start, const char* name);
int vfs_linkat(const lookup_root& r, dentry* old_start, const char* old_name, dentry* start, const char* name,
               bool follow = false);
int vfs_unlinkat(const lookup_root& r, dentry* start, const char* name, bool rmdir);

// Linux's generic_permission: may c access ino for mask (MAY_READ |
// MAY_WRITE | MAY_EXEC)? The owner's, group's or others' bits by c's
// fsuid and groups; an fsuid of 0 (CAP_DAC_OVERRIDE) reads and writes
// anything, searches any directory, and executes a file only if some x bit
// is set. 0 or -EACCES.
constexpr int MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;
int inode_permission(const struct cred* c, const inode* ino, int mask);
// Removing or renaming victim out of dir: the sticky bit (S_ISVTX) keeps
// it to the owner of the file or of the directory (or CAP_FOWNER).
bool check_sticky(const struct cred* c, const inode* dir, const inode* victim);
// A new inode's owner (Linux's inode_init_owner): the creator's fsuid;
// the creator's fsgid, or the directory's group when it is set-group-ID
// (a new directory inherits S_ISGID too, a new file loses S_ISGID when its
// creator is not in that group). Adjusts ino->i_mode.
void inode_init_owner(inode* ino, const inode* dir);
// The credentials file operations act with: the calling task's (host
// tests: one the test sets).
const struct cred* current_fs_cred();
#ifdef HOST_TEST
void host_set_fs_cred(const struct cred* c);
#endif

// ---- open files (fs/open.cc, fs/file_table.cc) -----------------------------------
// Opens name relative to start (flags O_*, mode for O_CREAT, before umask).
Result<file*> do_filp_open(const lookup_root& r, dentry* start, const char* name, unsigned flags, umode_t mode);
// An open file on an existing dentry (takes its own reference on d).
Result<file*> dentry_open(dentry* d, unsigned flags);
// Relative to the current task's cwd (kernel callers: exec, init).
Result<file*> filp_open(const char* kpath, int flags, unsigned mode);
// execve's open (Linux's do_open_execat): a regular file the caller may
// execute (MAY_EXEC, not MAY_READ), opened for reading; -EACCES otherwise.
Result<file*> do_open_execat(const lookup_root& r, dentry* start, const char* name);
Result<file*> open_exec(const char* kpath);

long kernel_read(file* f, void* buf, size_t count, loff_t* pos);
long kernel_write(file* f, const void* buf, size_t count, loff_t* pos);
// lseek: the new position or -EINVAL / -ESPIPE.
loff_t vfs_llseek(file* f, loff_t offset, int whence);
loff_t generic_file_llseek(file* f, loff_t offset, int whence);
loff_t no_llseek(file* f, loff_t offset, int whence);
int vfs_truncate_locked(inode* ino, loff_t size);  // i_rwsem held
int vfs_iterate(file* f, dir_context* ctx);
void vfs_getattr(inode* ino, kstat* st);

// ---- attribute changes (fs/attr.cc) --------------------------------------------
constexpr unsigned ATTR_MODE = 1u << 0;
constexpr unsigned ATTR_UID = 1u << 1;
constexpr unsigned ATTR_GID = 1u << 2;
constexpr unsigned ATTR_CTIME = 1u << 6;
constexpr unsigned ATTR_KILL_SUID = 1u << 11;  // drop S_ISUID (a chown of a non-directory)
constexpr unsigned ATTR_KILL_SGID = 1u << 12;  // drop S_ISGID when S_IXGRP is set too
constexpr unsigned S_IALLUGO = 07777;  // the permission bits with set-id and sticky
// What changes (Linux's struct iattr): ia_valid says which fields count.
struct iattr {
  unsigned ia_valid;
  umode_t ia_mode;
  unsigned ia_uid, ia_gid;
  timespec64 ia_ctime;
};
// Applies attr to d's inode (ATTR_MODE keeps the file type; ATTR_CTIME is
// set to now; ATTR_KILL_* become the mode without those bits) under
// i_rwsem, through i_op->setattr or simple_setattr.
int notify_change(dentry* d, iattr* attr);
// Copies the attributes into the inode (i_rwsem held).
int simple_setattr(dentry* d, const iattr* attr);

// ---- ramfs (fs/ramfs.cc) -----------------------------------------------------
super_block* ramfs_mount();
extern const inode_operations ramfs_dir_inode_operations;
extern const inode_operations ramfs_file_inode_operations;
extern const inode_operations ramfs_symlink_inode_operations;
int dcache_readdir(file* f, dir_context* ctx);
extern const file_operations ramfs_file_operations;
extern const file_operations dcache_dir_operations;  // getdents over d_subdirs

// ---- character devices (fs/char_dev.cc) -------------------------------------------
// Registers the file operations of one device number (a driver, at boot).
int register_chrdev(dev_t dev, const char* name, const file_operations* fops);
extern const file_operations def_chr_fops;  // open looks the device up: -ENXIO if none
