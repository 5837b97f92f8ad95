// Host tests for process bookkeeping that is pure logic: the cyclic pid
// allocator (lib/idalloc.h) against a model, and the wait-status encoding
// (kernel/process.h) against the host libc's <sys/wait.h> macros.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <random>
#include <set>

#include <kernel/process.h>
#include <lib/idalloc.h>

TEST_SUITE("process") {
  TEST_CASE("pids: cyclic, lowest free after the last, wrap to the reserved floor, full") {
    CyclicIdAllocator<64> a{2, 10};
    CHECK(a.reserve(1));
    CHECK_FALSE(a.reserve(1));
    CHECK(a.alloc() == 2);
    CHECK(a.alloc() == 3);
    a.free(2);
    CHECK(a.alloc() == 4);  // a freed pid waits for its turn
    for (int want = 5; want < 64; want++) CHECK(a.alloc() == want);
    CHECK(a.alloc() == 2);   // [10, 64) is full: below the floor as a last resort
    CHECK(a.alloc() == -1);  // everything taken
    a.free(40);
    a.free(12);
    CHECK(a.alloc() == 12);  // wrapped to the floor
    CHECK(a.alloc() == 40);
    CHECK(a.used() == 63);
  }

  TEST_CASE("pids: random alloc/free against a model") {
    const unsigned seed = std::random_device{}();
    std::printf("process pid fuzz seed %u\n", seed);
    std::mt19937 rng(seed);
    constexpr unsigned N = 300;
    CyclicIdAllocator<N> a{2, 50};
    std::set<int> used;
    int last = 1;
    for (int step = 0; step < 20000; step++) {
      if (rng() % 3 != 0 || used.empty()) {
        const int id = a.alloc();
        // Model: lowest free id > last, else lowest free >= 50 (then >= 2).
        int want = -1;
        for (int i = last + 1; i < static_cast<int>(N) && want < 0; i++)
          if (!used.count(i)) want = i;
        for (int i = 50; i <= last && i < static_cast<int>(N) && want < 0; i++)
          if (!used.count(i)) want = i;
        for (int i = 2; i < 50 && i <= last && want < 0; i++)
          if (!used.count(i)) want = i;
        REQUIRE(id == want);
        if (id >= 0) {
          used.insert(id);
          last = id + 1 < static_cast<int>(N) ? id : 49;
        }
      } else {
        auto it = used.begin();
        std::advance(it, rng() % used.size());
        a.free(static_cast<unsigned>(*it));
        used.erase(it);
      }
      REQUIRE(a.used() == used.size());
    }
  }

  TEST_CASE("wait status encoding matches <sys/wait.h>") {
    for (int code : {0, 1, 7, 42, 255, 256 + 3, -1}) {
      const int st = exit_status_exited(code);
      CHECK(WIFEXITED(st));
      CHECK(WEXITSTATUS(st) == (code & 0xff));
      CHECK(status_exited(st));
      CHECK(status_exit_code(st) == (code & 0xff));
      CHECK(status_to_shell(st) == (code & 0xff));
    }
    for (int sig : {1, 4, 9, 11, 15, 31}) {
      const int st = exit_status_signaled(sig);
      CHECK(WIFSIGNALED(st));
      CHECK(WTERMSIG(st) == sig);
      CHECK_FALSE(status_exited(st));
      CHECK(status_to_shell(st) == 128 + sig);
    }
  }
}
