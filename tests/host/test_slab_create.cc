// kmem_cache_create rules (mm/slab_common.cc): sanity checks, refused and
// masked flags, usercopy validation, merging, SLAB_PANIC; and the cache
// lifecycle: shrink, destroy with leaks, bulk, reaping over time,
// SLAB_TYPESAFE_BY_RCU, slabinfo.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <kernel/rcupdate.h>

#include "../../mm/slab_internal.h"
#include "test_slab_env.h"

namespace {

void ctor_a(void* p) { std::memset(p, 0xaa, 8); }

bool listed(const kmem_cache* c) {
  for (const kmem_cache* s = slab_caches; s; s = s->next)
    if (s == c) return true;
  return false;
}

unsigned long slabs_of(kmem_cache* c) {
  MmLockGuard g{c->node.list_lock};
  return c->node.total_slabs;
}

}  // namespace

TEST_SUITE("slab_create") {
  TEST_CASE("sanity checks and refused flags give null; permitted SLUB flags are masked off") {
    SlabTestEnv env;
    CHECK(kmem_cache_create(nullptr, 64, 0, 0, nullptr) == nullptr);
    CHECK(kmem_cache_create("zero", 0, 0, 0, nullptr) == nullptr);
    CHECK(kmem_cache_create("huge", KMALLOC_MAX_SIZE + 1, 0, 0, nullptr) == nullptr);
    CHECK(kmem_cache_create("odd_align", 64, 24, 0, nullptr) == nullptr);
    CHECK(kmem_cache_create("bad_flag", 64, 0, 0x1, nullptr) == nullptr);
    CHECK(kmem_cache_create("internal_flag", 64, 0, CFLGS_OFF_SLAB, nullptr) == nullptr);
    kmem_cache* c =
        kmem_cache_create("slub_flags", 64, 0, SLAB_CONSISTENCY_CHECKS | SLAB_TRACE | SLAB_ACCOUNT, ctor_a);
    REQUIRE(c);
    CHECK((c->flags & (SLAB_CONSISTENCY_CHECKS | SLAB_TRACE)) == 0);
    CHECK((c->flags & SLAB_ACCOUNT) != 0);
    kmem_cache_destroy(c);
  }

  TEST_CASE("SLAB_PANIC panics with Linux's message") {
    SlabTestEnv env;
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(fds[1], 2);
      signal(SIGABRT, SIG_DFL);  // doctest's crash handler stays out of the child
      kmem_cache_create("doomed", 64, 0, SLAB_PANIC | 0x1, nullptr);
      _exit(0);  // not reached
    }
    close(fds[1]);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(out.find("kmem_cache_create_usercopy: Failed to create slab 'doomed'. Error -22") !=
          std::string::npos);
  }

  TEST_CASE("the name is copied") {
    SlabTestEnv env;
    char name[16] = "transient";
    kmem_cache* c = kmem_cache_create_usercopy(name, 64, 0, 0, 0, 8, nullptr);
    REQUIRE(c);
    std::strcpy(name, "changed");
    CHECK(std::string(c->name) == "transient");
    kmem_cache_destroy(c);
  }

  TEST_CASE("usercopy regions are validated, failing closed") {
    SlabTestEnv env;
    kmem_cache* ok = kmem_cache_create_usercopy("uc_ok", 100, 0, 0, 16, 32, nullptr);
    REQUIRE(ok);
    CHECK(ok->useroffset == 16);
    CHECK(ok->usersize == 32);
    kmem_cache* past = kmem_cache_create_usercopy("uc_past", 100, 0, 0, 90, 20, nullptr);
    REQUIRE(past);
    CHECK(past->usersize == 0);
    CHECK(past->useroffset == 0);
    kmem_cache* big = kmem_cache_create_usercopy("uc_big", 100, 0, 0, 0, 101, ctor_a);
    REQUIRE(big);
    CHECK(big->usersize == 0);
    kmem_cache* off_only = kmem_cache_create_usercopy("uc_off", 100, 0, 0, 8, 0, ctor_a);
    REQUIRE(off_only);
    CHECK(off_only->useroffset == 0);
    void* p = kmem_cache_alloc(past, GFP_KERNEL);
    CHECK_FALSE(check_object_size(p, 1, true));  // no region: nothing may be copied
    kmem_cache_free(past, p);
  }

  TEST_CASE("compatible caches merge; ctor, debug, usercopy, DMA32, alignment and slab_nomerge forbid it") {
    SlabTestEnv env;
    kmem_cache* a = kmem_cache_create("merge_a", 120, 0, 0, nullptr);
    kmem_cache* b = kmem_cache_create("merge_b", 118, 0, 0, nullptr);
    REQUIRE(a);
    CHECK(b == a);
    CHECK(a->refcount == 2);
    CHECK(a->object_size == 120);
    CHECK(kmem_cache_create("merge_big", 128, 0, 0, nullptr) != a);    // would not fit
    CHECK(kmem_cache_create("merge_small", 100, 0, 0, nullptr) != a);  // too much waste
    CHECK(kmem_cache_create("merge_ctor", 120, 0, 0, ctor_a) != a);
    CHECK(kmem_cache_create("merge_dbg", 120, 0, SLAB_POISON, nullptr) != a);
    CHECK(kmem_cache_create("merge_rcu", 120, 0, SLAB_TYPESAFE_BY_RCU, nullptr) != a);
    CHECK(kmem_cache_create("merge_dma", 120, 0, SLAB_CACHE_DMA32, nullptr) != a);
    CHECK(kmem_cache_create("merge_aligned", 120, 64, 0, nullptr) != a);
    CHECK(kmem_cache_create_usercopy("merge_uc", 120, 0, 0, 0, 8, nullptr) != a);
    // A merged cache lives until its last creator destroys it.
    kmem_cache_destroy(b);
    CHECK(listed(a));
    void* p = kmem_cache_alloc(a, GFP_KERNEL);
    kmem_cache_free(a, p);
    kmem_cache_destroy(a);
    CHECK_FALSE(listed(a));
  }

  TEST_CASE("slab_nomerge keeps every cache separate") {
    SlabTestEnv env(64ull << 20, "slab_nomerge");
    kmem_cache* a = kmem_cache_create("nm_a", 120, 0, 0, nullptr);
    kmem_cache* b = kmem_cache_create("nm_b", 120, 0, 0, nullptr);
    CHECK(a != b);
  }

  TEST_CASE("shrink says whether objects remain; destroy with leaks reports them and keeps the cache") {
    SlabTestEnv env;
    const uint64_t before = SlabTestEnv::settle();
    kmem_cache* c = kmem_cache_create("leaky", 300, 0, 0, nullptr);
    REQUIRE(c);
    void* objs[10];
    for (auto& p : objs) p = kmem_cache_alloc(c, GFP_KERNEL);
    CHECK(kmem_cache_shrink(c) == 1);
    for (int i = 3; i < 10; i++) kmem_cache_free(c, objs[i]);
    const SlabErrors errs = slab_errors();
    kmem_cache_destroy(c);
    CHECK(slab_errors().leaks == errs.leaks + 1);
    CHECK(std::string(slab_last_report())
              .find("kmem_cache_destroy leaky: Slab cache still has objects (3 in use)") !=
          std::string::npos);
    CHECK(listed(c));  // the leaked objects stay valid
    std::memset(objs[0], 1, 300);
    for (int i = 0; i < 3; i++) kmem_cache_free(c, objs[i]);
    CHECK(kmem_cache_shrink(c) == 0);
    kmem_cache_destroy(c);
    CHECK_FALSE(listed(c));
    CHECK(SlabTestEnv::settle() == before);
  }

  TEST_CASE("bulk alloc gives nr distinct objects or none") {
    SlabTestEnv env(8ull << 20);
    kmem_cache* c = kmem_cache_create("bulk", 256, 0, 0, nullptr);
    REQUIRE(c);
    std::vector<void*> v(500);
    REQUIRE(kmem_cache_alloc_bulk(c, GFP_KERNEL, v.size(), v.data()) == 500);
    CHECK(std::set<void*>(v.begin(), v.end()).size() == 500);
    kmem_cache_free_bulk(c, v.size(), v.data());
    // More than the machine has: 0, and everything taken on the way is back.
    const uint64_t before = SlabTestEnv::settle();
    std::vector<void*> huge(100000);
    CHECK(kmem_cache_alloc_bulk(c, GFP_KERNEL | __GFP_NOWARN, huge.size(), huge.data()) == 0);
    CHECK(SlabTestEnv::settle() == before);
  }

  TEST_CASE("reaping from the tick returns idle objects and free slabs without any shrink") {
    SlabTestEnv env;
    const uint64_t before = SlabTestEnv::settle();
    kmem_cache* c = kmem_cache_create("idle", 200, 0, 0, nullptr);
    REQUIRE(c);
    std::vector<void*> v(2000);
    for (auto& p : v) p = kmem_cache_alloc(c, GFP_KERNEL);
    for (auto* p : v) kmem_cache_free(c, p);
    const unsigned long busy_slabs = slabs_of(c);
    CHECK(busy_slabs > 0);
    CHECK(c->cpu_cache[0]->avail > 0);
    uint64_t now = 1000000;
    slab_reap_tick(now);  // the first pass only clears the touched bits
    unsigned long after_one = slabs_of(c);
    for (int second = 0; second < 120; second++) slab_reap_tick(now += 1000);
    CHECK(c->cpu_cache[0]->avail == 0);
    CHECK(slabs_of(c) == 0);
    CHECK(after_one <= busy_slabs);
    CHECK(c->reaped > 0);
    kmem_cache_destroy(c);
    CHECK(SlabTestEnv::settle() == before);
  }

  TEST_CASE("SLAB_TYPESAFE_BY_RCU: a freed object stays an object of its type until a grace period") {
    SlabTestEnv env;
    const uint64_t before = SlabTestEnv::settle();
    struct Node {
      uint64_t tag;
      int key;
    };
    kmem_cache* c = kmem_cache_create("rcu_nodes", sizeof(Node), 0, SLAB_TYPESAFE_BY_RCU,
                                      [](void* p) { static_cast<Node*>(p)->tag = 0x7e57ab1e; });
    REQUIRE(c);
    std::vector<Node*> v(1000);
    for (auto& n : v) {
      n = static_cast<Node*>(kmem_cache_alloc(c, GFP_KERNEL));
      REQUIRE(n->tag == 0x7e57ab1e);
      n->key = 1;
    }
    Node* watched = v[500];
    rcu_read_lock();  // a reader holds a pointer across the free
    for (auto* n : v) kmem_cache_free(c, n);
    kmem_cache_shrink(c);  // every slab is free now: queued for a grace period
    CHECK(slabs_of(c) == 0);
    CHECK(virt_to_cache(watched) == c);  // still a slab page of this cache
    CHECK(watched->tag == 0x7e57ab1e);   // and still an object of the type
    const uint64_t during = SlabTestEnv::free_pages();
    rcu_read_unlock();
    synchronize_rcu();  // the grace period: the pages go back
    CHECK(SlabTestEnv::free_pages() > during);
    kmem_cache_destroy(c);
    CHECK(SlabTestEnv::settle() == before);
  }

  TEST_CASE("slabinfo: Linux 2.1 format with tunables and slabdata that match the cache") {
    SlabTestEnv env;
    kmem_cache* c = kmem_cache_create_usercopy("info_test", 100, 0, 0, 0, 4, nullptr);
    REQUIRE(c);
    std::vector<void*> v(77);
    for (auto& p : v) p = kmem_cache_alloc(c, GFP_KERNEL);
    std::vector<char> buf(64 * 1024);
    const size_t len = slabinfo_format(buf.data(), buf.size());
    CHECK(len == std::strlen(buf.data()));
    std::istringstream in(std::string(buf.data(), len));
    std::string line;
    std::getline(in, line);
    CHECK(line == "slabinfo - version: 2.1");
    std::getline(in, line);
    CHECK(line.rfind(
              "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
              "<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
              0) == 0);
    bool found = false, kmalloc_seen = false;
    while (std::getline(in, line)) {
      char name[64], t[16], sd[16], colon1[4], colon2[4];
      unsigned long active, num, objsize, perslab, pages, limit, batch, shared, aslabs, nslabs, savail;
      REQUIRE(std::sscanf(line.c_str(), "%63s %lu %lu %lu %lu %lu %3s %15s %lu %lu %lu %3s %15s %lu %lu %lu",
                          name, &active, &num, &objsize, &perslab, &pages, colon1, t, &limit, &batch, &shared,
                          colon2, sd, &aslabs, &nslabs, &savail) == 16);
      CHECK(std::string(t) == "tunables");
      CHECK(std::string(sd) == "slabdata");
      CHECK(active <= num);
      CHECK(num == nslabs * perslab);
      kmalloc_seen |= std::string(name) == "kmalloc-96";
      if (std::string(name) != "info_test") continue;
      found = true;
      CHECK(objsize == c->size);
      CHECK(perslab == c->num);
      CHECK(pages == 1);
      CHECK(limit == 120);
      CHECK(batch == 60);
      CHECK(shared == 8);
      CHECK(nslabs == c->node.total_slabs);
      CHECK(active == num - c->node.free_objects);  // objects in the arrays count as active, as in Linux
      CHECK(active >= 77);
    }
    CHECK(found);
    CHECK(kmalloc_seen);
    // A short buffer is truncated, never overrun.
    char small[40];
    CHECK(slabinfo_format(small, sizeof(small)) == sizeof(small) - 1);
    for (auto* p : v) kmem_cache_free(c, p);
  }
}
