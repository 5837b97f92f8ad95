// Linux's intrusive circular doubly linked list (list_head). An empty list
// is a head pointing at itself; an entry not on any list points at itself
// too after list_del_init, so "is it queued" is !list_empty(&entry).
#pragma once

struct list_head {
  list_head* next = this;
  list_head* prev = this;
};

inline void INIT_LIST_HEAD(list_head* h) { h->next = h->prev = h; }
inline bool list_empty(const list_head* h) { return h->next == h; }
// Exactly one entry, e, is on h.
inline bool list_is_only(const list_head* h, const list_head* e) { return h->next == e && h->prev == e; }

inline void list_add_between_(list_head* n, list_head* prev, list_head* next) {
  next->prev = n;
  n->next = next;
  n->prev = prev;
  prev->next = n;
}
inline void list_add(list_head* n, list_head* head) { list_add_between_(n, head, head->next); }
inline void list_add_tail(list_head* n, list_head* head) { list_add_between_(n, head->prev, head); }
inline void list_del_init(list_head* e) {
  e->prev->next = e->next;
  e->next->prev = e->prev;
  INIT_LIST_HEAD(e);
}
