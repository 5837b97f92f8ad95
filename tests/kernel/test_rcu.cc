// RCU self-tests: grace periods wait for readers on other harts, callbacks
// run after them, sections nest, rcu_barrier drains every CPU, and a
// reader/updater stress never lets a reader see a freed object.
#include <kernel/ktest.h>

#include <atomic>

#include <asm/csr.h>
#include <asm/irqflags.h>
#include <asm/smp.h>
#include <kernel/percpu.h>
#include <kernel/rcupdate.h>
#include <kernel/rcutree.h>
#include <kernel/time.h>
#include <lib/bitops.h>

namespace {

uint64_t ms_to_ticks(uint64_t ms) { return timebase_hz() * ms / 1000; }

void spin_until(uint64_t deadline) {
  while (rdtime() < deadline) cpu_relax();
}

// Spins at least `min` timebase ticks and until this CPU has taken two
// timer interrupts (a vCPU of a loaded host may miss some), at most 2 s.
// Returns the timer interrupts taken. Interrupts must be on.
uint64_t spin_across_ticks(uint64_t min) {
  const uint64_t ticks = this_cpu()->ticks;
  const uint64_t start = rdtime();
  spin_until(start + min);
  const uint64_t limit = start + ms_to_ticks(2000);
  while (this_cpu()->ticks < ticks + 2 && rdtime() < limit) cpu_relax();
  return this_cpu()->ticks - ticks;
}

// Cross-call functions run with interrupts off. Readers turn the tick back
// on so that ticks land inside their sections (which must not count as
// quiescent states); software interrupts stay masked, because a second IPI
// would run the cross-call again inside itself.
class TicksOn {
 public:
  TicksOn() : sie_(csr_clear<Csr::Sie>(IE_SSIE)) { local_irq_enable(); }
  ~TicksOn() {
    local_irq_disable();
    csr_set<Csr::Sie>(sie_ & IE_SSIE);
  }
  TicksOn(const TicksOn&) = delete;
  TicksOn& operator=(const TicksOn&) = delete;

 private:
  uint64_t sie_;
};

// A reader on another hart that stays in a section for at least `hold`
// timebase ticks and two of its own timer interrupts.
struct HeldReader {
  uint64_t hold;
  bool nested;  // enter twice and leave the inner section at once
  std::atomic<bool> in_section{false};
  std::atomic<bool> leaving{false};  // set just before the outermost unlock
  std::atomic<bool> done{false};
  uint64_t ticks_inside = 0;  // timer interrupts the reader took in its section
};

void hold_reader(void* arg) {
  auto* r = static_cast<HeldReader*>(arg);
  TicksOn ticks_on;
  rcu_read_lock();
  if (r->nested) {
    rcu_read_lock();
    rcu_read_unlock();
  }
  r->in_section.store(true);
  r->ticks_inside = spin_across_ticks(r->hold);
  r->leaving.store(true);
  rcu_read_unlock();
  r->done.store(true);
}

// Starts hold_reader on CPU `cpu` (no wait) and returns once it is inside.
bool start_reader(unsigned cpu, HeldReader& r) {
  if (smp_call_function_many(cpumask_t{1} << cpu, hold_reader, &r, false) == 0) return false;
  while (!r.in_section.load()) cpu_relax();
  return true;
}

void wait_done(HeldReader& r) {
  while (!r.done.load()) cpu_relax();
}

unsigned some_other_cpu() {
  for (unsigned i = 1; i < NR_CPUS; i++)
    if (cpu_online(i)) return i;
  return 0;
}

void check_grace_period_waits(KTestContext& ktest_ctx_, bool nested) {
  const unsigned cpu = some_other_cpu();
  if (cpu == 0) KTEST_SKIP("needs two harts");
  HeldReader r{.hold = ms_to_ticks(60), .nested = nested};
  ASSERT_TRUE(start_reader(cpu, r));
  EXPECT_FALSE(r.leaving.load());
  synchronize_rcu();
  // The reader set `leaving` inside its section, so a grace period that
  // ended before the section did cannot see it set.
  EXPECT_TRUE(r.leaving.load());
  wait_done(r);
  EXPECT_GE(r.ticks_inside, 2u);  // else the reader's own tick was not tested
}

}  // namespace

KTEST(rcu, grace_period_waits_for_reader_on_another_hart) { check_grace_period_waits(ktest_ctx_, false); }

KTEST(rcu, grace_period_waits_for_outer_section_after_inner_unlock) { check_grace_period_waits(ktest_ctx_, true); }

KTEST(rcu, synchronize_rcu_completes_a_grace_period) {
  const unsigned long cookie = get_state_synchronize_rcu();
  EXPECT_FALSE(poll_state_synchronize_rcu(cookie));
  synchronize_rcu();
  EXPECT_TRUE(poll_state_synchronize_rcu(cookie));
  // Back to back: each call needs a grace period of its own.
  const unsigned long cookie2 = get_state_synchronize_rcu();
  EXPECT_GT(cookie2, cookie);
  synchronize_rcu();
  EXPECT_TRUE(poll_state_synchronize_rcu(cookie2));
}

namespace {

struct Flagged {
  rcu_head rh;
  std::atomic<bool> ran{false};
  std::atomic<bool> reader_had_left{false};
  HeldReader* reader = nullptr;
};

void flag_callback(rcu_head* h) {
  auto* f = reinterpret_cast<Flagged*>(h);
  if (f->reader) f->reader_had_left.store(f->reader->leaving.load());
  f->ran.store(true);
}

}  // namespace

KTEST(rcu, call_rcu_runs_after_reader_on_another_hart) {
  const unsigned cpu = some_other_cpu();
  if (cpu == 0) KTEST_SKIP("needs two harts");
  HeldReader r{.hold = ms_to_ticks(60), .nested = false};
  ASSERT_TRUE(start_reader(cpu, r));
  Flagged f;
  f.reader = &r;
  call_rcu(&f.rh, flag_callback);
  rcu_barrier();
  EXPECT_TRUE(f.ran.load());
  EXPECT_TRUE(f.reader_had_left.load());
  wait_done(r);
}

// The same on the calling CPU, which works with -smp 1: its own ticks inside
// a (nested) section must not count as quiescent states.
KTEST(rcu, local_section_holds_back_callbacks_across_ticks) {
  ASSERT_FALSE(irqs_disabled());
  Flagged f;
  rcu_read_lock();
  rcu_read_lock();
  call_rcu(&f.rh, flag_callback);
  rcu_read_unlock();
  EXPECT_EQ(rcu_read_lock_nesting(), 1u);
  // The test means nothing unless ticks arrived inside the section.
  EXPECT_GE(spin_across_ticks(ms_to_ticks(50)), 2u);
  EXPECT_FALSE(f.ran.load());
  rcu_read_unlock();
  EXPECT_EQ(rcu_read_lock_nesting(), 0u);
  rcu_barrier();
  EXPECT_TRUE(f.ran.load());
}

KTEST(rcu, call_rcu_completes_from_ticks_alone) {
  // No synchronize_rcu or rcu_barrier: the tick has to notice the
  // quiescent states and run the callback.
  Flagged f;
  call_rcu(&f.rh, flag_callback);
  const uint64_t deadline = rdtime() + ms_to_ticks(2000);
  while (!f.ran.load() && rdtime() < deadline) cpu_relax();
  EXPECT_TRUE(f.ran.load());
}

namespace {

// More than a tick's batch per CPU, so draining takes several ticks.
constexpr unsigned kPerCpu = 300;

struct Numbered {
  rcu_head rh;
  unsigned cpu;
  unsigned seq;
};

Numbered numbered[NR_CPUS][kPerCpu];
unsigned next_seq[NR_CPUS];
std::atomic<unsigned> invoked;
std::atomic<unsigned> misordered;
std::atomic<unsigned> wrong_cpu;

void numbered_callback(rcu_head* h) {
  auto* n = reinterpret_cast<Numbered*>(h);
  if (this_cpu()->id != n->cpu) wrong_cpu.fetch_add(1);
  if (next_seq[n->cpu] != n->seq) misordered.fetch_add(1);
  next_seq[n->cpu] = n->seq + 1;
  invoked.fetch_add(1);
}

void queue_numbered(void*) {
  const unsigned id = this_cpu()->id;
  for (unsigned i = 0; i < kPerCpu; i++) {
    numbered[id][i].cpu = id;
    numbered[id][i].seq = i;
    call_rcu(&numbered[id][i].rh, numbered_callback);
  }
}

}  // namespace

KTEST(rcu, rcu_barrier_waits_for_every_cpus_callbacks_in_order) {
  invoked = 0;
  misordered = 0;
  wrong_cpu = 0;
  for (unsigned& s : next_seq) s = 0;
  on_each_cpu(queue_numbered, nullptr);
  rcu_barrier();
  EXPECT_EQ(invoked.load(), kPerCpu * num_online_cpus());
  EXPECT_EQ(misordered.load(), 0u);
  EXPECT_EQ(wrong_cpu.load(), 0u);
}

namespace {

// Stress: readers on every other hart dereference `current` in sections
// while this CPU replaces it and retires the old object through call_rcu or
// synchronize_rcu. A reader that ever sees an object freed is a failure.
enum : uint32_t { kFree = 0, kLive = 1, kRetired = 2, kPoisoned = 0xdead };

struct Obj {
  rcu_head rh;
  std::atomic<uint32_t> state{kFree};
};

constexpr unsigned kObjs = 16;
Obj pool[kObjs];
std::atomic<Obj*> current;
std::atomic<bool> stop_readers;
std::atomic<unsigned> readers_done;
std::atomic<uint64_t> sections;
std::atomic<uint64_t> violations;

bool usable(uint32_t s) { return s == kLive || s == kRetired; }

void reader_loop(void*) {
  TicksOn ticks_on;
  uint64_t n = 0;
  while (!stop_readers.load(std::memory_order_relaxed)) {
    rcu_read_lock();
    Obj* p = current.load(std::memory_order_acquire);
    if (p) {
      bool ok = usable(p->state.load(std::memory_order_relaxed));
      for (unsigned i = 0; i < 200; i++) cpu_relax();
      ok &= usable(p->state.load(std::memory_order_relaxed));
      if (!ok) violations.fetch_add(1);
    }
    rcu_read_unlock();
    if (n % 64 == 0) rcu_note_context_switch();  // as a long kernel loop would
    n++;
  }
  sections.fetch_add(n);
  readers_done.fetch_add(1);
}

void free_obj(Obj* o) {
  o->state.store(kPoisoned, std::memory_order_relaxed);
  for (unsigned i = 0; i < 50; i++) cpu_relax();
  o->state.store(kFree, std::memory_order_release);
}

void free_obj_rcu(rcu_head* h) { free_obj(reinterpret_cast<Obj*>(h)); }

Obj* get_free_obj() {
  for (;;) {
    for (Obj& o : pool)
      if (o.state.load(std::memory_order_acquire) == kFree) return &o;
    synchronize_rcu();  // its wait loop runs this CPU's ready callbacks
  }
}

}  // namespace

KTEST(rcu, readers_never_see_a_freed_object) {
  if (num_online_cpus() < 2) KTEST_SKIP("needs two harts");
  for (Obj& o : pool) o.state = kFree;
  stop_readers = false;
  readers_done = 0;
  sections = 0;
  violations = 0;
  Obj* first = get_free_obj();
  first->state = kLive;
  current = first;
  const cpumask_t readers = smp_call_function_many(~cpumask_t{0}, reader_loop, nullptr, false);
  constexpr unsigned kUpdates = 300;
  for (unsigned i = 0; i < kUpdates; i++) {
    Obj* next = get_free_obj();
    next->state.store(kLive, std::memory_order_relaxed);
    Obj* old = current.exchange(next, std::memory_order_acq_rel);
    old->state.store(kRetired, std::memory_order_relaxed);
    if (i % 2) {
      call_rcu(&old->rh, free_obj_rcu);
    } else {
      synchronize_rcu();
      free_obj(old);
    }
  }
  stop_readers = true;
  while (readers_done.load() != static_cast<unsigned>(hweight64(readers))) cpu_relax();
  rcu_barrier();
  EXPECT_EQ(violations.load(), 0u);
  EXPECT_GT(sections.load(), uint64_t{kUpdates});
  // Everything but `current` went back to the pool.
  unsigned free_objs = 0;
  for (Obj& o : pool) free_objs += o.state.load() == kFree;
  EXPECT_EQ(free_objs, kObjs - 1);
}
