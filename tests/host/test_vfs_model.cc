// The VFS against a model: random mkdir, create/write, truncate, unlink,
// rmdir, symlink and lookups (through symlinks, with ELOOP) on a small name
// space, each answer compared with what a plain std::map of paths says
// Linux would answer; then every node of the model checked in the ramfs
// (type, contents, directory entries) and nothing leaked. Seed printed.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include <kernel/errno.h>

#include "vfs_test_env.h"

namespace {

struct Node {
  char type;  // 'd', 'f', 'l'
  std::string data;  // file contents or symlink target
};

struct Model {
  std::map<std::string, Node> nodes{{"", Node{'d', ""}}};  // "" is the root, others "/a/b"

  static std::vector<std::string> split(const std::string& p) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < p.size()) {
      while (i < p.size() && p[i] == '/') i++;
      size_t j = i;
      while (j < p.size() && p[j] != '/') j++;
      if (j > i) out.push_back(p.substr(i, j - i));
      i = j;
    }
    return out;
  }

  // Resolves an absolute path: 0 and *out (the node's key), or an errno.
  int resolve(const std::string& path, bool follow_last, std::string* out) const {
    std::vector<std::string> rest = split(path);
    std::string cur;
    int links = 0;
    size_t i = 0;
    while (i < rest.size()) {
      const Node& c = nodes.at(cur);
      if (c.type != 'd') return -ENOTDIR;
      const std::string child = cur + "/" + rest[i];
      auto it = nodes.find(child);
      if (it == nodes.end()) return -ENOENT;
      const bool last = i + 1 == rest.size();
      if (it->second.type == 'l' && (!last || follow_last)) {
        if (++links > 40) return -ELOOP;
        std::vector<std::string> t = split(it->second.data);
        t.insert(t.end(), rest.begin() + static_cast<long>(i) + 1, rest.end());
        rest = t;
        cur = "";
        i = 0;
        continue;
      }
      cur = child;
      i++;
    }
    *out = cur;
    return 0;
  }
  // The parent directory of a new/removed entry: 0 and its key, or errno.
  int parent(const std::string& path, std::string* dir, std::string* name) const {
    const size_t slash = path.rfind('/');
    *name = path.substr(slash + 1);
    if (int err = resolve(path.substr(0, slash), true, dir)) return err;
    return nodes.at(*dir).type == 'd' ? 0 : -ENOTDIR;
  }
  bool has_children(const std::string& d) const {
    auto it = nodes.upper_bound(d + "/");
    return it != nodes.end() && it->first.compare(0, d.size() + 1, d + "/") == 0;
  }
  size_t children(const std::string& d) const {
    size_t n = 0;
    for (auto it = nodes.upper_bound(d + "/"); it != nodes.end() && it->first.compare(0, d.size() + 1, d + "/") == 0;
         ++it)
      n += it->first.find('/', d.size() + 1) == std::string::npos;
    return n;
  }
};

size_t count_entries(VfsTestEnv& env, const std::string& dir) {
  file* f = env.open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(f);
  struct Ctx : dir_context {
    size_t n = 0;
  } ctx;
  ctx.actor = [](dir_context* c, const char*, size_t, loff_t, uint64_t, unsigned char) {
    static_cast<Ctx*>(c)->n++;
    return true;
  };
  CHECK(vfs_iterate(f, &ctx) == 0);
  fput(f);
  return ctx.n - 2;  // . and ..
}

}  // namespace

TEST_SUITE("vfs_model") {
  TEST_CASE("random namespace operations agree with the model") {
    const unsigned seed = std::random_device{}();
    MESSAGE("seed ", seed);
    std::mt19937 rng(seed);
    for (int round = 0; round < 6; round++) {
      VfsTestEnv env;
      Model m;
      auto rand_path = [&] {
        std::string p;
        const int depth = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < depth; i++) p += "/" + std::string(1, static_cast<char>('a' + rng() % 4));
        return p;
      };
      for (int step = 0; step < 1500; step++) {
        const std::string p = rand_path();
        INFO("step ", step, " path ", p);
        std::string dir, name, key;
        const int perr = m.parent(p, &dir, &name);
        const std::string target = dir + "/" + name;
        const bool exists = perr == 0 && m.nodes.count(target);
        switch (rng() % 7) {
          case 0: {  // mkdir
            const int want = perr ? perr : exists ? -EEXIST : 0;
            CHECK(env.mkdir(p.c_str()) == want);
            if (want == 0) m.nodes[target] = Node{'d', ""};
            break;
          }
          case 1: {  // create or overwrite a file (not through a final symlink)
            if (exists && m.nodes[target].type == 'l') break;
            const std::string data(rng() % 6000, static_cast<char>('A' + rng() % 26));
            const int want = perr ? perr : (exists && m.nodes[target].type == 'd') ? -EISDIR : 0;
            CHECK(env.write_file(p.c_str(), data) == want);
            if (want == 0) m.nodes[target] = Node{'f', data};
            break;
          }
          case 2: {  // unlink
            int want = perr ? perr : !exists ? -ENOENT : m.nodes[target].type == 'd' ? -EISDIR : 0;
            CHECK(env.unlink(p.c_str()) == want);
            if (want == 0) m.nodes.erase(target);
            break;
          }
          case 3: {  // rmdir
            int want = perr                             ? perr
                       : !exists                        ? -ENOENT
                       : m.nodes[target].type != 'd'    ? -ENOTDIR
                       : m.has_children(target)         ? -ENOTEMPTY
                                                        : 0;
            CHECK(env.rmdir(p.c_str()) == want);
            if (want == 0) m.nodes.erase(target);
            break;
          }
          case 4: {  // symlink to a random absolute path
            const std::string t = rand_path();
            const int want = perr ? perr : exists ? -EEXIST : 0;
            CHECK(env.symlink(t.c_str(), p.c_str()) == want);
            if (want == 0) m.nodes[target] = Node{'l', t};
            break;
          }
          case 5: {  // truncate through open(O_TRUNC) of an existing file, following links
            std::string k;
            const int r = m.resolve(p, true, &k);
            if (r || m.nodes[k].type != 'f') break;
            const std::string data(rng() % 100, 'z');
            CHECK(env.write_file(p.c_str(), data) == 0);
            m.nodes[k].data = data;
            break;
          }
          default: {  // lookups, following and not
            const bool follow = rng() % 2;
            const int want = m.resolve(p, follow, &key);
            unsigned mode = 0;
            const int got = env.stat(p.c_str(), follow ? LOOKUP_FOLLOW : 0, &mode);
            CHECK(got == want);
            if (got == 0 && want == 0) {
              const char t = m.nodes[key].type;
              CHECK((t == 'd' ? S_ISDIR(mode) : t == 'f' ? S_ISREG(mode) : S_ISLNK(mode)));
              if (t == 'f') CHECK(env.read_file(p.c_str()) == m.nodes[key].data);
            }
            break;
          }
        }
      }
      // Every node, as the model has it.
      for (const auto& [k, n] : m.nodes) {
        INFO("node ", k);
        unsigned mode = 0;
        const std::string path = k.empty() ? "/" : k;
        REQUIRE(env.stat(path.c_str(), 0, &mode) == 0);
        if (n.type == 'd') {
          CHECK(S_ISDIR(mode));
          CHECK(count_entries(env, path) == m.children(k));
        } else if (n.type == 'f') {
          CHECK(S_ISREG(mode));
          CHECK(env.read_file(path.c_str()) == n.data);
        } else {
          CHECK(S_ISLNK(mode));
        }
      }
    }
  }
}
