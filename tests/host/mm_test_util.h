// Shared pieces of the VMA host tests: a booted SLAB with the VMA caches,
// a page-table model behind mm_pt_ops, and the checker of every invariant
// of an mm_struct's VMA tree.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

#include <asm/pgtable_ops.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/vma_index.h>

#include "../../mm/slab_internal.h"  // slab_caches, for SlabTestEnv::settle
#include "test_slab_env.h"

// SLAB over simulated RAM plus the mm_struct / vm_area_struct caches, and
// the tunables back at their defaults (tests change them).
struct MmTestEnv : SlabTestEnv {
  explicit MmTestEnv(uint64_t bytes = 64ull << 20) : SlabTestEnv(bytes) {
    proc_caches_init();
    sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
    sysctl_overcommit_memory = OVERCOMMIT_GUESS;
    sysctl_overcommit_ratio = 50;
    stack_guard_gap = 256ul << PAGE_SHIFT;
  }
  ~MmTestEnv() {
    sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
    sysctl_overcommit_memory = OVERCOMMIT_GUESS;
    stack_guard_gap = 256ul << PAGE_SHIFT;
  }
};

// The page tables as the VMA code drives them: which pages are present and
// with which permissions. Populate makes every page of the range present.
struct PtModel {
  std::map<unsigned long, pte_t> present;  // page address -> prot
  unsigned long zapped = 0, populated = 0;

  static PtModel* of(mm_struct* mm) { return static_cast<PtModel*>(mm->pt_ctx); }
  static void zap_range(mm_struct* mm, unsigned long start, unsigned long end) {
    PtModel* m = of(mm);
    REQUIRE(start < end);
    REQUIRE((start & ~PAGE_MASK) == 0);
    for (auto it = m->present.lower_bound(start); it != m->present.end() && it->first < end;) {
      it = m->present.erase(it);
      m->zapped++;
    }
  }
  static void change_protection(mm_struct* mm, unsigned long start, unsigned long end, pte_t prot) {
    PtModel* m = of(mm);
    REQUIRE(start < end);
    for (auto it = m->present.lower_bound(start); it != m->present.end() && it->first < end; ++it)
      it->second = prot;
  }
  static int populate(mm_struct* mm, vm_area_struct* vma, unsigned long start, unsigned long end) {
    PtModel* m = of(mm);
    REQUIRE(vma->vm_start <= start);
    REQUIRE(end <= vma->vm_end);
    for (unsigned long a = start; a < end; a += PAGE_SIZE) m->present[a] = vma->vm_page_prot;
    m->populated += (end - start) >> PAGE_SHIFT;
    return 0;
  }
  static int move_range(mm_struct* mm, unsigned long old_start, unsigned long new_start, unsigned long len) {
    PtModel* m = of(mm);
    std::map<unsigned long, pte_t> moved;
    for (auto it = m->present.lower_bound(old_start); it != m->present.end() && it->first < old_start + len;) {
      moved[it->first - old_start + new_start] = it->second;
      it = m->present.erase(it);
    }
    for (auto& [a, prot] : moved) {
      REQUIRE(m->present.count(a) == 0);  // the destination was unmapped
      m->present[a] = prot;
    }
    return 0;
  }
  static constexpr mm_pt_ops ops{zap_range, change_protection, populate, move_range};

  void attach(mm_struct* mm) {
    mm->pt_ops = &ops;
    mm->pt_ctx = this;
  }
};

inline std::vector<vm_area_struct*> vma_list(mm_struct* mm) {
  std::vector<vm_area_struct*> out;
  for (vm_area_struct* v = mm->mmap; v; v = v->vm_next) out.push_back(v);
  return out;
}

namespace mm_check_detail {

inline vma_node* node_of(rb_node* n) { return rb_entry<vma_node, &vma_node::rb>(n); }

inline unsigned long expected_gap(const vm_area_struct* v) {
  const unsigned long start = vm_start_gap(v);
  const unsigned long prev_end = v->vm_prev ? vm_end_gap(v->vm_prev) : 0;
  return start > prev_end ? start - prev_end : 0;
}

// Colours, parent links, each node's tie to its VMA (back pointer and range
// copy) and rb_subtree_gap of the subtree; returns its black height.
inline int check_node(rb_node* n, rb_node* parent, std::vector<vm_area_struct*>& inorder) {
  if (!n) return 1;
  REQUIRE(rb_parent(n) == parent);
  if (rb_is_red(n)) {
    REQUIRE(parent != nullptr);
    REQUIRE(!rb_is_red(n->rb_left));
    REQUIRE(!rb_is_red(n->rb_right));
  }
  const vma_node* node = node_of(n);
  REQUIRE(node->vma->vm_node == node);
  REQUIRE(node->vm_start == node->vma->vm_start);
  REQUIRE(node->vm_end == node->vma->vm_end);
  const int lh = check_node(n->rb_left, n, inorder);
  inorder.push_back(node->vma);
  const int rh = check_node(n->rb_right, n, inorder);
  REQUIRE(lh == rh);
  unsigned long gap = expected_gap(node->vma);
  if (n->rb_left && node_of(n->rb_left)->rb_subtree_gap > gap) gap = node_of(n->rb_left)->rb_subtree_gap;
  if (n->rb_right && node_of(n->rb_right)->rb_subtree_gap > gap) gap = node_of(n->rb_right)->rb_subtree_gap;
  REQUIRE(node->rb_subtree_gap == gap);
  return lh + (rb_is_black(n) ? 1 : 0);
}

}  // namespace mm_check_detail

// Every structural invariant of mm's VMAs: the red-black tree, the list in
// the same order, sorted disjoint page-aligned VMAs below task_size,
// rb_subtree_gap and highest_vm_end, map_count, the vmacache, total_vm, and
// (with a PtModel) that present pages lie in VMAs with their permissions.
inline void check_mm(mm_struct* mm) {
  std::vector<vm_area_struct*> inorder;
  mm_check_detail::check_node(mm->mm_rb.rb_node, nullptr, inorder);
  REQUIRE(rb_is_black(mm->mm_rb.rb_node));
  const std::vector<vm_area_struct*> list = vma_list(mm);
  REQUIRE(list == inorder);
  REQUIRE(mm->map_count == static_cast<int>(list.size()));
  unsigned long total = 0;
  for (size_t i = 0; i < list.size(); i++) {
    vm_area_struct* v = list[i];
    REQUIRE(v->vm_mm == mm);
    REQUIRE(v->vm_start < v->vm_end);
    REQUIRE((v->vm_start & ~PAGE_MASK) == 0);
    REQUIRE((v->vm_end & ~PAGE_MASK) == 0);
    REQUIRE(v->vm_end <= mm->task_size);
    REQUIRE(v->vm_prev == (i ? list[i - 1] : nullptr));
    if (i) REQUIRE(list[i - 1]->vm_end <= v->vm_start);
    REQUIRE(v->vm_page_prot == vm_get_page_prot(v->vm_flags));
    if (!v->vm_object && !v->vm_file && !(v->vm_flags & VM_HUGETLB)) REQUIRE(v->vm_pgoff == v->vm_start >> PAGE_SHIFT);
    total += vma_pages(v);
  }
  REQUIRE(mm->highest_vm_end == (list.empty() ? 0 : vm_end_gap(list.back())));
  REQUIRE(mm->total_vm == total);
  for (auto& slot : mm->vmacache) {
    const vm_area_struct* c = slot.vma.load();
    if (c) REQUIRE(std::find(list.begin(), list.end(), c) != list.end());
  }
  // The VMA index: a sound B+tree holding every VMA under its vm_end, so it
  // answers find_vma for the VMA's first byte; empty while dropped.
  if (const char* e = btree_check(&mm->vma_index)) FAIL_CHECK("vma_index: " << e);
  if (mm->vma_index_valid) {
    REQUIRE(mm->vma_index.count == list.size());
    for (vm_area_struct* v : list) REQUIRE(vma_index_lookup(mm, v->vm_start) == v);
    if (!list.empty()) REQUIRE(vma_index_lookup(mm, list.back()->vm_end) == nullptr);
  } else {
    REQUIRE(mm->vma_index.root == nullptr);
  }
  if (PtModel* pt = static_cast<PtModel*>(mm->pt_ctx)) {
    for (const auto& [addr, prot] : pt->present) {
      vm_area_struct* v = find_vma(mm, addr);
      REQUIRE(v != nullptr);
      REQUIRE(v->vm_start <= addr);
      REQUIRE(prot == v->vm_page_prot);
    }
  }
}

// The tables as the MMU reads them (nothing is allocated or freed).
inline pte_t* table_at(void*, uint64_t pa) { return static_cast<pte_t*>(mm_phys_to_virt(pa)); }
constexpr PtAlloc kReadOnlyTables{nullptr, [](void*) -> uint64_t { return 0; }, [](void*, uint64_t) {}, table_at};

// Every leaf of mm's tables lies in a VMA with that VMA's permissions
// (plus W for pages a write fault made writable), and holds a reference.
inline void check_tables(mm_struct* mm) {
  struct Ctx {
    mm_struct* mm;
  } ctx{mm};
  PageTableEditor(mm->pgd, kReadOnlyTables)
      .for_each_leaf(
          0, TASK_SIZE,
          [](void* c, uintptr_t va, pte_t* e, unsigned level) {
            mm_struct* m = static_cast<Ctx*>(c)->mm;
            vm_area_struct* v = find_vma(m, va);
            REQUIRE(v);
            REQUIRE(v->vm_start <= va);
            REQUIRE(level == ((v->vm_flags & VM_HUGETLB) ? 1u : 0u));
            const pte_t expect = make_leaf(pte_pfn(*e) << PAGE_SHIFT, v->vm_page_prot);
            REQUIRE((*e & ~(_PAGE_WRITE | _PAGE_DIRTY)) == (expect & ~(_PAGE_WRITE | _PAGE_DIRTY)));
            if (*e & _PAGE_WRITE) REQUIRE((v->vm_flags & VM_WRITE) != 0);
            if (pte_pfn(*e) != zero_page_pa() >> PAGE_SHIFT) REQUIRE(page_ref_count(pfn_to_page(pte_pfn(*e))) >= 1);
          },
          &ctx);
}

