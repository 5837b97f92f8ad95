/*
 * The allocator benchmarks every allocator runs in the same shapes, so our
 * kmem_cache/kmalloc and the peers (mimalloc, glibc, jemalloc, tcmalloc) are
 * measured by the same code in the same run:
 *
 *   <name>_pair/N        allocate N bytes and free them at once, hot, one thread
 *   <name>_burst1000/N   allocate 1000 objects of N bytes, then free all 1000
 *   <name>_trace         replay of one fixed pseudo-random kmalloc trace (sizes
 *                        and lifetimes), identical for every allocator
 *   <name>_prodcons/N    two threads: one allocates, the other frees
 *
 * An allocator is a class with a constructor from the object size (a
 * kmem_cache is created for that size; a malloc ignores it), alloc(size) and
 * free(p, size). Each benchmark thread calls enter_cpu(thread) first: our
 * allocator runs each host thread as its own CPU (mm_host_set_cpu), the peers
 * need nothing.
 */
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace bench {

// ---- the mixed-size trace --------------------------------------------------

// One step of the trace: allocate `size` bytes into `slot`, or free `slot`.
struct TraceOp {
  uint32_t slot;
  uint32_t size;  // 0: free
};

// The fixed trace (built once from a fixed seed): kmalloc-like sizes, mostly
// small, with short, medium and long lifetimes; everything is freed by the end.
const std::vector<TraceOp>& mixed_trace();
uint32_t mixed_trace_slots();   // pointer slots the replay needs
uint32_t mixed_trace_allocs();  // allocations in one replay

// ---- the benchmark bodies ----------------------------------------------------

template <class A>
void bm_pair(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  A::enter_cpu(0);
  A a(size);
  for (auto _ : state) {
    void* p = a.alloc(size);
    benchmark::DoNotOptimize(p);
    a.free(p, size);
  }
  state.SetItemsProcessed(state.iterations());
}

template <class A>
void bm_burst(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  constexpr size_t kBurst = 1000;
  A::enter_cpu(0);
  A a(size);
  std::vector<void*> objs(kBurst);
  for (auto _ : state) {
    for (void*& p : objs) {
      p = a.alloc(size);
      benchmark::DoNotOptimize(p);
    }
    for (void* p : objs) a.free(p, size);
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}

template <class A>
void bm_trace(benchmark::State& state) {
  A::enter_cpu(0);
  A a(0);
  const std::vector<TraceOp>& trace = mixed_trace();
  std::vector<void*> slot(mixed_trace_slots());
  std::vector<uint32_t> size(mixed_trace_slots());
  for (auto _ : state) {
    for (const TraceOp& op : trace) {
      if (op.size) {
        void* p = a.alloc(op.size);
        // Touch the object as its user would: one word at its start.
        *static_cast<volatile uint64_t*>(p) = op.slot;
        slot[op.slot] = p;
        size[op.slot] = op.size;
      } else {
        a.free(slot[op.slot], size[op.slot]);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * mixed_trace_allocs());
}

// Single-producer single-consumer ring between the two threads of one run.
struct HandOff {
  static constexpr size_t kSlots = 1024;
  alignas(64) std::atomic<uint64_t> head{0};  // written by the producer
  alignas(64) std::atomic<uint64_t> tail{0};  // written by the consumer
  alignas(64) void* slot[kSlots];
};
void handoff_wait(unsigned& spins);  // pause, then yield: 2 cores are shared

// Thread 0 allocates and hands each object over; thread 1 frees it. Both run
// the same iteration count, so every object is freed when the run ends.
template <class A>
void bm_prodcons(benchmark::State& state) {
  static HandOff ring;
  static A* shared;
  const size_t size = static_cast<size_t>(state.range(0));
  A::enter_cpu(state.thread_index());
  std::unique_ptr<A> own;
  if (state.thread_index() == 0) {
    own = std::make_unique<A>(size);
    shared = own.get();
    ring.head.store(0);
    ring.tail.store(0);
  }
  for (auto _ : state) {  // the first iteration starts after a barrier of both threads
    if (state.thread_index() == 0) {
      void* p = shared->alloc(size);
      const uint64_t h = ring.head.load(std::memory_order_relaxed);
      unsigned spins = 0;
      while (h - ring.tail.load(std::memory_order_acquire) == HandOff::kSlots) handoff_wait(spins);
      ring.slot[h % HandOff::kSlots] = p;
      ring.head.store(h + 1, std::memory_order_release);
    } else {
      const uint64_t t = ring.tail.load(std::memory_order_relaxed);
      unsigned spins = 0;
      while (ring.head.load(std::memory_order_acquire) == t) handoff_wait(spins);
      void* p = ring.slot[t % HandOff::kSlots];
      ring.tail.store(t + 1, std::memory_order_release);
      shared->free(p, size);
    }
  }
  // The loop ends with a barrier of both threads: the ring is empty here.
  state.SetItemsProcessed(state.iterations());
}

// Registers <name>_pair/{64,256,4096}, <name>_burst1000/{64,256}, <name>_trace
// (when the allocator takes any size) and <name>_prodcons/64.
template <class A>
void register_alloc_benches(const std::string& name, bool any_size) {
  benchmark::RegisterBenchmark((name + "_pair").c_str(), bm_pair<A>)->Arg(64)->Arg(256)->Arg(4096);
  benchmark::RegisterBenchmark((name + "_burst1000").c_str(), bm_burst<A>)->Arg(64)->Arg(256);
  if (any_size) benchmark::RegisterBenchmark((name + "_trace").c_str(), bm_trace<A>);
  benchmark::RegisterBenchmark((name + "_prodcons").c_str(), bm_prodcons<A>)->Arg(64)->Threads(2)->UseRealTime();
}

// ---- exact pair counts, for the instruction count under callgrind -----------

// `mm_bench --count-pairs=<name>/<size>:<n>` runs n hot pairs of one allocator
// and exits; tools/bench-instructions runs it under callgrind.
using PairCounter = std::function<void(size_t size, uint64_t n)>;
void register_pair_counter(const std::string& name, PairCounter run);
int run_pair_counter(const char* spec);  // process exit status

// The counted loop: not inlined so that callgrind can collect exactly it.
template <class A>
[[gnu::noinline]] void count_pairs_loop(A& a, size_t size, uint64_t n) {
  for (uint64_t i = 0; i < n; i++) {
    void* p = a.alloc(size);
    benchmark::DoNotOptimize(p);
    a.free(p, size);
  }
}

template <class A>
void register_pair_counter_for(const std::string& name) {
  register_pair_counter(name, [](size_t size, uint64_t n) {
    A::enter_cpu(0);
    A a(size);
    count_pairs_loop(a, size, 1000);  // warm: slabs grown, per-CPU caches filled
    count_pairs_loop(a, size, n);
  });
}

}  // namespace bench
