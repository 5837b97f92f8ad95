/*
 * Intrusive red-black tree with Linux's interface and semantics
 * (lib/rbtree.c): the caller embeds an rb_node, searches and links
 * (rb_link_node), then rb_insert_color() rebalances; rb_erase() unlinks.
 *
 * Colour lives in bit 0 of the parent pointer (nodes are pointer-aligned):
 *
 *   __rb_parent_color = parent | colour      colour: 0 red, 1 black
 *
 * Invariants: the root is black; a red node has black children; every path
 * from a node to its leaves has the same number of black nodes.
 *
 * Augmentation (for the VMA tree's rb_subtree_gap): an Augment policy with
 *   void propagate(rb_node* node, rb_node* stop)  recompute node..stop (exclusive)
 *   void copy(rb_node* old, rb_node* new_)       new_ takes old's place: copy the value
 *   void rotate(rb_node* old, rb_node* new_)     new_ became old's parent: copy, recompute old
 * is a template parameter, so the plain tree (NoAugment) compiles the
 * hooks out of the same rebalancing code. As in Linux, the caller of
 * rb_insert_augmented() has already updated the augmented values along the
 * insertion path.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lib/container_of.h>

struct alignas(sizeof(long)) rb_node {
  uintptr_t __rb_parent_color;
  rb_node* rb_right;
  rb_node* rb_left;
};

// The members keep Linux's names (root->rb_node, cached->rb_root), which in
// C++ would change what the type name means inside the struct; the
// elaborated type specifiers keep naming the types.
struct rb_root {
  struct rb_node* rb_node = nullptr;
};

struct rb_root_cached {
  struct rb_root rb_root;
  struct rb_node* rb_leftmost = nullptr;
};

constexpr uintptr_t RB_RED = 0;
constexpr uintptr_t RB_BLACK = 1;

inline rb_node* rb_parent(const rb_node* n) { return reinterpret_cast<rb_node*>(n->__rb_parent_color & ~uintptr_t{3}); }
inline uintptr_t rb_color(const rb_node* n) { return n->__rb_parent_color & 1; }
inline bool rb_is_red(const rb_node* n) { return n && rb_color(n) == RB_RED; }
inline bool rb_is_black(const rb_node* n) { return !n || rb_color(n) == RB_BLACK; }
inline bool RB_EMPTY_ROOT(const rb_root* r) { return r->rb_node == nullptr; }
// A node that is in no tree points to itself (RB_CLEAR_NODE), so membership
// can be asked without a search.
inline void RB_CLEAR_NODE(rb_node* n) { n->__rb_parent_color = reinterpret_cast<uintptr_t>(n); }
inline bool RB_EMPTY_NODE(const rb_node* n) { return n->__rb_parent_color == reinterpret_cast<uintptr_t>(n); }

// Links `node` as a red leaf at *link under `parent` (found by the caller's search).
inline void rb_link_node(rb_node* node, rb_node* parent, rb_node** link) {
  node->__rb_parent_color = reinterpret_cast<uintptr_t>(parent);
  node->rb_left = node->rb_right = nullptr;
  *link = node;
}

// The struct holding `node` as its member M (null for a null node, like
// Linux's rb_entry_safe).
template <typename T, rb_node T::*M>
inline T* rb_entry(rb_node* node) {
  return node ? container_of(node, M) : nullptr;
}
template <typename T, rb_node T::*M>
inline const T* rb_entry(const rb_node* node) {
  return node ? container_of(node, M) : nullptr;
}

struct NoAugment {
  void propagate(rb_node*, rb_node*) const {}
  void copy(rb_node*, rb_node*) const {}
  void rotate(rb_node*, rb_node*) const {}
};

namespace rb_detail {

inline void set_parent(rb_node* n, rb_node* p) {
  n->__rb_parent_color = reinterpret_cast<uintptr_t>(p) | rb_color(n);
}
inline void set_parent_color(rb_node* n, rb_node* p, uintptr_t color) {
  n->__rb_parent_color = reinterpret_cast<uintptr_t>(p) | color;
}
inline void set_black(rb_node* n) { n->__rb_parent_color |= RB_BLACK; }

// Replaces old with new_ in old's parent (or as the root).
inline void change_child(rb_node* old, rb_node* new_, rb_node* parent, rb_root* root) {
  if (!parent) root->rb_node = new_;
  else if (parent->rb_left == old) parent->rb_left = new_;
  else parent->rb_right = new_;
}

// Rotates so that `pivot` (a child of `node`) takes node's place.
template <typename Augment>
void rotate(rb_node* node, rb_node* pivot, rb_root* root, const Augment& aug) {
  rb_node* parent = rb_parent(node);
  const uintptr_t color = rb_color(node);
  if (node->rb_right == pivot) {
    node->rb_right = pivot->rb_left;
    if (pivot->rb_left) set_parent(pivot->rb_left, node);
    pivot->rb_left = node;
  } else {
    node->rb_left = pivot->rb_right;
    if (pivot->rb_right) set_parent(pivot->rb_right, node);
    pivot->rb_right = node;
  }
  set_parent_color(pivot, parent, color);
  set_parent_color(node, pivot, rb_color(node));
  change_child(node, pivot, parent, root);
  aug.rotate(node, pivot);
}

template <typename Augment>
void insert_fixup(rb_node* node, rb_root* root, const Augment& aug) {
  for (;;) {
    rb_node* parent = rb_parent(node);
    if (!parent) {
      set_parent_color(node, nullptr, RB_BLACK);
      return;
    }
    if (rb_is_black(parent)) return;
    rb_node* gparent = rb_parent(parent);  // exists: a red parent is not the root
    rb_node* uncle = gparent->rb_left == parent ? gparent->rb_right : gparent->rb_left;
    if (rb_is_red(uncle)) {
      set_black(parent);
      set_black(uncle);
      set_parent_color(gparent, rb_parent(gparent), RB_RED);
      node = gparent;
      continue;
    }
    const bool parent_is_left = gparent->rb_left == parent;
    if ((parent_is_left && parent->rb_right == node) || (!parent_is_left && parent->rb_left == node)) {
      rotate(parent, node, root, aug);  // make node and parent line up
      node = parent;
      parent = rb_parent(node);
    }
    // parent takes gparent's place: black, gparent becomes its red child.
    rotate(gparent, parent, root, aug);
    set_parent_color(parent, rb_parent(parent), RB_BLACK);
    set_parent_color(gparent, parent, RB_RED);
    return;
  }
}

// Restores the black height after a black node was removed from under
// `parent` (`node`, possibly null, took its place).
template <typename Augment>
void erase_fixup(rb_node* node, rb_node* parent, rb_root* root, const Augment& aug) {
  while (node != root->rb_node && rb_is_black(node)) {
    if (parent->rb_left == node) {
      rb_node* sibling = parent->rb_right;
      if (rb_is_red(sibling)) {
        rotate(parent, sibling, root, aug);
        set_parent_color(sibling, rb_parent(sibling), RB_BLACK);
        set_parent_color(parent, sibling, RB_RED);
        sibling = parent->rb_right;
      }
      if (rb_is_black(sibling->rb_left) && rb_is_black(sibling->rb_right)) {
        set_parent_color(sibling, parent, RB_RED);
        node = parent;
        parent = rb_parent(node);
        continue;
      }
      if (rb_is_black(sibling->rb_right)) {
        rb_node* sl = sibling->rb_left;
        rotate(sibling, sl, root, aug);
        set_parent_color(sl, rb_parent(sl), RB_BLACK);
        set_parent_color(sibling, sl, RB_RED);
        sibling = sl;
      }
      const uintptr_t pc = rb_color(parent);
      rotate(parent, sibling, root, aug);
      set_parent_color(sibling, rb_parent(sibling), pc);
      set_parent_color(parent, sibling, RB_BLACK);
      set_black(sibling->rb_right);
      node = root->rb_node;
      break;
    } else {
      rb_node* sibling = parent->rb_left;
      if (rb_is_red(sibling)) {
        rotate(parent, sibling, root, aug);
        set_parent_color(sibling, rb_parent(sibling), RB_BLACK);
        set_parent_color(parent, sibling, RB_RED);
        sibling = parent->rb_left;
      }
      if (rb_is_black(sibling->rb_left) && rb_is_black(sibling->rb_right)) {
        set_parent_color(sibling, parent, RB_RED);
        node = parent;
        parent = rb_parent(node);
        continue;
      }
      if (rb_is_black(sibling->rb_left)) {
        rb_node* sr = sibling->rb_right;
        rotate(sibling, sr, root, aug);
        set_parent_color(sr, rb_parent(sr), RB_BLACK);
        set_parent_color(sibling, sr, RB_RED);
        sibling = sr;
      }
      const uintptr_t pc = rb_color(parent);
      rotate(parent, sibling, root, aug);
      set_parent_color(sibling, rb_parent(sibling), pc);
      set_parent_color(parent, sibling, RB_BLACK);
      set_black(sibling->rb_left);
      node = root->rb_node;
      break;
    }
  }
  if (node) set_black(node);
}

template <typename Augment>
void erase(rb_node* node, rb_root* root, const Augment& aug) {
  rb_node* child;
  rb_node* parent;
  uintptr_t removed_color;
  if (!node->rb_left || !node->rb_right) {
    // At most one child: it takes node's place.
    child = node->rb_left ? node->rb_left : node->rb_right;
    parent = rb_parent(node);
    removed_color = rb_color(node);
    if (child) set_parent(child, parent);
    change_child(node, child, parent, root);
    aug.propagate(parent, nullptr);
  } else {
    // Two children: the successor (leftmost of the right subtree) takes
    // node's place and colour; the successor's old spot lost a node.
    rb_node* succ = node->rb_right;
    while (succ->rb_left) succ = succ->rb_left;
    child = succ->rb_right;
    removed_color = rb_color(succ);
    rb_node* old_parent = rb_parent(node);
    if (rb_parent(succ) == node) {
      parent = succ;
    } else {
      parent = rb_parent(succ);
      parent->rb_left = child;
      if (child) set_parent(child, parent);
      succ->rb_right = node->rb_right;
      set_parent(node->rb_right, succ);
    }
    succ->rb_left = node->rb_left;
    set_parent(node->rb_left, succ);
    set_parent_color(succ, old_parent, rb_color(node));
    change_child(node, succ, old_parent, root);
    aug.copy(node, succ);
    aug.propagate(parent, succ);  // from the successor's old spot up to succ
    aug.propagate(succ, nullptr);
  }
  if (removed_color == RB_BLACK) erase_fixup(child, parent, root, aug);
}

}  // namespace rb_detail

inline void rb_insert_color(rb_node* node, rb_root* root) { rb_detail::insert_fixup(node, root, NoAugment{}); }
inline void rb_erase(rb_node* node, rb_root* root) { rb_detail::erase(node, root, NoAugment{}); }

template <typename Augment>
void rb_insert_augmented(rb_node* node, rb_root* root, const Augment& aug) {
  rb_detail::insert_fixup(node, root, aug);
}
template <typename Augment>
void rb_erase_augmented(rb_node* node, rb_root* root, const Augment& aug) {
  rb_detail::erase(node, root, aug);
}

// In-order iteration (O(log n) worst case, O(1) amortised).
rb_node* rb_first(const rb_root* root);
rb_node* rb_last(const rb_root* root);
rb_node* rb_next(const rb_node* node);
rb_node* rb_prev(const rb_node* node);
// new_ takes victim's place (same key order): no rebalancing. An augmented
// tree's caller copies the augmented value itself.
void rb_replace_node(rb_node* victim, rb_node* new_, rb_root* root);

// Cached-leftmost variants: rb_first_cached() is O(1). `leftmost` tells the
// insert whether the caller's search only went left.
inline rb_node* rb_first_cached(const rb_root_cached* root) { return root->rb_leftmost; }
inline void rb_insert_color_cached(rb_node* node, rb_root_cached* root, bool leftmost) {
  if (leftmost) root->rb_leftmost = node;
  rb_insert_color(node, &root->rb_root);
}
inline void rb_erase_cached(rb_node* node, rb_root_cached* root) {
  if (root->rb_leftmost == node) root->rb_leftmost = rb_next(node);
  rb_erase(node, &root->rb_root);
}
template <typename Augment>
void rb_insert_augmented_cached(rb_node* node, rb_root_cached* root, bool leftmost, const Augment& aug) {
  if (leftmost) root->rb_leftmost = node;
  rb_insert_augmented(node, &root->rb_root, aug);
}
template <typename Augment>
void rb_erase_augmented_cached(rb_node* node, rb_root_cached* root, const Augment& aug) {
  if (root->rb_leftmost == node) root->rb_leftmost = rb_next(node);
  rb_erase_augmented(node, &root->rb_root, aug);
}
inline void rb_replace_node_cached(rb_node* victim, rb_node* new_, rb_root_cached* root) {
  if (root->rb_leftmost == victim) root->rb_leftmost = new_;
  rb_replace_node(victim, new_, &root->rb_root);
}

// Augmentation that keeps, at every node, the maximum over its subtree of
// compute(node) (Linux's RB_DECLARE_CALLBACKS_MAX).
template <typename T, rb_node T::*Node, typename V, V T::*Field, V (*Compute)(const T*)>
struct RbAugmentMax {
  static T* entry(rb_node* n) { return rb_entry<T, Node>(n); }
  // Recomputes n's value from itself and its children; true if unchanged.
  static bool compute_max(T* t, bool exit_if_unchanged) {
    V max = Compute(t);
    if (rb_node* l = (t->*Node).rb_left; l && entry(l)->*Field > max) max = entry(l)->*Field;
    if (rb_node* r = (t->*Node).rb_right; r && entry(r)->*Field > max) max = entry(r)->*Field;
    if (exit_if_unchanged && t->*Field == max) return true;
    t->*Field = max;
    return false;
  }
  void propagate(rb_node* n, rb_node* stop) const {
    while (n != stop) {
      if (compute_max(entry(n), true)) break;
      n = rb_parent(n);
    }
  }
  void copy(rb_node* old, rb_node* new_) const { entry(new_)->*Field = entry(old)->*Field; }
  void rotate(rb_node* old, rb_node* new_) const {
    entry(new_)->*Field = entry(old)->*Field;
    compute_max(entry(old), false);
  }
};
