/*
 * ppoll (Linux's fs/select.c do_sys_poll): the descriptors' ready masks,
 * sleeping until one is ready, the timeout passes or a signal comes, with
 * the caller's signal mask replaced for the duration (as rt_sigsuspend:
 * the old mask comes back after the handler of the signal that woke it).
 *
 * The first pass asks every file with a poll_table, so each queues the
 * caller where a change would be announced (fs/include/fs/poll.h); later
 * passes only ask. A signal ends the sleep with -ERESTARTNOHAND (EINTR once
 * a handler ran; restarted otherwise), the timeout with 0. poll and pause
 * in glibc are this call on riscv64.
 */
#include <fs/poll.h>

#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>

namespace {

struct pollfd_k {
  int32_t fd;
  int16_t events, revents;
};
static_assert(sizeof(pollfd_k) == 8);

struct timespec_k {
  int64_t tv_sec, tv_nsec;
};

constexpr int64_t NSEC_PER_SEC = 1000000000;
constexpr unsigned kMaxQueues = 256;  // wait queues one ppoll sleeps on (two per pipe end at most)

unsigned poll_one(pollfd_k* pfd, poll_table* pt) {
  if (pfd->fd < 0) {
    pfd->revents = 0;
    return 0;
  }
  FdRef f(static_cast<unsigned>(pfd->fd));
  unsigned mask = POLLNVAL_K;
  if (f) mask = f->f_op && f->f_op->poll ? f->f_op->poll(f.get(), pt) : DEFAULT_POLLMASK;
  mask &= static_cast<uint16_t>(pfd->events) | POLLERR_K | POLLHUP_K | POLLNVAL_K;
  pfd->revents = static_cast<int16_t>(mask);
  return mask ? 1 : 0;
}

// Ready descriptors, 0 (timeout) or -EINTR (a signal); deadline_ns < 0:
// no timeout.
long do_poll(pollfd_k* fds, unsigned nfds, int64_t deadline_ns) {
  // A file queues the poller at most twice (a pipe end open for both).
  const unsigned cap = nfds < kMaxQueues / 2 ? 2 * nfds + 1 : kMaxQueues;
  poll_table_entry* entries = static_cast<poll_table_entry*>(kmalloc(cap * sizeof(poll_table_entry), GFP_KERNEL));
  if (!entries) return -ENOMEM;
  poll_table table;
  table.entries = entries;
  table.cap = cap;
  poll_table* pt = &table;
  task_struct* self = get_current();
  long count;
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    count = 0;
    for (unsigned i = 0; i < nfds; i++) count += poll_one(&fds[i], pt);
    pt = nullptr;  // queued once
    if (count) break;
    if (signal_pending(self)) {
      count = -EINTR;
      break;
    }
    long ticks = MAX_SCHEDULE_TIMEOUT;
    if (deadline_ns >= 0) {
      const int64_t now = static_cast<int64_t>(ktime_get_ns());
      if (now >= deadline_ns) break;
      const int64_t tick_ns = NSEC_PER_SEC / HZ;
      ticks = static_cast<long>((deadline_ns - now + tick_ns - 1) / tick_ns) + 1;
    }
    if (table.needs_tick && ticks > 1) ticks = 1;
    schedule_timeout(ticks);
  }
  __set_current_state(TASK_RUNNING);
  for (unsigned i = 0; i < table.n; i++) {
    finish_wait(entries[i].wq, &entries[i].w);
    fput(entries[i].filp);
    entries[i].~poll_table_entry();
  }
  kfree(entries);
  return count;
}

}  // namespace

void poll_wait(file* f, wait_queue_head* wq, poll_table* pt) {
  if (!pt) return;
  if (pt->n == pt->cap) {
    pt->needs_tick = true;  // out of entries: look again every tick instead
    return;
  }
  poll_table_entry* e = new (&pt->entries[pt->n++]) poll_table_entry;  // its entry linked to itself
  e->filp = get_file(f);
  e->wq = wq;
  SpinLockIrqSaveGuard g{wq->lock};
  list_add_tail(&e->w.entry, &wq->head);
}

long sys_ppoll(uintptr_t ufds, unsigned nfds, uintptr_t utsp, uintptr_t usigmask, size_t sigsetsize) {
  int64_t deadline = -1;
  timespec_k ts{};
  if (utsp) {
    if (copy_from_user(&ts, utsp, sizeof(ts))) return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC) return -EINVAL;
    const int64_t now = static_cast<int64_t>(ktime_get_ns());
    deadline = ts.tv_sec > (INT64_MAX - now) / NSEC_PER_SEC - 1 ? INT64_MAX : now + ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
  }
  task_struct* self = get_current();
  if (usigmask) {
    if (sigsetsize != sizeof(kernel_sigset_t)) return -EINVAL;
    kernel_sigset_t set;
    if (copy_from_user(&set, usigmask, sizeof(set))) return -EFAULT;
    self->saved_sigmask = self->blocked;
    self->restore_sigmask = true;
    set_current_blocked(&set);
  }
  long ret;
  if (nfds > self->rlim[RLIMIT_NOFILE].rlim_cur) {
    ret = -EINVAL;
  } else {
    const size_t bytes = size_t{nfds} * sizeof(pollfd_k);
    pollfd_k* fds = static_cast<pollfd_k*>(kmalloc(bytes ? bytes : 1, GFP_KERNEL));
    if (!fds) {
      ret = -ENOMEM;
    } else if (copy_from_user(fds, ufds, bytes)) {
      ret = -EFAULT;
    } else {
      ret = do_poll(fds, nfds, deadline);
      for (unsigned i = 0; ret >= 0 && i < nfds; i++)
        if (copy_to_user(ufds + i * sizeof(pollfd_k) + offsetof(pollfd_k, revents), &fds[i].revents, 2)) ret = -EFAULT;
    }
    kfree(fds);
  }
  if (ret == -EINTR) ret = -ERESTARTNOHAND;
  // The time left goes back to the caller (Linux's poll_select_finish).
  if (utsp && (ts.tv_sec || ts.tv_nsec)) {
    const int64_t left = deadline - static_cast<int64_t>(ktime_get_ns());
    const timespec_k rem = left > 0 ? timespec_k{left / NSEC_PER_SEC, left % NSEC_PER_SEC} : timespec_k{0, 0};
    (void)copy_to_user(utsp, &rem, sizeof(rem));
  }
  // Interrupted: the handler's frame records the saved mask and sigreturn
  // restores it (restore_sigmask stays set); otherwise put it back now.
  if (ret != -ERESTARTNOHAND) restore_saved_sigmask();
  return ret;
}
