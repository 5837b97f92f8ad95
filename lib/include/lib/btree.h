/*
 * A B+tree from unsigned long keys to non-null pointers, for successor
 * lookups over many keys (the VMA index: mm/vma_index.h).
 *
 * Why not the red-black tree: a lookup in a binary tree of n nodes loads
 * log2(n) nodes one after another, each on its own cache line; at 100000
 * keys that is 17 dependent loads, most of them cache misses. Here a node
 * is 16 keys and 16 pointers on four cache lines (the layout of Linux 6.1's
 * maple tree nodes), searched with four comparisons, so the same lookup
 * makes the same number of comparisons but touches five nodes.
 *
 * Node layout (every node, leaf or not):
 *
 *   pivot[i]  leaf: the key of entry i          internal: the largest key under slot i
 *   slot[i]   leaf: the value of entry i        internal: the child node
 *
 * Used entries are slot[0..nr), sorted by pivot; unused ones have pivot
 * BTREE_NO_KEY and slot nullptr, so a search needs no count. All leaves are
 * at the same depth (height - 1). A node other than the root holds at least
 * BTREE_MIN entries; the root at least one (two if internal).
 *
 * Nodes come from the caller's allocator (btree_alloc), so a modification
 * that would need memory it cannot get fails with -ENOMEM before it
 * changes anything. Readers and writers are serialised by the caller
 * (mmap_lock for the VMA index).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

constexpr unsigned BTREE_SLOTS = 16;
constexpr unsigned BTREE_MIN = BTREE_SLOTS / 4;
constexpr unsigned long BTREE_NO_KEY = ~0ul;  // not a key: keys are at most BTREE_NO_KEY - 1

struct alignas(64) btree_node {
  unsigned long pivot[BTREE_SLOTS];
  void* slot[BTREE_SLOTS];
};
static_assert(sizeof(btree_node) == 256, "four cache lines");

struct btree_alloc {
  btree_node* (*alloc)(void* ctx);  // nullptr when out of memory; contents need not be initialised
  void (*free)(btree_node* node, void* ctx);
  void* ctx;
};

struct btree {
  btree_node* root = nullptr;
  unsigned height = 0;  // 0: empty; 1: the root is a leaf
  unsigned long count = 0;
};

// The number of n's pivots <= key, 0..BTREE_SLOTS, in four comparisons
// (pivots are sorted; unused ones are BTREE_NO_KEY, above any key but
// BTREE_NO_KEY itself, for which every pivot counts): the
// first entry whose pivot is above key.
inline unsigned btree_rank(const btree_node* n, unsigned long key) {
  const unsigned long* p = n->pivot;
  unsigned i = 0;
  if (p[i + 7] <= key) i += 8;
  if (p[i + 3] <= key) i += 4;
  if (p[i + 1] <= key) i += 2;
  if (p[i] <= key) i += 1;
  return i == BTREE_SLOTS - 1 && p[i] <= key ? BTREE_SLOTS : i;
}

// The value of the smallest key greater than key, or nullptr if none is.
// Inline: the lookup is the reason this tree exists.
inline void* btree_upper_bound(const btree* t, unsigned long key) {
  const btree_node* node = t->root;
  for (unsigned level = t->height; level; level--) {
    const unsigned i = btree_rank(node, key);
    if (i == BTREE_SLOTS) return nullptr;  // above every key here
    void* s = node->slot[i];
    if (level == 1 || !s) return s;
    node = static_cast<const btree_node*>(s);
  }
  return nullptr;
}

// Add key -> value. -EINVAL for a null value or BTREE_NO_KEY, -EEXIST if
// the key is present, -ENOMEM if a node on the way had to split and could
// not get memory (an insert into a leaf with room never allocates); the
// tree is unchanged on error.
int btree_insert(btree* t, unsigned long key, void* value, const btree_alloc& a);

// Remove key; returns its value, or nullptr if it was not there. Never
// allocates; nodes that empty or merge go back through a.free.
void* btree_erase(btree* t, unsigned long key, const btree_alloc& a);

// Change an entry's key in place: the entry keyed old_key becomes new_key,
// which must sort between its neighbours' keys as old_key did (the VMA
// index changes a vm_end only while the VMAs stay ordered). Returns false,
// changing nothing, if old_key is absent, new_key is BTREE_NO_KEY or would
// reorder; true if old_key is present and equal to new_key.
bool btree_update_key(btree* t, unsigned long old_key, unsigned long new_key);

// Free every node; the tree is empty afterwards.
void btree_destroy(btree* t, const btree_alloc& a);

// Invariant checker for tests: sorted keys, pivots equal to the largest key
// below them, unused entries cleared, fill bounds, leaves at one depth, count.
// Returns nullptr if the tree is sound, else what is wrong.
const char* btree_check(const btree* t);
