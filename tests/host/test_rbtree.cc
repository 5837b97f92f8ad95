// Host tests for the intrusive red-black tree (lib/rbtree.h), after Linux's
// lib/rbtree_test.c: randomized insert/erase with every invariant checked
// after each step, plain, augmented (subtree max) and cached-leftmost.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include <lib/rbtree.h>

namespace {

struct TestNode {
  uint32_t key;
  uint32_t val;
  uint32_t augmented;  // max of val over the subtree
  rb_node rb;
};

TestNode* node_of(rb_node* n) { return rb_entry<TestNode, &TestNode::rb>(n); }
uint32_t node_val(const TestNode* n) { return n->val; }
using MaxAug = RbAugmentMax<TestNode, &TestNode::rb, uint32_t, &TestNode::augmented, node_val>;

// The caller's search: duplicates go right, so equal keys keep insertion order.
rb_node** find_link(rb_root* root, uint32_t key, rb_node** parent, bool* leftmost, uint32_t update_val,
                    bool augment) {
  rb_node** link = &root->rb_node;
  *parent = nullptr;
  if (leftmost) *leftmost = true;
  while (*link) {
    *parent = *link;
    TestNode* p = node_of(*link);
    if (augment && p->augmented < update_val) p->augmented = update_val;
    if (key < p->key) {
      link = &(*link)->rb_left;
    } else {
      link = &(*link)->rb_right;
      if (leftmost) *leftmost = false;
    }
  }
  return link;
}

void insert(TestNode* n, rb_root* root) {
  rb_node* parent;
  rb_node** link = find_link(root, n->key, &parent, nullptr, 0, false);
  rb_link_node(&n->rb, parent, link);
  rb_insert_color(&n->rb, root);
}

void insert_augmented(TestNode* n, rb_root* root) {
  rb_node* parent;
  rb_node** link = find_link(root, n->key, &parent, nullptr, n->val, true);
  n->augmented = n->val;
  rb_link_node(&n->rb, parent, link);
  rb_insert_augmented(&n->rb, root, MaxAug{});
}

void insert_cached(TestNode* n, rb_root_cached* root) {
  rb_node* parent;
  bool leftmost;
  rb_node** link = find_link(&root->rb_root, n->key, &parent, &leftmost, 0, false);
  rb_link_node(&n->rb, parent, link);
  rb_insert_color_cached(&n->rb, root, leftmost);
}

// Walks the subtree checking colours and parent links; returns its black
// height (null leaves count as black) and collects it in order.
int check_subtree(rb_node* n, rb_node* parent, std::vector<TestNode*>& out, bool augmented) {
  if (!n) return 1;
  CHECK(rb_parent(n) == parent);
  CHECK((n->__rb_parent_color & 2) == 0);  // only bit 0 carries the colour
  if (rb_is_red(n)) {
    CHECK(parent != nullptr);  // the root is black
    CHECK(!rb_is_red(n->rb_left));
    CHECK(!rb_is_red(n->rb_right));
  }
  const int lh = check_subtree(n->rb_left, n, out, augmented);
  out.push_back(node_of(n));
  const int rh = check_subtree(n->rb_right, n, out, augmented);
  CHECK(lh == rh);
  if (augmented) {
    uint32_t max = node_of(n)->val;
    if (n->rb_left) max = std::max(max, node_of(n->rb_left)->augmented);
    if (n->rb_right) max = std::max(max, node_of(n->rb_right)->augmented);
    CHECK(node_of(n)->augmented == max);
  }
  return lh + (rb_is_black(n) ? 1 : 0);
}

// Every invariant, and the tree holds exactly `expect` (as a multiset of
// keys, in sorted order).
void check(const rb_root* root, std::vector<uint32_t> expect, bool augmented) {
  std::vector<TestNode*> inorder;
  const int bh = check_subtree(root->rb_node, nullptr, inorder, augmented);
  CHECK(rb_is_black(root->rb_node));
  // A tree of n nodes has black height at most log2(n + 1) + 1.
  int limit = 1;
  for (size_t n = inorder.size() + 1; n > 1; n >>= 1) limit++;
  CHECK(bh <= limit + 1);
  std::sort(expect.begin(), expect.end());
  REQUIRE(inorder.size() == expect.size());
  for (size_t i = 0; i < inorder.size(); i++) CHECK(inorder[i]->key == expect[i]);
  // Iteration matches the in-order walk both ways.
  size_t i = 0;
  for (rb_node* n = rb_first(root); n; n = rb_next(n), i++) {
    REQUIRE(i < inorder.size());
    CHECK(node_of(n) == inorder[i]);
  }
  CHECK(i == inorder.size());
  for (rb_node* n = rb_last(root); n; n = rb_prev(n)) {
    REQUIRE(i > 0);
    CHECK(node_of(n) == inorder[--i]);
  }
  CHECK(i == 0);
  CHECK(RB_EMPTY_ROOT(root) == inorder.empty());
}

std::vector<uint32_t> keys_of(const std::vector<TestNode*>& in_tree) {
  std::vector<uint32_t> keys;
  for (TestNode* n : in_tree) keys.push_back(n->key);
  return keys;
}

enum class Variant { Plain, Augmented, Cached };

// Random interleaved inserts and erases; keys from a small range so
// duplicates and every rebalancing case occur.
void fuzz(Variant v, uint32_t seed, size_t nodes, uint32_t key_range) {
  std::mt19937 rng(seed);
  std::vector<TestNode> pool(nodes);
  std::vector<TestNode*> in_tree, out;
  for (auto& n : pool) out.push_back(&n);
  rb_root_cached cached;
  rb_root* root = &cached.rb_root;
  const bool aug = v == Variant::Augmented;
  for (int step = 0; step < 1500; step++) {
    const bool do_insert = !out.empty() && (in_tree.empty() || rng() % 100 < 55);
    if (do_insert) {
      const size_t k = rng() % out.size();
      TestNode* n = out[k];
      out.erase(out.begin() + static_cast<long>(k));
      n->key = rng() % key_range;
      n->val = rng() % 100000;
      if (v == Variant::Plain) insert(n, root);
      else if (v == Variant::Augmented) insert_augmented(n, root);
      else insert_cached(n, &cached);
      in_tree.push_back(n);
    } else {
      const size_t k = rng() % in_tree.size();
      TestNode* n = in_tree[k];
      in_tree.erase(in_tree.begin() + static_cast<long>(k));
      if (v == Variant::Plain) rb_erase(&n->rb, root);
      else if (v == Variant::Augmented) rb_erase_augmented(&n->rb, root, MaxAug{});
      else rb_erase_cached(&n->rb, &cached);
      out.push_back(n);
    }
    check(root, keys_of(in_tree), aug);
    if (v == Variant::Cached) CHECK(rb_first_cached(&cached) == rb_first(root));
    if (aug && !in_tree.empty()) {
      uint32_t max = 0;
      for (TestNode* n : in_tree) max = std::max(max, n->val);
      CHECK(node_of(root->rb_node)->augmented == max);
    }
  }
}

}  // namespace

TEST_CASE("rbtree: container_of and rb_entry find the enclosing struct") {
  TestNode n{};
  CHECK(rb_entry<TestNode, &TestNode::rb>(&n.rb) == &n);
  CHECK(rb_entry<TestNode, &TestNode::rb>(static_cast<rb_node*>(nullptr)) == nullptr);
  CHECK(member_offset(&TestNode::rb) == static_cast<ptrdiff_t>(offsetof(TestNode, rb)));
  CHECK(container_of(&n.val, &TestNode::val) == &n);
}

TEST_CASE("rbtree: the colour bit shares the parent word") {
  TestNode a{}, b{};
  rb_root root;
  a.key = 1;
  b.key = 2;
  insert(&a, &root);
  CHECK(rb_is_black(&a.rb));
  CHECK(rb_parent(&a.rb) == nullptr);
  insert(&b, &root);
  CHECK(rb_is_red(&b.rb));
  CHECK(rb_parent(&b.rb) == &a.rb);
  CHECK(b.rb.__rb_parent_color == (reinterpret_cast<uintptr_t>(&a.rb) | RB_RED));
  CHECK(a.rb.__rb_parent_color == RB_BLACK);
  CHECK(rb_is_black(nullptr));
  CHECK(!rb_is_red(nullptr));
}

TEST_CASE("rbtree: RB_CLEAR_NODE marks a node outside any tree") {
  TestNode a{};
  RB_CLEAR_NODE(&a.rb);
  CHECK(RB_EMPTY_NODE(&a.rb));
  rb_root root;
  insert(&a, &root);
  CHECK(!RB_EMPTY_NODE(&a.rb));
  rb_erase(&a.rb, &root);
  CHECK(RB_EMPTY_ROOT(&root));
}

TEST_CASE("rbtree: ascending, descending and random inserts then erases keep every invariant") {
  constexpr int N = 257;
  for (int order = 0; order < 3; order++) {
    std::vector<TestNode> pool(N);
    std::vector<uint32_t> keys;
    for (int i = 0; i < N; i++) keys.push_back(static_cast<uint32_t>(i));
    if (order == 1) std::reverse(keys.begin(), keys.end());
    if (order == 2) std::shuffle(keys.begin(), keys.end(), std::mt19937(7));
    rb_root root;
    std::vector<uint32_t> in;
    for (int i = 0; i < N; i++) {
      pool[i].key = keys[i];
      insert(&pool[i], &root);
      in.push_back(keys[i]);
      check(&root, in, false);
    }
    // Erase every other node, then the rest.
    for (int pass = 0; pass < 2; pass++) {
      for (int i = pass; i < N; i += 2) {
        rb_erase(&pool[i].rb, &root);
        in.erase(std::find(in.begin(), in.end(), pool[i].key));
        check(&root, in, false);
      }
    }
    CHECK(RB_EMPTY_ROOT(&root));
  }
}

TEST_CASE("rbtree: randomized plain tree") {
  for (uint32_t seed = 1; seed <= 4; seed++) fuzz(Variant::Plain, seed, 300, seed * 50);
}

TEST_CASE("rbtree: randomized augmented tree keeps subtree maxima through rotations") {
  for (uint32_t seed = 11; seed <= 14; seed++) fuzz(Variant::Augmented, seed, 300, 1000);
}

TEST_CASE("rbtree: randomized cached-leftmost tree") {
  for (uint32_t seed = 21; seed <= 23; seed++) fuzz(Variant::Cached, seed, 200, 100);
}

TEST_CASE("rbtree: rb_replace_node swaps a node in place") {
  std::mt19937 rng(5);
  std::vector<TestNode> pool(100), spare(100);
  rb_root_cached cached;
  std::vector<TestNode*> in_tree;
  for (size_t i = 0; i < pool.size(); i++) {
    pool[i].key = static_cast<uint32_t>(rng() % 1000);
    insert_cached(&pool[i], &cached);
    in_tree.push_back(&pool[i]);
  }
  for (size_t i = 0; i < spare.size(); i++) {
    const size_t k = rng() % in_tree.size();
    TestNode* victim = in_tree[k];
    spare[i].key = victim->key;
    const bool was_first = rb_first_cached(&cached) == &victim->rb;
    rb_replace_node_cached(&victim->rb, &spare[i].rb, &cached);
    in_tree[k] = &spare[i];
    check(&cached.rb_root, keys_of(in_tree), false);
    CHECK(rb_first_cached(&cached) == rb_first(&cached.rb_root));
    if (was_first) CHECK(rb_first_cached(&cached) == &spare[i].rb);
    // The replaced node is reachable and the victim is not.
    bool found_new = false;
    for (rb_node* n = rb_first(&cached.rb_root); n; n = rb_next(n)) {
      CHECK(n != &victim->rb);
      found_new |= n == &spare[i].rb;
    }
    CHECK(found_new);
  }
}

TEST_CASE("rbtree: augmented cached variants") {
  std::mt19937 rng(9);
  std::vector<TestNode> pool(64);
  rb_root_cached cached;
  std::vector<TestNode*> in_tree;
  for (auto& n : pool) {
    n.key = static_cast<uint32_t>(rng() % 50);
    n.val = static_cast<uint32_t>(rng() % 1000);
    rb_node* parent;
    bool leftmost;
    rb_node** link = find_link(&cached.rb_root, n.key, &parent, &leftmost, n.val, true);
    n.augmented = n.val;
    rb_link_node(&n.rb, parent, link);
    rb_insert_augmented_cached(&n.rb, &cached, leftmost, MaxAug{});
    in_tree.push_back(&n);
    check(&cached.rb_root, keys_of(in_tree), true);
    CHECK(rb_first_cached(&cached) == rb_first(&cached.rb_root));
  }
  while (!in_tree.empty()) {
    const size_t k = rng() % in_tree.size();
    rb_erase_augmented_cached(&in_tree[k]->rb, &cached, MaxAug{});
    in_tree.erase(in_tree.begin() + static_cast<long>(k));
    check(&cached.rb_root, keys_of(in_tree), true);
    CHECK(rb_first_cached(&cached) == rb_first(&cached.rb_root));
  }
}
