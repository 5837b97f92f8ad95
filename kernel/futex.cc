/*
 * futex(2) (Linux's kernel/futex/): tasks sleep on a 32-bit word of user
 * memory until another task wakes that word.
 *
 *   key       (mm, address). For a private futex that is Linux's key. A
 *             shared one (no FUTEX_PRIVATE_FLAG) is keyed the same way:
 *             right for private anonymous memory (Linux keys those by mm
 *             and address too, and glibc's pthread_join and the exit
 *             wake of clear_child_tid use the shared form there), but two
 *             processes waiting on one MAP_SHARED page through different
 *             mms do not meet, where Linux keys by the page's object and
 *             offset.
 *   buckets   a fixed hash of kBuckets lists of futex_q, each under its
 *             own spinlock (interrupts off). A futex_q lives on its
 *             waiter's stack; `bucket` says which list holds it, null once
 *             a waker took it off (then `woken` is set).
 *   waiting   the waiter queues itself under the bucket lock, and only
 *             then reads the word: a waker stores the new value before it
 *             takes the bucket lock, so either it finds the entry or the
 *             waiter's read (after its own lock/unlock) sees the new value
 *             and returns -EAGAIN. Reading outside the lock lets the read
 *             fault and sleep, which a spinlock holder may not.
 *   waking    under the bucket lock: off the list, `woken` set (ends the
 *             waiter's sleep loop), the task woken, and last `bucket`
 *             cleared. The waiter leaves only through unqueue(), which
 *             returns once `bucket` is null or it took the entry off
 *             itself under the lock, so a waker is done with the futex_q
 *             and its task before the waiter's stack frame goes.
 *   requeue   moves entries to another bucket holding both locks (lower
 *             address first); a waiter re-reads `bucket` after locking it.
 *
 * Timeouts are tick-granular (HZ 100), as every sleep here. A signal ends
 * the wait with -ERESTARTSYS, or with a timeout -ERESTART_RESTARTBLOCK to
 * resume toward the same deadline (Linux's futex_wait_restart).
 * Not implemented (-ENOSYS): FUTEX_WAKE_OP and the priority-inheritance
 * commands (LOCK_PI, LOCK_PI2, UNLOCK_PI, TRYLOCK_PI, WAIT_REQUEUE_PI,
 * CMP_REQUEUE_PI); glibc uses them only for PTHREAD_PRIO_INHERIT mutexes.
 */
#include <kernel/futex.h>

#include <time.h>  // CLOCK_*

#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/spinlock.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <lib/container_of.h>
#include <lib/list.h>

namespace {

constexpr unsigned kBuckets = 256;

struct futex_key {
  const void* mm;
  uintptr_t addr;
  bool operator==(const futex_key&) const = default;
};

struct futex_hash_bucket {
  SpinLock lock;
  list_head chain;
};

struct futex_q {
  list_head list;
  task_struct* task;
  futex_key key;
  uint32_t bitset;
  futex_hash_bucket* bucket;  // the list holding it, null once woken; changed under that bucket's lock
  std::atomic<bool> woken{false};
};

futex_hash_bucket buckets[kBuckets];

futex_hash_bucket* hash_bucket(const futex_key& k) {
  // Fibonacci hashing of the word index mixed with the mm.
  const uint64_t h = (k.addr >> 2) ^ (reinterpret_cast<uintptr_t>(k.mm) >> 4);
  return &buckets[(h * 0x9e3779b97f4a7c15ull) >> 56];
}

// The key of uaddr in the caller's mm, or -EINVAL / -EFAULT as Linux's
// get_futex_key: a misaligned address, one outside user space, and for a
// shared futex an address that does not map readable memory.
int get_futex_key(uintptr_t uaddr, bool shared, futex_key* key) {
  if (uaddr % sizeof(uint32_t)) return -EINVAL;
  if (!access_ok(uaddr, sizeof(uint32_t))) return -EFAULT;
  if (shared) {
    uint32_t v;
    if (copy_from_user(&v, uaddr, sizeof(v))) return -EFAULT;
  }
  *key = {get_current()->mm, uaddr};
  return 0;
}

// Under q's bucket lock. `bucket` goes null last: from then on the waiter
// may return and its futex_q and task may go.
void wake_q_locked(futex_q* q) {
  task_struct* t = q->task;
  list_del_init(&q->list);
  q->woken.store(true, std::memory_order_release);
  wake_up_process(t);
  __atomic_store_n(&q->bucket, nullptr, __ATOMIC_RELEASE);
}

// Takes q off its list unless a waker did: true when it was still queued.
bool unqueue(futex_q* q) {
  for (;;) {
    futex_hash_bucket* hb = __atomic_load_n(&q->bucket, __ATOMIC_ACQUIRE);
    if (!hb) return false;  // woken, and the waker is done with q
    SpinLockIrqSaveGuard g{hb->lock};
    if (q->bucket != hb) continue;  // woken or requeued meanwhile
    list_del_init(&q->list);
    q->bucket = nullptr;
    return true;
  }
}

int64_t clock_ns(bool realtime) {
  return static_cast<int64_t>(realtime ? ktime_get_real_ns() : ktime_get_ns());
}

long futex_wait_restart(restart_block* rb);

// Sleeps on uaddr while it holds val; deadline_ns < 0: no timeout.
long futex_wait(uintptr_t uaddr, bool shared, uint32_t val, int64_t deadline_ns, bool realtime, uint32_t bitset) {
  if (!bitset) return -EINVAL;
  futex_q q;
  if (const int err = get_futex_key(uaddr, shared, &q.key)) return err;
  q.task = get_current();
  q.bitset = bitset;
  futex_hash_bucket* hb = hash_bucket(q.key);
  {
    SpinLockIrqSaveGuard g{hb->lock};
    list_add_tail(&q.list, &hb->chain);
    __atomic_store_n(&q.bucket, hb, __ATOMIC_RELEASE);
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  uint32_t cur;
  if (copy_from_user(&cur, uaddr, sizeof(cur))) {
    if (!unqueue(&q)) return 0;
    return -EFAULT;
  }
  if (cur != val) {
    if (!unqueue(&q)) return 0;
    return -EAGAIN;
  }
  constexpr int64_t tick_ns = NSEC_PER_SEC / HZ;
  long ret = 0;
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    if (q.woken.load(std::memory_order_acquire)) break;
    if (signal_pending(q.task)) {
      ret = -ERESTARTSYS;
      break;
    }
    if (deadline_ns < 0) {
      schedule();
      continue;
    }
    const int64_t now = clock_ns(realtime);
    if (now >= deadline_ns) {
      ret = -ETIMEDOUT;
      break;
    }
    // +1: the current tick is already partly over.
    schedule_timeout(static_cast<long>((deadline_ns - now + tick_ns - 1) / tick_ns) + 1);
  }
  __set_current_state(TASK_RUNNING);
  if (!unqueue(&q)) return 0;  // a wakeup that raced with the signal or timeout wins
  if (ret == -ERESTARTSYS && deadline_ns >= 0) {
    restart_block* rb = &q.task->restart_block;
    rb->fn = futex_wait_restart;
    rb->arg[0] = uaddr;
    rb->arg[1] = val | (uint64_t{shared} << 32) | (uint64_t{realtime} << 33);
    rb->arg[2] = static_cast<uint64_t>(deadline_ns);
    rb->arg[3] = bitset;
    ret = -ERESTART_RESTARTBLOCK;
  }
  return ret;
}

long futex_wait_restart(restart_block* rb) {
  const uint64_t a1 = rb->arg[1];
  return futex_wait(rb->arg[0], (a1 >> 32) & 1, static_cast<uint32_t>(a1), static_cast<int64_t>(rb->arg[2]),
                    (a1 >> 33) & 1, static_cast<uint32_t>(rb->arg[3]));
}

long do_futex_wake(uintptr_t uaddr, bool shared, int nr_wake, uint32_t bitset) {
  if (!bitset) return -EINVAL;
  futex_key key;
  if (const int err = get_futex_key(uaddr, shared, &key)) return err;
  futex_hash_bucket* hb = hash_bucket(key);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  long woken = 0;
  SpinLockIrqSaveGuard g{hb->lock};
  for (list_head* e = hb->chain.next; e != &hb->chain && woken < nr_wake;) {
    futex_q* q = container_of(e, &futex_q::list);
    e = e->next;
    if (q->key == key && (q->bitset & bitset)) {
      wake_q_locked(q);
      woken++;
    }
  }
  return woken;
}

// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wakes nr_wake waiters of uaddr and
// moves up to nr_requeue more to uaddr2; CMP first checks *uaddr == cmpval.
long futex_requeue(uintptr_t uaddr, uintptr_t uaddr2, bool shared, int nr_wake, int nr_requeue,
                   const uint32_t* cmpval) {
  if (nr_wake < 0 || nr_requeue < 0) return -EINVAL;
  futex_key k1, k2;
  if (const int err = get_futex_key(uaddr, shared, &k1)) return err;
  if (const int err = get_futex_key(uaddr2, shared, &k2)) return err;
  futex_hash_bucket* hb1 = hash_bucket(k1);
  futex_hash_bucket* hb2 = hash_bucket(k2);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (cmpval) {
    // Read before the locks (a fault may sleep); a waiter racing with the
    // check only turns this into a spurious wakeup or requeue, which
    // futex users tolerate.
    uint32_t cur;
    if (copy_from_user(&cur, uaddr, sizeof(cur))) return -EFAULT;
    if (cur != *cmpval) return -EAGAIN;
  }
  futex_hash_bucket* first = hb1 < hb2 ? hb1 : hb2;
  futex_hash_bucket* second = hb1 < hb2 ? hb2 : hb1;
  long done = 0;
  const unsigned long flags = arch_local_irq_save();
  first->lock.lock();
  if (second != first) second->lock.lock();
  for (list_head* e = hb1->chain.next; e != &hb1->chain;) {
    futex_q* q = container_of(e, &futex_q::list);
    e = e->next;
    if (!(q->key == k1)) continue;
    if (nr_wake > 0) {
      wake_q_locked(q);
      nr_wake--;
    } else if (nr_requeue > 0) {
      // Within one bucket (the same word too, which Linux allows) only
      // the key changes: re-adding at the tail would meet it again.
      q->key = k2;
      if (hb2 != hb1) {
        list_del_init(&q->list);
        list_add_tail(&q->list, &hb2->chain);
        __atomic_store_n(&q->bucket, hb2, __ATOMIC_RELEASE);
      }
      nr_requeue--;
    } else {
      break;
    }
    done++;
  }
  if (second != first) second->lock.unlock();
  first->lock.unlock();
  arch_local_irq_restore(flags);
  return done;
}

}  // namespace

long futex_wake(uintptr_t uaddr, int nr_wake, uint32_t bitset) {
  return do_futex_wake(uaddr, false, nr_wake, bitset);
}

long sys_futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t utime, uintptr_t uaddr2, uint32_t val3) {
  const futex_op_info info = futex_decode(op);
  const int cmd = info.cmd;
  int64_t deadline = -1;
  if (utime && futex_cmd_has_timeout(cmd)) {
    int64_t ns;
    if (const int err = get_user_timespec_ns(utime, &ns)) return err;
    if (cmd == FUTEX_WAIT) {
      deadline = deadline_after(clock_ns(false), ns);  // relative, on CLOCK_MONOTONIC
    } else {
      deadline = ns;  // absolute, on the clock the op names
    }
  }
  if (info.clock_realtime && !futex_clock_realtime_ok(cmd)) return -ENOSYS;
  // The requeue commands take their second count from the timeout's slot.
  const int val2 = static_cast<int>(static_cast<uint32_t>(utime));
  switch (cmd) {
    case FUTEX_WAIT: return futex_wait(uaddr, info.shared, val, deadline, false, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET: return futex_wait(uaddr, info.shared, val, deadline, info.clock_realtime, val3);
    case FUTEX_WAKE: return do_futex_wake(uaddr, info.shared, static_cast<int>(val), FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET: return do_futex_wake(uaddr, info.shared, static_cast<int>(val), val3);
    case FUTEX_REQUEUE: return futex_requeue(uaddr, uaddr2, info.shared, static_cast<int>(val), val2, nullptr);
    case FUTEX_CMP_REQUEUE: return futex_requeue(uaddr, uaddr2, info.shared, static_cast<int>(val), val2, &val3);
    default: return -ENOSYS;
  }
}
