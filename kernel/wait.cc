// Wait queues: the protocol and why no wakeup is lost are in kernel/wait.h.
#include <kernel/wait.h>

#include <lib/container_of.h>

void prepare_to_wait(wait_queue_head* wq, wait_queue_entry* w, unsigned state) {
  SpinLockIrqSaveGuard g{wq->lock};
  w->flags &= ~WQ_FLAG_EXCLUSIVE;
  if (list_empty(&w->entry)) list_add(&w->entry, &wq->head);
  set_current_state(state);
}

void prepare_to_wait_exclusive(wait_queue_head* wq, wait_queue_entry* w, unsigned state) {
  SpinLockIrqSaveGuard g{wq->lock};
  w->flags |= WQ_FLAG_EXCLUSIVE;
  if (list_empty(&w->entry)) list_add_tail(&w->entry, &wq->head);
  set_current_state(state);
}

void finish_wait(wait_queue_head* wq, wait_queue_entry* w) {
  __set_current_state(TASK_RUNNING);
  SpinLockIrqSaveGuard g{wq->lock};
  if (!list_empty(&w->entry)) list_del_init(&w->entry);
}

void __wake_up(wait_queue_head* wq, unsigned mode, int nr_exclusive) {
  SpinLockIrqSaveGuard g{wq->lock};
  for (list_head* e = wq->head.next; e != &wq->head; e = e->next) {
    wait_queue_entry* w = container_of(e, &wait_queue_entry::entry);
    const bool woke = wake_up_state(w->task, mode);
    if (woke && (w->flags & WQ_FLAG_EXCLUSIVE) && --nr_exclusive == 0) break;
  }
}
