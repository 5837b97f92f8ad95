/*
 * The scheduler: per-CPU run queues, round-robin with a time slice.
 *
 * Why round-robin: every task is a kernel thread of equal weight (no nice
 * levels, no user processes yet), so CFS's virtual-runtime tree would only
 * reproduce FIFO order at O(log n). A FIFO per CPU makes pick, enqueue and
 * dequeue O(1) and bounds a runnable task's wait at (n - 1) slices; the
 * vruntime tree can replace the list when weights arrive.
 *
 * Data: one `rq` per CPU, under rq.lock (always taken with interrupts off):
 *   queue        runnable tasks not running, FIFO (task->run_list)
 *   nr_running   queued + the running task, the idle task excluded
 *   idle         the CPU's idle task, run when the queue is empty; never
 *                queued, never blocks
 * Per task: on_rq (queued or running; under its rq's lock), on_cpu (set
 * from before next is switched in until prev is fully switched out), cpu
 * (its run queue; changed only by a wakeup, under the task's pi_lock), and
 * __state (written by the task itself, or to TASK_RUNNING by a waker).
 *
 * Blocking: the task sets its state, checks its condition, calls
 * schedule(); __schedule() takes it off the queue under rq.lock unless
 * its state is TASK_RUNNING again (a wakeup came first) or this is a
 * preemption (a preempted task stays runnable whatever its state says).
 * Waking: wake_up_state() takes p->pi_lock, then p's rq.lock: if p is
 * still on_rq it only sets TASK_RUNNING (the sleeper's __schedule will
 * see it), otherwise it waits for on_cpu to clear (p's last switch done),
 * chooses the least loaded allowed online CPU, and queues p there. Lock
 * order: timer base -> wait queue -> pi_lock -> rq.lock.
 *
 * A task switch happens only inside __schedule, with the rq lock held
 * across __switch_to (the next task releases it in finish_task_switch) and
 * preempt_count == 2 on this CPU, so preempt_count needs no saving. A task
 * changes CPU only when it blocks and is woken; a preempted one stays
 * queued where it ran.
 *
 * Preemption: the tick ends the running task's slice and sets
 * need_resched when others are queued; the trap exit (traps.cc) switches
 * if the interrupted code had interrupts on, preempt_count == 0 and no RCU
 * read section open. preempt_enable() also switches at once when a
 * reschedule is pending. A wakeup sets need_resched only on a CPU that
 * runs its idle task (IPI if remote): running tasks finish their slice.
 *
 * Each switch reports an RCU quiescent state for the CPU, loads the next
 * task's address space (its mm from kthread_use_mm, else the kernel's
 * page table) and its probe_fault() catch.
 */
#include <kernel/sched.h>

#include <asm/active_mm.h>
#include <asm/csr.h>
#include <asm/fpu.h>
#include <asm/ptrace.h>
#include <asm/kstack.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/rcupdate.h>
#include <kernel/rcutree.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <lib/bitops.h>
#include <lib/container_of.h>
#include <lib/string.h>

extern "C" task_struct* __switch_to(task_struct* prev, task_struct* next);
extern "C" void ret_from_kthread();

namespace {

constexpr unsigned kTimeSliceTicks = 3;  // 30 ms at HZ = 100

struct alignas(64) rq {
  SpinLock lock;
  list_head queue;
  unsigned nr_running = 0;
  task_struct* idle = nullptr;
  bool prev_dead = false;  // the switch under way retires a TASK_DEAD task
};

rq runqueues[NR_CPUS];
// The boot path (task "boot") and each CPU's idle task need no allocation.
task_struct boot_task;
task_struct idle_tasks[NR_CPUS];

rq& this_rq() { return runqueues[this_cpu()->id]; }

void set_need_resched(unsigned cpu) { __atomic_store_n(&cpus[cpu].need_resched, true, __ATOMIC_RELAXED); }

void enqueue_locked(rq& r, task_struct* p) {
  list_add_tail(&p->run_list, &r.queue);
  p->on_rq = true;
  r.nr_running++;
}

task_struct* pick_next_locked(rq& r) {
  if (list_empty(&r.queue)) return r.idle;
  list_head* e = r.queue.next;
  list_del_init(e);
  return container_of(e, &task_struct::run_list);
}

// The least loaded online CPU p may run on; ties keep p where it was.
unsigned select_task_rq(const task_struct* p) {
  cpumask_t allowed = p->cpus_allowed & cpu_online_mask();
  if (!allowed) allowed = cpumask_t{1} << this_cpu()->id;  // nowhere allowed is online: run here
  unsigned best = p->cpu;
  unsigned best_load = ((allowed >> best) & 1) ? __atomic_load_n(&runqueues[best].nr_running, __ATOMIC_RELAXED) : ~0u;
  for (unsigned i = 0; i < NR_CPUS; i++) {
    if (!((allowed >> i) & 1)) continue;
    const unsigned load = __atomic_load_n(&runqueues[i].nr_running, __ATOMIC_RELAXED);
    if (load < best_load) best = i, best_load = load;
  }
  return best;
}

void finish_task_switch(task_struct* prev) {
  rq& r = this_rq();
  const bool dead = r.prev_dead;
  r.prev_dead = false;
  prev->on_cpu.store(false, std::memory_order_release);
  r.lock.unlock();
  local_irq_enable();
  // The last touch of a dead task: its joiner may free it right after.
  if (dead) task_dead_notify(prev);
}

void __schedule(bool preempt) {
  local_irq_disable();
  cpu* c = this_cpu();
  rq& r = runqueues[c->id];
  task_struct* prev = c->curr;
  rcu_note_context_switch();
  r.lock.lock();
  c->need_resched = false;
  const unsigned state = task_state(prev);
  if (!preempt && state != TASK_RUNNING) {
    prev->on_rq = false;  // blocking (or exiting): off the queue
    r.nr_running--;
    r.prev_dead = state == TASK_DEAD;
  } else if (prev != r.idle) {
    list_add_tail(&prev->run_list, &r.queue);  // still runnable: back in line
  }
  task_struct* next = pick_next_locked(r);
  if (next == prev) {
    r.lock.unlock();
    local_irq_enable();
    return;
  }
  const uint64_t now = rdtime();
  prev->se.sum_exec_runtime += now - prev->se.exec_start;
  next->se.exec_start = now;
  next->se.nr_switches++;
  if (next->time_slice == 0) next->time_slice = kTimeSliceTicks;
  next->on_cpu.store(true, std::memory_order_relaxed);
  c->curr = next;
  switch_mm_irqs_off(next->mm);
  prev->fault_catch = c->fault_catch;  // probe_fault() catches belong to tasks
  c->fault_catch = next->fault_catch;
  switch_to_fpu(prev, next);
  prev = __switch_to(prev, next);
  // Here `next` runs; prev is the task switched away from on this CPU.
  finish_task_switch(prev);
}

bool need_resched_here() { return __atomic_load_n(&this_cpu()->need_resched, __ATOMIC_RELAXED); }

// Each time a CPU goes idle it first polls for work for up to a tick,
// like Linux's guest haltpoll: under a hypervisor (and QEMU on a busy
// host) a halted vCPU can take tens of milliseconds to be woken, which
// would turn every hand-off during a burst of wakeups into that delay.
// Ticks that end wfi do not poll again, so a CPU that stays idle costs
// nothing.
bool idle_poll() {
  const uint64_t end = rdtime() + timebase_hz() / HZ;
  while (rdtime() < end)
    if (need_resched_here()) return true;
    else cpu_relax();
  return need_resched_here();
}

[[noreturn]] void do_idle() {
  for (;;) {
    if (!idle_poll()) {
      while (!need_resched_here()) {
        rcu_idle_qs();
        // With interrupts off a wakeup cannot slip in between the check
        // and wfi; a pending interrupt still ends wfi.
        local_irq_disable();
        if (!need_resched_here()) wait_for_interrupt();
        local_irq_enable();
      }
    }
    schedule();
  }
}

int idle_thread_fn(void*) { do_idle(); }

void init_idle(task_struct* idle, unsigned cpu, uintptr_t stack) {
  idle->pid = 0;
  idle->flags = PF_IDLE | PF_KTHREAD;
  idle->cpu = cpu;
  idle->cpus_allowed = cpumask_t{1} << cpu;
  idle->stack = stack;
  idle->__state.store(TASK_RUNNING, std::memory_order_relaxed);
  snprintf(idle->comm, sizeof(idle->comm), "swapper/%u", cpu);
  runqueues[cpu].idle = idle;
}

}  // namespace

extern "C" void schedule_tail(task_struct* prev) {
  finish_task_switch(prev);
  preempt_enable();
}

void sched_init() {
  cpu* c = this_cpu();
  // The running boot path becomes a task pinned to CPU 0: the self-tests
  // keep running on the CPU and stack they always had.
  task_struct* boot = &boot_task;
  boot->pid = 1;
  boot->flags = PF_KTHREAD;
  boot->cpu = 0;
  boot->cpus_allowed = 1;
  boot->stack = cpu_stack_top(0);
  boot->__state.store(TASK_RUNNING, std::memory_order_relaxed);
  boot->on_cpu.store(true, std::memory_order_relaxed);
  boot->on_rq = true;
  boot->time_slice = kTimeSliceTicks;
  boot->se.exec_start = rdtime();
  snprintf(boot->comm, sizeof(boot->comm), "boot");
  boot->cred = get_cred(&init_cred);  // counted: it becomes init, whose exec replaces it
  runqueues[0].nr_running = 1;
  // CPU 0's idle task starts the first time the boot task blocks.
  const uintptr_t stack = alloc_kernel_stack("idle/0");
  if (!stack) panic("sched: no memory for CPU 0's idle stack");
  task_struct* idle = &idle_tasks[0];
  init_idle(idle, 0, stack);
  idle->threadfn = idle_thread_fn;
  idle->thread.sp = stack;
  idle->thread.ra = reinterpret_cast<uint64_t>(&ret_from_kthread);
  boot->tgid = 1;
  init_task_rlimits(boot);
  c->curr = boot;
  task_init();
  pid_init(boot);
}

void sched_init_secondary() {
  cpu* c = this_cpu();
  task_struct* idle = &idle_tasks[c->id];
  init_idle(idle, c->id, cpu_stack_top(c->id));
  idle->on_cpu.store(true, std::memory_order_relaxed);
  idle->se.exec_start = rdtime();
  c->curr = idle;
}

void cpu_startup_entry() { do_idle(); }

namespace {

// Switches until no reschedule is pending; returns with interrupts on, or
// off when `irqs_off_after` (the trap exit's path).
void schedule_loop(bool preempt, bool irqs_off_after) {
  do {
    preempt_disable();
    __schedule(preempt);
    if (irqs_off_after) local_irq_disable();
    preempt_enable_no_resched();
  } while (need_resched_here());
}

}  // namespace

void schedule() {
  if (preempt_count() != 0 || rcu_read_lock_nesting() != 0)
    panic("sched: schedule() from atomic context (preempt_count %u, RCU nesting %u) in %s", preempt_count(),
          rcu_read_lock_nesting(), get_current()->comm);
  schedule_loop(false, false);
}

void yield() {
  // Still TASK_RUNNING: __schedule puts it at the tail of its queue.
  schedule();
}

void preempt_schedule() {
  if (preempt_count() != 0 || irqs_disabled() || !get_current()) return;
  schedule_loop(true, false);
}

void preempt_schedule_irq() { schedule_loop(true, true); }

bool preemptible_at_irq_exit(uint64_t interrupted_sstatus) {
  const cpu* c = this_cpu();
  return c->curr && __atomic_load_n(&c->need_resched, __ATOMIC_RELAXED) && (interrupted_sstatus & SR_SPIE) &&
         c->preempt_count == 0 && rcu_read_lock_nesting() == 0;
}

void scheduler_tick() {
  cpu* c = this_cpu();
  task_struct* curr = c->curr;
  if (!curr) return;
  rq& r = runqueues[c->id];
  SpinLockGuard g{r.lock};  // interrupts are off in the tick
  if (list_empty(&r.queue)) return;
  if (curr == r.idle || curr->time_slice <= 1) {
    curr->time_slice = kTimeSliceTicks;
    set_need_resched(c->id);
  } else {
    curr->time_slice--;
  }
}

bool wake_up_state(task_struct* p, unsigned state) {
  // Orders the waker's condition store before the state load; pairs with
  // the fence in set_current_state().
  std::atomic_thread_fence(std::memory_order_seq_cst);
  SpinLockIrqSaveGuard pg{p->pi_lock};
  if (!(task_state(p) & state)) return false;
  {
    SpinLockGuard g{runqueues[p->cpu].lock};
    if (p->on_rq) {  // has not blocked yet: its __schedule will see this
      p->__state.store(TASK_RUNNING, std::memory_order_relaxed);
      return true;
    }
  }
  // Off every queue; its last switch may still be under way on its CPU.
  while (p->on_cpu.load(std::memory_order_acquire)) cpu_relax();
  const unsigned target = select_task_rq(p);
  p->cpu = target;
  rq& r = runqueues[target];
  bool kick;
  {
    SpinLockGuard g{r.lock};
    p->__state.store(TASK_RUNNING, std::memory_order_relaxed);
    enqueue_locked(r, p);
    kick = cpus[target].curr == r.idle;
    if (kick) set_need_resched(target);
  }
  if (kick && target != this_cpu()->id) smp_send_ipi_mask(cpumask_t{1} << target);
  return true;
}

unsigned nr_running_on(unsigned cpu) {
  return cpu < NR_CPUS ? __atomic_load_n(&runqueues[cpu].nr_running, __ATOMIC_RELAXED) : 0;
}

void task_set_thread_entry(task_struct* p) {
  p->thread.sp = p->stack - sizeof(pt_regs);  // room for a user frame (asm/processor.h)
  p->thread.ra = reinterpret_cast<uint64_t>(&ret_from_kthread);
}
