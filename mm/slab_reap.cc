/*
 * Giving memory back (Linux 6.1 mm/slab.c drain_cpu_caches, __kmem_cache_shrink,
 * __kmem_cache_shutdown, cache_reap; our own code): draining every CPU's
 * array and the shared one, freeing free slabs, and the periodic reaping
 * the timer tick drives on each CPU.
 *
 * Reaping, every 2 s per CPU: an array not touched since the last pass
 * returns a fifth of its limit to the slabs. Every 4 s per node: the same
 * for the shared array, and a fifth of the free objects' worth of free
 * slabs goes back to the page allocator unless a free slab was taken since
 * the last pass (free_touched). A cache left alone thus empties within a
 * few passes. Reaping runs in interrupt context: it only try-locks the
 * cache list and touches the calling CPU's arrays.
 */
#include <kernel/rcupdate.h>

#include "slab_internal.h"

namespace {

// Runs on every CPU (cross-call, interrupts off): this CPU's array to the slabs.
void do_drain(void* arg) {
  kmem_cache* c = static_cast<kmem_cache*>(arg);
  MmIrqGuard irq;
  array_cache* ac = c->cpu_cache[mm_this_cpu()];
  page* destroy = nullptr;
  {
    MmLockGuard g{c->node.list_lock};
    drain_array_locked(c, ac, ac->avail, &destroy);
  }
  slabs_destroy(c, destroy);
}

}  // namespace

int __kmem_cache_shrink(kmem_cache* c) {
  mm_on_each_cpu(do_drain, c);
  page* destroy = nullptr;
  {
    MmLockGuard g{c->node.list_lock};
    if (c->node.shared) drain_array_locked(c, c->node.shared, c->node.shared->avail, &destroy);
  }
  slabs_destroy(c, destroy);
  drain_freelist(c, ~0ul);
  MmLockGuard g{c->node.list_lock};
  return c->node.total_slabs - c->node.free_slabs ? 1 : 0;
}

unsigned long __kmem_cache_shutdown(kmem_cache* c) {
  __kmem_cache_shrink(c);
  if (c->flags & SLAB_TYPESAFE_BY_RCU) {
    // Wait until every slab queued for a grace period has gone back.
    for (;;) {
      rcu_barrier();
      MmLockGuard g{c->node.list_lock};
      if (!c->node.rcu_in_flight && !c->node.rcu_next && !c->node.rcu_waiting) break;
    }
  }
  MmLockGuard g{c->node.list_lock};
  return c->node.total_slabs * c->num - c->node.free_objects;
}

void __kmem_cache_release(kmem_cache* c) {
  for (unsigned i = 0; i < MM_MAX_CPUS; i++) {
    if (c->cpu_cache[i] != &slab_empty_ac) kfree(c->cpu_cache[i]);
    c->cpu_cache[i] = &slab_empty_ac;
  }
  kfree(c->node.shared);
  c->node.shared = nullptr;
}

// ---- periodic reaping ---------------------------------------------------------------

namespace {

constexpr uint64_t REAPTIMEOUT_AC_MS = 2000;    // per-CPU arrays: every 2 s
constexpr uint64_t REAPTIMEOUT_NODE_MS = 4000;  // shared array and free slabs: every 4 s
uint64_t next_reap_ms[MM_MAX_CPUS];
uint64_t reap_now_ms;

// One cache on this CPU: an untouched array gives back a fifth of its
// limit; the node, when due, drains the shared array and some free slabs.
unsigned long reap_cache(kmem_cache* c, bool force) {
  page* destroy = nullptr;
  {
    MmIrqGuard irq;
    array_cache* ac = c->cpu_cache[mm_this_cpu()];
    if (ac != &slab_empty_ac) {
      if (ac->touched && !force) {
        ac->touched = 0;
      } else if (ac->avail) {
        unsigned tofree = force ? ac->avail : (ac->limit + 4) / 5;
        if (tofree > ac->avail) tofree = (ac->avail + 1) / 2;
        MmLockGuard g{c->node.list_lock};
        drain_array_locked(c, ac, tofree, &destroy);
      }
    }
  }
  slabs_destroy(c, destroy);
  destroy = nullptr;
  kmem_cache_node& n = c->node;
  unsigned long max;
  {
    MmLockGuard g{n.list_lock};
    if (!force && n.next_reap > reap_now_ms) return 0;
    n.next_reap = reap_now_ms + REAPTIMEOUT_NODE_MS;
    if (n.shared) {
      if (n.shared->touched && !force) {
        n.shared->touched = 0;
      } else {
        unsigned tofree = force ? n.shared->avail : (n.shared->limit + 4) / 5;
        if (tofree > n.shared->avail) tofree = (n.shared->avail + 1) / 2;
        drain_array_locked(c, n.shared, tofree, &destroy);
      }
    }
    if (n.free_touched && !force) {
      n.free_touched = false;
      max = 0;
    } else {
      max = force ? ~0ul : (n.free_limit + 5 * c->num - 1) / (5 * c->num);
    }
  }
  slabs_destroy(c, destroy);
  const unsigned long freed = max ? drain_freelist(c, max) : 0;
  c->reaped += freed;
  return freed;
}

}  // namespace

unsigned long cache_reap(bool force) {
  if (slab_state < SlabState::Up) return 0;
  if (!slab_mutex.try_lock()) return 0;  // busy creating or destroying: next time
  unsigned long freed = 0;
  for (kmem_cache* c = slab_caches; c; c = c->next) freed += reap_cache(c, force);
  slab_mutex.unlock();
  return freed;
}

void slab_reap_tick(uint64_t now_ms) {
  const unsigned cpu = mm_this_cpu();
  reap_now_ms = now_ms;
  if (now_ms < next_reap_ms[cpu]) return;
  next_reap_ms[cpu] = now_ms + REAPTIMEOUT_AC_MS;
  cache_reap(false);
}
