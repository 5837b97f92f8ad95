// Sv39 page-table editing (see asm/pgtable_ops.h for the contract).
#include <asm/pgtable_ops.h>

#include <kernel/errno.h>

namespace {

constexpr unsigned kTopLevel = 2;

unsigned index_at(uintptr_t va, unsigned level) { return (va >> (PAGE_SHIFT + 9 * level)) & (PTRS_PER_PT - 1); }
uint64_t pte_pa(pte_t pte) { return pte_pfn(pte) << PAGE_SHIFT; }
uint64_t level_mask(unsigned level) { return pt_level_size(level) - 1; }

// The entries of a table at `level` mapping [base, base + 512 * entry size)
// that [start, end) touches, as [*first, *last]; false when none does.
bool index_span(unsigned level, uintptr_t base, uintptr_t start, uintptr_t end, unsigned* first, unsigned* last) {
  const unsigned shift = PAGE_SHIFT + 9 * level;
  const uintptr_t top = base + (pt_level_size(level) * PTRS_PER_PT - 1);  // inclusive: no wrap at the top level
  if (end <= base || start > top) return false;
  *first = start <= base ? 0 : static_cast<unsigned>((start - base) >> shift);
  *last = end - 1 >= top ? PTRS_PER_PT - 1 : static_cast<unsigned>((end - 1 - base) >> shift);
  return true;
}

}  // namespace

pte_t* PageTableEditor::leaf_entry(uintptr_t va, unsigned* level_out) const {
  uint64_t table_pa = root_;
  for (unsigned level = kTopLevel;; level--) {
    pte_t* e = &table(table_pa)[index_at(va, level)];
    if (pte_is_none(*e)) return nullptr;
    if (pte_is_leaf(*e)) {
      if (level_out) *level_out = level;
      return e;
    }
    if (level == 0) return nullptr;  // a non-leaf at level 0 is malformed
    table_pa = pte_pa(*e);
  }
}

PtWalk PageTableEditor::walk(uintptr_t va) const {
  unsigned level = 0;
  const pte_t* e = va_canonical(va) ? leaf_entry(va, &level) : nullptr;
  if (!e || !pte_present(*e)) return {false, 0, 0, 0};
  return {true, pte_pa(*e) + (va & level_mask(level)), *e, level};
}

int PageTableEditor::map(uintptr_t va, uint64_t pa, size_t size, pte_t prot, PtLevel max_level) {
  if ((va | pa | size) & (PAGE_SIZE - 1) || size == 0) return -EINVAL;
  if (!va_canonical(va) || !va_canonical(va + size - 1) || va + size - 1 < va) return -EINVAL;
  size_t done = 0;
  while (done < size) {
    const uintptr_t v = va + done;
    const uint64_t p = pa + done;
    unsigned leaf_level = static_cast<unsigned>(max_level);
    while (leaf_level > 0 &&
           (((v | p) & level_mask(leaf_level)) != 0 || size - done < pt_level_size(leaf_level)))
      leaf_level--;
    uint64_t table_pa = root_;
    int err = 0;
    // Tables this step created: still empty if the step fails.
    pte_t* fresh_entry[kTopLevel] = {};
    uint64_t fresh_pa[kTopLevel] = {};
    unsigned fresh = 0;
    for (unsigned level = kTopLevel; level > leaf_level; level--) {
      pte_t* e = &table(table_pa)[index_at(v, level)];
      if (pte_is_none(*e)) {
        const uint64_t child = alloc_.alloc(alloc_.ctx);
        if (!child) {
          err = -ENOMEM;
          break;
        }
        *e = pfn_pte(child >> PAGE_SHIFT, PAGE_TABLE);
        fresh_entry[fresh] = e;
        fresh_pa[fresh++] = child;
      } else if (pte_is_leaf(*e)) {
        err = -EEXIST;
        break;
      }
      table_pa = pte_pa(*e);
    }
    if (!err) {
      pte_t* e = &table(table_pa)[index_at(v, leaf_level)];
      if (!pte_is_none(*e)) err = -EEXIST;
      else *e = make_leaf(p, prot);
    }
    if (err) {
      // Roll back: this call maps all or nothing.
      while (fresh--) {
        *fresh_entry[fresh] = 0;
        alloc_.free(alloc_.ctx, fresh_pa[fresh]);
      }
      unmap(va, done);
      return err;
    }
    done += pt_level_size(leaf_level);
  }
  return 0;
}

int PageTableEditor::split(pte_t* entry, unsigned level) {
  const uint64_t child = alloc_.alloc(alloc_.ctx);
  if (!child) return -ENOMEM;
  pte_t* t = table(child);
  const uint64_t base = pte_pa(*entry);
  const pte_t prot = pte_protnone(*entry) ? 0 : *entry & PTE_PROT_MASK;
  for (unsigned i = 0; i < PTRS_PER_PT; i++) t[i] = make_leaf(base + i * pt_level_size(level - 1), prot);
  *entry = pfn_pte(child >> PAGE_SHIFT, PAGE_TABLE);
  return 0;
}

bool PageTableEditor::table_empty(uint64_t table_pa) const {
  const pte_t* t = table(table_pa);
  for (unsigned i = 0; i < PTRS_PER_PT; i++)
    if (!pte_is_none(t[i])) return false;
  return true;
}

// Applies the edit to [start, end), which lies inside the span of the table
// at `level`: a leaf the range covers whole is cleared (Unmap, after the
// edit's fn saw it) or rewritten (Protect); a leaf it covers in part is
// split first and the edit recurses into the new table; a table unmapping
// leaves empty is freed (without a scan when the range covered all of it).
int PageTableEditor::apply_range(uint64_t table_pa, unsigned level, uintptr_t start, uintptr_t end,
                                 const RangeEdit& edit) {
  const uint64_t span = pt_level_size(level);
  for (uintptr_t v = start; v < end;) {
    const uintptr_t entry_end = (v & ~level_mask(level)) + span;
    const uintptr_t stop = entry_end < end || entry_end == 0 ? entry_end : end;
    pte_t* e = &table(table_pa)[index_at(v, level)];
    if (!pte_is_none(*e)) {
      const bool whole = (v & level_mask(level)) == 0 && stop - v == span;
      if (pte_is_leaf(*e) && whole) {
        if (edit.op == RangeOp::Unmap) {
          if (edit.fn) edit.fn(edit.ctx, v, e, level);
          *e = 0;
        } else {
          *e = make_leaf(pte_pa(*e), edit.prot);
        }
      } else {
        if (pte_is_leaf(*e)) {
          if (const int err = split(e, level)) return err;
        }
        const uint64_t child = pte_pa(*e);
        if (const int err = apply_range(child, level - 1, v, stop, edit)) return err;
        if (edit.op == RangeOp::Unmap && (whole || table_empty(child))) {
          *e = 0;
          alloc_.free(alloc_.ctx, child);
        }
      }
    }
    if (stop == 0) break;  // wrapped at the top of the address space
    v = stop;
  }
  return 0;
}

int PageTableEditor::unmap(uintptr_t va, size_t size, LeafFn fn, void* ctx) {
  if ((va | size) & (PAGE_SIZE - 1)) return -EINVAL;
  if (size == 0) return 0;
  return apply_range(root_, kTopLevel, va, va + size, RangeEdit{RangeOp::Unmap, 0, fn, ctx});
}

int PageTableEditor::protect(uintptr_t va, size_t size, pte_t prot) {
  if ((va | size) & (PAGE_SIZE - 1)) return -EINVAL;
  if (size == 0) return 0;
  return apply_range(root_, kTopLevel, va, va + size, RangeEdit{RangeOp::Protect, prot, nullptr, nullptr});
}

// The table at `level` maps [base, base + 512 * entry size).
void PageTableEditor::walk_leaves(uint64_t table_pa, unsigned level, uintptr_t base, uintptr_t start, uintptr_t end,
                                  LeafFn fn, void* ctx) const {
  unsigned first, last;
  if (!index_span(level, base, start, end, &first, &last)) return;
  const uint64_t span = pt_level_size(level);
  pte_t* t = table(table_pa);
  for (unsigned i = first; i <= last; i++) {
    const uintptr_t va = base + i * span;
    if (pte_is_none(t[i])) continue;
    if (pte_is_leaf(t[i])) {
      if (va >= start) fn(ctx, va, &t[i], level);
    } else if (level > 0) {
      walk_leaves(pte_pa(t[i]), level - 1, va, start, end, fn, ctx);
    }
  }
}

// Copies the leaves of this table that start in [start, end) into dst_pa's,
// through fn; returns the entries it set in dst_pa's table (or -ENOMEM /
// -EEXIST). A table it creates and leaves empty is freed again.
long PageTableEditor::copy_table(PageTableEditor& dst, uint64_t src_pa, uint64_t dst_pa, unsigned level,
                                 uintptr_t base, uintptr_t start, uintptr_t end, CopyFn fn, void* ctx) const {
  unsigned first, last;
  if (!index_span(level, base, start, end, &first, &last)) return 0;
  const uint64_t span = pt_level_size(level);
  pte_t* s = table(src_pa);
  pte_t* d = dst.table(dst_pa);
  long set = 0;
  for (unsigned i = first; i <= last; i++) {
    const uintptr_t va = base + i * span;
    if (pte_is_none(s[i])) continue;
    if (pte_is_leaf(s[i])) {
      if (va < start) continue;  // starts before the range: not ours to copy
      if (!pte_is_none(d[i])) return -EEXIST;
      d[i] = fn(ctx, va, &s[i], level);
      set += !pte_is_none(d[i]);
      continue;
    }
    if (level == 0) continue;  // malformed: a non-leaf at level 0
    bool fresh = false;
    if (pte_is_none(d[i])) {
      const uint64_t child = dst.alloc_.alloc(dst.alloc_.ctx);
      if (!child) return -ENOMEM;
      d[i] = pfn_pte(child >> PAGE_SHIFT, PAGE_TABLE);
      fresh = true;
    } else if (pte_is_leaf(d[i])) {
      return -EEXIST;
    }
    const uint64_t child = pte_pa(d[i]);
    const long n = copy_table(dst, pte_pa(s[i]), child, level - 1, va, start, end, fn, ctx);
    if (fresh && (n == 0 || (n < 0 && dst.table_empty(child)))) {
      d[i] = 0;
      dst.alloc_.free(dst.alloc_.ctx, child);
    } else {
      set++;
    }
    if (n < 0) return n;
  }
  return set;
}

int PageTableEditor::copy_range(PageTableEditor& dst, uintptr_t start, uintptr_t end, CopyFn fn, void* ctx) const {
  if (start >= end) return 0;
  const long n = copy_table(dst, root_, dst.root_, kTopLevel, 0, start, end, fn, ctx);
  return n < 0 ? static_cast<int>(n) : 0;
}

void PageTableEditor::for_each_leaf(uintptr_t start, uintptr_t end, LeafFn fn, void* ctx) const {
  if (start < end) walk_leaves(root_, kTopLevel, 0, start, end, fn, ctx);
}
