// The initramfs unpacker on the host: the archives tests/host/inputs/gen-cpio
// makes with GNU cpio and tools/mkinitramfs, unpacked into ramfs and
// compared file by file with the tree on disk (type, permissions, owner,
// contents, symlink targets, hard links, device numbers, mtime); every
// truncation keeps what came before the damage; random flips never crash
// or leak; hand-made archives for replacement and skipped entries.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fs/initramfs.h>
#include <kernel/errno.h>
#include <lib/cpio.h>

#include "cpio_data.h"

#include "vfs_test_env.h"

namespace {

const std::string& kDataDir = kCpioDataDir;
std::string load(const std::string& name) { return load_cpio_input(name); }

std::vector<std::pair<std::string, int>> skipped;
void record_skip(const char* name, int err) { skipped.emplace_back(name, err); }

Result<void> unpack(VfsTestEnv& env, const std::string& a, UnpackStats* st) {
  skipped.clear();
  return unpack_to_rootfs(a.data(), a.size(), env.root, st, record_skip);
}

// The ramfs dentry of p (not following a final symlink), or null.
dentry* find(VfsTestEnv& env, const std::string& p) {
  auto d = path_lookupat(env.r, env.root, p.c_str(), 0);
  return d ? d.value() : nullptr;
}

void check_tree(VfsTestEnv& env, bool owned_by_root) {
  const std::filesystem::path root = kDataDir + "tree";
  std::map<std::pair<dev_t, ino_t>, inode*> links;
  unsigned checked = 0;
  for (const auto& de : std::filesystem::recursive_directory_iterator(root)) {
    const std::string rel = de.path().lexically_relative(root).string();
    INFO("file ", rel);
    struct stat st;
    REQUIRE(lstat(de.path().c_str(), &st) == 0);
    dentry* d = find(env, rel);
    REQUIRE(d);
    inode* ino = d->d_inode;
    CHECK(ino->i_mode == st.st_mode);
    CHECK(ino->i_uid == (owned_by_root ? 0 : st.st_uid));
    CHECK(ino->i_gid == (owned_by_root ? 0 : st.st_gid));
    if (!S_ISDIR(st.st_mode)) CHECK(ino->i_mtime.tv_sec == st.st_mtime);
    if (S_ISREG(st.st_mode)) {
      std::ifstream f(de.path(), std::ios::binary);
      const std::string want(std::istreambuf_iterator<char>(f), {});
      CHECK(env.read_file(rel.c_str()) == want);
      CHECK(ino->i_nlink == st.st_nlink);
      if (st.st_nlink > 1) {
        auto [it, fresh] = links.emplace(std::make_pair(st.st_dev, st.st_ino), ino);
        if (!fresh) CHECK(it->second == ino);  // one inode for the whole group
      }
    } else if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      REQUIRE(ino->i_op->get_link(d, buf, sizeof buf) >= 0);
      CHECK(std::string(buf) == std::filesystem::read_symlink(de.path()).string());
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      CHECK(MAJOR(ino->i_rdev) == major(st.st_rdev));
      CHECK(MINOR(ino->i_rdev) == minor(st.st_rdev));
    }
    dput(d);
    checked++;
  }
  CHECK(checked > 20);
  CHECK(!links.empty());
}

// A newc entry (header, name, data) for hand-made archives.
std::string entry(const std::string& name, uint32_t mode, const std::string& data = "", uint32_t ino = 1,
                  uint32_t nlink = 1, uint32_t rmaj = 0, uint32_t rmin = 0) {
  char h[111];
  snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u, 0u, nlink,
           1700000000u, static_cast<unsigned>(data.size()), 0u, 0u, rmaj, rmin,
           static_cast<unsigned>(name.size() + 1), 0u);
  std::string s(h, 110);
  s += name;
  s.push_back('\0');
  while (s.size() % 4) s.push_back('\0');
  s += data;
  while (s.size() % 4) s.push_back('\0');
  return s;
}
std::string trailer() { return entry("TRAILER!!!", 0, "", 0); }

}  // namespace

TEST_SUITE("initramfs") {
  TEST_CASE("mkinitramfs newc, GNU cpio crc and both concatenated unpack to the tree") {
    for (const std::string name : {"newc.cpio", "crc.cpio", "concat.cpio"}) {
      INFO("archive ", name);
      VfsTestEnv env;
      UnpackStats st;
      auto res = unpack(env, load(name), &st);
      CHECK(res.ok());
      CHECK(skipped.empty());
      CHECK(st.files > 10);
      CHECK(st.symlinks == (name == "concat.cpio" ? 6u : 3u));
      CHECK(st.hardlinks >= 1);
      // newc.cpio comes from mkinitramfs (root-owned); crc.cpio (and the
      // second archive of concat.cpio, unpacked over the first) keep owners.
      check_tree(env, name == "newc.cpio");
    }
  }

  TEST_CASE("a truncated archive: an error, and every entry before the damage is there") {
    const std::string a = load("newc.cpio");
    // The bytes up to the end of the trailer entry (zero padding may follow).
    const size_t end = ((a.rfind("TRAILER!!!") + 11 + 3) & ~size_t{3});
    std::mt19937 rng(12345);
    for (int round = 0; round < 24; round++) {
      const size_t cut = rng() % end;
      INFO("cut at ", cut);
      VfsTestEnv env;
      UnpackStats st;
      const std::string part = a.substr(0, cut);
      auto res = unpack(env, part, &st);
      REQUIRE_FALSE(res.ok());
      CHECK(res.error().err == -EINVAL);
      CHECK(st.error_offset <= cut);
      // Every entry that ended before the cut is unpacked whole.
      CpioReader reader(part.data(), part.size());
      CpioEntry e;
      for (;;) {
        auto more = reader.next(&e);
        if (!more || !more.value()) break;
        if (e.name_len == 0) continue;
        dentry* d = find(env, e.name);
        CHECK_MESSAGE(d, "lost: ", e.name);
        if (d && e.type == CpioType::Regular && e.nlink == 1) CHECK(d->d_inode->i_size == e.size);
        if (d) dput(d);
      }
    }
  }

  TEST_CASE("random byte flips never crash or leak (seed printed)") {
    const std::string a = load("concat.cpio");
    const unsigned seed = std::random_device{}();
    MESSAGE("seed ", seed);
    std::mt19937 rng(seed);
    for (int round = 0; round < 40; round++) {
      std::string b = a;
      for (int k = 0; k < 4; k++) b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 255);
      VfsTestEnv env;
      UnpackStats st;
      (void)unpack(env, b, &st);
    }
  }

  TEST_CASE("replacing entries, skipping the impossible ones") {
    VfsTestEnv env;
    std::string a;
    a += entry("d", S_IFDIR | 0755);
    a += entry("d/f", S_IFREG | 0644, "first");
    a += entry("d/f", S_IFREG | 0600, "second");           // an existing file is truncated and rewritten
    a += entry("d/f", S_IFLNK | 0777, "target");           // then replaced by a symlink
    a += entry("x/y", S_IFREG | 0644, "orphan");           // no x/: skipped, reported
    a += entry("d/dev", S_IFCHR | 0600, "", 2, 1, 5, 1);  // a console node
    a += entry("d/fifo", S_IFIFO | 0644, "", 3);
    a += entry("d", S_IFDIR | 0700);                       // an existing directory keeps its entries
    a += trailer();
    UnpackStats st;
    auto res = unpack(env, a, &st);
    CHECK(res.ok());
    REQUIRE(skipped.size() == 1);
    CHECK(skipped[0].first == "x/y");
    CHECK(skipped[0].second == -ENOENT);
    unsigned mode = 0;
    CHECK(env.stat("d/f", 0, &mode) == 0);
    CHECK(mode == (S_IFLNK | 0777));
    CHECK(env.stat("d", 0, &mode) == 0);
    CHECK(mode == (S_IFDIR | 0700));
    CHECK(env.stat("d/dev", 0, &mode) == 0);
    CHECK(mode == (S_IFCHR | 0600));
    dentry* dev = find(env, "d/dev");
    REQUIRE(dev);
    CHECK(dev->d_inode->i_rdev == MKDEV(5, 1));
    dput(dev);
    int err = 0;
    CHECK(env.open("d/fifo", O_RDONLY, &err) == nullptr);
    CHECK(err == -ENXIO);
  }

  TEST_CASE("an empty buffer and a lone trailer unpack nothing") {
    VfsTestEnv env;
    UnpackStats st;
    CHECK(unpack(env, "", &st).ok());
    CHECK(unpack(env, trailer(), &st).ok());
    CHECK(st.files + st.dirs + st.symlinks + st.nodes == 0);
  }
}
