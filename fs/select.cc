/*
 * ppoll and pselect6 (Linux's fs/select.c do_sys_poll, core_sys_select):
 * the descriptors' ready masks,
 * sleeping until one is ready, the timeout passes or a signal comes, with
 * the caller's signal mask replaced for the duration (as rt_sigsuspend:
 * the old mask comes back after the handler of the signal that woke it).
 *
 * The first pass asks every file with a poll_table, so each queues the
 * caller where a change would be announced (fs/include/fs/poll.h); later
 * passes only ask. A signal ends the sleep with -ERESTARTNOHAND (EINTR once
 * a handler ran; restarted otherwise), the timeout with 0. poll and pause
 * in glibc are ppoll on riscv64, select and pselect are pselect6.
 *
 * select is the same wait over the descriptors set in its three bit sets,
 * each asking for its own events (readable: POLLIN, POLLHUP or POLLERR;
 * writable: POLLOUT or POLLERR; exceptional: POLLPRI), so only those
 * events end the sleep. Every descriptor set below n must be open
 * (-EBADF), n is cut to the size of the descriptor table, and the sets
 * come back with only the ready descriptors; the count is of set bits, so
 * a descriptor ready in two sets counts twice.
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
// no timeout. With wanted, a descriptor is ready only for the events
// wanted[i] names (select); without, for any it reports.
long do_poll(pollfd_k* fds, unsigned nfds, int64_t deadline_ns, const uint16_t* wanted = nullptr) {
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
    for (unsigned i = 0; i < nfds; i++) {
      const unsigned ready = poll_one(&fds[i], pt);
      count += wanted ? (static_cast<uint16_t>(fds[i].revents) & wanted[i]) != 0 : ready;
    }
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

namespace {

// What ppoll and pselect6 share around the wait: the timeout (an absolute
// deadline from now), the signal mask for the duration, and on the way out
// the time left written back and the mask put back.
class PollSelectCall {
 public:
  // 0, or -EFAULT / -EINVAL (nothing changed).
  long begin(uintptr_t utsp, uintptr_t usigmask, size_t sigsetsize) {
    utsp_ = utsp;
    if (utsp) {
      if (const int err = get_user_timespec_ns(utsp, &timeout_)) return err;
      deadline_ = deadline_after(static_cast<int64_t>(ktime_get_ns()), timeout_);
    }
    if (usigmask) {
      if (sigsetsize != sizeof(kernel_sigset_t)) return -EINVAL;
      kernel_sigset_t set;
      if (copy_from_user(&set, usigmask, sizeof(set))) return -EFAULT;
      task_struct* self = get_current();
      self->saved_sigmask = self->blocked;
      self->restore_sigmask = true;
      set_current_blocked(&set);
    }
    return 0;
  }
  int64_t deadline() const { return deadline_; }
  long finish(long ret) {
    if (ret == -EINTR) ret = -ERESTARTNOHAND;
    // The time left goes back to the caller (Linux's poll_select_finish).
    if (utsp_ && timeout_) {
      const int64_t left = deadline_ - static_cast<int64_t>(ktime_get_ns());
      const kernel_timespec rem = ns_to_timespec(left > 0 ? left : 0);
      (void)copy_to_user(utsp_, &rem, sizeof(rem));
    }
    // Interrupted: the handler's frame records the saved mask and sigreturn
    // restores it (restore_sigmask stays set); otherwise put it back now.
    if (ret != -ERESTARTNOHAND) restore_saved_sigmask();
    return ret;
  }

 private:
  uintptr_t utsp_ = 0;
  int64_t timeout_ = 0;  // ns; 0 with no timeout or a zero one: nothing is written back
  int64_t deadline_ = -1;
};

constexpr uint16_t POLLIN_SET = POLLIN_K | POLLRDNORM_K | POLLHUP_K | POLLERR_K;
constexpr uint16_t POLLOUT_SET = POLLOUT_K | POLLWRNORM_K | POLLERR_K;
constexpr uint16_t POLLEX_SET = POLLPRI_K;
constexpr unsigned kBitsPerLong = 8 * sizeof(unsigned long);

bool fd_isset(const unsigned long* set, unsigned fd) { return set && (set[fd / kBitsPerLong] >> (fd % kBitsPerLong)) & 1; }
void fd_set_bit(unsigned long* set, unsigned fd) { set[fd / kBitsPerLong] |= 1ul << (fd % kBitsPerLong); }

// core_sys_select: the three sets (user addresses, 0 for none) of n bits.
long do_select(unsigned n, const uintptr_t user_set[3], int64_t deadline) {
  const unsigned max_fds = get_current()->files->max_fds;
  if (n > max_fds) n = max_fds;
  const size_t words = (n + kBitsPerLong - 1) / kBitsPerLong;
  const size_t bytes = words * sizeof(unsigned long);
  // in[3] (what was asked) and out[3] (what is ready), then the poll array.
  unsigned long* bits = static_cast<unsigned long*>(kzalloc(6 * bytes + 1, GFP_KERNEL));
  if (!bits) return -ENOMEM;
  unsigned long* in[3] = {};
  unsigned long* out[3];
  for (unsigned s = 0; s < 3; s++) {
    out[s] = bits + (3 + s) * words;
    if (!user_set[s]) continue;
    in[s] = bits + s * words;
    if (copy_from_user(in[s], user_set[s], bytes)) {
      kfree(bits);
      return -EFAULT;
    }
  }
  unsigned nfds = 0;
  for (unsigned fd = 0; fd < n; fd++) nfds += fd_isset(in[0], fd) || fd_isset(in[1], fd) || fd_isset(in[2], fd);
  pollfd_k* fds = static_cast<pollfd_k*>(kmalloc(nfds * (sizeof(pollfd_k) + sizeof(uint16_t)) + 1, GFP_KERNEL));
  if (!fds) {
    kfree(bits);
    return -ENOMEM;
  }
  uint16_t* wanted = reinterpret_cast<uint16_t*>(fds + nfds);
  long ret = 0;
  unsigned k = 0;
  for (unsigned fd = 0; fd < n && ret == 0; fd++) {
    uint16_t want = 0;
    if (fd_isset(in[0], fd)) want |= POLLIN_SET;
    if (fd_isset(in[1], fd)) want |= POLLOUT_SET;
    if (fd_isset(in[2], fd)) want |= POLLEX_SET;
    if (!want) continue;
    if (!FdRef(fd)) ret = -EBADF;  // every descriptor asked about must be open
    fds[k] = pollfd_k{static_cast<int32_t>(fd), static_cast<int16_t>(want), 0};
    wanted[k++] = want;
  }
  if (ret == 0) ret = do_poll(fds, nfds, deadline, wanted);
  if (ret >= 0) {
    ret = 0;
    for (unsigned i = 0; i < nfds; i++) {
      const uint16_t got = static_cast<uint16_t>(fds[i].revents) & wanted[i];
      const unsigned fd = static_cast<unsigned>(fds[i].fd);
      const uint16_t sets[3] = {POLLIN_SET, POLLOUT_SET, POLLEX_SET};
      for (unsigned s = 0; s < 3; s++) {
        if (got & sets[s]) {
          fd_set_bit(out[s], fd);
          ret++;
        }
      }
    }
    for (unsigned s = 0; s < 3; s++)
      if (user_set[s] && copy_to_user(user_set[s], out[s], bytes)) ret = -EFAULT;
  }
  kfree(fds);
  kfree(bits);
  return ret;
}

}  // namespace

long sys_ppoll(uintptr_t ufds, unsigned nfds, uintptr_t utsp, uintptr_t usigmask, size_t sigsetsize) {
  PollSelectCall call;
  if (const long err = call.begin(utsp, usigmask, sigsetsize)) return err;
  long ret;
  if (nfds > get_current()->rlim[RLIMIT_NOFILE].rlim_cur) {
    ret = -EINVAL;
  } else {
    const size_t bytes = size_t{nfds} * sizeof(pollfd_k);
    pollfd_k* fds = static_cast<pollfd_k*>(kmalloc(bytes ? bytes : 1, GFP_KERNEL));
    if (!fds) {
      ret = -ENOMEM;
    } else if (copy_from_user(fds, ufds, bytes)) {
      ret = -EFAULT;
    } else {
      ret = do_poll(fds, nfds, call.deadline());
      for (unsigned i = 0; ret >= 0 && i < nfds; i++)
        if (copy_to_user(ufds + i * sizeof(pollfd_k) + offsetof(pollfd_k, revents), &fds[i].revents, 2)) ret = -EFAULT;
    }
    kfree(fds);
  }
  return call.finish(ret);
}

long sys_pselect6(int n, uintptr_t inp, uintptr_t outp, uintptr_t exp, uintptr_t utsp, uintptr_t usig) {
  // The sixth argument points to {const sigset_t* set; size_t size}.
  struct {
    uint64_t set, size;
  } sig{};
  if (usig && copy_from_user(&sig, usig, sizeof(sig))) return -EFAULT;
  PollSelectCall call;
  if (const long err = call.begin(utsp, sig.set, sig.size)) return err;
  const uintptr_t sets[3] = {inp, outp, exp};
  const long ret = n < 0 ? -EINVAL : do_select(static_cast<unsigned>(n), sets, call.deadline());
  return call.finish(ret);
}
