// Host tests for lib/cpio.cc: archives made by GNU cpio from the tree that
// tests/host/inputs/gen-cpio builds (HOST_BUILD_DIR/data/cpio), compared
// entry by entry with lstat() of the tree; every truncation of them;
// random byte flips (the seed is printed); one hand-made archive per check.
#include <doctest/doctest.h>

#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <lib/cpio.h>

#include "cpio_data.h"

namespace {

const std::string& kDataDir = kCpioDataDir;
std::string load(const std::string& name) { return load_cpio_input(name); }

struct Entry {
  std::string name, raw_name;
  CpioType type;
  uint32_t mode, ino, uid, gid, nlink, mtime, dev_major, dev_minor, rdev_major, rdev_minor;
  std::string data;
  uint64_t offset;
};

struct Listing {
  std::vector<Entry> entries;
  bool ok = true;
  Error error{0, nullptr};
  uint64_t error_offset = 0;
};

// What any entry the reader hands out must satisfy.
void check_entry(const CpioEntry& e, const uint8_t* buf, size_t size) {
  REQUIRE(e.name != nullptr);
  CHECK(std::strlen(e.name) == e.name_len);
  CHECK(e.name_len < kCpioPathMax);
  const std::string n(e.name, e.name_len);
  CHECK(n.find("//") == std::string::npos);
  CHECK((n.empty() || (n.front() != '/' && n.back() != '/')));
  for (size_t i = 0; i <= n.size();) {
    const size_t j = std::min(n.find('/', i), n.size());
    const std::string comp = n.substr(i, j - i);
    CHECK(comp != ".");
    CHECK(comp != "..");
    if (!n.empty()) CHECK(!comp.empty());
    i = j + 1;
  }
  if (n.empty()) CHECK(e.type == CpioType::Directory);
  CHECK((e.mode & ~0177777u) == 0);
  CHECK(e.data >= buf);
  CHECK(e.size <= size);
  CHECK(static_cast<size_t>(e.data - buf) <= size - e.size);
  CHECK(e.offset % 4 == 0);
  switch (e.type) {
    case CpioType::Regular: CHECK((e.mode & 0170000) == 0100000); break;
    case CpioType::Directory: CHECK((e.mode & 0170000) == 0040000); break;
    case CpioType::Symlink:
      CHECK((e.mode & 0170000) == 0120000);
      CHECK(e.size >= 1);
      CHECK(e.size < kCpioPathMax);
      CHECK(std::memchr(e.data, 0, e.size) == nullptr);
      break;
    case CpioType::CharDevice:
    case CpioType::BlockDevice:
      CHECK(e.rdev_major < 4096);
      CHECK(e.rdev_minor < (1u << 20));
      CHECK(e.size == 0);
      break;
    default: CHECK(e.size == 0); break;
  }
}

// Reads the archive from an allocation of exactly its size (ASan sees any
// read past it).
Listing read_all(const std::string& archive, size_t len = std::string::npos) {
  len = std::min(len, archive.size());
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len ? len : 1]);
  std::memcpy(copy.get(), archive.data(), len);
  CpioReader r(copy.get(), len);
  Listing out;
  CpioEntry e;
  for (size_t guard = 0;; guard++) {
    REQUIRE(guard <= len / kCpioHeaderSize + 1);  // each entry takes a header's worth
    const Result<bool> more = r.next(&e);
    if (!more) {
      out.ok = false;
      out.error = more.error();
      out.error_offset = r.offset();
      // An error sticks.
      const Result<bool> again = r.next(&e);
      CHECK(!again.ok());
      CHECK(again.error().err == more.error().err);
      CHECK(again.error().msg == more.error().msg);
      CHECK((out.error.err == -EINVAL || out.error.err == -ENAMETOOLONG));
      CHECK(std::strlen(out.error.msg) > 0);
      break;
    }
    if (!more.value()) break;
    check_entry(e, copy.get(), len);
    out.entries.push_back(Entry{std::string(e.name, e.name_len), e.raw_name, e.type, e.mode, e.ino, e.uid, e.gid,
                                e.nlink, e.mtime, e.dev_major, e.dev_minor, e.rdev_major, e.rdev_minor,
                                std::string(reinterpret_cast<const char*>(e.data), e.size), e.offset});
  }
  return out;
}

// ---- hand-made archives ------------------------------------------------------

std::string hex8(uint32_t v) {
  char b[9];
  snprintf(b, sizeof b, "%08X", v);
  return b;
}

struct Fields {
  uint32_t ino = 1, mode = 0100644, uid = 0, gid = 0, nlink = 1, mtime = 1700000000;
  uint32_t devmajor = 0, devminor = 0, rdevmajor = 0, rdevminor = 0, check = 0;
  int64_t namesize = -1;  // -1: name length + 1
  int64_t filesize = -1;  // -1: data length
  const char* magic = "070701";
};

void pad4(std::string& s) {
  while (s.size() % 4) s.push_back('\0');
}

std::string entry(const std::string& name, const std::string& data = "", Fields f = {}) {
  std::string s = f.magic;
  const uint32_t namesize = f.namesize >= 0 ? static_cast<uint32_t>(f.namesize) : static_cast<uint32_t>(name.size() + 1);
  const uint32_t filesize = f.filesize >= 0 ? static_cast<uint32_t>(f.filesize) : static_cast<uint32_t>(data.size());
  for (uint32_t v : {f.ino, f.mode, f.uid, f.gid, f.nlink, f.mtime, filesize, f.devmajor, f.devminor, f.rdevmajor,
                     f.rdevminor, namesize, f.check})
    s += hex8(v);
  s += name;
  s.push_back('\0');
  pad4(s);
  s += data;
  pad4(s);
  return s;
}

std::string trailer() { return entry("TRAILER!!!", "", Fields{.ino = 0, .mode = 0, .nlink = 1}); }
std::string archive(const std::string& body) { return body + trailer(); }

Fields mode(uint32_t m) {
  Fields f;
  f.mode = m;
  return f;
}

// Expects a refusal with err and a message mentioning what.
void refused(const std::string& a, int err, const char* what) {
  const Listing l = read_all(a);
  REQUIRE_MESSAGE(!l.ok, "accepted; expected: ", std::string(what));
  CHECK_MESSAGE(l.error.err == err, std::string(what), ": got ", l.error.err, " (", std::string(l.error.msg), ")");
  CHECK_MESSAGE(std::string(l.error.msg).find(what) != std::string::npos, "message '", std::string(l.error.msg),
                "' does not mention '", std::string(what), "'");
}

// The one entry of a single-entry archive.
Entry only(const std::string& a) {
  const Listing l = read_all(a);
  REQUIRE_MESSAGE(l.ok, std::string(l.ok ? "" : l.error.msg));
  REQUIRE(l.entries.size() == 1);
  return l.entries[0];
}

// ---- the tree on disk ----------------------------------------------------------

struct DiskFile {
  struct stat st;
  std::string contents;  // regular files: data; symlinks: target
};

std::map<std::string, DiskFile> walk_tree() {
  std::map<std::string, DiskFile> out;
  const std::filesystem::path root = kDataDir + "tree";
  for (const auto& de : std::filesystem::recursive_directory_iterator(root)) {
    DiskFile d;
    REQUIRE(lstat(de.path().c_str(), &d.st) == 0);
    if (S_ISREG(d.st.st_mode)) {
      std::ifstream f(de.path(), std::ios::binary);
      d.contents.assign(std::istreambuf_iterator<char>(f), {});
    } else if (S_ISLNK(d.st.st_mode)) {
      d.contents = std::filesystem::read_symlink(de.path()).string();
    }
    out[de.path().lexically_relative(root).string()] = d;
  }
  return out;
}

CpioType disk_type(mode_t m) {
  if (S_ISREG(m)) return CpioType::Regular;
  if (S_ISDIR(m)) return CpioType::Directory;
  if (S_ISLNK(m)) return CpioType::Symlink;
  if (S_ISCHR(m)) return CpioType::CharDevice;
  if (S_ISBLK(m)) return CpioType::BlockDevice;
  if (S_ISFIFO(m)) return CpioType::Fifo;
  return CpioType::Socket;
}

// Checks a real archive against the tree. `owned_by_root` for
// tools/mkinitramfs output, `real_inodes` for an archive that kept them.
void check_against_tree(const Listing& l, bool owned_by_root, bool real_inodes, bool has_root) {
  const auto tree = walk_tree();
  std::set<std::string> seen;
  std::map<std::pair<uint32_t, uint32_t>, int> data_holders;  // hard-link groups: entries with the data
  for (const Entry& e : l.entries) {
    INFO("entry ", e.name);
    CHECK(seen.insert(e.name).second);
    if (e.name.empty()) {
      CHECK(e.type == CpioType::Directory);
      continue;
    }
    const auto it = tree.find(e.name);
    REQUIRE_MESSAGE(it != tree.end(), "not in the tree: ", e.name);
    const struct stat& st = it->second.st;
    CHECK(e.type == disk_type(st.st_mode));
    CHECK(e.mode == st.st_mode);
    CHECK(e.nlink == st.st_nlink);
    CHECK(e.mtime == st.st_mtime);
    CHECK(e.uid == (owned_by_root ? 0 : st.st_uid));
    CHECK(e.gid == (owned_by_root ? 0 : st.st_gid));
    if (real_inodes) {
      CHECK(e.ino == static_cast<uint32_t>(st.st_ino));
      CHECK(e.dev_major == major(st.st_dev));
      CHECK(e.dev_minor == minor(st.st_dev));
    }
    if (e.type == CpioType::CharDevice || e.type == CpioType::BlockDevice) {
      CHECK(e.rdev_major == major(st.st_rdev));
      CHECK(e.rdev_minor == minor(st.st_rdev));
    }
    if (e.type == CpioType::Regular && st.st_nlink > 1) {
      // GNU cpio writes a hard-linked file's data once, with its last name.
      CHECK((e.data.empty() || e.data == it->second.contents));
      data_holders[{e.dev_major << 20 | e.dev_minor, e.ino}] += !e.data.empty();
    } else if (e.type == CpioType::Regular || e.type == CpioType::Symlink) {
      CHECK(e.data == it->second.contents);
    } else {
      CHECK(e.data.empty());
    }
  }
  for (const auto& [name, d] : tree) CHECK_MESSAGE(seen.count(name), "missing from the archive: ", name);
  CHECK(seen.size() == tree.size() + (has_root ? 1 : 0));
  CHECK(!data_holders.empty());
  for (const auto& [id, n] : data_holders) CHECK(n == 1);
}

// Where the last trailer entry ends: the bytes a truncated copy needs.
size_t trailer_end(const std::string& a) {
  const size_t at = a.rfind("TRAILER!!!");
  REQUIRE(at != std::string::npos);
  return (at + 11 + 3) & ~size_t{3};
}

}  // namespace

TEST_SUITE("cpio") {
  TEST_CASE("tools/mkinitramfs output (newc) matches the tree") {
    const Listing l = read_all(load("newc.cpio"));
    REQUIRE_MESSAGE(l.ok, std::string(l.ok ? "" : l.error.msg));
    check_against_tree(l, true, false, false);
    // Names as gen_init_cpio writes them: no "./".
    for (const Entry& e : l.entries) CHECK(e.raw_name == e.name);
  }

  TEST_CASE("cpio -H crc output (070702, the root as \".\", real inodes) matches the tree") {
    const Listing l = read_all(load("crc.cpio"));
    REQUIRE_MESSAGE(l.ok, std::string(l.ok ? "" : l.error.msg));
    check_against_tree(l, false, true, true);
    REQUIRE(!l.entries.empty());
    CHECK(l.entries[0].raw_name == ".");
    CHECK(l.entries[0].name.empty());
    // GNU cpio drops the "./" that find prints before the other names.
    for (size_t i = 1; i < l.entries.size(); i++) CHECK(l.entries[i].raw_name == l.entries[i].name);
  }

  TEST_CASE("concatenated archives read as one") {
    const Listing a = read_all(load("newc.cpio"));
    const Listing b = read_all(load("crc.cpio"));
    const Listing c = read_all(load("concat.cpio"));
    REQUIRE(c.ok);
    REQUIRE(c.entries.size() == a.entries.size() + b.entries.size());
    for (size_t i = 0; i < a.entries.size(); i++) CHECK(c.entries[i].name == a.entries[i].name);
    for (size_t i = 0; i < b.entries.size(); i++) CHECK(c.entries[a.entries.size() + i].name == b.entries[i].name);
  }

  TEST_CASE("the old portable format is refused") {
    refused(load("odc.cpio"), -EINVAL, "odc");
  }

  TEST_CASE("every truncation of a real archive is an error, never a crash") {
    for (const char* name : {"newc.cpio", "crc.cpio"}) {
      const std::string a = load(name);
      const Listing full = read_all(a);
      REQUIRE(full.ok);
      const size_t need = trailer_end(a);
      for (size_t len = 0; len <= a.size(); len++) {
        INFO(std::string(name), " truncated to ", len);
        const Listing l = read_all(a, len);
        REQUIRE(l.ok == (len >= need || len == 0));
        if (len >= need) CHECK(l.entries.size() == full.entries.size());
        // What came out before the error is a prefix of the full listing.
        REQUIRE(l.entries.size() <= full.entries.size());
        for (size_t i = 0; i < l.entries.size(); i++) {
          CHECK(l.entries[i].name == full.entries[i].name);
          CHECK(l.entries[i].data == full.entries[i].data);
        }
        if (!l.ok) CHECK(std::string(l.error.msg).find("truncated") != std::string::npos);
      }
    }
  }

  TEST_CASE("random byte flips never crash and never yield a bad entry") {
    const uint64_t seed = 0xc0ffee;
    MESSAGE("seed ", seed);
    printf("[cpio] byte flips: random seed %#llx\n", static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    for (const char* name : {"newc.cpio", "crc.cpio"}) {
      const std::string a = load(name);
      std::string m = a;
      unsigned ok = 0;
      for (int iter = 0; iter < 4000; iter++) {
        size_t at[4];
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; i++) {
          at[i] = rng() % m.size();
          m[at[i]] = static_cast<char>(m[at[i]] ^ (1u << (rng() % 8)));
        }
        ok += read_all(m).ok;
        for (int i = 0; i < flips; i++) m[at[i]] = a[at[i]];
      }
      MESSAGE(std::string(name), ": ", ok, " of 4000 mutants read without error");
    }
  }

  TEST_CASE("every file type, field by field") {
    Fields dev = mode(0020620);
    dev.rdevmajor = 4;
    dev.rdevminor = 64;
    dev.uid = 1000;
    dev.gid = 5;
    Fields blk = mode(0060660);
    blk.rdevmajor = 4095;
    blk.rdevminor = 0xfffff;
    Fields lnk = mode(0120777);
    lnk.nlink = 1;
    const std::string a = archive(entry(".", "", mode(0040755)) + entry("bin", "", mode(0040755)) +
                                  entry("bin/busybox", "\x7f" "ELF...", mode(0104755)) +
                                  entry("bin/sh", "busybox", lnk) + entry("dev/tty0", "", dev) +
                                  entry("dev/sda", "", blk) + entry("run/fifo", "", mode(0010600)) +
                                  entry("run/sock", "", mode(0140777)));
    const Listing l = read_all(a);
    REQUIRE(l.ok);
    REQUIRE(l.entries.size() == 8);
    CHECK(l.entries[0].name.empty());
    CHECK(l.entries[0].type == CpioType::Directory);
    CHECK(l.entries[2].type == CpioType::Regular);
    CHECK(l.entries[2].mode == 0104755);
    CHECK(l.entries[2].data == "\x7f" "ELF...");
    CHECK(l.entries[3].type == CpioType::Symlink);
    CHECK(l.entries[3].data == "busybox");
    CHECK(l.entries[4].type == CpioType::CharDevice);
    CHECK(l.entries[4].rdev_major == 4);
    CHECK(l.entries[4].rdev_minor == 64);
    CHECK(l.entries[4].uid == 1000);
    CHECK(l.entries[4].gid == 5);
    CHECK(l.entries[5].type == CpioType::BlockDevice);
    CHECK(l.entries[5].rdev_major == 4095);
    CHECK(l.entries[5].rdev_minor == 0xfffff);
    CHECK(l.entries[6].type == CpioType::Fifo);
    CHECK(l.entries[7].type == CpioType::Socket);
    CHECK(l.entries[7].offset > l.entries[6].offset);
    // Lower-case hex is hex too.
    std::string lower = a;
    for (size_t i = 6; i < kCpioHeaderSize; i++) lower[i] = static_cast<char>(std::tolower(lower[i]));
    CHECK(read_all(lower).ok);
  }

  TEST_CASE("empty input, NUL padding, concatenation") {
    CHECK(read_all("").ok);
    CHECK(read_all("").entries.empty());
    CHECK(read_all(std::string(512, '\0')).ok);
    const std::string one = archive(entry("a", "1"));
    const Listing l = read_all(std::string(8, '\0') + one + std::string(512, '\0') + archive(entry("b", "22")));
    REQUIRE(l.ok);
    REQUIRE(l.entries.size() == 2);
    CHECK(l.entries[1].name == "b");
    CHECK(l.entries[1].data == "22");
    refused(std::string(2, '\0') + one, -EINVAL, "4-byte boundary");
    refused(one + std::string(2, '\0') + one, -EINVAL, "4-byte boundary");
    refused(one + std::string(120, 'j'), -EINVAL, "bad cpio magic");
  }

  TEST_CASE("malicious headers") {
    const std::string good = archive(entry("file", "data"));
    REQUIRE(read_all(good).ok);
    refused(archive(entry("f", "", Fields{.magic = "070703"})), -EINVAL, "bad cpio magic");
    refused(archive(entry("f", "", Fields{.magic = "070707"})), -EINVAL, "odc");
    refused("07070", -EINVAL, "truncated");
    refused(good.substr(0, 60), -EINVAL, "truncated");
    refused(entry("file", "data"), -EINVAL, "no TRAILER!!!");  // ends after a whole entry
    // A bad digit in each field, in every position of the field.
    for (unsigned field = 0; field < 13; field++)
      for (unsigned pos = 0; pos < 8; pos++)
        for (char bad : {'g', ' ', 'x', '\0', '-'}) {
          std::string a = good;
          a[6 + 8 * field + pos] = bad;
          refused(a, -EINVAL, "8 hex digits");
        }
    refused(archive(entry("f", "", Fields{.namesize = 0})), -EINVAL, "namesize is 0");
    refused(archive(entry("", "", Fields{})), -EINVAL, "empty name");
    refused(archive(entry(std::string(4096, 'n'))), -ENAMETOOLONG, "PATH_MAX");
    CHECK(only(archive(entry(std::string(4095, 'n')))).name.size() == 4095);
    {
      // namesize one short: the NUL is not where namesize says.
      std::string a = archive(entry("name", "", Fields{.namesize = 4}));
      refused(a, -EINVAL, "not NUL-terminated");
    }
    refused(archive(entry(std::string("na\0me", 5))), -EINVAL, "NUL inside");
    refused(archive(entry("f", "", Fields{.namesize = 0x7fffffff})), -ENAMETOOLONG, "PATH_MAX");
    {
      // Name running past the end of the buffer.
      const std::string e = entry("abcdefgh");
      refused(e.substr(0, kCpioHeaderSize + 4), -EINVAL, "name cut short");
      refused(e.substr(0, kCpioHeaderSize + 9) + "", -EINVAL, "truncated");
    }
    refused(archive(entry("f", "data", Fields{.filesize = 0x7fffffff})), -EINVAL, "past the end");
    refused(archive(entry("f", "data", Fields{.filesize = 0xffffffff})), -EINVAL, "past the end");
    {
      std::string a = archive(entry("ab", "x"));  // 110 + 3 name bytes + 3 padding
      a[kCpioHeaderSize + 3] = 'p';
      refused(a, -EINVAL, "name padding is not zero");
      a = archive(entry("ab", "x"));
      a[kCpioHeaderSize + 6 + 1] = 'p';  // data at 116, one byte, then padding
      refused(a, -EINVAL, "data padding is not zero");
    }
    refused(archive(entry("f", "", mode(0100644 | 0200000))), -EINVAL, "outside S_IFMT");
    refused(archive(entry("f", "", mode(0000644))), -EINVAL, "unknown file type");
    refused(archive(entry("f", "", mode(0170644))), -EINVAL, "unknown file type");
    refused(archive(entry("f", "", mode(0030644))), -EINVAL, "unknown file type");
    refused(archive(entry("d", "x", mode(0040755))), -EINVAL, "data on a directory");
    refused(archive(entry("p", "x", mode(0010644))), -EINVAL, "data on a directory");
    refused(archive(entry("c", "x", mode(0020644))), -EINVAL, "data on a directory");
    refused(archive(entry("l", "", mode(0120777))), -EINVAL, "empty target");
    refused(archive(entry("l", std::string(4096, 't'), mode(0120777))), -ENAMETOOLONG, "PATH_MAX");
    CHECK(only(archive(entry("l", std::string(4095, 't'), mode(0120777)))).data.size() == 4095);
    refused(archive(entry("l", std::string("a\0b", 3), mode(0120777))), -EINVAL, "NUL inside");
    {
      Fields f = mode(0020600);
      f.rdevmajor = 4096;
      refused(archive(entry("c", "", f)), -EINVAL, "dev_t");
      f.rdevmajor = 1;
      f.rdevminor = 1u << 20;
      refused(archive(entry("c", "", f)), -EINVAL, "dev_t");
      f = mode(0060600);
      f.rdevmajor = 0xffffffff;
      refused(archive(entry("b", "", f)), -EINVAL, "dev_t");
    }
    refused(archive(entry("TRAILER!!!", "x")), -EINVAL, "TRAILER!!! has data");
  }

  TEST_CASE("070702 checksums") {
    Fields f;
    f.magic = "070702";
    f.check = 'a' + 'b' + 'c' + 0xff;
    CHECK(only(archive(entry("f", "abc\xff", f))).data == "abc\xff");
    f.check += 1;
    refused(archive(entry("f", "abc\xff", f)), -EINVAL, "checksum");
    // Only regular files carry one.
    Fields d = mode(0040755);
    d.magic = "070702";
    d.check = 1234;
    CHECK(only(archive(entry("d", "", d))).type == CpioType::Directory);
    // A 070701 check field is not a checksum.
    Fields n;
    n.check = 99;
    CHECK(only(archive(entry("f", "abc", n))).data == "abc");
  }

  TEST_CASE("names are normalised like Linux's unpacker sees them; .. is refused") {
    const std::pair<const char*, const char*> cases[] = {
        {"/abs/path", "abs/path"}, {"./x", "x"},        {"a//b/./c/", "a/b/c"}, {"///a", "a"},
        {"...", "..."},            {"..a/b..", "..a/b.."}, {"./.hidden", ".hidden"}, {"a/./b/.", "a/b"},
    };
    for (const auto& [raw, want] : cases) {
      const Entry e = only(archive(entry(raw, "")));
      CHECK_MESSAGE(e.name == want, std::string(raw));
      CHECK(e.raw_name == raw);
    }
    for (const char* root : {".", "/", "./", "./.", "//"}) {
      const Entry e = only(archive(entry(root, "", mode(0040700))));
      CHECK(e.name.empty());
      refused(archive(entry(root, "")), -EINVAL, "root but is not a directory");
    }
    for (const char* bad : {"..", "../etc/passwd", "a/../../b", "/..", "a/..", "./../x"})
      refused(archive(entry(bad, "")), -EINVAL, ".. component");
  }

  TEST_CASE("an error reports where the bad entry starts") {
    const std::string first = entry("ok", "1");
    std::string a = archive(first + entry("bad", "2", mode(0)));
    CpioReader r(a.data(), a.size());
    CpioEntry e;
    REQUIRE(r.next(&e).value());
    const Result<bool> res = r.next(&e);
    REQUIRE(!res.ok());
    CHECK(r.offset() == first.size());
  }
}
