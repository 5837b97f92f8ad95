// futex(2) self-tests between kernel threads sharing one user mm
// (kthread_use_mm on a user_test image): every waiter woken is counted by
// exactly one wake (the sum of FUTEX_WAKE's answers equals the waits that
// returned 0, none lost, none twice), a wake for other bits leaves a waiter
// asleep, CMP_REQUEUE moves waiters to the second word where a wake finds
// them, and the timeout and error answers. The same from user mode, against
// Linux, is tests/user/threads.c.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/active_mm.h>
#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <kernel/futex.h>
#include <kernel/kthread.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <mm/mmap.h>

#include "user_test.h"

extern "C" const uint8_t user_prog_sig_segv[], user_prog_sig_segv_end[];

namespace {

constexpr int kWaiters = 6;

struct Shared {
  mm_struct* mm = nullptr;
  uintptr_t word = 0;  // user address of the futex word
  std::atomic<int> started{0};
  std::atomic<int> zero{0};   // waits that returned 0 (woken)
  std::atomic<int> other{0};  // waits that returned anything else
  std::atomic<int> woken_low{0}, woken_high{0};  // by bitset (bitset test)
};

struct Waiter {
  Shared* s;
  uint32_t bitset;
};

// One FUTEX_WAIT(_BITSET) on a word that stays 0: only a wake ends it.
int wait_once(void* arg) {
  Waiter* w = static_cast<Waiter*>(arg);
  Shared* s = w->s;
  kthread_use_mm(s->mm);
  s->started.fetch_add(1);
  const long r = sys_futex(s->word, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, 0, w->bitset);
  kthread_unuse_mm(s->mm);
  if (r == 0) {
    s->zero.fetch_add(1);
    (w->bitset == 1 ? s->woken_low : s->woken_high).fetch_add(1);
  } else {
    s->other.fetch_add(1);
  }
  return 0;
}

bool setup(Shared* s, user_test::UserImage* img) {
  if (!user_test::load_image(img, user_prog_sig_segv, user_prog_sig_segv_end)) return false;
  s->mm = img->mm;
  s->word = img->data;
  return true;
}

// Wakes `bitset` waiters on s->word, nr at a time, until `want` have been
// counted; the total the wakes reported (more than want would be a bug).
long wake_until(Shared* s, uintptr_t word, uint32_t bitset, int nr, long want) {
  long total = 0;
  kthread_use_mm(s->mm);
  for (int i = 0; i < 20000 && total < want; i++) {
    const long r = sys_futex(word, FUTEX_WAKE_BITSET_PRIVATE, static_cast<uint32_t>(nr), 0, 0, bitset);
    if (r < 0) break;
    total += r;
    if (total < want) msleep(1);
  }
  kthread_unuse_mm(s->mm);
  return total;
}

KTEST(futex, every_wakeup_counted_once_none_lost) {
  Shared s;
  user_test::UserImage img;
  ASSERT_TRUE(setup(&s, &img));
  Waiter w{&s, FUTEX_BITSET_MATCH_ANY};
  task_struct* t[kWaiters];
  for (task_struct*& p : t) p = kthread_run(wait_once, &w, "futex-wait");
  EXPECT_EQ(wake_until(&s, s.word, FUTEX_BITSET_MATCH_ANY, 1, kWaiters), kWaiters);
  for (task_struct* p : t) kthread_join(p);
  EXPECT_EQ(s.zero.load(), kWaiters);
  EXPECT_EQ(s.other.load(), 0);
  // Nobody is left queued: a further wake finds no one.
  kthread_use_mm(s.mm);
  EXPECT_EQ(sys_futex(s.word, FUTEX_WAKE_PRIVATE, 100, 0, 0, 0), 0);
  kthread_unuse_mm(s.mm);
  mmput(img.mm);
}

KTEST(futex, wake_bitset_wakes_only_matching_waiters) {
  Shared s;
  user_test::UserImage img;
  ASSERT_TRUE(setup(&s, &img));
  Waiter low{&s, 1}, high{&s, 2};
  task_struct* t[kWaiters];
  for (int i = 0; i < kWaiters; i++) t[i] = kthread_run(wait_once, i % 2 ? &high : &low, "futex-bits");
  EXPECT_EQ(wake_until(&s, s.word, 1, 100, kWaiters / 2), kWaiters / 2);
  msleep(20);  // a wrongly woken high waiter would have counted itself by now
  EXPECT_EQ(s.woken_high.load(), 0);
  EXPECT_EQ(wake_until(&s, s.word, 2, 100, kWaiters / 2), kWaiters / 2);
  for (task_struct* p : t) kthread_join(p);
  EXPECT_EQ(s.woken_low.load(), kWaiters / 2);
  EXPECT_EQ(s.woken_high.load(), kWaiters / 2);
  mmput(img.mm);
}

KTEST(futex, cmp_requeue_moves_waiters_to_the_second_word) {
  Shared s;
  user_test::UserImage img;
  ASSERT_TRUE(setup(&s, &img));
  const uintptr_t second = s.word + 64;
  Waiter w{&s, FUTEX_BITSET_MATCH_ANY};
  task_struct* t[kWaiters];
  for (task_struct*& p : t) p = kthread_run(wait_once, &w, "futex-requeue");
  while (s.started.load() < kWaiters) msleep(1);
  msleep(20);  // most, usually all, are queued on the first word by now
  kthread_use_mm(s.mm);
  EXPECT_EQ(sys_futex(s.word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 100, second, 7), -EAGAIN);  // *word is 0, not 7
  const long moved = sys_futex(s.word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 100, second, 0);
  kthread_unuse_mm(s.mm);
  EXPECT_TRUE(moved >= 0 && moved <= kWaiters);
  const long woken_by_requeue = moved > 0 ? 1 : 0;
  // The requeued ones answer a wake on the second word only.
  const long on_second = wake_until(&s, second, FUTEX_BITSET_MATCH_ANY, 100, moved - woken_by_requeue);
  EXPECT_EQ(on_second, moved - woken_by_requeue);
  const long on_first = wake_until(&s, s.word, FUTEX_BITSET_MATCH_ANY, 100, kWaiters - moved);
  EXPECT_EQ(on_first, kWaiters - moved);
  for (task_struct* p : t) kthread_join(p);
  EXPECT_EQ(s.zero.load(), kWaiters);
  mmput(img.mm);
}

KTEST(futex, timeouts_and_errors) {
  Shared s;
  user_test::UserImage img;
  ASSERT_TRUE(setup(&s, &img));
  kthread_use_mm(s.mm);
  const uintptr_t ts = s.word + 128;  // struct timespec {0, 30 ms}
  const int64_t spec[2] = {0, 30 * 1000 * 1000};
  ASSERT_EQ(copy_to_user(ts, spec, sizeof(spec)), 0u);
  const uint64_t t0 = ktime_get_ns();
  EXPECT_EQ(sys_futex(s.word, FUTEX_WAIT_PRIVATE, 0, ts, 0, 0), -ETIMEDOUT);
  EXPECT_GE(ktime_get_ns() - t0, 30u * 1000 * 1000);
  EXPECT_EQ(sys_futex(s.word, FUTEX_WAIT_PRIVATE, 1, ts, 0, 0), -EAGAIN);
  EXPECT_EQ(sys_futex(s.word + 2, FUTEX_WAIT_PRIVATE, 0, ts, 0, 0), -EINVAL);
  EXPECT_EQ(sys_futex(PAGE_SIZE, FUTEX_WAIT_PRIVATE, 0, ts, 0, 0), -EFAULT);  // nothing mapped there
  EXPECT_EQ(sys_futex(PAGE_SIZE, FUTEX_WAKE, 1, 0, 0, 0), -EFAULT);          // shared: the page must exist
  EXPECT_EQ(sys_futex(PAGE_SIZE, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0), 0);        // private: Linux does not look
  EXPECT_EQ(sys_futex(s.word, FUTEX_WAKE_OP_PRIVATE, 1, 0, s.word + 4, 0), -ENOSYS);
  EXPECT_EQ(sys_futex(s.word, FUTEX_REQUEUE_PRIVATE, 1, 1, s.word, 0), 0);  // onto itself: allowed, nobody there
  kthread_unuse_mm(s.mm);
  mmput(img.mm);
}

}  // namespace
