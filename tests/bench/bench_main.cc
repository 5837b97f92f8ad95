// mm_bench's main: the peer allocators loaded and checked before Google
// Benchmark runs (peers.h); or, with --count-pairs=<name>/<size>:<n>, exactly
// n hot pairs of one allocator for tools/bench-instructions.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "alloc_benches.h"
#include "peers.h"

namespace {

// jemalloc can only be dlopen()ed with more static TLS than glibc reserves by
// default, and glibc reads its tunables at start-up: run again with them set.
void ensure_static_tls(char** argv) {
  const char* t = std::getenv("GLIBC_TUNABLES");
  if (t && std::strstr(t, "glibc.rtld.optional_static_tls")) return;
  std::string v = t && *t ? std::string(t) + ":" + bench::kStaticTlsTunable : bench::kStaticTlsTunable;
  setenv("GLIBC_TUNABLES", v.c_str(), 1);
  execv("/proc/self/exe", argv);
  std::perror("mm_bench: re-exec with GLIBC_TUNABLES");  // load_peers() then says what failed
}

}  // namespace

int main(int argc, char** argv) {
  static constexpr char kCount[] = "--count-pairs=";
  if (argc == 2 && std::strncmp(argv[1], kCount, sizeof(kCount) - 1) == 0)
    return bench::run_pair_counter(argv[1] + sizeof(kCount) - 1);
  ensure_static_tls(argv);
  bench::require_peers();
  // Printed in the header and stored in the JSON context.
  benchmark::AddCustomContext("peers (self-checked: each owns its own pointers only)", bench::describe_peers());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
