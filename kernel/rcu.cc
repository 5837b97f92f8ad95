/*
 * Read-copy update, quiescent-state based (Linux's Tree RCU, one level).
 *
 * Readers: rcu_read_lock()/rcu_read_unlock() only count a per-CPU nesting
 * depth. Nothing may sleep in a section (schedule() refuses to), so a
 * CPU holds no RCU-protected reference whenever its depth is 0 at
 *   - a timer tick or IPI that interrupted it (rcu_sched_clock_irq,
 *     rcu_exp_handler: the depth seen is the interrupted code's),
 *   - the idle loop before wfi, rcu_note_context_switch(),
 *   - synchronize_rcu()/rcu_barrier() waiting on it (the waiter is outside
 *     every section by contract).
 * Each such moment is a quiescent state (QS).
 *
 * Grace periods (GPs) are numbered. Global state, under rcu.lock:
 *
 *   gp_started     GPs begun; GP n runs while gp_started == n and
 *                  gp_completed == n - 1 (at most one at a time)
 *   gp_completed   GPs ended (atomic: waiters poll it without the lock)
 *   gp_requested   highest GP number anyone waits for; when it is above
 *                  gp_started, the end of the current GP starts the next
 *   qs_pending     CPUs that have not yet reported a QS for GP gp_started;
 *                  set to the online CPUs (and the starter) when it begins.
 *                  The CPU clearing the last bit ends the GP.
 *
 * An updater that unlinked an object needs a GP that begins after the
 * unlink: GP gp_started + 1, read under the lock after a full fence. Every
 * report takes the lock after a full fence, so a reader's loads before its
 * QS happen before the GP's end, and its loads after the QS see what the
 * updater stored before the GP began.
 *
 * Callbacks: call_rcu queues on the calling CPU, oldest first, in segments
 * tagged with the GP they need. After moving finished segments to the done
 * list at most two remain (needing gp_completed + 1 and + 2, since
 * gp_started <= gp_completed + 1). The queueing CPU invokes its done list
 * from its tick, with interrupts off as the whole trap handler runs
 * (softirq-like: no sleeping, short work), at most kBatchLimit per tick;
 * rcu_barrier() and synchronize_rcu() waiters drain their own CPU's list
 * directly. Per-CPU lists are touched only by their CPU with interrupts off.
 *
 * synchronize_rcu() requests a GP, reports its own CPU's QS each time round
 * its wait loop (so it is never the CPU everyone waits for), and sends one
 * IPI per GP to the CPUs still pending so idle CPUs answer at once instead
 * of at their next tick.
 */
#include <kernel/rcupdate.h>
#include <kernel/rcutree.h>

#include <atomic>

#include <asm/irqflags.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

namespace {

// Callbacks a tick invokes at most; the rest wait for the next tick.
constexpr unsigned kBatchLimit = 256;

// A singly linked FIFO of callbacks. Not copyable: tail may point at the
// list's own head.
struct CbList {
  rcu_head* head = nullptr;
  rcu_head** tail = &head;
  uint64_t gp = 0;  // the GP these callbacks wait for

  CbList() = default;
  CbList(const CbList&) = delete;
  CbList& operator=(const CbList&) = delete;

  bool empty() const { return head == nullptr; }
  void reset() {
    head = nullptr;
    tail = &head;
  }
  void append(rcu_head* h) {
    *tail = h;
    tail = &h->next;
  }
  rcu_head* pop() {
    rcu_head* h = head;
    head = h->next;
    if (!head) tail = &head;
    return h;
  }
  // Appends all of `from` and leaves it empty.
  void splice(CbList& from) {
    if (from.empty()) return;
    *tail = from.head;
    tail = from.tail;
    from.reset();
  }
  // Takes over `from` (this list must be empty); `from` is left empty.
  void take(CbList& from) {
    splice(from);
    gp = from.gp;
  }
};

struct alignas(64) RcuCpu {
  unsigned nesting = 0;  // read-side depth; this CPU (and its interrupts) only
  CbList done;           // GP over: ready to invoke
  CbList wait[2];        // oldest first; wait[1] non-empty only if wait[0] is
};

RcuCpu rcu_cpu[NR_CPUS];

struct RcuState {
  SpinLock lock;
  std::atomic<uint64_t> gp_started{0};  // written under lock
  std::atomic<uint64_t> gp_completed{0};  // written under lock
  uint64_t gp_requested = 0;
  std::atomic<cpumask_t> qs_pending{0};
};

RcuState rcu;

RcuCpu& this_rcu() { return rcu_cpu[this_cpu()->id]; }
cpumask_t this_cpu_bit() { return cpumask_t{1} << this_cpu()->id; }

void start_gp_locked() {
  rcu.gp_started.store(rcu.gp_started.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // The starter is included even before smp_init() marks it online, so an
  // early-boot GP has someone to end it.
  rcu.qs_pending.store(cpu_online_mask() | this_cpu_bit(), std::memory_order_relaxed);
}

void request_gp_locked(uint64_t gp) {
  if (gp > rcu.gp_requested) rcu.gp_requested = gp;
  const uint64_t started = rcu.gp_started.load(std::memory_order_relaxed);
  if (started == rcu.gp_completed.load(std::memory_order_relaxed) && rcu.gp_requested > started)
    start_gp_locked();
}

// GP number an update made now must wait for.
uint64_t snapshot_gp() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the update before the GP's start
  SpinLockIrqSaveGuard g{rcu.lock};
  const uint64_t gp = rcu.gp_started.load(std::memory_order_relaxed) + 1;
  request_gp_locked(gp);
  return gp;
}

// The calling CPU holds no RCU reference at this instant: report it for the
// current GP, and for the next if ending this one starts another (it is
// still quiescent, and the new GP began after its last reference).
void report_qs() {
  const cpumask_t me = this_cpu_bit();
  if (!(rcu.qs_pending.load(std::memory_order_relaxed) & me)) return;
  std::atomic_thread_fence(std::memory_order_seq_cst);  // section's loads before the report
  SpinLockIrqSaveGuard g{rcu.lock};
  while (rcu.qs_pending.load(std::memory_order_relaxed) & me) {
    if (rcu.qs_pending.fetch_and(~me, std::memory_order_relaxed) != me) break;
    rcu.gp_completed.store(rcu.gp_started.load(std::memory_order_relaxed), std::memory_order_release);
    if (rcu.gp_requested > rcu.gp_started.load(std::memory_order_relaxed)) start_gp_locked();
  }
}

// Moves segments whose GP has ended to the done list. Interrupts off.
void advance_callbacks(RcuCpu& rc) {
  const uint64_t completed = rcu.gp_completed.load(std::memory_order_acquire);
  while (!rc.wait[0].empty() && rc.wait[0].gp <= completed) {
    rc.done.splice(rc.wait[0]);
    rc.wait[0].take(rc.wait[1]);
  }
}

// Runs up to `limit` ready callbacks of this CPU. Interrupts off.
void invoke_callbacks(RcuCpu& rc, unsigned limit) {
  advance_callbacks(rc);
  for (unsigned n = 0; n < limit && !rc.done.empty(); n++) {
    rcu_head* h = rc.done.pop();
    h->func(h);  // may call call_rcu: the lists are consistent here
  }
}

void kick_pending_cpus(uint64_t& kicked_gp) {
  const uint64_t gp = rcu.gp_started.load(std::memory_order_relaxed);
  if (gp == kicked_gp || irqs_disabled()) return;
  kicked_gp = gp;
  const cpumask_t others = rcu.qs_pending.load(std::memory_order_relaxed) & ~this_cpu_bit();
  if (others) smp_send_ipi_mask(others);
}

// One round of a waiter's loop: this CPU is quiescent; its ready callbacks
// run here rather than waiting for its tick.
void waiter_round(uint64_t& kicked_gp) {
  {
    IrqSave irq;
    report_qs();
    invoke_callbacks(this_rcu(), ~0u);
  }
  kick_pending_cpus(kicked_gp);
  cpu_relax();
}

// synchronize_rcu() and rcu_barrier() from inside a section would wait for
// themselves. That is a kernel bug: report it and refuse to wait.
bool may_wait(const char* what) {
  if (this_rcu().nesting == 0) return true;
  pr_err("rcu: %s() inside an RCU read-side critical section (depth %u)\n", what, this_rcu().nesting);
  dump_stack();
  return false;
}

}  // namespace

void rcu_read_lock() {
  this_rcu().nesting++;
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the section's loads stay inside
}

void rcu_read_unlock() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  RcuCpu& rc = this_rcu();
  if (rc.nesting == 0) {
    pr_err("rcu: rcu_read_unlock() without rcu_read_lock()\n");
    dump_stack();
    return;
  }
  rc.nesting--;
}

unsigned rcu_read_lock_nesting() { return this_rcu().nesting; }

void call_rcu(rcu_head* head, void (*func)(rcu_head* head)) {
  head->func = func;
  head->next = nullptr;
  IrqSave irq;
  RcuCpu& rc = this_rcu();
  const uint64_t gp = snapshot_gp();
  advance_callbacks(rc);
  CbList* seg = rc.wait[0].empty() || rc.wait[0].gp == gp ? &rc.wait[0] : &rc.wait[1];
  if (!seg->empty() && seg->gp != gp) panic("rcu: callback segments out of order (GP %lu after %lu)", gp, seg->gp);
  seg->gp = gp;
  seg->append(head);
}

void synchronize_rcu() {
  if (!may_wait("synchronize_rcu")) return;
  const uint64_t gp = snapshot_gp();
  uint64_t kicked_gp = 0;
  while (rcu.gp_completed.load(std::memory_order_acquire) < gp) waiter_round(kicked_gp);
}

namespace {

SpinLock barrier_lock;  // one rcu_barrier() at a time: it owns barrier_heads
rcu_head barrier_heads[NR_CPUS];
std::atomic<unsigned> barrier_left;

void barrier_callback(rcu_head*) { barrier_left.fetch_sub(1, std::memory_order_release); }

// On every CPU: a callback queued behind all of that CPU's earlier ones.
void queue_barrier_callback(void*) {
  barrier_left.fetch_add(1, std::memory_order_relaxed);
  call_rcu(&barrier_heads[this_cpu()->id], barrier_callback);
}

}  // namespace

void rcu_barrier() {
  if (!may_wait("rcu_barrier")) return;
  SpinLockGuard g{barrier_lock};
  barrier_left.store(1, std::memory_order_relaxed);  // held until every CPU has queued
  on_each_cpu(queue_barrier_callback, nullptr);
  barrier_left.fetch_sub(1, std::memory_order_relaxed);
  uint64_t kicked_gp = 0;
  while (barrier_left.load(std::memory_order_acquire) != 0) waiter_round(kicked_gp);
}

unsigned long get_state_synchronize_rcu() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  SpinLockIrqSaveGuard g{rcu.lock};
  return rcu.gp_started.load(std::memory_order_relaxed) + 1;
}

bool poll_state_synchronize_rcu(unsigned long cookie) {
  const bool done = rcu.gp_completed.load(std::memory_order_acquire) >= cookie;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return done;
}

void rcu_sched_clock_irq() {
  RcuCpu& rc = this_rcu();
  if (rc.nesting == 0) report_qs();
  invoke_callbacks(rc, kBatchLimit);
}

void rcu_exp_handler() {
  if (this_rcu().nesting == 0) report_qs();
}

void rcu_idle_qs() {
  IrqSave irq;
  report_qs();
}

void rcu_note_context_switch() {
  if (this_rcu().nesting != 0) return;
  IrqSave irq;
  report_qs();
}
