/*
 * The peer allocators our slab is measured against, in the same process:
 * glibc's malloc, mimalloc, jemalloc and tcmalloc.
 *
 * Debian's libmimalloc, libjemalloc and libtcmalloc all export malloc/free:
 * linked normally, the first of them would replace glibc's malloc in the
 * whole binary (and glibc_pair would measure it). So none of them is linked:
 * each is dlopen()ed RTLD_LOCAL and called through its own symbols
 * (mi_malloc/mi_free, jemalloc's malloc/free from its handle,
 * tc_malloc/tc_free), and the process malloc stays glibc's.
 * load_peers() proves that at start-up: each function lives in the library
 * its name says, and each allocator owns its own pointers and none of the
 * others' (mimalloc's heap-region test, tcmalloc's ownership query,
 * jemalloc's per-thread allocated-bytes counter, glibc's usable size).
 *
 * jemalloc uses initial-exec TLS, which a dlopen() only finds room for when
 * glibc reserves more static TLS: main() re-executes itself with
 * GLIBC_TUNABLES=glibc.rtld.optional_static_tls=... (kStaticTlsTunable).
 */
#pragma once

#include <cstddef>
#include <string>

namespace bench {

enum class PeerId { Glibc, Mimalloc, Jemalloc, Tcmalloc };
constexpr int kNrPeers = 4;

struct Peer {
  const char* name;     // "mimalloc": benchmark prefix
  const char* library;  // the shared object its functions must come from
  void* (*malloc)(size_t);
  void (*free)(void*);
  std::string version;
};

extern Peer peers[kNrPeers];

constexpr const char* kStaticTlsTunable = "glibc.rtld.optional_static_tls=65536";

// Loads every peer once and runs the self-check; false with a reason in
// `why` when a library is missing or a check fails.
bool load_peers(std::string& why);
void require_peers();  // load_peers() or exit with the reason
// One line naming each peer, its library and version, for the log.
std::string describe_peers();

// The peer as an allocator for alloc_benches.h.
template <PeerId P>
class PeerAlloc {
 public:
  static void enter_cpu(int) {}
  explicit PeerAlloc(size_t) : malloc_((require_peers(), peers[int(P)].malloc)), free_(peers[int(P)].free) {}
  void* alloc(size_t size) { return malloc_(size); }
  void free(void* p, size_t) { free_(p); }

 private:
  void* (*malloc_)(size_t);
  void (*free_)(void*);
};

}  // namespace bench
