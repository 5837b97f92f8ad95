// The VFS core on the host: path lookup, ramfs files and directories,
// namespace changes and their errnos (Linux's answers), d_path.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include <kernel/errno.h>

#include "vfs_test_env.h"

TEST_SUITE("vfs") {
  TEST_CASE("an empty root: lookups of / . .. and what is not there") {
    VfsTestEnv env;
    unsigned mode = 0;
    CHECK(env.stat("/", LOOKUP_FOLLOW, &mode) == 0);
    CHECK(S_ISDIR(mode));
    CHECK(env.path_of("/") == "/");
    CHECK(env.path_of(".") == "/");
    CHECK(env.path_of("..") == "/");
    CHECK(env.path_of("/../../..") == "/");
    CHECK(env.path_of("//.//") == "/");
    CHECK(env.stat("nothing") == -ENOENT);
    CHECK(env.stat("") == -ENOENT);
  }

  TEST_CASE("directories, files, and the errnos of lookups through them") {
    VfsTestEnv env;
    CHECK(env.mkdir("a") == 0);
    CHECK(env.mkdir("a/b") == 0);
    CHECK(env.mkdir("a") == -EEXIST);
    CHECK(env.mkdir("x/y") == -ENOENT);
    CHECK(env.write_file("a/b/f", "hello") == 0);
    CHECK(env.read_file("/a/b/f") == "hello");
    CHECK(env.read_file("a/./b/../b/f") == "hello");
    CHECK(env.stat("a/b/f/g") == -ENOTDIR);
    CHECK(env.stat("a/b/f/") == -ENOTDIR);
    CHECK(env.stat("a/b/") == 0);
    CHECK(env.mkdir("a/b/f/g") == -ENOTDIR);
    CHECK(env.stat("a/b/f", LOOKUP_DIRECTORY) == -ENOTDIR);
    CHECK(env.path_of("a/b/f") == "/a/b/f");
    CHECK(env.path_of("a/b/..") == "/a");

    int err = 0;
    CHECK(env.open("a", O_WRONLY, &err) == nullptr);
    CHECK(err == -EISDIR);
    CHECK(env.open("a/b/f", O_RDONLY | O_DIRECTORY, &err) == nullptr);
    CHECK(err == -ENOTDIR);
    CHECK(env.open("a/b/f", O_WRONLY | O_CREAT | O_EXCL, &err) == nullptr);
    CHECK(err == -EEXIST);
    CHECK(env.open("a/b/new/", O_WRONLY | O_CREAT, &err) == nullptr);
    CHECK(err == -EISDIR);
    CHECK(env.open("missing/f", O_WRONLY | O_CREAT, &err) == nullptr);
    CHECK(err == -ENOENT);
  }

  TEST_CASE("names and paths at the length limits") {
    VfsTestEnv env;
    const std::string n255(255, 'n'), n256(256, 'n');
    CHECK(env.write_file(n255.c_str(), "x") == 0);
    CHECK(env.read_file(n255.c_str()) == "x");
    CHECK(env.write_file(n256.c_str(), "x") == -ENAMETOOLONG);
    CHECK(env.stat(n256.c_str()) == -ENAMETOOLONG);
    std::string p4095;
    while (p4095.size() < 4095) p4095 += "./";
    p4095.resize(4095);
    p4095.back() = '.';
    CHECK(env.stat(p4095.c_str()) == 0);  // 4095 bytes + NUL fit PATH_MAX
    const std::string p4096 = p4095 + "/";
    CHECK(env.stat(p4096.c_str()) == -ENAMETOOLONG);
  }

  TEST_CASE("symlinks: relative, absolute, dangling, loops and the 40-link limit") {
    VfsTestEnv env;
    REQUIRE(env.mkdir("d") == 0);
    REQUIRE(env.mkdir("d/e") == 0);
    REQUIRE(env.write_file("d/e/f", "data") == 0);
    CHECK(env.symlink("e/f", "d/rel") == 0);
    CHECK(env.symlink("/d/e", "abs") == 0);
    CHECK(env.symlink("nowhere", "dangling") == 0);
    CHECK(env.symlink("self", "self") == 0);
    CHECK(env.read_file("d/rel") == "data");
    CHECK(env.read_file("abs/f") == "data");
    CHECK(env.path_of("abs/..") == "/d");  // ".." of the target, not of the link
    CHECK(env.path_of("abs", 0) == "/abs");
    unsigned mode = 0;
    CHECK(env.stat("dangling", 0, &mode) == 0);
    CHECK(S_ISLNK(mode));
    CHECK(env.stat("dangling") == -ENOENT);
    CHECK(env.stat("self") == -ELOOP);
    CHECK(env.stat("self", 0) == 0);
    CHECK(env.stat("abs/") == 0);
    CHECK(env.symlink("x", "abs") == -EEXIST);
    CHECK(env.symlink("", "empty") == -ENOENT);
    int err = 0;
    CHECK(env.open("d/rel", O_RDONLY | O_NOFOLLOW, &err) == nullptr);
    CHECK(err == -ELOOP);

    // l0 -> d/e/f, l(i) -> l(i-1): following l40 takes 41 links.
    CHECK(env.symlink("d/e/f", "l0") == 0);
    for (int i = 1; i <= 40; i++)
      CHECK(env.symlink(("l" + std::to_string(i - 1)).c_str(), ("l" + std::to_string(i)).c_str()) == 0);
    CHECK(env.read_file("l39") == "data");
    CHECK(env.stat("l40") == -ELOOP);
    // A link in the middle of a path, and a target that keeps a rest.
    CHECK(env.symlink("d", "dl") == 0);
    CHECK(env.read_file("dl/e/f") == "data");
    CHECK(env.path_of("dl/e/../e/f") == "/d/e/f");
  }

  TEST_CASE("unlink and rmdir errnos; an open file outlives its name") {
    VfsTestEnv env;
    REQUIRE(env.mkdir("d") == 0);
    REQUIRE(env.write_file("d/f", "keep") == 0);
    CHECK(env.rmdir("d") == -ENOTEMPTY);
    CHECK(env.unlink("d") == -EISDIR);
    CHECK(env.rmdir("d/f") == -ENOTDIR);
    CHECK(env.unlink("d/f/") == -ENOTDIR);
    CHECK(env.unlink("d/missing") == -ENOENT);
    CHECK(env.rmdir("/") == -EBUSY);
    CHECK(env.rmdir("d/.") == -EINVAL);
    CHECK(env.rmdir("d/..") == -ENOTEMPTY);
    CHECK(env.unlink("/") == -EISDIR);
    file* f = env.open("d/f", O_RDONLY);
    REQUIRE(f);
    CHECK(env.unlink("d/f") == 0);
    CHECK(env.stat("d/f") == -ENOENT);
    char buf[8] = {};
    loff_t pos = 0;
    CHECK(kernel_read(f, buf, sizeof buf, &pos) == 4);
    CHECK(std::string(buf) == "keep");
    char path[PATH_MAX];
    auto p = d_path(env.r, f->f_dentry, path, sizeof path);
    REQUIRE(p);
    CHECK(std::string(p.value()) == "/d/f (deleted)");
    fput(f);
    CHECK(env.rmdir("d") == 0);
    CHECK(env.stat("d") == -ENOENT);
  }

  TEST_CASE("hard links share the inode and its link count") {
    VfsTestEnv env;
    REQUIRE(env.write_file("a", "one") == 0);
    CHECK(vfs_linkat(env.r, env.root, "a", env.root, "b") == 0);
    CHECK(vfs_linkat(env.r, env.root, "a", env.root, "b") == -EEXIST);
    REQUIRE(env.mkdir("dir") == 0);
    CHECK(vfs_linkat(env.r, env.root, "dir", env.root, "dir2") == -EPERM);
    auto d = path_lookupat(env.r, env.root, "b", 0);
    REQUIRE(d);
    CHECK(d.value()->d_inode->i_nlink == 2);
    dput(d.value());
    CHECK(env.unlink("a") == 0);
    CHECK(env.read_file("b") == "one");
  }

  TEST_CASE("ramfs files: holes, O_APPEND, O_TRUNC, truncate, lseek") {
    VfsTestEnv env;
    file* f = env.open("f", O_RDWR | O_CREAT);
    REQUIRE(f);
    loff_t pos = 10000;
    CHECK(kernel_write(f, "end", 3, &pos) == 3);
    CHECK(pos == 10003);
    CHECK(f->f_inode->i_size == 10003);
    std::string all = env.read_file("f");
    REQUIRE(all.size() == 10003);
    CHECK(all.substr(0, 10000) == std::string(10000, '\0'));
    CHECK(all.substr(10000) == "end");
    CHECK(vfs_llseek(f, 0, SEEK_END) == 10003);
    CHECK(vfs_llseek(f, -3, SEEK_CUR) == 10000);
    CHECK(vfs_llseek(f, -1, SEEK_SET) == -EINVAL);
    CHECK(vfs_llseek(f, 0, 7) == -EINVAL);
    {
      VfsMutexGuard g{f->f_inode->i_rwsem};
      CHECK(vfs_truncate_locked(f->f_inode, 10001) == 0);
      CHECK(vfs_truncate_locked(f->f_inode, 20000) == 0);
    }
    all = env.read_file("f");
    REQUIRE(all.size() == 20000);
    CHECK(all[10000] == 'e');
    CHECK(all.substr(10001) == std::string(9999, '\0'));  // truncated bytes do not come back
    fput(f);

    file* a = env.open("f", O_WRONLY | O_APPEND);
    REQUIRE(a);
    pos = 0;
    CHECK(kernel_write(a, "++", 2, &pos) == 2);
    CHECK(pos == 20002);
    char c;
    CHECK(kernel_read(a, &c, 1, &pos) == -EBADF);
    fput(a);
    CHECK(env.write_file("f", "short") == 0);  // O_TRUNC
    CHECK(env.read_file("f") == "short");
  }

  TEST_CASE("getdents over a ramfs directory: . .. and every child once") {
    VfsTestEnv env;
    REQUIRE(env.mkdir("d") == 0);
    for (int i = 0; i < 50; i++) REQUIRE(env.write_file(("d/f" + std::to_string(i)).c_str(), "") == 0);
    REQUIRE(env.mkdir("d/sub") == 0);
    file* f = env.open("d", O_RDONLY | O_DIRECTORY);
    REQUIRE(f);
    struct Ctx : dir_context {
      std::vector<std::pair<std::string, unsigned char>> seen;
      size_t room;
    } ctx;
    ctx.actor = [](dir_context* c, const char* name, size_t len, loff_t, uint64_t, unsigned char type) {
      auto* x = static_cast<Ctx*>(c);
      if (x->room == 0) return false;
      x->room--;
      x->seen.emplace_back(std::string(name, len), type);
      return true;
    };
    // Seven entries per call, as a small getdents buffer would take.
    for (;;) {
      ctx.room = 7;
      const size_t before = ctx.seen.size();
      REQUIRE(vfs_iterate(f, &ctx) == 0);
      if (ctx.seen.size() == before) break;
    }
    fput(f);
    REQUIRE(ctx.seen.size() == 53);
    CHECK(ctx.seen[0].first == ".");
    CHECK(ctx.seen[1].first == "..");
    std::set<std::string> names;
    for (auto& [n, t] : ctx.seen) {
      names.insert(n);
      if (n.rfind("f", 0) == 0) CHECK(t == DT_REG);
      if (n == "sub") CHECK(t == DT_DIR);
    }
    CHECK(names.size() == 53);
  }
}
