/*
 * The proc file system: its super block and root directory, the text
 * files made at open, and the entries of the root (self, meminfo,
 * slabinfo, uptime and one directory per process).
 *
 * Root readdir positions: 0 ".", 1 "..", 2.. the fixed entries, then
 * kPidBase + pid for each process in pid order, so a getdents that stops
 * part-way resumes at the next pid even when processes come and go.
 */
#include <fs/proc.h>

#include <stdarg.h>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/slab.h>

#include "internal.h"

// Linux's proc_setattr: the entries of a process refuse a new mode.
int proc_setattr(dentry*, const iattr* attr) { return (attr->ia_valid & ATTR_MODE) ? -EPERM : 0; }

namespace {

constexpr loff_t kPidBase = 1024;

struct FixedEntry {
  const char* name;
  ProcKind kind;
};
constexpr FixedEntry kRootEntries[] = {
    {"self", PROC_SELF}, {"meminfo", PROC_MEMINFO}, {"slabinfo", PROC_SLABINFO}, {"uptime", PROC_UPTIME}};
constexpr size_t kNrRootEntries = sizeof(kRootEntries) / sizeof(kRootEntries[0]);

ProcGen generators[PROC_NR_KINDS];

// ---- text files ----

struct ProcFileData {
  char* buf;
  size_t len;
};

int proc_text_open(inode* ino, file* f) {
  const ProcGen gen = ino->i_private_kind < PROC_NR_KINDS ? generators[ino->i_private_kind] : nullptr;
  if (!gen) return -ENOENT;
  if (f->f_mode & FMODE_WRITE) return -EACCES;
  ProcText t;
  const int err = gen(ino, &t);
  if (err || t.failed) {
    kfree(t.buf);
    return err ? err : -ENOMEM;
  }
  auto* data = static_cast<ProcFileData*>(kmalloc(sizeof(ProcFileData), GFP_KERNEL));
  if (!data) {
    kfree(t.buf);
    return -ENOMEM;
  }
  *data = ProcFileData{t.buf, t.len};
  f->private_data = data;
  return 0;
}

long proc_text_read(file* f, char* buf, size_t count, loff_t* pos) {
  const auto* data = static_cast<const ProcFileData*>(f->private_data);
  if (*pos < 0) return -EINVAL;
  if (static_cast<size_t>(*pos) >= data->len) return 0;
  const size_t n = data->len - static_cast<size_t>(*pos) < count ? data->len - static_cast<size_t>(*pos) : count;
  memcpy(buf, data->buf + *pos, n);
  *pos += static_cast<loff_t>(n);
  return static_cast<long>(n);
}

loff_t proc_text_llseek(file* f, loff_t offset, int whence) {
  const auto* data = static_cast<const ProcFileData*>(f->private_data);
  loff_t base;
  if (whence == SEEK_SET)
    base = 0;
  else if (whence == SEEK_CUR)
    base = f->f_pos;
  else if (whence == SEEK_END)
    base = static_cast<loff_t>(data->len);
  else
    return -EINVAL;
  loff_t pos;
  if (__builtin_add_overflow(base, offset, &pos) || pos < 0) return -EINVAL;
  f->f_pos = pos;
  return pos;
}

void proc_text_release(inode*, file* f) {
  auto* data = static_cast<ProcFileData*>(f->private_data);
  if (!data) return;
  kfree(data->buf);
  kfree(data);
}

// ---- the root ----

long proc_self_get_link(dentry*, char* buf, size_t size) {
  const int n = snprintf(buf, size, "%d", proc_self_pid());
  return static_cast<size_t>(n) < size ? n : -ENAMETOOLONG;
}

const inode_operations proc_self_inode_operations = {.get_link = proc_self_get_link};
// The text files: made anew at each lookup, so a mode change would not
// stick; refused like the per-process entries (Linux keeps a chmod of a
// /proc file in its proc_dir_entry, which this proc does not have).
const inode_operations proc_file_inode_operations = {.setattr = proc_setattr};

Result<dentry*> proc_root_lookup(dentry* dir, const char* name, size_t len) {
  for (const FixedEntry& e : kRootEntries)
    if (strlen(e.name) == len && memcmp(e.name, name, len) == 0) {
      dentry* d = proc_new_entry(dir, name, len, e.kind, 0);
      if (!d) return Error{-ENOMEM, "proc: no memory"};
      return d;
    }
  return proc_pid_lookup(dir, name, len);
}

int proc_root_readdir(file* f, dir_context* ctx) {
  if (ctx->pos == 0) {
    if (!ctx->actor(ctx, ".", 1, 0, PROC_ROOT, DT_DIR)) return 0;
    ctx->pos = 1;
  }
  if (ctx->pos == 1) {
    dentry* up = f->f_dentry->d_sb->s_mountpoint ? f->f_dentry->d_sb->s_mountpoint->d_parent : f->f_dentry;
    if (!ctx->actor(ctx, "..", 2, 1, up->d_inode->i_ino, DT_DIR)) return 0;
    ctx->pos = 2;
  }
  while (ctx->pos >= 2 && ctx->pos < 2 + static_cast<loff_t>(kNrRootEntries)) {
    const FixedEntry& e = kRootEntries[ctx->pos - 2];
    const unsigned char type = e.kind == PROC_SELF ? DT_LNK : DT_REG;
    if (!ctx->actor(ctx, e.name, strlen(e.name), ctx->pos, e.kind, type)) return 0;
    ctx->pos++;
  }
  if (ctx->pos < kPidBase) ctx->pos = kPidBase;
  for (;;) {
    const int pid = proc_next_pid(static_cast<int>(ctx->pos - kPidBase) - 1);
    if (pid < 0) return 0;
    char name[16];
    const int n = snprintf(name, sizeof name, "%d", pid);
    const loff_t pos = kPidBase + pid;
    if (!ctx->actor(ctx, name, static_cast<size_t>(n), pos, static_cast<uint64_t>(pid) << 8 | PROC_PID_DIR, DT_DIR))
      return 0;
    ctx->pos = pos + 1;
  }
}

const inode_operations proc_root_inode_operations = {.lookup = proc_root_lookup};
const file_operations proc_root_operations = {.llseek = generic_file_llseek, .iterate = proc_root_readdir};

}  // namespace

const file_operations proc_text_operations = {
    .read = proc_text_read,
    .llseek = proc_text_llseek,
    .open = proc_text_open,
    .release = proc_text_release,
};

void proc_register_text(ProcKind kind, ProcGen gen) { generators[kind] = gen; }

void ProcText::put(const char* s, size_t n) {
  if (failed) return;
  if (len + n + 1 > cap) {
    size_t c = cap ? cap : 1024;
    while (len + n + 1 > c) c *= 2;
    char* grown = static_cast<char*>(krealloc(buf, c, GFP_KERNEL));
    if (!grown) {
      failed = true;
      return;
    }
    buf = grown;
    cap = c;
  }
  memcpy(buf + len, s, n);
  len += n;
  buf[len] = 0;
}

void ProcText::printf(const char* fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof tmp) {
    put(tmp, static_cast<size_t>(n));
    return;
  }
  // Longer than the stack buffer: format again into a heap one.
  char* big = static_cast<char*>(kmalloc(static_cast<size_t>(n) + 1, GFP_KERNEL));
  if (!big) {
    failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, static_cast<size_t>(n) + 1, fmt, ap);
  va_end(ap);
  put(big, static_cast<size_t>(n));
  kfree(big);
}

void ProcText::pad_to(size_t line_start, size_t width) {
  while (!failed && len - line_start < width) put(" ", 1);
}

dentry* proc_new_entry(dentry* dir, const char* name, size_t len, ProcKind kind, long pid) {
  super_block* sb = dir->d_sb;
  umode_t mode;
  switch (kind) {
    case PROC_SELF:
    case PROC_PID_EXE:
      mode = S_IFLNK | 0777;
      break;
    case PROC_PID_DIR:
      mode = S_IFDIR | 0555;
      break;
    default:
      mode = S_IFREG | 0444;
      break;
  }
  inode* ino = new_inode(sb, mode);
  if (!ino) return nullptr;
  ino->i_ino = static_cast<unsigned long>(pid) << 8 | static_cast<unsigned long>(kind);
  ino->i_private = pid;
  ino->i_private_kind = kind;
  if (kind == PROC_SELF) {
    ino->i_op = &proc_self_inode_operations;
  } else if (kind == PROC_PID_DIR) {
    ino->i_nlink = 2;
    proc_pid_dir_init(ino);
  } else if (kind == PROC_PID_EXE) {
    proc_pid_dir_init(ino);
  } else {
    ino->i_op = &proc_file_inode_operations;
    ino->i_fop = &proc_text_operations;
  }
  dentry* d = d_alloc(dir, name, len);
  if (!d) {
    iput(ino);
    return nullptr;
  }
  d_instantiate(d, ino);
  return d;
}

int proc_mount(const lookup_root& r, dentry* start, const char* name) {
  proc_misc_init();
  proc_base_init();
  auto mp = path_lookupat(r, start, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
  if (!mp) return mp.error().err;
  super_block* sb = alloc_super("proc");
  inode* root = sb ? new_inode(sb, S_IFDIR | 0555) : nullptr;
  if (!root) {
    kfree(sb);
    dput(mp.value());
    return -ENOMEM;
  }
  root->i_ino = PROC_ROOT;
  root->i_nlink = 2;
  root->i_op = &proc_root_inode_operations;
  root->i_fop = &proc_root_operations;
  if (!d_alloc_root(sb, root)) {
    iput(root);
    kfree(sb);
    dput(mp.value());
    return -ENOMEM;
  }
  int err = 0;
  {
    VfsMutexGuard g{dcache_lock};
    dentry* m = mp.value();
    if (m->d_mounted || !(m->d_flags & DCACHE_LINKED)) {
      err = -EBUSY;
    } else {
      sb->s_mountpoint = m;  // the mount holds the reference taken by the lookup
      m->d_mounted = sb;
    }
  }
  if (err) {
    dput(sb->s_root);
    kfree(sb);
    dput(mp.value());
  }
  return err;
}
