// Red-black tree iteration and replacement (the rebalancing templates are
// in lib/rbtree.h).
#include <lib/rbtree.h>

rb_node* rb_first(const rb_root* root) {
  rb_node* n = root->rb_node;
  if (!n) return nullptr;
  while (n->rb_left) n = n->rb_left;
  return n;
}

rb_node* rb_last(const rb_root* root) {
  rb_node* n = root->rb_node;
  if (!n) return nullptr;
  while (n->rb_right) n = n->rb_right;
  return n;
}

rb_node* rb_next(const rb_node* node) {
  if (node->rb_right) {
    rb_node* n = node->rb_right;
    while (n->rb_left) n = n->rb_left;
    return n;
  }
  rb_node* parent;
  while ((parent = rb_parent(node)) && node == parent->rb_right) node = parent;
  return parent;
}

rb_node* rb_prev(const rb_node* node) {
  if (node->rb_left) {
    rb_node* n = node->rb_left;
    while (n->rb_right) n = n->rb_right;
    return n;
  }
  rb_node* parent;
  while ((parent = rb_parent(node)) && node == parent->rb_left) node = parent;
  return parent;
}

void rb_replace_node(rb_node* victim, rb_node* new_, rb_root* root) {
  rb_node* parent = rb_parent(victim);
  *new_ = *victim;
  if (victim->rb_left) rb_detail::set_parent(victim->rb_left, new_);
  if (victim->rb_right) rb_detail::set_parent(victim->rb_right, new_);
  rb_detail::change_child(victim, new_, parent, root);
}
