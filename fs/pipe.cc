/*
 * Pipes (pipe2): a 64 KiB ring buffer between a read end and a write end,
 * Linux's semantics:
 *
 *   read   blocks while the pipe is empty and a writer exists; returns what
 *          is there (at most count); 0 once every writer is gone
 *   write  blocks while full and a reader exists; a write of at most
 *          kPipeBuf (4096) bytes is atomic (waits for room for all of it);
 *          -EPIPE and SIGPIPE when no reader is left
 *   a signal ends a blocked read or write: -ERESTARTSYS, or what was
 *          written so far; poll: pipe_poll
 *   O_NONBLOCK: -EAGAIN instead of blocking; lseek/pread: -ESPIPE
 *
 * One inode per pipe in an internal "pipefs" super block, never linked
 * anywhere; both files share it, and its pipe_inode_info goes with the
 * inode. pipe->lock (a sleeping mutex) guards the ring and the counts;
 * sleepers wait on rd_wait/wr_wait, woken by the other side.
 */
#include "internal.h"

#include <new>

#include <asm/uaccess.h>
#include <fs/poll.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/wait.h>
#include <lib/string.h>

namespace {

constexpr size_t kPipeSize = 65536;
constexpr size_t kPipeBuf = 4096;  // PIPE_BUF: writes up to this size are atomic

struct pipe_inode_info {
  VfsMutex lock;
  char* buf;
  size_t head = 0, len = 0;  // first unread byte, bytes in the ring
  unsigned readers = 0, writers = 0;
  wait_queue_head rd_wait, wr_wait;
};

super_block* pipe_sb;

pipe_inode_info* pipe_of(const file* f) { return reinterpret_cast<pipe_inode_info*>(f->f_inode->i_private); }

void pipe_evict(inode* ino) {
  auto* p = reinterpret_cast<pipe_inode_info*>(ino->i_private);
  if (!p) return;
  kfree(p->buf);
  p->~pipe_inode_info();
  kfree(p);
}

// Sleeps on wq until cond() (checked under p->lock, which is dropped while
// asleep). The caller holds p->lock and holds it again on return. False
// when a signal ended the wait first.
template <typename Cond>
bool pipe_wait(pipe_inode_info* p, wait_queue_head* wq, Cond cond) {
  wait_queue_entry w;
  bool ok = true;
  for (;;) {
    prepare_to_wait(wq, &w, TASK_INTERRUPTIBLE);
    if (cond()) break;
    if (signal_pending(get_current())) {
      ok = false;
      break;
    }
    p->lock.unlock();
    schedule();
    p->lock.lock();
  }
  finish_wait(wq, &w);
  return ok;
}

long pipe_read(file* f, char* buf, size_t count, loff_t*) {
  pipe_inode_info* p = pipe_of(f);
  VfsMutexGuard g{p->lock};
  if (p->len == 0) {
    if (p->writers == 0) return 0;
    if (f->f_flags & O_NONBLOCK) return -EAGAIN;
    if (!pipe_wait(p, &p->rd_wait, [p] { return p->len > 0 || p->writers == 0; })) return -ERESTARTSYS;
    if (p->len == 0) return 0;
  }
  const size_t n = count < p->len ? count : p->len;
  for (size_t i = 0; i < n;) {
    const size_t chunk = kPipeSize - p->head < n - i ? kPipeSize - p->head : n - i;
    memcpy(buf + i, p->buf + p->head, chunk);
    p->head = (p->head + chunk) % kPipeSize;
    i += chunk;
  }
  p->len -= n;
  wake_up_all(&p->wr_wait);
  return static_cast<long>(n);
}

long pipe_write(file* f, const char* buf, size_t count, loff_t*) {
  pipe_inode_info* p = pipe_of(f);
  VfsMutexGuard g{p->lock};
  size_t done = 0;
  while (done < count) {
    if (p->readers == 0) {
      send_sig(SIGPIPE, get_current(), 0);
      return done ? static_cast<long>(done) : -EPIPE;
    }
    const size_t left = count - done;
    // Room needed before writing: all of an atomic write, else one byte.
    const size_t need = count <= kPipeBuf ? left : 1;
    if (kPipeSize - p->len < need) {
      if (f->f_flags & O_NONBLOCK) return done ? static_cast<long>(done) : -EAGAIN;
      if (!pipe_wait(p, &p->wr_wait, [p, need] { return kPipeSize - p->len >= need || p->readers == 0; }))
        return done ? static_cast<long>(done) : -ERESTARTSYS;
      continue;
    }
    size_t n = kPipeSize - p->len < left ? kPipeSize - p->len : left;
    const size_t tail = (p->head + p->len) % kPipeSize;
    for (size_t i = 0; i < n;) {
      const size_t at = (tail + i) % kPipeSize;
      const size_t chunk = kPipeSize - at < n - i ? kPipeSize - at : n - i;
      memcpy(p->buf + at, buf + done + i, chunk);
      i += chunk;
    }
    p->len += n;
    done += n;
    wake_up_all(&p->rd_wait);
  }
  return static_cast<long>(done);
}

void pipe_release(inode*, file* f) {
  pipe_inode_info* p = pipe_of(f);
  VfsMutexGuard g{p->lock};
  if (f->f_mode & FMODE_READ) p->readers--;
  if (f->f_mode & FMODE_WRITE) p->writers--;
  wake_up_all(&p->rd_wait);
  wake_up_all(&p->wr_wait);
}

// Linux's pipe_poll: readable with data, HUP once no writer is left;
// writable with room for an atomic write, ERR once no reader is left.
unsigned pipe_poll(file* f, poll_table* pt) {
  pipe_inode_info* p = pipe_of(f);
  if (f->f_mode & FMODE_READ) poll_wait(f, &p->rd_wait, pt);
  if (f->f_mode & FMODE_WRITE) poll_wait(f, &p->wr_wait, pt);
  VfsMutexGuard g{p->lock};
  unsigned mask = 0;
  if (f->f_mode & FMODE_READ) {
    if (p->len) mask |= POLLIN_K | POLLRDNORM_K;
    if (!p->writers) mask |= POLLHUP_K;
  }
  if (f->f_mode & FMODE_WRITE) {
    if (kPipeSize - p->len >= kPipeBuf) mask |= POLLOUT_K | POLLWRNORM_K;
    if (!p->readers) mask |= POLLERR_K;
  }
  return mask;
}

const file_operations pipe_fops = {
    .read = pipe_read,
    .write = pipe_write,
    .llseek = no_llseek,
    .release = pipe_release,
    .poll = pipe_poll,
};

// Both ends of a new pipe (two files on one inode), or an errno.
int create_pipe_files(file** res, unsigned flags) {
  if (!pipe_sb) {
    static VfsMutex init_lock;
    VfsMutexGuard g{init_lock};
    if (!pipe_sb) {
      super_block* sb = alloc_super("pipefs");
      if (!sb) return -ENOMEM;
      sb->evict_inode = pipe_evict;
      pipe_sb = sb;
    }
  }
  auto* p = static_cast<pipe_inode_info*>(kmalloc(sizeof(pipe_inode_info), GFP_KERNEL));
  if (!p) return -ENOMEM;
  new (p) pipe_inode_info;
  p->buf = static_cast<char*>(kmalloc(kPipeSize, GFP_KERNEL));
  inode* ino = p->buf ? new_inode(pipe_sb, S_IFIFO | 0600) : nullptr;
  if (!ino) {
    kfree(p->buf);
    p->~pipe_inode_info();
    kfree(p);
    return -ENOMEM;
  }
  ino->i_private = reinterpret_cast<long>(p);
  ino->i_fop = &pipe_fops;
  char name[32];
  const int n = snprintf(name, sizeof name, "pipe:[%lu]", ino->i_ino);
  dentry* d = d_alloc_anon(pipe_sb, name, static_cast<size_t>(n), ino);
  if (!d) {
    iput(ino);
    return -ENOMEM;
  }
  p->readers = p->writers = 1;
  auto r = dentry_open(d, O_RDONLY | (flags & O_NONBLOCK));
  auto w = r ? dentry_open(d, O_WRONLY | (flags & O_NONBLOCK)) : r;
  dput(d);
  if (!r || !w) {
    const int err = (!r ? r : w).error().err;
    if (r) {
      p->writers = 0;  // the write end never opened
      fput(r.value());
    }
    return err;
  }
  res[0] = r.value();
  res[1] = w.value();
  return 0;
}

}  // namespace

long sys_pipe2(uintptr_t fildes, int flags) {
  if (flags & ~static_cast<int>(O_CLOEXEC | O_NONBLOCK | 040000 /* O_DIRECT */)) return -EINVAL;
  if (flags & 040000) return -EINVAL;  // packet mode is not supported
  files_struct* files = current_files();
  if (!files) return -EMFILE;
  file* f[2] = {nullptr, nullptr};
  if (int err = create_pipe_files(f, static_cast<unsigned>(flags))) return err;
  const bool cloexec = flags & O_CLOEXEC;
  const int r = alloc_fd_install(files, 0, f[0], cloexec);
  if (r < 0) {
    fput(f[0]);
    fput(f[1]);
    return r;
  }
  const int w = alloc_fd_install(files, 0, f[1], cloexec);
  if (w < 0) {
    close_fd(files, static_cast<unsigned>(r));
    fput(f[1]);
    return w;
  }
  const int fds[2] = {r, w};
  if (copy_to_user(fildes, fds, sizeof fds)) {
    close_fd(files, static_cast<unsigned>(r));
    close_fd(files, static_cast<unsigned>(w));
    return -EFAULT;
  }
  return 0;
}
