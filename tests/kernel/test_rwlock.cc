// RwLock (kernel/include/kernel/rwlock.h, mmap_lock) under contention from
// every CPU at once: readers never see a writer inside, writers exclude
// each other and every reader, and nobody starves.
#include <kernel/ktest.h>

#include <asm/smp.h>
#include <kernel/percpu.h>
#include <lib/bitops.h>
#include <kernel/rwlock.h>

namespace {

struct Shared {
  RwLock lock;
  std::atomic<int> readers{0};
  std::atomic<int> writers{0};
  std::atomic<uint64_t> value{0};  // even whenever no writer is inside
  std::atomic<unsigned> violations{0};
  std::atomic<unsigned> writes{0};
  std::atomic<unsigned> reads{0};
  std::atomic<unsigned> done{0};
};

void hammer(void* arg) {
  auto* s = static_cast<Shared*>(arg);
  for (unsigned i = 0; i < 4000; i++) {
    if (i % 8 == 0) {
      s->lock.lock();
      if (s->writers.fetch_add(1) != 0 || s->readers.load() != 0) s->violations++;
      s->value.fetch_add(1, std::memory_order_relaxed);
      for (int spin = 0; spin < 200; spin++) asm volatile("nop");
      s->value.fetch_add(1, std::memory_order_relaxed);
      s->writers.fetch_sub(1);
      s->writes++;
      s->lock.unlock();
    } else {
      s->lock.lock_shared();
      s->readers.fetch_add(1);
      if (s->writers.load() != 0 || (s->value.load(std::memory_order_relaxed) & 1)) s->violations++;
      s->readers.fetch_sub(1);
      s->reads++;
      s->lock.unlock_shared();
    }
  }
  s->done++;
}

}  // namespace

KTEST(rwlock, readers_and_writers_on_every_cpu) {
  if (num_online_cpus() < 2) KTEST_SKIP("needs a second CPU");
  static Shared s;
  // The others start without waiting, and this CPU joins them at once.
  const cpumask_t ran = smp_call_function_many(~cpumask_t{0}, hammer, &s, false);
  hammer(&s);
  const unsigned nr_cpus_ran = 1 + static_cast<unsigned>(hweight64(ran));
  while (s.done.load() < nr_cpus_ran) asm volatile("nop");
  EXPECT_EQ(s.violations.load(), 0u);
  EXPECT_EQ(s.value.load(), 2ull * s.writes.load());
  EXPECT_EQ(s.writes.load() + s.reads.load(), 4000u * nr_cpus_ran);
  EXPECT_GT(nr_cpus_ran, 1u);
  EXPECT_FALSE(s.lock.is_locked());
}

KTEST(rwlock, try_lock_respects_holders) {
  RwLock l;
  EXPECT_TRUE(l.try_lock_shared());
  EXPECT_TRUE(l.try_lock_shared());
  EXPECT_FALSE(l.try_lock());
  l.unlock_shared();
  l.unlock_shared();
  EXPECT_TRUE(l.try_lock());
  EXPECT_TRUE(l.is_write_locked());
  EXPECT_FALSE(l.try_lock_shared());
  EXPECT_FALSE(l.try_lock());
  l.unlock();
  EXPECT_FALSE(l.is_locked());
}

namespace {

struct Handoff {
  RwLock lock;
  std::atomic<unsigned> entered{0};
  std::atomic<unsigned> left{0};
};

void read_once(void* arg) {
  auto* h = static_cast<Handoff*>(arg);
  h->lock.lock_shared();
  h->entered++;
  h->lock.unlock_shared();
  h->left++;
}

void write_once(void* arg) {
  auto* h = static_cast<Handoff*>(arg);
  h->lock.lock();
  h->entered++;
  h->lock.unlock();
  h->left++;
}

// Lets the other CPUs run for a while (they are spinning on the lock).
void let_others_run() {
  for (int i = 0; i < 200000; i++) asm volatile("nop");
}

}  // namespace

KTEST(rwlock, a_writer_keeps_readers_out_until_it_unlocks) {
  if (num_online_cpus() < 2) KTEST_SKIP("needs a second CPU");
  static Handoff h;
  h.lock.lock();
  const cpumask_t ran = smp_call_function_many(~cpumask_t{0}, read_once, &h, false);
  const unsigned others = static_cast<unsigned>(hweight64(ran));
  ASSERT_GT(others, 0u);
  let_others_run();
  EXPECT_EQ(h.entered.load(), 0u);
  h.lock.unlock();
  while (h.left.load() < others) asm volatile("nop");
  EXPECT_EQ(h.entered.load(), others);
}

KTEST(rwlock, a_waiting_writer_stops_new_readers) {
  if (num_online_cpus() < 2) KTEST_SKIP("needs a second CPU");
  static Handoff h;
  h.lock.lock_shared();
  unsigned other = 0;
  while (other < NR_CPUS && (other == this_cpu()->id || !cpu_online(other))) other++;
  ASSERT_LT(other, NR_CPUS);
  const cpumask_t ran = smp_call_function_many(cpumask_t{1} << other, write_once, &h, false);
  ASSERT_EQ(hweight64(ran), 1u);
  // The writer announces itself, then waits for this reader.
  for (int i = 0; i < 1000 && h.lock.try_lock_shared(); i++) {
    h.lock.unlock_shared();
    let_others_run();
  }
  EXPECT_FALSE(h.lock.try_lock_shared());
  EXPECT_EQ(h.entered.load(), 0u);
  h.lock.unlock_shared();
  while (h.left.load() < 1) asm volatile("nop");
  EXPECT_EQ(h.entered.load(), 1u);
  EXPECT_FALSE(h.lock.is_locked());
}
