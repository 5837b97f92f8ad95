// B+tree of unsigned long keys (see lib/btree.h). Every modification first
// walks from the root recording the path (the node and the slot taken at
// each level); splits and merges then work bottom-up along that path, so no
// node needs a parent pointer.
#include <lib/btree.h>

#include <errno.h>

namespace {

constexpr unsigned kMaxHeight = 32;  // at least BTREE_MIN entries per node: far beyond 2^64 keys

// The used slots are a prefix: its length in four probes.
unsigned node_nr(const btree_node* n) {
  unsigned i = 0;
  if (n->slot[i + 7]) i += 8;
  if (n->slot[i + 3]) i += 4;
  if (n->slot[i + 1]) i += 2;
  if (n->slot[i]) i += 1;
  return i == BTREE_SLOTS - 1 && n->slot[i] ? BTREE_SLOTS : i;
}

// The largest key under a node with nr > 0 entries.
unsigned long node_max(const btree_node* n, unsigned nr) { return n->pivot[nr - 1]; }
unsigned long node_max(const btree_node* n) { return node_max(n, node_nr(n)); }

void clear_from(btree_node* n, unsigned from) {
  for (unsigned i = from; i < BTREE_SLOTS; i++) {
    n->pivot[i] = BTREE_NO_KEY;
    n->slot[i] = nullptr;
  }
}

// The number of pivots below key: the first entry whose pivot is >= key,
// or the entry count if none is.
unsigned count_below(const btree_node* n, unsigned long key) { return key ? btree_rank(n, key - 1) : 0; }

bool is_full(const btree_node* n) { return n->slot[BTREE_SLOTS - 1] != nullptr; }
// Whether entry i is used (i may be BTREE_SLOTS).
bool is_used(const btree_node* n, unsigned i) { return i < BTREE_SLOTS && n->slot[i]; }

void copy_entries(btree_node* to, unsigned to_at, const btree_node* from, unsigned from_at, unsigned n) {
  for (unsigned i = 0; i < n; i++) {
    to->pivot[to_at + i] = from->pivot[from_at + i];
    to->slot[to_at + i] = from->slot[from_at + i];
  }
}

// Moves entries [at, nr) of n one place right (nr < BTREE_SLOTS).
void open_gap(btree_node* n, unsigned nr, unsigned at) {
  for (unsigned i = nr; i > at; i--) {
    n->pivot[i] = n->pivot[i - 1];
    n->slot[i] = n->slot[i - 1];
  }
}

// Removes entry at from n (nr entries).
void close_gap(btree_node* n, unsigned nr, unsigned at) {
  for (unsigned i = at; i + 1 < nr; i++) {
    n->pivot[i] = n->pivot[i + 1];
    n->slot[i] = n->slot[i + 1];
  }
  n->pivot[nr - 1] = BTREE_NO_KEY;
  n->slot[nr - 1] = nullptr;
}

// Puts (key, value) at position at of n. A full node splits: n keeps the
// lower half, spare (a fresh node) takes the upper one and is returned.
btree_node* node_insert(btree_node* n, unsigned at, unsigned long key, void* value, btree_node* spare) {
  const unsigned nr = node_nr(n);
  if (nr < BTREE_SLOTS) {
    open_gap(n, nr, at);
    n->pivot[at] = key;
    n->slot[at] = value;
    return nullptr;
  }
  // 17 entries: the lower 9 stay, the upper 8 move.
  constexpr unsigned kLeft = (BTREE_SLOTS + 2) / 2;
  clear_from(spare, 0);
  if (at < kLeft) {
    copy_entries(spare, 0, n, kLeft - 1, BTREE_SLOTS - (kLeft - 1));
    clear_from(n, kLeft - 1);
    open_gap(n, kLeft - 1, at);
    n->pivot[at] = key;
    n->slot[at] = value;
  } else {
    const unsigned r_at = at - kLeft;  // its place in spare
    copy_entries(spare, 0, n, kLeft, r_at);
    spare->pivot[r_at] = key;
    spare->slot[r_at] = value;
    copy_entries(spare, r_at + 1, n, at, BTREE_SLOTS - at);
    clear_from(n, kLeft);
  }
  return spare;
}

struct Path {
  btree_node* node[kMaxHeight];
  unsigned pos[kMaxHeight];  // the entry taken (internal) or found / to insert at (leaf)
};

void destroy_subtree(btree_node* n, unsigned level, const btree_alloc& a) {
  if (level > 1) {
    for (unsigned i = 0; i < BTREE_SLOTS && n->slot[i]; i++)
      destroy_subtree(static_cast<btree_node*>(n->slot[i]), level - 1, a);
  }
  a.free(n, a.ctx);
}

// Rewrites the pivots on the path above level `from` from the nodes below.
void refresh_pivots(Path& p, unsigned from) {
  for (unsigned l = from; l-- > 0;) p.node[l]->pivot[p.pos[l]] = node_max(p.node[l + 1]);
}

// Walks to the leaf entry keyed `key`: true with the path if it is there.
bool find_path(const btree* t, unsigned long key, Path& p) {
  btree_node* n = t->root;
  for (unsigned l = 0; l < t->height; l++) {
    const unsigned i = count_below(n, key);
    if (!is_used(n, i)) return false;
    p.node[l] = n;
    p.pos[l] = i;
    if (l + 1 == t->height) return n->pivot[i] == key;
    n = static_cast<btree_node*>(n->slot[i]);
  }
  return false;
}

// The smallest key under n (level levels tall).
unsigned long subtree_min(const btree_node* n, unsigned level) {
  while (level-- > 1) n = static_cast<const btree_node*>(n->slot[0]);
  return n->pivot[0];
}

const char* check_node(const btree_node* n, unsigned level, bool root, unsigned long lo, bool have_lo,
                       unsigned long* max, unsigned long* count) {
  const unsigned nr = node_nr(n);
  if (nr == 0) return "node without entries";
  if (!root && nr < BTREE_MIN) return "node below the minimum fill";
  if (root && level > 1 && nr < 2) return "internal root with one child";
  for (unsigned i = nr; i < BTREE_SLOTS; i++)
    if (n->slot[i] || n->pivot[i] != BTREE_NO_KEY) return "unused entry not cleared";
  for (unsigned i = 0; i < nr; i++) {
    if (n->pivot[i] == BTREE_NO_KEY) return "used entry with BTREE_NO_KEY";
    if ((i > 0 || have_lo) && n->pivot[i] <= (i > 0 ? n->pivot[i - 1] : lo)) return "keys out of order";
    if (level > 1) {
      unsigned long child_max;
      const unsigned long child_lo = i > 0 ? n->pivot[i - 1] : lo;
      if (const char* e = check_node(static_cast<const btree_node*>(n->slot[i]), level - 1, false, child_lo,
                                     i > 0 || have_lo, &child_max, count))
        return e;
      if (child_max != n->pivot[i]) return "pivot is not the largest key below it";
    } else {
      ++*count;
    }
  }
  *max = n->pivot[nr - 1];
  return nullptr;
}

}  // namespace

int btree_insert(btree* t, unsigned long key, void* value, const btree_alloc& a) {
  if (!value || key == BTREE_NO_KEY) return -EINVAL;
  if (!t->root) {
    btree_node* n = a.alloc(a.ctx);
    if (!n) return -ENOMEM;
    clear_from(n, 0);
    n->pivot[0] = key;
    n->slot[0] = value;
    t->root = n;
    t->height = 1;
    t->count = 1;
    return 0;
  }
  // Down to the leaf; a key above every pivot goes to the last child.
  Path p;
  btree_node* n = t->root;
  for (unsigned l = 0; l < t->height; l++) {
    unsigned i = count_below(n, key);
    p.node[l] = n;
    if (l + 1 == t->height) {
      if (is_used(n, i) && n->pivot[i] == key) return -EEXIST;
      p.pos[l] = i;
      break;
    }
    if (!is_used(n, i)) i = node_nr(n) - 1;
    p.pos[l] = i;
    n = static_cast<btree_node*>(n->slot[i]);
  }
  // Memory first: one node per full node from the leaf up, and a new root
  // if they are all full.
  unsigned need = 0;
  while (need < t->height && is_full(p.node[t->height - 1 - need])) need++;
  if (need == t->height) need++;
  btree_node* spare[kMaxHeight + 1];
  for (unsigned k = 0; k < need; k++) {
    spare[k] = a.alloc(a.ctx);
    if (!spare[k]) {
      while (k--) a.free(spare[k], a.ctx);
      return -ENOMEM;
    }
  }
  // A new largest key raises the pivots it passed, before anything splits.
  for (unsigned l = 0; l + 1 < t->height; l++)
    if (p.node[l]->pivot[p.pos[l]] < key) p.node[l]->pivot[p.pos[l]] = key;
  // Bottom-up: insert, and hand each split's upper half to the level above.
  unsigned long k = key;
  void* v = value;
  unsigned used = 0;
  for (unsigned l = t->height; l-- > 0;) {
    btree_node* node = p.node[l];
    const unsigned at = l + 1 == t->height ? p.pos[l] : p.pos[l] + 1;
    btree_node* right = node_insert(node, at, k, v, need ? spare[used] : nullptr);
    if (!right) break;
    used++;
    k = node_max(right);
    v = right;
    if (l > 0) {
      p.node[l - 1]->pivot[p.pos[l - 1]] = node_max(node);
    } else {
      btree_node* root = spare[used++];
      clear_from(root, 0);
      root->pivot[0] = node_max(node);
      root->slot[0] = node;
      root->pivot[1] = k;
      root->slot[1] = right;
      t->root = root;
      t->height++;
    }
  }
  t->count++;
  return 0;
}

void* btree_erase(btree* t, unsigned long key, const btree_alloc& a) {
  Path p;
  if (!t->root || !find_path(t, key, p)) return nullptr;
  const unsigned leaf = t->height - 1;
  void* value = p.node[leaf]->slot[p.pos[leaf]];
  unsigned nr = node_nr(p.node[leaf]);
  const bool was_max = p.pos[leaf] + 1 == nr;
  close_gap(p.node[leaf], nr, p.pos[leaf]);
  nr--;
  t->count--;
  if (t->count == 0) {
    a.free(t->root, a.ctx);
    t->root = nullptr;
    t->height = 0;
    return value;
  }
  // A non-root leaf keeps at least BTREE_MIN - 1 entries, so its maximum
  // is defined: if it fell, bring the pivots above up to date before
  // rebalancing.
  if (was_max) refresh_pivots(p, leaf);
  // Bottom-up: a node below the minimum merges with a sibling, or takes
  // entries from it when both would not fit in one node.
  for (unsigned l = leaf; l > 0; l--) {
    if (nr >= BTREE_MIN) break;  // nr: the entries of p.node[l]
    btree_node* parent = p.node[l - 1];
    const unsigned pnr = node_nr(parent);
    const unsigned li = p.pos[l - 1] > 0 ? p.pos[l - 1] - 1 : 0;  // the left one of the pair
    if (li + 1 >= pnr) break;  // no sibling: only a root can have one child, and it is collapsed below
    btree_node* left = static_cast<btree_node*>(parent->slot[li]);
    btree_node* right = static_cast<btree_node*>(parent->slot[li + 1]);
    const unsigned nl = left == p.node[l] ? nr : node_nr(left);
    const unsigned nr_right = right == p.node[l] ? nr : node_nr(right);
    if (nl + nr_right <= BTREE_SLOTS) {
      copy_entries(left, nl, right, 0, nr_right);
      a.free(right, a.ctx);
      parent->pivot[li] = node_max(left, nl + nr_right);
      close_gap(parent, pnr, li + 1);
      nr = pnr - 1;
      continue;  // the parent lost an entry
    }
    const unsigned total = nl + nr_right, want = total / 2;
    if (nl > want) {  // left gives its upper entries to the front of right
      const unsigned m = nl - want;
      for (unsigned i = nr_right; i-- > 0;) {
        right->pivot[i + m] = right->pivot[i];
        right->slot[i + m] = right->slot[i];
      }
      copy_entries(right, 0, left, want, m);
      clear_from(left, want);
    } else {  // right gives its lower entries to the end of left
      const unsigned m = want - nl;
      copy_entries(left, nl, right, 0, m);
      for (unsigned i = 0; i + m < nr_right; i++) {
        right->pivot[i] = right->pivot[i + m];
        right->slot[i] = right->slot[i + m];
      }
      clear_from(right, nr_right - m);
    }
    parent->pivot[li] = node_max(left, want);
    break;
  }
  // An internal root left with one child gives way to it.
  while (t->height > 1 && !t->root->slot[1]) {
    btree_node* old = t->root;
    t->root = static_cast<btree_node*>(old->slot[0]);
    t->height--;
    a.free(old, a.ctx);
  }
  return value;
}

bool btree_update_key(btree* t, unsigned long old_key, unsigned long new_key) {
  Path p;
  if (new_key == BTREE_NO_KEY || !t->root || !find_path(t, old_key, p)) return false;
  const unsigned leaf = t->height - 1;
  btree_node* n = p.node[leaf];
  const unsigned i = p.pos[leaf];
  // The neighbours: in this leaf, else through the nearest ancestor that
  // has an entry on that side (its pivot is the predecessor; the smallest
  // key under its next entry is the successor).
  bool have_prev = i > 0, have_next = is_used(n, i + 1);
  unsigned long prev = have_prev ? n->pivot[i - 1] : 0;
  unsigned long next = have_next ? n->pivot[i + 1] : 0;
  for (unsigned l = leaf; l-- > 0 && (!have_prev || !have_next);) {
    if (!have_prev && p.pos[l] > 0) {
      have_prev = true;
      prev = p.node[l]->pivot[p.pos[l] - 1];
    }
    if (!have_next && is_used(p.node[l], p.pos[l] + 1)) {
      have_next = true;
      next = subtree_min(static_cast<const btree_node*>(p.node[l]->slot[p.pos[l] + 1]), leaf - l);
    }
  }
  if ((have_prev && new_key <= prev) || (have_next && new_key >= next)) return false;
  n->pivot[i] = new_key;
  if (!is_used(n, i + 1)) refresh_pivots(p, leaf);
  return true;
}

void btree_destroy(btree* t, const btree_alloc& a) {
  if (t->root) destroy_subtree(t->root, t->height, a);
  t->root = nullptr;
  t->height = 0;
  t->count = 0;
}

const char* btree_check(const btree* t) {
  if (!t->root) return t->height == 0 && t->count == 0 ? nullptr : "empty tree with height or count";
  if (t->height == 0 || t->height > kMaxHeight) return "height out of range";
  unsigned long max, count = 0;
  if (const char* e = check_node(t->root, t->height, true, 0, false, &max, &count)) return e;
  return count == t->count ? nullptr : "count differs from the entries";
}
