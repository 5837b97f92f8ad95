/*
 * Task lifetime: task_structs from a kmem_cache, pids, kernel stacks
 * (asm/kstack.h, guarded), and the kthread API (kernel/kthread.h).
 *
 * Exit and reaping: kthread_exit() sets TASK_DEAD and calls schedule()
 * for the last time. The task's stack is in use until that switch is
 * over, so it cannot free itself: finish_task_switch() on the CPU it left
 * calls task_dead_notify(), which publishes exit_state = EXIT_ZOMBIE and
 * wakes task_exit_wait. The joiner waits on that queue for EXIT_ZOMBIE and
 * then frees the stack and the task_struct. The wait queue is global (not
 * in the task) because the joiner may free the task as soon as it sees
 * the zombie: nothing may touch the task after that store.
 *
 * Pids come from kernel/pid.cc (0 is every idle task, 1 the boot path,
 * which becomes init) and go back when the task_struct is freed.
 */
#include <kernel/kthread.h>

#include <stdarg.h>

#include <new>

#include <asm/kstack.h>
#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/signal.h>
#include <kernel/process.h>
#include <kernel/time.h>
#include <kernel/wait.h>
#include <lib/string.h>
#include <mm/slab.h>

namespace {

kmem_cache* task_cachep;
std::atomic<long> live_tasks{0};
wait_queue_head task_exit_wait;

void free_task(task_struct* p) {
  release_task_signals(p);
  exit_creds(p);
  pgrp_release(p);
  free_kernel_stack(p->stack);
  free_pid(p->pid);
  p->~task_struct();
  kmem_cache_free(task_cachep, p);
  live_tasks.fetch_sub(1, std::memory_order_relaxed);
}

task_struct* vcreate(int (*threadfn)(void*), void* data, const char* namefmt, va_list ap) {
  char comm[TASK_COMM_LEN];
  vsnprintf(comm, sizeof(comm), namefmt, ap);
  task_struct* p = alloc_task(comm);
  if (!p) return nullptr;
  p->flags = PF_KTHREAD;
  p->threadfn = threadfn;
  p->data = data;
  p->cpu = this_cpu()->id;
  // Like Linux's: a created kthread sleeps until its first wakeup.
  p->__state.store(TASK_UNINTERRUPTIBLE, std::memory_order_relaxed);
  task_set_thread_entry(p);
  return p;
}

}  // namespace

task_struct* alloc_task(const char* comm) {
  const int pid = alloc_pid();
  if (pid < 0) return nullptr;
  void* mem = kmem_cache_alloc(task_cachep, GFP_KERNEL);
  if (!mem) {
    free_pid(pid);
    return nullptr;
  }
  task_struct* p = new (mem) task_struct;
  strlcpy(p->comm, comm, sizeof(p->comm));
  p->stack = alloc_kernel_stack(p->comm);  // the name lives as long as the stack
  if (!p->stack) {
    p->~task_struct();
    kmem_cache_free(task_cachep, p);
    free_pid(pid);
    return nullptr;
  }
  live_tasks.fetch_add(1, std::memory_order_relaxed);
  p->pid = p->tgid = pid;
  p->cred = get_cred(&init_cred);  // kernel threads act as root; fork copies the parent's
  p->start_time = rdtime();
  init_task_rlimits(p);
  return p;
}

void task_reap(task_struct* p) {
  wait_event(task_exit_wait, [p] { return p->exit_state.load(std::memory_order_acquire) == EXIT_ZOMBIE; });
  free_task(p);
}

void task_init() {
  task_cachep = kmem_cache_create("task_struct", sizeof(task_struct), alignof(task_struct), SLAB_PANIC, nullptr);
}

long nr_tasks() { return live_tasks.load(std::memory_order_relaxed); }

task_struct* kthread_create(int (*threadfn)(void*), void* data, const char* namefmt, ...) {
  va_list ap;
  va_start(ap, namefmt);
  task_struct* p = vcreate(threadfn, data, namefmt, ap);
  va_end(ap);
  return p;
}

task_struct* kthread_run(int (*threadfn)(void*), void* data, const char* namefmt, ...) {
  va_list ap;
  va_start(ap, namefmt);
  task_struct* p = vcreate(threadfn, data, namefmt, ap);
  va_end(ap);
  if (p) wake_up_process(p);
  return p;
}

void kthread_bind(task_struct* p, unsigned cpu) {
  SpinLockIrqSaveGuard g{p->pi_lock};
  if (task_state(p) != TASK_UNINTERRUPTIBLE || p->se.nr_switches != 0 || cpu >= NR_CPUS) {
    pr_warn("kthread_bind: %s (pid %d) has already run or CPU %u is invalid\n", p->comm, p->pid, cpu);
    return;
  }
  p->cpus_allowed = cpumask_t{1} << cpu;
  p->cpu = cpu;
}

bool kthread_should_stop() { return get_current()->should_stop.load(std::memory_order_acquire); }

int kthread_stop(task_struct* p) {
  p->should_stop.store(true, std::memory_order_release);
  wake_up_process(p);
  return kthread_join(p);
}

int kthread_join(task_struct* p) {
  wait_event(task_exit_wait, [p] { return p->exit_state.load(std::memory_order_acquire) == EXIT_ZOMBIE; });
  const int code = p->exit_code;
  free_task(p);
  return code;
}

void kthread_exit(int result) {
  task_struct* self = get_current();
  self->exit_code = result;
  set_current_state(TASK_DEAD);
  schedule();
  panic("kthread_exit: %s (pid %d) ran after its last switch", self->comm, self->pid);
}

void task_dead_notify(task_struct* p) {
  p->exit_state.store(EXIT_ZOMBIE, std::memory_order_release);
  wake_up_all(&task_exit_wait);
}

extern "C" [[noreturn]] void kthread_main() {
  task_struct* self = get_current();
  // Stopped before it ever ran: like Linux, the function is not called.
  if (self->should_stop.load(std::memory_order_acquire)) kthread_exit(-EINTR);
  kthread_exit(self->threadfn(self->data));
}
