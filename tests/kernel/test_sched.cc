// Scheduler self-tests: kernel threads run, exit and are joined with their
// values; many threads spread over every online hart; a CPU-bound thread
// is preempted so another on the same CPU runs; wait queues lose no
// wakeup under a producer/consumer stress; msleep sleeps at least as long
// as asked; joined threads give back their stacks and task_structs.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/active_mm.h>
#include <asm/kstack.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <asm/smp.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <kernel/mutex.h>
#include <kernel/percpu.h>
#include <kernel/rwlock.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <kernel/wait.h>
#include <lib/bitops.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>

namespace {

uint64_t now_ms() { return ktime_get_ns() / 1000000; }

// The highest online CPU: a secondary when there is one, so the boot task
// can watch from CPU 0.
unsigned last_online_cpu() {
  unsigned last = 0;
  for (unsigned c = 0; c < NR_CPUS; c++)
    if (cpu_online(c)) last = c;
  return last;
}

// Two threads bound to `cpu`, not yet woken; false when out of memory.
bool create_bound_pair(unsigned cpu, int (*fa)(void*), int (*fb)(void*), void* arg, task_struct** a,
                       task_struct** b) {
  *a = kthread_create(fa, arg, "pair/a");
  *b = kthread_create(fb, arg, "pair/b");
  if (!*a || !*b) {
    if (*a) kthread_stop(*a);
    if (*b) kthread_stop(*b);
    return false;
  }
  kthread_bind(*a, cpu);
  kthread_bind(*b, cpu);
  return true;
}

// ---- run, exit, join ----------------------------------------------------------

int triple_plus_one(void* arg) { return static_cast<int>(reinterpret_cast<uintptr_t>(arg)) * 3 + 1; }

int exits_early(void* arg) {
  kthread_exit(static_cast<int>(reinterpret_cast<uintptr_t>(arg)) - 1000);
}

struct StopWorker {
  std::atomic<unsigned> loops{0};
  std::atomic<bool> started{false};
};

int run_until_stopped(void* arg) {
  auto* w = static_cast<StopWorker*>(arg);
  w->started.store(true);
  while (!kthread_should_stop()) {
    w->loops.fetch_add(1);
    msleep(1);
  }
  return static_cast<int>(w->loops.load());
}

KTEST(sched, threads_run_and_exit_with_values_joined) {
  constexpr unsigned kThreads = 12;
  task_struct* t[kThreads];
  for (unsigned i = 0; i < kThreads; i++) {
    t[i] = kthread_run(i % 3 == 2 ? exits_early : triple_plus_one, reinterpret_cast<void*>(uintptr_t{i}), "join/%u", i);
    ASSERT_NE(t[i], nullptr);
  }
  for (unsigned i = 0; i < kThreads; i++)
    for (unsigned j = 0; j < i; j++) EXPECT_NE(t[i]->pid, t[j]->pid);
  EXPECT_EQ(t[0]->mm, nullptr);  // kernel threads have no address space
  for (unsigned i = 0; i < kThreads; i++) {
    const int want = i % 3 == 2 ? static_cast<int>(i) - 1000 : static_cast<int>(i) * 3 + 1;
    EXPECT_EQ(kthread_join(t[i]), want);
  }
  // kthread_stop: the thread sees should_stop and returns its count.
  StopWorker w;
  task_struct* s = kthread_run(run_until_stopped, &w, "stopme");
  ASSERT_NE(s, nullptr);
  while (w.loops.load() < 3) msleep(1);
  const int loops = kthread_stop(s);
  EXPECT_GE(loops, 3);
  EXPECT_EQ(static_cast<unsigned>(loops), w.loops.load());
}

std::atomic<bool> created_ran{false};
int note_ran(void*) {
  created_ran.store(true);
  return 7;
}

KTEST(sched, created_thread_waits_for_wake_up_process) {
  created_ran.store(false);
  task_struct* t = kthread_create(note_ran, nullptr, "created");
  ASSERT_NE(t, nullptr);
  msleep(30);
  EXPECT_FALSE(created_ran.load());
  EXPECT_TRUE(wake_up_process(t));
  EXPECT_EQ(kthread_join(t), 7);
  EXPECT_TRUE(created_ran.load());
  // Stopped before it ever ran: its function is never called.
  created_ran.store(false);
  t = kthread_create(note_ran, nullptr, "never");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(kthread_stop(t), -EINTR);
  EXPECT_FALSE(created_ran.load());
  // Waking the running caller is a no-op that reports so.
  EXPECT_FALSE(wake_up_process(get_current()));
}

// ---- spreading over harts -------------------------------------------------------

struct Spread {
  std::atomic<bool> go{false};
  std::atomic<unsigned> ran{0};
  unsigned cpu_of[64];
};

int spread_worker(void* arg) {
  auto* s = static_cast<Spread*>(arg);
  const unsigned me = s->ran.fetch_add(1);
  // Stay runnable (not sleeping) until all exist, so placement sees the load.
  while (!s->go.load()) yield();
  s->cpu_of[me] = this_cpu()->id;
  return 0;
}

KTEST(sched, many_threads_spread_over_all_harts) {
  constexpr unsigned kThreads = 64;
  static Spread s;
  s.go.store(false);
  s.ran.store(0);
  task_struct* t[kThreads];
  for (unsigned i = 0; i < kThreads; i++) {
    t[i] = kthread_run(spread_worker, &s, "spread/%u", i);
    ASSERT_NE(t[i], nullptr);
  }
  const uint64_t deadline = now_ms() + 10000;
  while (s.ran.load() < kThreads && now_ms() < deadline) msleep(1);
  EXPECT_EQ(s.ran.load(), kThreads);
  s.go.store(true);
  for (unsigned i = 0; i < kThreads; i++) EXPECT_EQ(kthread_join(t[i]), 0);
  cpumask_t used = 0;
  unsigned per_cpu[NR_CPUS] = {};
  for (unsigned i = 0; i < kThreads; i++) {
    ASSERT_LT(s.cpu_of[i], NR_CPUS);
    used |= cpumask_t{1} << s.cpu_of[i];
    per_cpu[s.cpu_of[i]]++;
  }
  EXPECT_EQ(used & ~cpu_online_mask(), 0u);
  // Least-loaded placement of 64 runnable threads reaches every hart.
  EXPECT_EQ(used, cpu_online_mask());
  if (num_online_cpus() > 1) EXPECT_GT(hweight64(used), 1u);
  for (unsigned c = 0; c < NR_CPUS; c++)
    if (cpu_online(c)) EXPECT_LE(per_cpu[c], kThreads / num_online_cpus() + 2);
}

// ---- preemption -------------------------------------------------------------

struct PreemptPair {
  std::atomic<bool> stop{false};
  std::atomic<bool> hog_running{false};
  std::atomic<uint64_t> hog_loops{0};
  std::atomic<uint64_t> hog_loops_when_other_ran{0};
  std::atomic<bool> other_ran{false};
  std::atomic<unsigned> hog_cpu{~0u}, other_cpu{~0u};
};

int cpu_hog(void* arg) {
  auto* p = static_cast<PreemptPair*>(arg);
  p->hog_cpu.store(this_cpu()->id);
  p->hog_running.store(true);
  while (!p->stop.load(std::memory_order_relaxed)) p->hog_loops.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

int other_on_same_cpu(void* arg) {
  auto* p = static_cast<PreemptPair*>(arg);
  p->other_cpu.store(this_cpu()->id);
  p->hog_loops_when_other_ran.store(p->hog_loops.load());
  p->other_ran.store(true);
  return 0;
}

KTEST(sched, cpu_bound_thread_is_preempted) {
  // On -smp 1 all three share CPU 0.
  const unsigned target = last_online_cpu();
  static PreemptPair p;
  p.stop.store(false);
  p.hog_running.store(false);
  p.other_ran.store(false);
  p.hog_loops.store(0);
  task_struct *hog, *other;
  ASSERT_TRUE(create_bound_pair(target, cpu_hog, other_on_same_cpu, &p, &hog, &other));
  wake_up_process(hog);
  while (!p.hog_running.load()) msleep(1);
  wake_up_process(other);
  const uint64_t deadline = now_ms() + 3000;
  while (!p.other_ran.load() && now_ms() < deadline) msleep(5);
  EXPECT_TRUE(p.other_ran.load());
  // The hog went on after the other thread's turn: it was preempted, not ended.
  const uint64_t seen = p.hog_loops.load();
  msleep(50);
  EXPECT_GT(p.hog_loops.load(), seen);
  p.stop.store(true);
  EXPECT_EQ(kthread_join(hog), 0);
  EXPECT_EQ(kthread_join(other), 0);
  EXPECT_EQ(p.hog_cpu.load(), target);
  EXPECT_EQ(p.other_cpu.load(), target);
  EXPECT_GT(p.hog_loops_when_other_ran.load(), 0u);
}

// ---- wait queues --------------------------------------------------------------

// Producers and consumers hand items through a 4-slot ring, each side
// sleeping on its own wait queue with exclusive waits (one waiter woken per
// item or slot), for a fixed time; then producers stop and consumers drain.
// A lost wakeup leaves someone asleep with work pending: the run stalls,
// and the test reports it after a deadline instead of hanging.
struct Ring {
  static constexpr unsigned kSize = 4;
  SpinLock lock;
  uint64_t buf[kSize];
  unsigned head = 0, count = 0;
  wait_queue_head not_full, not_empty;
  std::atomic<bool> stop{false}, abort{false};
  std::atomic<uint64_t> produced_sum{0}, produced_count{0};
  std::atomic<uint64_t> consumed_sum{0}, consumed_count{0};
  std::atomic<unsigned> producers_left{0}, finished{0};

  bool try_put(uint64_t v) {
    SpinLockIrqSaveGuard g{lock};
    if (count == kSize) return false;
    buf[(head + count++) % kSize] = v;
    return true;
  }
  bool try_get(uint64_t* v) {
    SpinLockIrqSaveGuard g{lock};
    if (count == 0) return false;
    *v = buf[head];
    head = (head + 1) % kSize;
    count--;
    return true;
  }
};

int producer(void* arg) {
  auto* r = static_cast<Ring*>(arg);
  int ret = 0;
  for (uint64_t i = 1; !r->stop.load(); i++) {
    bool put = false;
    wait_event_exclusive(r->not_full, [&] { return r->abort.load() || r->stop.load() || (put = r->try_put(i)); });
    if (r->abort.load()) {
      ret = -1;
      break;
    }
    if (!put) {
      // Stopping: pass on a slot wakeup this thread may have taken.
      wake_up(&r->not_full);
      break;
    }
    r->produced_sum.fetch_add(i);
    r->produced_count.fetch_add(1);
    wake_up(&r->not_empty);
  }
  r->producers_left.fetch_sub(1);
  wake_up_all(&r->not_empty);  // consumers wait for the end too
  r->finished.fetch_add(1);
  return ret;
}

int consumer(void* arg) {
  auto* r = static_cast<Ring*>(arg);
  for (;;) {
    uint64_t v = 0;
    bool got = false;
    wait_event_exclusive(r->not_empty, [&] {
      got = r->try_get(&v);
      return got || r->abort.load() || r->producers_left.load() == 0;
    });
    if (!got && r->abort.load()) break;
    if (!got && !r->try_get(&v)) break;  // producers gone and the ring empty
    r->consumed_sum.fetch_add(v);
    r->consumed_count.fetch_add(1);
    wake_up(&r->not_full);
  }
  r->finished.fetch_add(1);
  return r->abort.load() ? -1 : 0;
}

KTEST(sched, waitqueue_producer_consumer_loses_no_wakeup) {
  constexpr unsigned kProducers = 3, kConsumers = 3, kThreads = kProducers + kConsumers;
  static Ring r;
  r.producers_left.store(kProducers);
  task_struct* t[kThreads];
  for (unsigned i = 0; i < kConsumers; i++) {
    t[i] = kthread_run(consumer, &r, "cons/%u", i);
    ASSERT_NE(t[i], nullptr);
  }
  for (unsigned i = 0; i < kProducers; i++) {
    t[kConsumers + i] = kthread_run(producer, &r, "prod/%u", i);
    ASSERT_NE(t[kConsumers + i], nullptr);
  }
  msleep(1000);
  r.stop.store(true);
  wake_up_all(&r.not_full);
  // A lost wakeup leaves someone asleep for good: give up after 30 s.
  const uint64_t deadline = now_ms() + 30000;
  while (r.finished.load() < kThreads && now_ms() < deadline) msleep(10);
  EXPECT_EQ(r.finished.load(), kThreads);
  if (r.finished.load() < kThreads) {
    for (unsigned i = 0; i < kThreads; i++)
      KTEST_FAIL("%s: state %u on_rq %d on_cpu %d cpu %u; ring %u", t[i]->comm, task_state(t[i]), t[i]->on_rq,
                 t[i]->on_cpu.load(), t[i]->cpu, r.count);
    r.abort.store(true);
    wake_up_all(&r.not_full);
    wake_up_all(&r.not_empty);
  }
  for (unsigned i = 0; i < kThreads; i++) EXPECT_EQ(kthread_join(t[i]), 0);
  EXPECT_GE(r.produced_count.load(), 50u);  // the stress did hand items over
  EXPECT_EQ(r.consumed_count.load(), r.produced_count.load());
  EXPECT_EQ(r.consumed_sum.load(), r.produced_sum.load());
}

// ---- sleeping ---------------------------------------------------------------

struct SleepResult {
  unsigned ms;
  uint64_t slept_ns;
};

int sleeper(void* arg) {
  auto* s = static_cast<SleepResult*>(arg);
  const uint64_t t0 = ktime_get_ns();
  msleep(s->ms);
  s->slept_ns = ktime_get_ns() - t0;
  return 0;
}

KTEST(sched, msleep_sleeps_at_least_the_time_asked) {
  for (unsigned ms : {1u, 10u, 25u, 60u}) {
    const uint64_t t0 = ktime_get_ns();
    msleep(ms);
    EXPECT_GE(ktime_get_ns() - t0, uint64_t{ms} * 1000000);
  }
  // In threads on every CPU at once.
  SleepResult r[8];
  task_struct* t[8];
  for (unsigned i = 0; i < 8; i++) {
    r[i] = {5 + 7 * i, 0};
    t[i] = kthread_run(sleeper, &r[i], "sleep/%u", i);
    ASSERT_NE(t[i], nullptr);
  }
  for (unsigned i = 0; i < 8; i++) {
    EXPECT_EQ(kthread_join(t[i]), 0);
    EXPECT_GE(r[i].slept_ns, uint64_t{r[i].ms} * 1000000);
  }
  // A timed wait for a condition that never comes times out, after at
  // least the ticks asked.
  wait_queue_head wq;
  const uint64_t j0 = jiffies;
  EXPECT_EQ(wait_event_timeout(wq, [] { return false; }, 3), 0);
  EXPECT_GE(jiffies - j0, 3u);
}

// ---- freeing --------------------------------------------------------------------

int nothing(void*) { return 0; }

KTEST(sched, stacks_and_tasks_are_freed_after_join) {
  constexpr unsigned kThreads = 64;
  task_struct* t[kThreads];
  uintptr_t stacks[kThreads];
  // A first round grows whatever is grown once (stack page tables, slabs).
  for (unsigned round = 0; round < 2; round++) {
    const long tasks_before = nr_tasks();
    const uint64_t free_before = nr_free_pages();
    for (unsigned i = 0; i < kThreads; i++) {
      t[i] = kthread_run(nothing, nullptr, "free/%u", i);
      ASSERT_NE(t[i], nullptr);
      stacks[i] = t[i]->stack;
    }
    EXPECT_EQ(nr_tasks(), tasks_before + kThreads);
    for (unsigned i = 0; i < kThreads; i++) EXPECT_EQ(kthread_join(t[i]), 0);
    EXPECT_EQ(nr_tasks(), tasks_before);
    KernelStackInfo st;
    for (unsigned i = 0; i < kThreads; i++) EXPECT_FALSE(kernel_stack_of(stacks[i] - 8, &st));
    if (round == 1) {
      // Each stack is 4 pages: a leak of even a few threads' stacks shows.
      const uint64_t free_after = nr_free_pages();
      EXPECT_GE(free_after + 8, free_before);
    }
  }
}

// ---- mutex ----------------------------------------------------------------------

struct Counter {
  mutex m;
  uint64_t value = 0;  // only under m
  std::atomic<unsigned> inside{0};
  std::atomic<unsigned> overlaps{0};
  unsigned iterations = 0;
};

int mutex_worker(void* arg) {
  auto* c = static_cast<Counter*>(arg);
  for (unsigned i = 0; i < c->iterations; i++) {
    MutexGuard g{c->m};
    if (c->inside.fetch_add(1) != 0) c->overlaps.fetch_add(1);
    const uint64_t v = c->value;
    if (i % 16 == 0) msleep(1);  // sleep holding it: others must queue
    else if (i % 4 == 0) yield();
    c->value = v + 1;
    c->inside.fetch_sub(1);
  }
  return 0;
}

KTEST(sched, mutex_excludes_and_sleeping_waiters_get_it) {
  constexpr unsigned kThreads = 6;
  static Counter c;
  c.iterations = 200;
  task_struct* t[kThreads];
  for (unsigned i = 0; i < kThreads; i++) {
    t[i] = kthread_run(mutex_worker, &c, "mutex/%u", i);
    ASSERT_NE(t[i], nullptr);
  }
  for (unsigned i = 0; i < kThreads; i++) EXPECT_EQ(kthread_join(t[i]), 0);
  EXPECT_EQ(c.overlaps.load(), 0u);
  EXPECT_EQ(c.value, uint64_t{kThreads} * c.iterations);
  EXPECT_FALSE(mutex_is_locked(&c.m));
  EXPECT_TRUE(mutex_trylock(&c.m));
  EXPECT_FALSE(mutex_trylock(&c.m));
  mutex_unlock(&c.m);
}

// ---- preemption count ---------------------------------------------------------

// Every lock raises preempt_count while held and restores it on every way
// out (the rwlock's writer side once leaked one per write lock).
KTEST(sched, locks_raise_and_restore_preempt_count) {
  const unsigned base = preempt_count();
  SpinLock s;
  s.lock();
  EXPECT_EQ(preempt_count(), base + 1);
  EXPECT_FALSE(s.try_lock());
  EXPECT_EQ(preempt_count(), base + 1);
  s.unlock();
  EXPECT_EQ(preempt_count(), base);
  EXPECT_TRUE(s.try_lock());
  s.unlock();
  RwLock rw;
  rw.lock();
  EXPECT_EQ(preempt_count(), base + 1);
  EXPECT_FALSE(rw.try_lock());
  EXPECT_FALSE(rw.try_lock_shared());
  EXPECT_EQ(preempt_count(), base + 1);
  rw.unlock();
  EXPECT_EQ(preempt_count(), base);
  rw.lock_shared();
  EXPECT_TRUE(rw.try_lock_shared());
  EXPECT_EQ(preempt_count(), base + 2);
  rw.unlock_shared();
  rw.unlock_shared();
  EXPECT_TRUE(rw.try_lock());
  rw.unlock();
  EXPECT_EQ(preempt_count(), base);
}

// ---- address spaces follow the task -------------------------------------------

struct MmUser {
  mm_struct* mm;
  unsigned long addr;
  std::atomic<bool> wrote{false};
  int put = -1, get = -1;
  uint8_t value = 0;
  bool mm_kept = false;
};

int use_mm_across_sleep(void* arg) {
  auto* u = static_cast<MmUser*>(arg);
  kthread_use_mm(u->mm);
  u->put = put_user_u8(0x5a, u->addr);
  u->wrote.store(true);
  msleep(30);  // the other thread runs here meanwhile
  u->mm_kept = current_mm() == u->mm && get_current()->mm == u->mm;
  u->get = get_user_u8(&u->value, u->addr);
  kthread_unuse_mm(u->mm);
  return current_mm() == nullptr && get_current()->mm == nullptr ? 0 : 1;
}

int sees_no_mm(void* arg) {
  auto* u = static_cast<MmUser*>(arg);
  while (!u->wrote.load()) msleep(1);
  return current_mm() == nullptr ? 0 : 1;
}

KTEST(sched, kthread_use_mm_follows_the_task_across_switches) {
  mm_struct* mm = mm_alloc();
  ASSERT_NE(mm, nullptr);
  if (mm_alloc_pgd(mm)) {
    mmput(mm);
    KTEST_FAIL("no memory for a page table");
    return;
  }
  MmUser u;
  u.mm = mm;
  u.addr = static_cast<unsigned long>(sys_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ~0ul, 0));
  ASSERT_LT(u.addr, TASK_SIZE);
  task_struct *a, *b;
  ASSERT_TRUE(create_bound_pair(last_online_cpu(), use_mm_across_sleep, sees_no_mm, &u, &a, &b));
  wake_up_process(a);
  wake_up_process(b);
  EXPECT_EQ(kthread_join(b), 0);  // ran on a's CPU while a slept: the kernel's table
  EXPECT_EQ(kthread_join(a), 0);
  EXPECT_EQ(u.put, 0);
  EXPECT_EQ(u.get, 0);
  EXPECT_EQ(u.value, 0x5a);
  EXPECT_TRUE(u.mm_kept);
  EXPECT_EQ(current_mm(), nullptr);
  mmput(mm);
}

// ---- probe_fault catches follow the task ---------------------------------------

struct ProbeSleep {
  std::atomic<bool> armed{false};
  std::atomic<bool> other_done{false};
  bool other_saw_catch = true;
  bool caught = false;
  TrapRecord rec{};
};

void sleep_then_fault(void* arg) {
  auto* p = static_cast<ProbeSleep*>(arg);
  p->armed.store(true);
  while (!p->other_done.load()) msleep(2);
  volatile uint64_t* null = nullptr;
  asm volatile("" : "+r"(null));  // opaque to the compiler: a real load at 0
  (void)*null;
}

int probe_across_sleep(void* arg) {
  auto* p = static_cast<ProbeSleep*>(arg);
  p->caught = probe_fault(sleep_then_fault, p, &p->rec);
  return this_cpu()->fault_catch == nullptr ? 0 : 1;
}

int look_for_catch(void* arg) {
  auto* p = static_cast<ProbeSleep*>(arg);
  while (!p->armed.load()) msleep(1);
  p->other_saw_catch = this_cpu()->fault_catch != nullptr;  // the sleeper's, if it stayed per CPU
  p->other_done.store(true);
  return 0;
}

KTEST(sched, probe_fault_catch_follows_the_task) {
  static ProbeSleep p;
  task_struct *a, *b;
  ASSERT_TRUE(create_bound_pair(last_online_cpu(), probe_across_sleep, look_for_catch, &p, &a, &b));
  wake_up_process(a);
  wake_up_process(b);
  EXPECT_EQ(kthread_join(b), 0);
  EXPECT_EQ(kthread_join(a), 0);
  EXPECT_FALSE(p.other_saw_catch);
  EXPECT_TRUE(p.caught);
  EXPECT_EQ(p.rec.scause, static_cast<uint64_t>(Scause::LoadPageFault));
  EXPECT_EQ(p.rec.stval, 0u);
}

}  // namespace
