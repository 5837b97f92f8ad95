// Descriptor tables on the host: lowest free descriptor, growth up to
// NR_OPEN_MAX then EMFILE, fork's copy (dup_fd) sharing open files by
// reference, close-on-exec, replace_fd, and every file closed with the
// last table. Random open/close/dup sequences checked against a model.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include <kernel/errno.h>

#include "vfs_test_env.h"

TEST_SUITE("fdtable") {
  TEST_CASE("lowest free descriptor, growth, EMFILE, close") {
    VfsTestEnv env;
    REQUIRE(env.write_file("f", "x") == 0);
    file* f = env.open("f", O_RDONLY);
    REQUIRE(f);
    files_struct* t = alloc_files();
    REQUIRE(t);
    for (unsigned i = 0; i < NR_OPEN_MAX; i++) CHECK(alloc_fd_install(t, 0, get_file(f), false) == static_cast<int>(i));
    CHECK(f->f_count.load() == NR_OPEN_MAX + 1);
    CHECK(alloc_fd_install(t, 0, f, false) == -EMFILE);  // refused: the reference stays ours
    CHECK(close_fd(t, 100) == 0);
    CHECK(close_fd(t, 100) == -EBADF);
    CHECK(close_fd(t, NR_OPEN_MAX) == -EBADF);
    CHECK(alloc_fd_install(t, 0, get_file(f), true) == 100);
    CHECK(get_close_on_exec(t, 100) == 1);
    CHECK(alloc_fd_install(t, 5, get_file(f), false) == -EMFILE);
    fput(f);  // the one EMFILE left us
    file* g = fget(t, 7);
    CHECK(g == f);
    fput(g);
    CHECK(fget(t, NR_OPEN_MAX + 5) == nullptr);
    put_files_struct(t);
    CHECK(f->f_count.load() == 1);
    fput(f);
  }

  TEST_CASE("dup_fd shares the files; close-on-exec closes only the marked ones") {
    VfsTestEnv env;
    REQUIRE(env.write_file("f", "x") == 0);
    file* f = env.open("f", O_RDONLY);
    files_struct* t = alloc_files();
    CHECK(alloc_fd_install(t, 0, get_file(f), false) == 0);
    CHECK(alloc_fd_install(t, 0, get_file(f), true) == 1);
    CHECK(replace_fd(t, 200, f, true) == 200);  // grows the table; takes its own reference
    files_struct* child = dup_fd(t);
    REQUIRE(child);
    CHECK(f->f_count.load() == 7);
    CHECK(get_close_on_exec(child, 1) == 1);
    CHECK(get_close_on_exec(child, 200) == 1);
    do_close_on_exec(child);
    CHECK(get_close_on_exec(child, 0) == 0);
    CHECK(get_close_on_exec(child, 1) == -EBADF);
    CHECK(get_close_on_exec(child, 200) == -EBADF);
    CHECK(get_close_on_exec(t, 200) == 1);  // the parent's table is its own
    CHECK(set_close_on_exec(t, 0, true) == 0);
    CHECK(get_close_on_exec(t, 0) == 1);
    CHECK(f->f_count.load() == 5);
    put_files_struct(child);
    put_files_struct(t);
    CHECK(f->f_count.load() == 1);
    fput(f);
  }

  TEST_CASE("random install/close/replace against a model (seed printed)") {
    VfsTestEnv env;
    REQUIRE(env.write_file("f", "x") == 0);
    file* f = env.open("f", O_RDONLY);
    const unsigned seed = std::random_device{}();
    MESSAGE("seed ", seed);
    std::mt19937 rng(seed);
    files_struct* t = alloc_files();
    std::map<unsigned, bool> model;  // fd -> cloexec
    for (int step = 0; step < 5000; step++) {
      const unsigned fd = rng() % 300;
      switch (rng() % 4) {
        case 0: {
          const unsigned start = rng() % 300;
          unsigned want = start;
          while (model.count(want)) want++;
          const bool ce = rng() % 2;
          CHECK(alloc_fd_install(t, start, get_file(f), ce) == static_cast<int>(want));
          model[want] = ce;
          break;
        }
        case 1:
          CHECK(close_fd(t, fd) == (model.erase(fd) ? 0 : -EBADF));
          break;
        case 2: {
          const bool ce = rng() % 2;
          CHECK(replace_fd(t, fd, f, ce) == static_cast<int>(fd));
          model[fd] = ce;
          break;
        }
        default: {
          auto it = model.find(fd);
          CHECK(get_close_on_exec(t, fd) == (it == model.end() ? -EBADF : it->second ? 1 : 0));
        }
      }
    }
    CHECK(f->f_count.load() == static_cast<long>(model.size()) + 1);
    files_struct* c = dup_fd(t);
    do_close_on_exec(c);
    long kept = 0;
    for (auto& [fd, ce] : model) kept += !ce;
    CHECK(f->f_count.load() == static_cast<long>(model.size()) + 1 + kept);
    put_files_struct(c);
    put_files_struct(t);
    CHECK(f->f_count.load() == 1);
    fput(f);
  }
}
