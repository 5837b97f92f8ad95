/*
 * Kernel threads (kernel/kthread.cc), Linux's API plus a join.
 *
 *   task_struct* t = kthread_run(fn, arg, "worker/%d", i);
 *   ...
 *   int ret = kthread_stop(t);   // asks it to stop, waits, reaps it
 *
 * kthread_create() returns a task that sleeps until wake_up_process();
 * null when out of memory (task or stack). fn's return value, or
 * kthread_exit()'s argument, is the exit code. Every thread must be
 * reaped exactly once, by kthread_stop() or kthread_join(): that frees its
 * stack and task_struct (there is no parent to do it yet).
 */
#pragma once

#include <kernel/sched.h>

task_struct* kthread_create(int (*threadfn)(void*), void* data, const char* namefmt, ...)
    __attribute__((format(printf, 3, 4)));
task_struct* kthread_run(int (*threadfn)(void*), void* data, const char* namefmt, ...)
    __attribute__((format(printf, 3, 4)));
// Before its first wakeup: the thread only ever runs on `cpu`.
void kthread_bind(task_struct* p, unsigned cpu);
bool kthread_should_stop();
// Sets should_stop, wakes the thread, then kthread_join(). A thread that
// never ran exits with -EINTR without calling its function.
int kthread_stop(task_struct* p);
// Waits until p has exited and is off its CPU, frees it; its exit code.
int kthread_join(task_struct* p);
[[noreturn]] void kthread_exit(int result);
