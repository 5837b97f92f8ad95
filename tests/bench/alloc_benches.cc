// What the allocator benchmark templates share: the mixed-size trace, the
// hand-off wait, and the exact pair counters (see alloc_benches.h).
#include "alloc_benches.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>

namespace bench {
namespace {

constexpr uint32_t kTraceAllocs = 20000;

// xorshift64*: the same sequence on every machine and compiler.
struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

// Sizes roughly as a kernel asks kmalloc for them: half up to 64 bytes,
// a quarter up to 256, then fewer and fewer up to 8 KiB.
uint32_t trace_size(Rng& r) {
  const uint32_t band = r.below(100);
  if (band < 50) return 8 + r.below(57);      // 8..64
  if (band < 75) return 65 + r.below(192);    // 65..256
  if (band < 90) return 257 + r.below(768);   // 257..1024
  if (band < 98) return 1025 + r.below(3072); // 1025..4096
  return 4097 + r.below(4096);                // 4097..8192
}

// Lifetime in allocations: most objects die young, some live long.
uint32_t trace_lifetime(Rng& r) {
  const uint32_t band = r.below(100);
  if (band < 60) return r.below(8);
  if (band < 90) return r.below(256);
  return r.below(4096);
}

struct Trace {
  std::vector<TraceOp> ops;
  uint32_t slots = 0;

  Trace() {
    Rng r{0x5eed5eed12345678ull};
    // (death step, slot) of each live object; free slots are reused.
    using Death = std::pair<uint64_t, uint32_t>;
    std::priority_queue<Death, std::vector<Death>, std::greater<Death>> live;
    std::vector<uint32_t> free_slots;
    for (uint32_t step = 0; step < kTraceAllocs; step++) {
      while (!live.empty() && live.top().first <= step) {
        ops.push_back({live.top().second, 0});
        free_slots.push_back(live.top().second);
        live.pop();
      }
      uint32_t slot;
      if (free_slots.empty()) {
        slot = slots++;
      } else {
        slot = free_slots.back();
        free_slots.pop_back();
      }
      ops.push_back({slot, trace_size(r)});
      live.emplace(step + 1 + trace_lifetime(r), slot);
    }
    while (!live.empty()) {
      ops.push_back({live.top().second, 0});
      live.pop();
    }
  }
};

const Trace& the_trace() {
  static const Trace t;
  return t;
}

std::map<std::string, PairCounter>& counters() {
  static std::map<std::string, PairCounter> m;
  return m;
}

// The loop with no allocator in it: what tools/bench-instructions subtracts
// (inlined fast paths leave no call boundary to count at).
class NullAlloc {
 public:
  static void enter_cpu(int) {}
  explicit NullAlloc(size_t) {}
  void* alloc(size_t) { return this; }
  void free(void*, size_t) {}
};

[[maybe_unused]] const bool null_registered = (register_pair_counter_for<NullAlloc>("null"), true);

}  // namespace

const std::vector<TraceOp>& mixed_trace() { return the_trace().ops; }
uint32_t mixed_trace_slots() { return the_trace().slots; }
uint32_t mixed_trace_allocs() { return kTraceAllocs; }

void handoff_wait(unsigned& spins) {
  if (++spins < 256) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  } else {
    std::this_thread::yield();
  }
}

void register_pair_counter(const std::string& name, PairCounter run) { counters()[name] = std::move(run); }

int run_pair_counter(const char* spec) {
  // <name>/<size>:<n>
  const char* slash = std::strchr(spec, '/');
  const char* colon = slash ? std::strchr(slash, ':') : nullptr;
  if (!slash || !colon) {
    std::fprintf(stderr, "mm_bench: --count-pairs wants <name>/<size>:<n>, got '%s'\n", spec);
    return 2;
  }
  const std::string name(spec, slash);
  const auto it = counters().find(name);
  if (it == counters().end()) {
    std::fprintf(stderr, "mm_bench: no pair counter '%s'; there are:", name.c_str());
    for (const auto& [n, _] : counters()) std::fprintf(stderr, " %s", n.c_str());
    std::fprintf(stderr, "\n");
    return 3;  // tools/bench-instructions: not built into this binary
  }
  const size_t size = std::strtoull(slash + 1, nullptr, 10);
  const uint64_t n = std::strtoull(colon + 1, nullptr, 10);
  it->second(size, n);
  return 0;
}

}  // namespace bench
