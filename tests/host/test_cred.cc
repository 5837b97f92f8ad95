// Host tests for the credential rules (kernel/cred.cc): a table of Linux's
// answers for the set*id calls (the cases of the setuid(2), setreuid(2),
// setresuid(2) and setfsuid(2) manual pages), random sequences against
// the invariants every unprivileged change keeps, groups, exec's
// set-user-ID handling, and the VFS permission checks that use them
// (generic_permission, the sticky bit, a new inode's owner).
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include <kernel/cred.h>
#include <kernel/errno.h>

#include "vfs_test_env.h"

namespace {

constexpr kuid_t N = INVALID_UID;  // "leave it"

struct Ids {
  kuid_t r, e, s, f;
  bool operator==(const Ids&) const = default;
};

// A cred on the stack (not counted) with the given uids; gids the same.
struct TestCred {
  cred c;
  explicit TestCred(Ids u, Ids g = {0, 0, 0, 0}) {
    c.uid = u.r, c.euid = u.e, c.suid = u.s, c.fsuid = u.f;
    c.gid = g.r, c.egid = g.e, c.sgid = g.s, c.fsgid = g.f;
    c.groups = &init_groups;
  }
};

Ids uids(const cred& c) { return {c.uid, c.euid, c.suid, c.fsuid}; }
Ids gids(const cred& c) { return {c.gid, c.egid, c.sgid, c.fsgid}; }

// Applies rule to a copy of `from`; the new uids, or the errno in *err.
template <typename Rule>
Ids apply(Ids from, Rule rule, int* err) {
  TestCred old(from), nw(from);
  *err = rule(&nw.c, &old.c);
  return *err ? from : uids(nw.c);
}

struct Case {
  const char* what;
  Ids from;
  int call;  // 1 setuid, 2 setreuid, 3 setresuid
  kuid_t a, b, c;
  int err;
  Ids to;
};

}  // namespace

TEST_SUITE("cred") {
  TEST_CASE("set*uid: Linux's answers, case by case") {
    const Case cases[] = {
        {"root setuid sets all four", {0, 0, 0, 0}, 1, 5, 0, 0, 0, {5, 5, 5, 5}},
        {"setuid(-1) is EINVAL", {0, 0, 0, 0}, 1, N, 0, 0, -EINVAL, {0, 0, 0, 0}},
        {"unprivileged setuid to the real id: effective only", {1, 2, 3, 2}, 1, 1, 0, 0, 0, {1, 1, 3, 1}},
        {"unprivileged setuid to the saved id", {1, 2, 3, 2}, 1, 3, 0, 0, 0, {1, 3, 3, 3}},
        {"unprivileged setuid to another id", {1, 2, 3, 2}, 1, 4, 0, 0, -EPERM, {1, 2, 3, 2}},
        {"euid 0 but ruid 1: setuid(5) sets all", {1, 0, 1, 0}, 1, 5, 0, 0, 0, {5, 5, 5, 5}},
        {"setreuid(-1, e) to the old real: saved kept", {1, 2, 3, 2}, 2, N, 1, 0, 0, {1, 1, 3, 1}},
        {"setreuid(-1, e) to the saved: saved becomes e", {1, 2, 3, 2}, 2, N, 3, 0, 0, {1, 3, 3, 3}},
        {"setreuid swapping real and effective", {1, 2, 3, 2}, 2, 2, 1, 0, 0, {2, 1, 1, 1}},
        {"setreuid real to the saved id is EPERM", {1, 2, 3, 2}, 2, 3, N, 0, -EPERM, {1, 2, 3, 2}},
        {"setreuid(-1,-1) copies nothing but fsuid", {1, 2, 3, 4}, 2, N, N, 0, 0, {1, 2, 3, 2}},
        {"root setreuid(5, -1): saved becomes effective (0)", {0, 0, 0, 0}, 2, 5, N, 0, 0, {5, 0, 0, 0}},
        {"setresuid any permutation of its ids", {1, 2, 3, 2}, 3, 3, 1, 2, 0, {3, 1, 2, 1}},
        {"setresuid a new id unprivileged", {1, 2, 3, 2}, 3, N, 4, N, -EPERM, {1, 2, 3, 2}},
        {"setresuid all -1: fsuid back to euid", {1, 2, 3, 9}, 3, N, N, N, 0, {1, 2, 3, 2}},
        {"root setresuid(1, 2, 3)", {0, 0, 0, 0}, 3, 1, 2, 3, 0, {1, 2, 3, 2}},
        {"saved root only: setresuid(-1, 0, -1)", {1, 1, 0, 1}, 3, N, 0, N, 0, {1, 0, 0, 0}},
    };
    for (const Case& k : cases) {
      CAPTURE(k.what);
      int err = 0;
      Ids got;
      if (k.call == 1)
        got = apply(k.from, [&](cred* n, const cred* o) { return cred_setuid(n, o, k.a); }, &err);
      else if (k.call == 2)
        got = apply(k.from, [&](cred* n, const cred* o) { return cred_setreuid(n, o, k.a, k.b); }, &err);
      else
        got = apply(k.from, [&](cred* n, const cred* o) { return cred_setresuid(n, o, k.a, k.b, k.c); }, &err);
      CHECK(err == k.err);
      CHECK(got == k.to);
    }
  }

  TEST_CASE("setfsuid/setfsgid: to any of the ids (or anything for euid 0), never an error") {
    TestCred old({1, 2, 3, 2}, {4, 5, 6, 5});
    TestCred nw({1, 2, 3, 2}, {4, 5, 6, 5});
    CHECK(cred_setfsuid(&nw.c, &old.c, 3));
    CHECK(nw.c.fsuid == 3);
    CHECK_FALSE(cred_setfsuid(&nw.c, &old.c, 7));
    CHECK_FALSE(cred_setfsuid(&nw.c, &old.c, N));
    CHECK_FALSE(cred_setfsuid(&nw.c, &old.c, 2));  // already
    CHECK(cred_setfsgid(&nw.c, &old.c, 6));
    CHECK(nw.c.fsgid == 6);
    CHECK_FALSE(cred_setfsgid(&nw.c, &old.c, 9));
    TestCred root({0, 0, 0, 0}), r2({0, 0, 0, 0});
    CHECK(cred_setfsuid(&r2.c, &root.c, 1234));
    CHECK(cred_setfsgid(&r2.c, &root.c, 99));
  }

  TEST_CASE("set*gid follow the uid rules with CAP_SETGID from euid 0") {
    TestCred user({7, 7, 7, 7}, {1, 2, 3, 2});
    TestCred nw({7, 7, 7, 7}, {1, 2, 3, 2});
    CHECK(cred_setgid(&nw.c, &user.c, 4) == -EPERM);
    CHECK(cred_setgid(&nw.c, &user.c, 3) == 0);
    CHECK(gids(nw.c) == Ids{1, 3, 3, 3});
    TestCred nw2({7, 7, 7, 7}, {1, 2, 3, 2});
    CHECK(cred_setregid(&nw2.c, &user.c, 2, 1) == 0);
    CHECK(gids(nw2.c) == Ids{2, 1, 1, 1});
    TestCred nw3({7, 7, 7, 7}, {1, 2, 3, 2});
    CHECK(cred_setresgid(&nw3.c, &user.c, N, 9, N) == -EPERM);
    TestCred root({7, 0, 7, 0}, {1, 2, 3, 2}), nw4({7, 0, 7, 0}, {1, 2, 3, 2});
    CHECK(cred_setresgid(&nw4.c, &root.c, 10, 11, 12) == 0);
    CHECK(gids(nw4.c) == Ids{10, 11, 12, 11});
  }

  TEST_CASE("random unprivileged set*uid sequences never reach a new id (invariants)") {
    std::mt19937 rng(6061);
    const kuid_t vals[] = {N, 0, 1, 2, 3};
    for (int round = 0; round < 2000; round++) {
      auto id = [&rng] { return static_cast<kuid_t>(1 + rng() % 3); };
      Ids cur{id(), id(), id(), 0};
      cur.f = cur.e;
      std::set<kuid_t> allowed{cur.r, cur.e, cur.s};
      for (int step = 0; step < 20; step++) {
        const kuid_t a = vals[rng() % 5], b = vals[rng() % 5], c = vals[rng() % 5];
        int err = 0;
        Ids next;
        switch (rng() % 3) {
          case 0: next = apply(cur, [&](cred* n, const cred* o) { return cred_setuid(n, o, a); }, &err); break;
          case 1: next = apply(cur, [&](cred* n, const cred* o) { return cred_setreuid(n, o, a, b); }, &err); break;
          default: next = apply(cur, [&](cred* n, const cred* o) { return cred_setresuid(n, o, a, b, c); }, &err);
        }
        CHECK((err == 0 || err == -EPERM || err == -EINVAL));
        if (err) {
          CHECK(next == cur);
          continue;
        }
        // Nothing outside the ids it had; fsuid follows euid; root never comes back.
        CHECK(allowed.count(next.r));
        CHECK(allowed.count(next.e));
        CHECK(allowed.count(next.s));
        CHECK(next.f == next.e);
        cur = next;
      }
    }
  }

  TEST_CASE("groups: sorted, searched, duplicates kept, membership through fsgid or the list") {
    SlabTestEnv env(16ull << 20);
    std::mt19937 rng(61);
    for (int round = 0; round < 50; round++) {
      const unsigned n = rng() % 300;
      group_info* g = groups_alloc(n);
      REQUIRE(g);
      std::vector<kgid_t> model;
      for (unsigned i = 0; i < n; i++) model.push_back(g->gid[i] = rng() % 500);
      groups_sort(g);
      std::sort(model.begin(), model.end());
      CHECK(std::equal(model.begin(), model.end(), g->gid));
      for (kgid_t x = 0; x < 500; x++) CHECK(groups_search(g, x) == std::binary_search(model.begin(), model.end(), x));
      TestCred t({5, 5, 5, 5}, {7, 7, 7, 8});
      t.c.groups = g;
      CHECK(cred_in_group(&t.c, 8));  // fsgid, not egid
      CHECK(cred_in_group(&t.c, 7) == std::binary_search(model.begin(), model.end(), 7u));
      put_group_info(g);
    }
  }

  TEST_CASE("cred_dup shares the groups; the last put frees after a grace period") {
    SlabTestEnv env(16ull << 20);
    group_info* g = groups_alloc(2);
    g->gid[0] = 3;
    g->gid[1] = 4;
    TestCred base({1, 2, 3, 4});
    base.c.groups = g;
    cred* a = cred_dup(&base.c);
    REQUIRE(a);
    CHECK(uids(*a) == Ids{1, 2, 3, 4});
    CHECK(a->groups == g);
    CHECK(g->usage.load() == 2);
    put_cred(a);
    synchronize_rcu();
    CHECK(g->usage.load() == 1);
    put_group_info(g);
  }

  TEST_CASE("exec: set-user-ID and set-group-ID (only with group execute), AT_SECURE") {
    TestCred user({1000, 1000, 1000, 1000}, {100, 100, 100, 100});
    cred nw;
    cred_copy_ids(&nw, &user.c);
    CHECK_FALSE(cred_exec(&nw, 0100755, 0, 0));
    CHECK(uids(nw) == Ids{1000, 1000, 1000, 1000});
    cred_copy_ids(&nw, &user.c);
    CHECK(cred_exec(&nw, 0104755, 0, 0));
    CHECK(uids(nw) == Ids{1000, 0, 0, 0});
    cred_copy_ids(&nw, &user.c);
    CHECK_FALSE(cred_exec(&nw, 0102745, 0, 50));  // S_ISGID without g+x: not set-group-ID
    CHECK(gids(nw) == Ids{100, 100, 100, 100});
    cred_copy_ids(&nw, &user.c);
    CHECK(cred_exec(&nw, 0102755, 0, 50));
    CHECK(gids(nw) == Ids{100, 50, 50, 50});
    // Ids that already differ (setresuid earlier) make the exec secure too,
    // and the saved ids become the effective ones.
    TestCred mixed({1000, 0, 1000, 5});
    cred_copy_ids(&nw, &mixed.c);
    CHECK(cred_exec(&nw, 0100755, 0, 0));
    CHECK(uids(nw) == Ids{1000, 0, 0, 0});
  }

  TEST_CASE("generic_permission: owner, group, others, and root's overrides") {
    inode ino;
    ino.i_uid = 10;
    ino.i_gid = 20;
    group_info* none = &init_groups;
    auto perm = [&](unsigned mode, kuid_t fsuid, kgid_t fsgid, int mask) {
      ino.i_mode = static_cast<umode_t>(mode);
      TestCred t({fsuid, fsuid, fsuid, fsuid}, {fsgid, fsgid, fsgid, fsgid});
      t.c.groups = none;
      return inode_permission(&t.c, &ino, mask);
    };
    CHECK(perm(S_IFREG | 0600, 10, 0, MAY_READ | MAY_WRITE) == 0);
    CHECK(perm(S_IFREG | 0600, 11, 0, MAY_READ) == -EACCES);
    CHECK(perm(S_IFREG | 0060, 10, 20, MAY_READ) == -EACCES);  // the owner's bits alone count for the owner
    CHECK(perm(S_IFREG | 0060, 11, 20, MAY_READ) == 0);
    CHECK(perm(S_IFREG | 0606, 11, 20, MAY_READ) == -EACCES);  // a group member gets the group's bits
    CHECK(perm(S_IFREG | 0004, 11, 21, MAY_READ) == 0);
    CHECK(perm(S_IFREG | 0004, 11, 21, MAY_EXEC) == -EACCES);
    CHECK(perm(S_IFREG | 0000, 0, 0, MAY_READ | MAY_WRITE) == 0);
    CHECK(perm(S_IFREG | 0644, 0, 0, MAY_EXEC) == -EACCES);
    CHECK(perm(S_IFREG | 0010, 0, 0, MAY_EXEC) == 0);
    CHECK(perm(S_IFDIR | 0000, 0, 0, MAY_EXEC | MAY_WRITE) == 0);
    CHECK(perm(S_IFDIR | 0700, 11, 20, MAY_EXEC) == -EACCES);
    // Membership through the supplementary list.
    group_info* g = nullptr;
    {
      SlabTestEnv env(16ull << 20);
      g = groups_alloc(1);
      g->gid[0] = 20;
      none = g;
      CHECK(perm(S_IFREG | 0040, 11, 5, MAY_READ) == 0);
      none = &init_groups;
      put_group_info(g);
    }
  }

  TEST_CASE("the VFS with credentials: search, create, owner, sticky, set-group-ID directories") {
    VfsTestEnv env;
    TestCred root({0, 0, 0, 0}), user({1000, 1000, 1000, 1000}, {100, 100, 100, 100});
    user.c.groups = &init_groups;
    root.c.groups = &init_groups;
    env.r.umask = 0;
    CHECK(env.mkdir("priv", 0700) == 0);
    CHECK(env.write_file("priv/f", "x") == 0);
    CHECK(env.mkdir("pub", 0777) == 0);
    CHECK(env.mkdir("tmp", 01777) == 0);
    CHECK(env.write_file("tmp/rootfile", "x") == 0);
    env.r.cred = &user.c;
    host_set_fs_cred(&user.c);
    CHECK(env.stat("priv/f") == -EACCES);
    CHECK(env.write_file("f", "x") == -EACCES);  // the root directory is 0755 root's
    CHECK(env.write_file("pub/mine", "x") == 0);
    CHECK(env.write_file("tmp/mine", "x") == 0);
    CHECK(env.unlink("tmp/rootfile") == -EPERM);
    CHECK(env.unlink("tmp/mine") == 0);
    auto d = path_lookupat(env.r, env.root, "pub/mine", 0);
    REQUIRE(d);
    CHECK(d.value()->d_inode->i_uid == 1000);
    CHECK(d.value()->d_inode->i_gid == 100);
    dput(d.value());
    // A set-group-ID directory (as chmod would make it) passes its group on.
    env.r.cred = &root.c;
    host_set_fs_cred(&root.c);
    CHECK(env.mkdir("sg", 0777) == 0);
    auto sg = path_lookupat(env.r, env.root, "sg", 0);
    REQUIRE(sg);
    sg.value()->d_inode->i_mode |= S_ISGID;
    sg.value()->d_inode->i_gid = 55;
    dput(sg.value());
    env.r.cred = &user.c;
    host_set_fs_cred(&user.c);
    CHECK(env.mkdir("sg/sub", 0755) == 0);
    file* f = env.open("sg/file", O_WRONLY | O_CREAT, nullptr, 02755);
    REQUIRE(f);
    CHECK(f->f_inode->i_gid == 55);
    CHECK((f->f_inode->i_mode & 07777) == 0755);  // not in group 55: S_ISGID dropped
    fput(f);
    auto sub = path_lookupat(env.r, env.root, "sg/sub", 0);
    REQUIRE(sub);
    CHECK(sub.value()->d_inode->i_gid == 55);
    CHECK((sub.value()->d_inode->i_mode & 07777) == 02755);
    dput(sub.value());
    host_set_fs_cred(&init_cred);
  }
}
