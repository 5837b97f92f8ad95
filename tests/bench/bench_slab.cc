// Our kmem_cache and kmalloc (the real mm/slab*.cc over the shared simulated
// RAM) in the allocator benchmark shapes of alloc_benches.h, beside the peers.
#include "bench_slab.h"

#include <map>
#include <mutex>
#include <string>

#include <mm/env.h>
#include <mm/slab.h>

#include "alloc_benches.h"
#include "bench_ram.h"

namespace bench {

void slab_init_once() {
  static const bool done = [] {
    bench_ram_init();
    kmem_cache_init();
    return true;
  }();
  (void)done;
}

namespace {

// One cache per object size for the whole run, as a kernel keeps its caches
// (a plain cache like this may be merged with the kmalloc cache of its size,
// as Linux merges it). Never destroyed: a two-thread run leaves objects in
// the second CPU's array cache.
kmem_cache* bench_cache(size_t size) {
  static std::mutex lock;
  static std::map<size_t, kmem_cache*> caches;
  std::lock_guard<std::mutex> g(lock);
  kmem_cache*& c = caches[size];
  if (!c) {
    const std::string name = "bench-" + std::to_string(size);
    c = kmem_cache_create(name.c_str(), static_cast<unsigned>(size), 0, 0, nullptr);
    if (!c) __builtin_trap();
  }
  return c;
}

// kmem_cache_alloc/kmem_cache_free on an N-byte cache.
class SlabAlloc {
 public:
  static void enter_cpu(int cpu) { mm_host_set_cpu(static_cast<unsigned>(cpu)); }
  explicit SlabAlloc(size_t size) : cache_((slab_init_once(), bench_cache(size))) {}
  void* alloc(size_t) { return kmem_cache_alloc(cache_, GFP_KERNEL); }
  void free(void* p, size_t) { kmem_cache_free(cache_, p); }

 private:
  kmem_cache* cache_;
};

// kmalloc/kfree with the size known only at run time, as the peers get it.
class KmallocAlloc {
 public:
  static void enter_cpu(int cpu) { mm_host_set_cpu(static_cast<unsigned>(cpu)); }
  explicit KmallocAlloc(size_t) { slab_init_once(); }
  void* alloc(size_t size) { return kmalloc(size, GFP_KERNEL); }
  void free(void* p, size_t) { kfree(p); }
};

// kmalloc/kfree with a compile-time size, as most kernel callers ask
// (kmalloc picks the cache at compile time; kfree still looks it up).
template <size_t N>
class KmallocConstAlloc {
 public:
  static void enter_cpu(int cpu) { mm_host_set_cpu(static_cast<unsigned>(cpu)); }
  explicit KmallocConstAlloc(size_t) { slab_init_once(); }
  void* alloc(size_t) { return kmalloc(N, GFP_KERNEL); }
  void free(void* p, size_t) { kfree(p); }
};

template <size_t N>
void register_kmalloc_const() {
  benchmark::RegisterBenchmark("kmalloc_const_pair", bm_pair<KmallocConstAlloc<N>>)->Arg(N);
  register_pair_counter_for<KmallocConstAlloc<N>>("kmalloc_const" + std::to_string(N));
}

[[maybe_unused]] const bool registered = [] {
  register_alloc_benches<SlabAlloc>("slab", false);
  register_alloc_benches<KmallocAlloc>("kmalloc", true);
  register_kmalloc_const<64>();
  register_kmalloc_const<256>();
  register_kmalloc_const<4096>();
  register_pair_counter_for<SlabAlloc>("slab");
  register_pair_counter_for<KmallocAlloc>("kmalloc");
  return true;
}();

}  // namespace

}  // namespace bench
