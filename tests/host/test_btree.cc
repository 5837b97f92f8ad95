// Host tests for the B+tree (lib/btree.h), against its documented contract.
// A randomised differential test runs inserts, erases and key updates
// against std::map over dense, sparse and extreme key ranges; after every
// operation it checks btree_check, an independent walk of the documented
// node layout (which must hold exactly the model's entries, in exactly the
// allocator's live nodes) and btree_upper_bound around every key. Then:
// 100000 ascending, descending and shuffled keys grow a tree no taller than
// the fill bounds allow and erase back to empty; a counting allocator
// catches leaks and double frees and fails on command, to show that an
// insert that cannot get memory returns -ENOMEM and changes nothing and that
// erase never allocates; and the edge cases: the empty tree, one key, the
// keys 0 and BTREE_NO_KEY - 1.
#include <doctest/doctest.h>

#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <kernel/errno.h>
#include <lib/btree.h>

namespace {

using Model = std::map<unsigned long, void*>;

// Distinct non-null values the tree stores but never dereferences.
void* value_of(unsigned long serial) { return reinterpret_cast<void*>((serial + 1) * 16); }

// The allocator: tracks live nodes, and fails on command (after `budget`
// more successes, or one time in `fail_one_in`).
struct Pool {
  std::set<const btree_node*> live;
  unsigned long attempts = 0;
  unsigned long budget = ~0ul;
  unsigned fail_one_in = 0;
  std::mt19937 fail_rng{1};
  bool bad_free = false;

  btree_alloc alloc() { return {pool_alloc, pool_free, this}; }

  static btree_node* pool_alloc(void* ctx) {
    Pool* p = static_cast<Pool*>(ctx);
    p->attempts++;
    if (p->budget == 0) return nullptr;
    if (p->fail_one_in && p->fail_rng() % p->fail_one_in == 0) return nullptr;
    if (p->budget != ~0ul) p->budget--;
    btree_node* n = new btree_node;
    memset(static_cast<void*>(n), 0xa5, sizeof *n);  // allocators hand out dirty memory
    p->live.insert(n);
    return n;
  }

  static void pool_free(btree_node* n, void* ctx) {
    Pool* p = static_cast<Pool*>(ctx);
    if (p->live.erase(n) != 1) {
      p->bad_free = true;  // not allocated, or freed twice: never delete it
      FAIL_CHECK("btree freed " << static_cast<void*>(n) << ", which is not a live node");
      return;
    }
    memset(static_cast<void*>(n), 0x5a, sizeof *n);
    delete n;
  }

  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    for (const btree_node* n : live) delete n;
  }
};

// The tree is empty and every node it had went back to the pool, once.
void check_empty(const btree& t, const Pool& pool) {
  REQUIRE(t.root == nullptr);
  REQUIRE(t.height == 0);
  CHECK(t.count == 0);
  CHECK(pool.live.empty());
  CHECK(!pool.bad_free);
  CHECK(btree_check(&t) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == nullptr);
}

std::string hex(unsigned long v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%#lx", v);
  return buf;
}

// An independent walk of the documented layout: sorted pivots, internal
// pivots equal to the largest key below, unused entries cleared, fill bounds,
// leaves at depth height - 1. Follows only pointers that are live nodes of
// the pool, so a corrupted tree is reported rather than crashed on.
struct Audit {
  const Pool& pool;
  unsigned height;
  std::vector<std::pair<unsigned long, void*>> entries;
  size_t nodes = 0;
  std::string err;

  bool fail(const std::string& what, unsigned depth) {
    err = what + " (node at depth " + std::to_string(depth) + ")";
    return false;
  }

  bool walk(const btree_node* n, unsigned depth, unsigned long* max) {
    if (!pool.live.count(n))
      return fail("pointer " + hex(reinterpret_cast<unsigned long>(n)) + " is not a live node", depth);
    if (++nodes > pool.live.size())
      return fail("more nodes than were allocated: a cycle or a shared node", depth);
    unsigned nr = 0;
    while (nr < BTREE_SLOTS && n->slot[nr]) nr++;
    for (unsigned i = nr; i < BTREE_SLOTS; i++)
      if (n->slot[i] || n->pivot[i] != BTREE_NO_KEY)
        return fail("unused entry " + std::to_string(i) + " not cleared", depth);
    const bool leaf = depth + 1 == height;
    const unsigned min = depth ? BTREE_MIN : leaf ? 1 : 2;
    if (nr < min) return fail(std::to_string(nr) + " entries, fewer than " + std::to_string(min), depth);
    for (unsigned i = 0; i < nr; i++) {
      if (n->pivot[i] == BTREE_NO_KEY) return fail("used entry with pivot BTREE_NO_KEY", depth);
      if (i && n->pivot[i] <= n->pivot[i - 1])
        return fail("pivots not increasing at " + std::to_string(i), depth);
    }
    for (unsigned i = 0; i < nr; i++) {
      if (leaf) {
        entries.emplace_back(n->pivot[i], n->slot[i]);
        continue;
      }
      unsigned long child_max;
      if (!walk(static_cast<const btree_node*>(n->slot[i]), depth + 1, &child_max)) return false;
      if (child_max != n->pivot[i])
        return fail("pivot " + hex(n->pivot[i]) + " is not the largest key below, " + hex(child_max), depth);
    }
    *max = n->pivot[nr - 1];
    return true;
  }
};

// The smallest tree of a given height has a root of two and every other
// node at BTREE_MIN; the largest has every node full.
unsigned long min_count(unsigned height) {
  if (height <= 1) return height;
  unsigned long n = 2;
  for (unsigned h = 1; h < height; h++) n *= BTREE_MIN;
  return n;
}

// 1 + ceil(log4(count)): the height bound the fill bounds guarantee.
unsigned max_height(unsigned long count) {
  unsigned h = 1;
  for (unsigned long reach = 1; reach < count; reach *= 4) h++;
  return count ? h : 0;
}

std::string check_shape(const btree& t) {
  if (t.height > max_height(t.count) || t.count < min_count(t.height))
    return "height " + std::to_string(t.height) + " with " + std::to_string(t.count) + " keys";
  if (t.height > 1) {
    unsigned long max = BTREE_SLOTS;
    for (unsigned h = 1; h < t.height && max < (1ul << 40); h++) max *= BTREE_SLOTS;
    if (t.count > max)
      return "height " + std::to_string(t.height) + " too small for " + std::to_string(t.count) + " keys";
  }
  return "";
}

// The tree's structure and its content: the root, height and count
// equal, `model` entries exactly, every live node reachable, and the fill
// bounds. Returns what is wrong, or "".
std::string audit(const btree& t, const Model& model, const Pool& pool) {
  if (const char* e = btree_check(&t)) return std::string("btree_check: ") + e;
  if (t.count != model.size())
    return "count " + std::to_string(t.count) + ", model has " + std::to_string(model.size());
  if (!t.height || !t.root) {
    if (t.height || t.root || t.count) return "empty tree with a root, height or count";
    if (!pool.live.empty()) return std::to_string(pool.live.size()) + " nodes leaked";
    return "";
  }
  Audit a{pool, t.height, {}, 0, ""};
  a.entries.reserve(model.size());
  unsigned long max;
  if (!a.walk(t.root, 0, &max)) return a.err;
  if (a.nodes != pool.live.size())
    return std::to_string(pool.live.size() - a.nodes) + " live nodes not in the tree (leaked)";
  if (a.entries.size() != model.size())
    return "tree holds " + std::to_string(a.entries.size()) + " entries, model " +
           std::to_string(model.size());
  size_t i = 0;
  for (const auto& [key, value] : model) {
    if (a.entries[i].first != key)
      return "entry " + std::to_string(i) + " is key " + hex(a.entries[i].first) + ", not " + hex(key);
    if (a.entries[i].second != value) return "key " + hex(key) + " has the wrong value";
    i++;
  }
  return check_shape(t);
}

// btree_upper_bound against the model: below, at and above every key
// (expected values read off the model in order, as model.upper_bound would
// give them), at 0 and the top of the key space, and at random keys.
std::string probe(const btree& t, const Model& model, std::mt19937_64& rng, unsigned long lo,
                  unsigned long span) {
  unsigned long bad_key = 0;
  void* bad_want = nullptr;
  auto agrees = [&](unsigned long key, void* want) {
    if (btree_upper_bound(&t, key) == want) return true;
    bad_key = key;
    bad_want = want;
    return false;
  };
  auto expect = [&](unsigned long key) {
    auto it = model.upper_bound(key);
    return it == model.end() ? nullptr : it->second;
  };
  bool ok = true;
  for (auto it = model.begin(); ok && it != model.end(); ++it) {
    auto next = std::next(it);
    void* after = next == model.end() ? nullptr : next->second;
    void* after_plus_one = after;
    if (next != model.end() && next->first == it->first + 1) {
      auto next2 = std::next(next);
      after_plus_one = next2 == model.end() ? nullptr : next2->second;
    }
    ok = (it->first == 0 || agrees(it->first - 1, it->second)) && agrees(it->first, after) &&
         agrees(it->first + 1, after_plus_one);
  }
  for (unsigned long key : {0ul, 1ul, BTREE_NO_KEY - 1, BTREE_NO_KEY}) ok = ok && agrees(key, expect(key));
  for (int i = 0; ok && i < 4; i++) {
    const unsigned long any = rng(), near = lo + (span ? rng() % span : rng());
    ok = agrees(any, expect(any)) && agrees(near, expect(near));
  }
  if (ok) return "";
  void* got = btree_upper_bound(&t, bad_key);
  return "btree_upper_bound(" + hex(bad_key) + ") " + (got ? "found a value" : "was nullptr") + ", want " +
         (bad_want ? "the value of the next key" : "nullptr") + (got && bad_want ? " (a different one)" : "");
}

// Every node's address and contents, root first: equal snapshots mean the
// tree did not change at all. Follows only live nodes.
struct Snapshot {
  const btree_node* root = nullptr;
  unsigned height = 0;
  unsigned long count = 0;
  std::vector<const btree_node*> addr;
  std::vector<btree_node> data;

  bool operator==(const Snapshot& o) const {
    if (root != o.root || height != o.height || count != o.count || addr != o.addr) return false;
    for (size_t i = 0; i < data.size(); i++)
      if (memcmp(&data[i], &o.data[i], sizeof(btree_node))) return false;
    return true;
  }
};

void snap(const Pool& pool, const btree_node* n, unsigned depth, unsigned height, Snapshot& s) {
  s.addr.push_back(n);
  if (!pool.live.count(n) || s.addr.size() > pool.live.size()) return;
  s.data.push_back(*n);
  if (depth + 1 < height)
    for (unsigned i = 0; i < BTREE_SLOTS && n->slot[i]; i++)
      snap(pool, static_cast<const btree_node*>(n->slot[i]), depth + 1, height, s);
}

Snapshot snapshot(const btree& t, const Pool& pool) {
  Snapshot s;
  s.root = t.root;
  s.height = t.height;
  s.count = t.count;
  if (t.root && t.height) snap(pool, t.root, 0, t.height, s);
  return s;
}

// Whether every node on the way to the leaf holding `key` (present) has a
// free entry.
bool path_has_room(const btree& t, unsigned long key) {
  const btree_node* n = t.root;
  for (unsigned level = t.height; level; level--) {
    if (n->slot[BTREE_SLOTS - 1]) return false;
    if (level == 1) break;
    unsigned i = 0;
    while (i < BTREE_SLOTS - 1 && n->pivot[i] < key) i++;
    n = static_cast<const btree_node*>(n->slot[i]);
  }
  return true;
}

// Whether adding `key` (absent) needs no new node whichever neighbour's leaf
// it joins: nothing on the way to either neighbour is full.
bool insert_fits(const btree& t, const Model& model, unsigned long key) {
  if (model.empty()) return false;
  auto next = model.upper_bound(key);
  if (next != model.end() && !path_has_room(t, next->first)) return false;
  if (next != model.begin() && !path_has_room(t, std::prev(next)->first)) return false;
  return true;
}

Model::iterator pick(Model& model, std::mt19937_64& rng) {
  return std::next(model.begin(), static_cast<long>(rng() % model.size()));
}

// Where the fuzzer draws keys: lo + [0, span), span 0 meaning every key
// below BTREE_NO_KEY; with two_ends, half of them from BTREE_NO_KEY - span
// up instead. The tree grows to `cap` keys, shrinks to cap / 10, and again.
struct KeySpace {
  const char* name;
  unsigned long lo, span;
  bool two_ends;
  size_t cap;
};

unsigned long draw(const KeySpace& s, std::mt19937_64& rng) {
  if (!s.span) {
    unsigned long k;
    do k = rng();
    while (k == BTREE_NO_KEY);
    return k;
  }
  const unsigned long off = rng() % s.span;
  if (s.two_ends && (rng() & 1)) return BTREE_NO_KEY - 1 - off;
  return s.lo + off;
}

struct Op {
  const char* what = "";
  unsigned long a = 0, b = 0;
};

std::string describe(const Op& op) {
  return std::string(op.what) + "(" + hex(op.a) + (op.b != BTREE_NO_KEY ? ", " + hex(op.b) : "") + ")";
}

// Random operations, checked against std::map after each one. With
// fail_one_in, allocations fail at random: a failed insert must have changed
// nothing and succeed when retried with memory.
void fuzz(const KeySpace& s, unsigned seed, int steps, unsigned fail_one_in) {
  std::mt19937_64 rng(seed), probe_rng(seed * 1000003ul);
  Pool pool;
  pool.fail_rng.seed(seed);
  const btree_alloc a = pool.alloc();
  btree t;
  Model model;
  unsigned long serial = 0;
  bool growing = true;
  unsigned cycles = 0;  // every other one shrinks to the empty tree
  unsigned max_seen = 0, emptied = 0;
  bool was_empty = true;
  unsigned long enomem = 0;
  for (int step = 0; step < steps; step++) {
    if (model.size() >= s.cap) growing = false;
    if (model.size() <= (cycles % 2 ? s.cap / 10 : 0) && !growing) growing = true, cycles++;
    max_seen = std::max(max_seen, t.height);
    emptied += step && model.empty() && !was_empty;
    was_empty = model.empty();
    // Inserts, erases and updates, 70:15:15 growing, 15:70:15 shrinking.
    const unsigned r = static_cast<unsigned>(rng() % 100), inserts = growing ? 70 : 15;
    Op op;
    std::string err;
    if (r < inserts) {
      // A present key one time in six, else a drawn one, redrawn a few times
      // if present so that dense spaces still fill up.
      unsigned long key = !model.empty() && rng() % 6 == 0 ? pick(model, rng)->first : draw(s, rng);
      for (int tries = 0; tries < 4 && model.count(key); tries++) key = draw(s, rng);
      void* value = value_of(serial++);
      op = {"btree_insert", key, BTREE_NO_KEY};
      const bool present = model.count(key);
      // Only an insert that may fail needs the tree as it was.
      const Snapshot before = present || fail_one_in ? snapshot(t, pool) : Snapshot();
      const size_t live = pool.live.size();
      pool.fail_one_in = fail_one_in;
      int rc = btree_insert(&t, key, value, a);
      pool.fail_one_in = 0;
      if (present) {
        if (rc != -EEXIST)
          err = "returned " + std::to_string(rc) + " for a present key, not -EEXIST";
        else if (!(snapshot(t, pool) == before))
          err = "-EEXIST changed the tree";
      } else if (rc == -ENOMEM && fail_one_in) {
        enomem++;
        if (!(snapshot(t, pool) == before) || pool.live.size() != live)
          err = "-ENOMEM changed the tree";
        else if ((rc = btree_insert(&t, key, value, a)) != 0)
          err = "retried with memory, returned " + std::to_string(rc);
        else
          model[key] = value;
      } else if (rc != 0) {
        err = "returned " + std::to_string(rc) + " for an absent key";
      } else {
        model[key] = value;
      }
    } else if (r < 85) {
      const unsigned long key = !model.empty() && rng() % 4 ? pick(model, rng)->first : draw(s, rng);
      op = {"btree_erase", key, BTREE_NO_KEY};
      const auto it = model.find(key);
      void* want = it == model.end() ? nullptr : it->second;
      const unsigned long attempts = pool.attempts;
      void* got = btree_erase(&t, key, a);
      if (got != want)
        err = want ? "did not return the key's value" : "returned a value for an absent key";
      else if (pool.attempts != attempts)
        err = "erase allocated";
      if (it != model.end()) model.erase(it);
    } else {
      const unsigned kind = static_cast<unsigned>(rng() % 10);
      unsigned long old_key = 0, new_key = 0;
      bool valid = false;
      if (!model.empty() && kind < 8) {
        const auto it = pick(model, rng);
        old_key = it->first;
        const bool has_prev = it != model.begin(), has_next = std::next(it) != model.end();
        const unsigned long prev = has_prev ? std::prev(it)->first : 0,
                            next = has_next ? std::next(it)->first : 0;
        const unsigned long lo = has_prev ? prev + 1 : 0, hi = has_next ? next - 1 : BTREE_NO_KEY - 1;
        if (kind < 5 && lo < hi) {
          // A key strictly between the neighbours, other than the old one:
          // often right next to a neighbour.
          valid = true;
          const unsigned how = static_cast<unsigned>(rng() % 4);
          new_key = how == 0 ? lo : how == 1 ? hi : lo + rng() % (hi - lo + 1);
          if (new_key == old_key) new_key = old_key < hi ? old_key + 1 : old_key - 1;
        } else if (has_prev && (!has_next || rng() % 2)) {
          new_key = rng() % 2 ? prev : rng() % (prev + 1);  // at or below the previous key
        } else if (has_next) {
          new_key = rng() % 2 ? next : next + rng() % (BTREE_NO_KEY - next);  // at or above the next key
        } else {
          new_key = old_key;  // the only key: nothing can reorder; below, an absent one
          old_key = BTREE_NO_KEY;
        }
      }
      if (old_key == BTREE_NO_KEY || model.empty() || kind >= 8) {
        // An absent old key.
        old_key = draw(s, rng);
        for (int tries = 0; tries < 8 && model.count(old_key); tries++) old_key = draw(s, rng);
        new_key = draw(s, rng);
        if (model.count(old_key)) old_key = new_key = 0, valid = false;
      }
      op = {"btree_update_key", old_key, new_key};
      if (!model.count(old_key)) {
        const Snapshot before = snapshot(t, pool);
        if (btree_update_key(&t, old_key, new_key))
          err = "returned true for an absent key";
        else if (!(snapshot(t, pool) == before))
          err = "returned false but changed the tree";
      } else if (valid) {
        if (!btree_update_key(&t, old_key, new_key)) err = "returned false for a key between the neighbours";
        void* value = model[old_key];
        model.erase(old_key);
        model[new_key] = value;
      } else if (old_key != new_key) {
        const Snapshot before = snapshot(t, pool);
        if (btree_update_key(&t, old_key, new_key))
          err = "returned true for a key that reorders";
        else if (!(snapshot(t, pool) == before))
          err = "returned false but changed the tree";
      }
    }
    if (pool.bad_free && err.empty()) err = "freed a node that was not live";
    if (err.empty()) err = audit(t, model, pool);
    if (err.empty()) err = probe(t, model, probe_rng, s.lo, s.span);
    if (!err.empty()) {
      FAIL_CHECK(std::string(s.name) << ", seed " << seed << ", step " << step << ": " << describe(op) << ": "
                                     << err);
      return;  // the pool frees what is left
    }
  }
  // The run went where it was meant to: three levels (two in the
  // smallest space) and back to the empty tree.
  CHECK(max_seen >= (s.cap >= 200 ? 3u : 2u));
  CHECK(emptied > 0);
  if (fail_one_in) CHECK(enomem > 0);
  btree_destroy(&t, a);
  check_empty(t, pool);
}

// The keys of the growth test: key_of(i) for i < n, in some order.
unsigned long key_of(unsigned long i) { return i * 7 + 3; }

template <class It>
Model model_of(It begin, It end) {
  Model model;
  for (It i = begin; i != end; ++i) model.emplace(key_of(*i), value_of(*i));
  return model;
}

// Inserts the keys in the given order, checks that every value comes back,
// and erases them in a random order down to the empty tree, with the full
// audit now and then (a map of 100000 keys per operation is too slow).
void grow_and_shrink(std::vector<unsigned long> order, unsigned seed) {
  Pool pool;
  const btree_alloc a = pool.alloc();
  btree t;
  std::string err;
  for (size_t i = 0; i < order.size() && err.empty(); i++) {
    const int rc = btree_insert(&t, key_of(order[i]), value_of(order[i]), a);
    if (rc)
      err = "btree_insert(" + hex(key_of(order[i])) + ") returned " + std::to_string(rc);
    else if ((i & (i + 1)) == 0 || i % 4096 == 0)
      err = check_shape(t);  // at every power of two, and more
    if (err.empty() && i == 300) err = audit(t, model_of(order.begin(), order.begin() + 301), pool);
    if (!err.empty()) err = "after " + std::to_string(i + 1) + " inserts: " + err;
  }
  REQUIRE_MESSAGE(err.empty(), err);
  CHECK(t.height <= max_height(t.count));
  CHECK(t.height >= 5);  // 100000 keys need five levels of 16
  Model model = model_of(order.begin(), order.end());
  err = audit(t, model, pool);
  REQUIRE_MESSAGE(err.empty(), err);
  std::mt19937_64 probe_rng(seed);
  err = probe(t, model, probe_rng, 0, 0);
  REQUIRE_MESSAGE(err.empty(), err);

  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  const unsigned long attempts = pool.attempts;
  for (size_t i = 0; i < order.size() && err.empty(); i++) {
    const unsigned long key = key_of(order[i]);
    if (btree_erase(&t, key, a) != value_of(order[i])) err = "btree_erase(" + hex(key) + ") lost its value";
    if (i % 8 == 0 && btree_erase(&t, key, a) != nullptr)
      err = "btree_erase(" + hex(key) + ") twice found it again";
    const size_t left = order.size() - i - 1;
    if (err.empty() && (left == 20000 || left == 3000 || left == 200 || left < 20))
      err = audit(t, model_of(order.begin() + static_cast<long>(i) + 1, order.end()), pool);
    if (err.empty()) err = check_shape(t);
    if (!err.empty()) err = "after " + std::to_string(i + 1) + " erases: " + err;
  }
  REQUIRE_MESSAGE(err.empty(), err);
  CHECK(pool.attempts == attempts);  // erase never allocates
  check_empty(t, pool);
  CHECK(!pool.bad_free);
}

}  // namespace

TEST_CASE("btree: the empty tree finds nothing and a single key is found from below only") {
  Pool pool;
  const btree_alloc a = pool.alloc();
  btree t;
  CHECK(btree_check(&t) == nullptr);
  for (unsigned long key : {0ul, 1ul, 12345ul, BTREE_NO_KEY - 1, BTREE_NO_KEY})
    CHECK(btree_upper_bound(&t, key) == nullptr);
  CHECK(btree_erase(&t, 0, a) == nullptr);
  CHECK(btree_erase(&t, BTREE_NO_KEY - 1, a) == nullptr);
  CHECK(!btree_update_key(&t, 0, 1));
  btree_destroy(&t, a);
  CHECK(pool.attempts == 0);
  CHECK(t.root == nullptr);

  void* v = value_of(1);
  REQUIRE(btree_insert(&t, 100, v, a) == 0);
  CHECK(t.height == 1);
  CHECK(t.count == 1);
  CHECK(pool.live.size() == 1);
  CHECK(btree_check(&t) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == v);
  CHECK(btree_upper_bound(&t, 99) == v);
  CHECK(btree_upper_bound(&t, 100) == nullptr);
  CHECK(btree_upper_bound(&t, 101) == nullptr);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY) == nullptr);
  CHECK(btree_insert(&t, 100, value_of(2), a) == -EEXIST);
  CHECK(btree_upper_bound(&t, 99) == v);
  CHECK(btree_erase(&t, 99, a) == nullptr);
  CHECK(btree_erase(&t, 101, a) == nullptr);
  CHECK(t.count == 1);

  // The only key may move anywhere in the key space.
  CHECK(!btree_update_key(&t, 99, 5));
  CHECK(btree_update_key(&t, 100, 0));
  CHECK(btree_check(&t) == nullptr);
  CHECK(btree_erase(&t, 100, a) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == nullptr);
  CHECK(btree_update_key(&t, 0, BTREE_NO_KEY - 1));
  CHECK(btree_check(&t) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == v);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 2) == v);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 1) == nullptr);
  CHECK(btree_erase(&t, BTREE_NO_KEY - 1, a) == v);
  check_empty(t, pool);
}

TEST_CASE("btree: keys 0 and BTREE_NO_KEY - 1") {
  Pool pool;
  const btree_alloc a = pool.alloc();
  btree t;
  void* lo = value_of(1);
  void* hi = value_of(2);
  REQUIRE(btree_insert(&t, BTREE_NO_KEY - 1, hi, a) == 0);
  REQUIRE(btree_insert(&t, 0, lo, a) == 0);
  CHECK(btree_check(&t) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == hi);
  CHECK(btree_upper_bound(&t, 1) == hi);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 2) == hi);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 1) == nullptr);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY) == nullptr);
  CHECK(btree_insert(&t, 0, value_of(3), a) == -EEXIST);
  CHECK(btree_insert(&t, BTREE_NO_KEY - 1, value_of(3), a) == -EEXIST);
  CHECK(!btree_update_key(&t, 0, BTREE_NO_KEY - 1));
  CHECK(!btree_update_key(&t, BTREE_NO_KEY - 1, 0));
  CHECK(btree_update_key(&t, 0, BTREE_NO_KEY - 2));
  CHECK(btree_upper_bound(&t, 0) == lo);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 2) == hi);
  CHECK(btree_update_key(&t, BTREE_NO_KEY - 2, 0));
  CHECK(btree_check(&t) == nullptr);

  // Fill around both ends so both sit in multi-level trees.
  Model model{{0, lo}, {BTREE_NO_KEY - 1, hi}};
  for (unsigned long i = 1; i <= 200; i++) {
    REQUIRE(btree_insert(&t, i, value_of(10 + i), a) == 0);
    REQUIRE(btree_insert(&t, BTREE_NO_KEY - 1 - i, value_of(1000 + i), a) == 0);
    model[i] = value_of(10 + i);
    model[BTREE_NO_KEY - 1 - i] = value_of(1000 + i);
  }
  CHECK(t.height >= 2);
  std::string err = audit(t, model, pool);
  CHECK_MESSAGE(err.empty(), err);
  std::mt19937_64 rng(3);
  err = probe(t, model, rng, 0, 0);
  CHECK_MESSAGE(err.empty(), err);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 2) == hi);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 1) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == value_of(11));
  CHECK(btree_erase(&t, BTREE_NO_KEY - 1, a) == hi);
  CHECK(btree_erase(&t, 0, a) == lo);
  CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 2) == nullptr);
  CHECK(btree_upper_bound(&t, 0) == value_of(11));
  btree_destroy(&t, a);
  CHECK(pool.live.empty());
  CHECK(t.root == nullptr);
}

TEST_CASE("btree: upper_bound at and past the largest key is nullptr at every size up to three levels") {
  Pool pool;
  const btree_alloc a = pool.alloc();
  btree t;
  Model model;
  for (unsigned long n = 1; n <= 300; n++) {
    const unsigned long key = n * 10;
    REQUIRE(btree_insert(&t, key, value_of(n), a) == 0);
    model[key] = value_of(n);
    CHECK(btree_upper_bound(&t, key) == nullptr);
    CHECK(btree_upper_bound(&t, key + 1) == nullptr);
    CHECK(btree_upper_bound(&t, BTREE_NO_KEY - 1) == nullptr);
    CHECK(btree_upper_bound(&t, key - 1) == value_of(n));
    CHECK(btree_upper_bound(&t, 0) == value_of(1));
    if (n <= 40 || n % 16 == 0) {
      const std::string err = audit(t, model, pool);
      CHECK_MESSAGE(err.empty(), "after " << n << " keys: " << err);
    }
  }
  btree_destroy(&t, a);
  CHECK(pool.live.empty());
}

TEST_CASE("btree: randomised operations agree with std::map") {
  const KeySpace spaces[] = {
      {"dense [0, 48)", 0, 48, false, 32},
      {"dense [0, 320)", 0, 320, false, 220},
      {"near 0 and BTREE_NO_KEY - 1", 0, 160, true, 220},
      {"near BTREE_NO_KEY - 1", BTREE_NO_KEY - 400, 400, false, 250},
      {"sparse [0, 2^40)", 0, 1ul << 40, false, 250},
      {"any key", 0, 0, false, 250},
  };
  for (const KeySpace& s : spaces) {
    for (unsigned seed = 1; seed <= 3; seed++) {
      CAPTURE(s.name);
      CAPTURE(seed);
      fuzz(s, seed, 1500, seed == 3 ? 2 : 0);
    }
  }
}

TEST_CASE("btree: 100000 ascending, descending and shuffled keys keep the tree shallow and erase to empty") {
  constexpr unsigned long N = 100000;
  std::vector<unsigned long> keys(N);
  for (unsigned long i = 0; i < N; i++) keys[i] = i;
  SUBCASE("ascending") { grow_and_shrink(keys, 1); }
  SUBCASE("descending") {
    std::reverse(keys.begin(), keys.end());
    grow_and_shrink(keys, 2);
  }
  SUBCASE("shuffled") {
    std::shuffle(keys.begin(), keys.end(), std::mt19937(3));
    grow_and_shrink(keys, 3);
  }
}

TEST_CASE("btree: btree_destroy frees every node and leaves a reusable empty tree") {
  for (unsigned long n : {0ul, 1ul, 16ul, 17ul, 100ul, 5000ul}) {
    CAPTURE(n);
    Pool pool;
    const btree_alloc a = pool.alloc();
    btree t;
    std::mt19937_64 rng(n);
    for (unsigned long i = 0; i < n;) i += btree_insert(&t, rng() % (n * 4), value_of(i), a) == 0;
    CHECK(t.count == n);
    btree_destroy(&t, a);
    check_empty(t, pool);
    Model model;
    for (unsigned long i = 0; i < 50; i++) {
      REQUIRE(btree_insert(&t, i * 3, value_of(i), a) == 0);
      model[i * 3] = value_of(i);
    }
    const std::string err = audit(t, model, pool);
    CHECK_MESSAGE(err.empty(), err);
    btree_destroy(&t, a);
    CHECK(pool.live.empty());
  }
}

TEST_CASE("btree: an insert that cannot get memory returns -ENOMEM and changes nothing") {
  SUBCASE("the first node") {
    Pool pool;
    pool.budget = 0;
    btree t;
    CHECK(btree_insert(&t, 5, value_of(5), pool.alloc()) == -ENOMEM);
    CHECK(t.root == nullptr);
    CHECK(t.height == 0);
    CHECK(t.count == 0);
    CHECK(pool.live.empty());
    pool.budget = ~0ul;
    CHECK(btree_insert(&t, 5, value_of(5), pool.alloc()) == 0);
    CHECK(btree_upper_bound(&t, 4) == value_of(5));
    btree_destroy(&t, pool.alloc());
    CHECK(pool.live.empty());
  }

  // Every insert runs with 0, 1, 2, ... allocations allowed until it
  // succeeds, so each split, up to a new root, fails at every allocation.
  SUBCASE("at every allocation of every split") {
    // Random keys from a dense, a sparse and the whole range, then ascending
    // and descending runs (each insert a new largest or smallest key).
    for (unsigned seed = 1; seed <= 5; seed++) {
      CAPTURE(seed);
      std::mt19937_64 rng(seed), probe_rng(seed + 100);
      Pool pool;
      const btree_alloc a = pool.alloc();
      btree t;
      Model model;
      const unsigned long span = seed == 1 ? 3000 : seed == 2 ? 1ul << 20 : 0;
      std::string err;
      unsigned long enomem = 0, fits = 0;
      for (unsigned long i = 0; i < 800 && err.empty(); i++) {
        unsigned long key = seed == 4   ? 1000 + 2 * i
                            : seed == 5 ? BTREE_NO_KEY - 1 - 2 * i
                            : span      ? rng() % span
                                        : rng() >> 1;
        if (!model.empty() && rng() % 10 == 0) key = pick(model, rng)->first;
        void* value = value_of(i);
        const bool present = model.count(key);
        const bool fit = !present && insert_fits(t, model, key);
        for (unsigned long budget = 0; err.empty(); budget++) {
          const Snapshot before = snapshot(t, pool);
          const size_t live = pool.live.size();
          const unsigned long attempts = pool.attempts;
          pool.budget = budget;
          const int rc = btree_insert(&t, key, value, a);
          pool.budget = ~0ul;
          const std::string op =
              "btree_insert(" + hex(key) + ") allowed " + std::to_string(budget) + " allocations ";
          if (present) {
            if (rc != -EEXIST)
              err = op + "returned " + std::to_string(rc) + " for a present key";
            else if (!(snapshot(t, pool) == before))
              err = op + "returned -EEXIST but changed the tree";
            break;
          }
          if (rc == -ENOMEM) {
            enomem++;
            if (fit && budget == 0)
              err = op + "returned -ENOMEM with room on the way to both neighbours";
            else if (!(snapshot(t, pool) == before))
              err = op + "returned -ENOMEM but changed the tree";
            else if (pool.live.size() != live)
              err = op + "returned -ENOMEM but leaked a node";
            else if (pool.attempts == attempts)
              err = op + "returned -ENOMEM without trying to allocate";
            else if (budget > 2 * t.height + 2)
              err = op + "still failing";
            continue;
          }
          if (rc != 0) {
            err = op + "returned " + std::to_string(rc);
          } else {
            fits += fit;
            model[key] = value;
          }
          break;
        }
        if (err.empty() && pool.bad_free) err = "freed a node that was not live";
        if (err.empty() && (i % 50 == 0 || i < 40)) err = audit(t, model, pool);
        if (err.empty() && i % 50 == 0) err = probe(t, model, probe_rng, 0, span);
        if (!err.empty()) err = "step " + std::to_string(i) + ": " + err;
      }
      CHECK_MESSAGE(err.empty(), err);
      if (!err.empty()) continue;
      CHECK(enomem > 0);
      CHECK(fits > 0);
      CHECK(t.height >= 3);
      err = audit(t, model, pool);
      CHECK_MESSAGE(err.empty(), err);

      // Erase never allocates, even with no memory at all, down to empty.
      pool.budget = 0;
      std::vector<unsigned long> keys;
      for (const auto& kv : model) keys.push_back(kv.first);
      std::shuffle(keys.begin(), keys.end(), std::mt19937(seed));
      const unsigned long attempts = pool.attempts;
      for (size_t i = 0; i < keys.size() && err.empty(); i++) {
        if (btree_erase(&t, keys[i], a) != model[keys[i]])
          err = "btree_erase(" + hex(keys[i]) + ") lost its value";
        model.erase(keys[i]);
        if (err.empty() && i % 64 == 0) err = audit(t, model, pool);
      }
      CHECK_MESSAGE(err.empty(), err);
      CHECK(pool.attempts == attempts);
      CHECK(t.root == nullptr);
      CHECK(t.count == 0);
      CHECK(pool.live.empty());
      CHECK(!pool.bad_free);
    }
  }
}
