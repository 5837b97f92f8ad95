/*
 * poll: what a file reports (file_operations::poll) and how a poller
 * sleeps until one of its files changes (Linux's poll_table/poll_wait).
 *
 * A file's poll returns its ready mask now and, given a poll_table,
 * queues the poller on each wait queue whose wakeup may change that
 * mask (poll_wait). The poller sets TASK_INTERRUPTIBLE before asking the
 * files, so a wakeup between the question and its sleep is not lost (it
 * makes the poller runnable again). A file that cannot wake anyone (the
 * polled console) sets needs_tick: the poller then looks again every tick.
 */
#pragma once

#include <kernel/wait.h>

struct file;

// <poll.h>'s bits (Linux's values).
constexpr unsigned POLLIN_K = 0x001, POLLPRI_K = 0x002, POLLOUT_K = 0x004, POLLERR_K = 0x008, POLLHUP_K = 0x010,
                   POLLNVAL_K = 0x020, POLLRDNORM_K = 0x040, POLLWRNORM_K = 0x100;
// A file without a poll method is always readable and writable.
constexpr unsigned DEFAULT_POLLMASK = POLLIN_K | POLLOUT_K | POLLRDNORM_K | POLLWRNORM_K;

struct poll_table_entry {
  file* filp = nullptr;  // referenced: its wait queue lives while the poller is queued
  wait_queue_head* wq = nullptr;
  wait_queue_entry w;
};

struct poll_table {
  poll_table_entry* entries = nullptr;  // room for cap queues
  unsigned n = 0, cap = 0;
  bool needs_tick = false;
};

// Queues the caller on wq for pt (nothing when pt is null: a second look).
void poll_wait(file* f, wait_queue_head* wq, poll_table* pt);
