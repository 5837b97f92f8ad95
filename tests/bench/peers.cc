// Loading and checking the peer allocators (see peers.h), and their
// benchmarks in the shapes of alloc_benches.h.
#include "peers.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "alloc_benches.h"

namespace bench {

Peer peers[kNrPeers] = {
    {"glibc", "libc.so.6", nullptr, nullptr, {}},
    {"mimalloc", "libmimalloc.so.2", nullptr, nullptr, {}},
    {"jemalloc", "libjemalloc.so.2", nullptr, nullptr, {}},
    {"tcmalloc", "libtcmalloc_minimal.so.4", nullptr, nullptr, {}},
};

namespace {

// The peers' own queries used by the self-check.
bool (*mi_is_in_heap_region)(const void*);
int (*mi_version)();
int (*je_mallctl)(const char*, void*, size_t*, void*, size_t);
int (*tc_ownership)(const void*);  // MallocExtension_GetOwnership
const char* (*tc_version)(int*, int*, const char**);
constexpr int kTcOwned = 1, kTcNotOwned = 2;

template <class F>
bool sym(void* handle, const char* name, F& out, std::string& why) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (!out) why = std::string("no symbol ") + name + ": " + dlerror();
  return out != nullptr;
}

bool open_peer(Peer& p, void*& handle, std::string& why) {
  handle = dlopen(p.library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) why = std::string("dlopen ") + p.library + ": " + dlerror();
  return handle != nullptr;
}

// The shared object a function's code lives in.
std::string library_of(const void* fn) {
  Dl_info info{};
  if (!dladdr(fn, &info) || !info.dli_fname) return "?";
  const char* base = std::strrchr(info.dli_fname, '/');
  return base ? base + 1 : info.dli_fname;
}

uint64_t je_thread_allocated() {
  uint64_t v = 0;
  size_t len = sizeof(v);
  return je_mallctl("thread.allocated", &v, &len, nullptr, 0) == 0 ? v : ~uint64_t{0};
}

bool check(bool ok, const std::string& what, std::string& why) {
  if (!ok && why.empty()) why = what;
  return ok;
}

// Every allocator owns exactly its own pointers, for each benchmarked size.
bool self_check(std::string& why) {
  bool ok = true;
  for (const Peer& p : peers) {
    ok &= check(library_of(reinterpret_cast<void*>(p.malloc)) == p.library,
                std::string(p.name) + " malloc is in " + library_of(reinterpret_cast<void*>(p.malloc)), why);
    ok &= check(library_of(reinterpret_cast<void*>(p.free)) == p.library,
                std::string(p.name) + " free is in " + library_of(reinterpret_cast<void*>(p.free)), why);
  }
  // The process malloc (what Google Benchmark and libstdc++ use) is glibc's.
  ok &= check(library_of(reinterpret_cast<void*>(&::malloc)) == "libc.so.6",
              "the process malloc is in " + library_of(reinterpret_cast<void*>(&::malloc)), why);
  for (const size_t size : {size_t{64}, size_t{256}, size_t{4096}}) {
    void* obj[kNrPeers];
    uint64_t je_delta[kNrPeers];
    for (int i = 0; i < kNrPeers; i++) {
      const uint64_t before = je_thread_allocated();
      obj[i] = peers[i].malloc(size);
      je_delta[i] = je_thread_allocated() - before;
      ok &= check(obj[i] != nullptr, std::string(peers[i].name) + " returned null", why);
    }
    for (int i = 0; i < kNrPeers; i++) {
      const std::string who = std::string(peers[i].name) + " pointer (" + std::to_string(size) + " bytes): ";
      const bool is_mi = i == int(PeerId::Mimalloc), is_je = i == int(PeerId::Jemalloc),
                 is_tc = i == int(PeerId::Tcmalloc), is_glibc = i == int(PeerId::Glibc);
      ok &= check(mi_is_in_heap_region(obj[i]) == is_mi, who + "mimalloc heap-region test disagrees", why);
      ok &= check(tc_ownership(obj[i]) == (is_tc ? kTcOwned : kTcNotOwned), who + "tcmalloc ownership disagrees",
                  why);
      ok &= check(is_je ? je_delta[i] >= size : je_delta[i] == 0, who + "jemalloc's allocated bytes disagree", why);
      if (is_glibc) ok &= check(malloc_usable_size(obj[i]) >= size, who + "glibc usable size too small", why);
    }
    for (int i = 0; i < kNrPeers; i++) peers[i].free(obj[i]);
  }
  return ok;
}

bool load(std::string& why) {
  peers[int(PeerId::Glibc)].malloc = &::malloc;
  peers[int(PeerId::Glibc)].free = &::free;
  peers[int(PeerId::Glibc)].version = gnu_get_libc_version();
  // jemalloc first: it needs the most static TLS.
  void* je;
  void* mi;
  void* tc;
  Peer& pj = peers[int(PeerId::Jemalloc)];
  Peer& pm = peers[int(PeerId::Mimalloc)];
  Peer& pt = peers[int(PeerId::Tcmalloc)];
  if (!open_peer(pj, je, why) || !sym(je, "malloc", pj.malloc, why) || !sym(je, "free", pj.free, why) ||
      !sym(je, "mallctl", je_mallctl, why))
    return false;
  if (!open_peer(pm, mi, why) || !sym(mi, "mi_malloc", pm.malloc, why) || !sym(mi, "mi_free", pm.free, why) ||
      !sym(mi, "mi_is_in_heap_region", mi_is_in_heap_region, why) || !sym(mi, "mi_version", mi_version, why))
    return false;
  if (!open_peer(pt, tc, why) || !sym(tc, "tc_malloc", pt.malloc, why) || !sym(tc, "tc_free", pt.free, why) ||
      !sym(tc, "MallocExtension_GetOwnership", tc_ownership, why) || !sym(tc, "tc_version", tc_version, why))
    return false;
  const char* jv = nullptr;
  size_t len = sizeof(jv);
  if (je_mallctl("version", &jv, &len, nullptr, 0) == 0 && jv) pj.version = jv;
  const int mv = mi_version();
  pm.version = std::to_string(mv / 100) + "." + std::to_string(mv / 10 % 10) + "." + std::to_string(mv % 10);
  int major, minor;
  const char* patch;
  tc_version(&major, &minor, &patch);
  pt.version = std::to_string(major) + "." + std::to_string(minor) + (patch ? patch : "");
  return self_check(why);
}

// Each peer's benchmarks and pair counter.
template <PeerId P>
bool register_peer() {
  register_alloc_benches<PeerAlloc<P>>(peers[int(P)].name, true);
  register_pair_counter_for<PeerAlloc<P>>(peers[int(P)].name);
  return true;
}

[[maybe_unused]] const bool registered = register_peer<PeerId::Glibc>() && register_peer<PeerId::Mimalloc>() &&
                                         register_peer<PeerId::Jemalloc>() && register_peer<PeerId::Tcmalloc>();

}  // namespace

bool load_peers(std::string& why) {
  static std::string failure;
  static const bool ok = load(failure);
  why = failure;
  return ok;
}

void require_peers() {
  std::string why;
  if (!load_peers(why)) {
    std::fprintf(stderr, "mm_bench: peer allocators: %s\n", why.c_str());
    std::exit(1);
  }
}

std::string describe_peers() {
  std::string s;
  for (const Peer& p : peers) {
    if (!s.empty()) s += ", ";
    s += std::string(p.name) + " " + p.version + " (" + p.library + ")";
  }
  return s;
}

}  // namespace bench
