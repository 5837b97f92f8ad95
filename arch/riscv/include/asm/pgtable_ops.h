/*
 * Sv39 page-table editing: map, unmap, protect and translate ranges with
 * any leaf size, over page-table pages obtained through PtAlloc. The code
 * knows nothing about where table pages live, so the kernel (direct map,
 * boot pool or page allocator) and the host tests (a simulated physical
 * memory) run the same implementation (arch/riscv/mm/pgtable.cc).
 *
 *   level 2: 1 GiB per entry (root)   level 1: 2 MiB   level 0: 4 KiB
 *
 * Invariants kept: leaves carry A, and D exactly when writable (SiFive
 * cores fault rather than set them); non-leaf entries carry V only; a table
 * left with no valid entry by unmap() is freed and its parent entry
 * cleared. Changing part of a large leaf first splits it into a table of
 * next-level leaves with the same permissions. TLB maintenance is the
 * caller's (these functions only edit memory).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/pgtable.h>

struct PtAlloc {
  void* ctx;
  // Physical address of a zeroed page, or 0 when none is left.
  uint64_t (*alloc)(void* ctx);
  void (*free)(void* ctx, uint64_t pa);
  // Where the table page at physical address pa can be read and written.
  pte_t* (*table)(void* ctx, uint64_t pa);
};

enum class PtLevel : unsigned { Page = 0, Mega = 1, Giga = 2 };

constexpr uint64_t pt_level_size(unsigned level) { return uint64_t{PAGE_SIZE} << (9 * level); }

struct PtWalk {
  bool present;
  uint64_t pa;      // translated physical address
  pte_t pte;        // the leaf
  unsigned level;   // level of the leaf
};

class PageTableEditor {
 public:
  PageTableEditor(uint64_t root_pa, const PtAlloc& alloc) : root_(root_pa), alloc_(alloc) {}

  // Maps [va, va + size) to [pa, pa + size) with `prot` (V/R/W/X/U/G; A and
  // D are added), using leaves up to `max_level`. Fails with -EEXIST if any
  // page is already mapped, -EINVAL on misalignment or non-canonical va,
  // -ENOMEM when a table page cannot be had; on failure nothing is mapped.
  int map(uintptr_t va, uint64_t pa, size_t size, pte_t prot, PtLevel max_level);
  using LeafFn = void (*)(void* ctx, uintptr_t va, pte_t* entry, unsigned level);
  // Removes every mapping in the range (holes are fine); -ENOMEM only when
  // a large leaf straddling an end must be split and no table page is left.
  // fn (if any) sees each leaf just before it is cleared (after a split,
  // the pieces inside the range), in address order.
  int unmap(uintptr_t va, size_t size, LeafFn fn = nullptr, void* ctx = nullptr);
  // Sets the permissions of every mapped page in the range; holes stay holes.
  int protect(uintptr_t va, size_t size, pte_t prot);
  PtWalk walk(uintptr_t va) const;
  // Pointer to the leaf PTE mapping va (null if unmapped; PROT_NONE leaves
  // are returned), for A/D repair and fault handling.
  pte_t* leaf_entry(uintptr_t va, unsigned* level = nullptr) const;
  // Calls fn(ctx, va, entry, level) for every leaf (PROT_NONE too) that starts in
  // [start, end), in address order, skipping absent tables. fn may rewrite
  // or clear the leaf; it must not change the table structure.
  void for_each_leaf(uintptr_t start, uintptr_t end, LeafFn fn, void* ctx) const;
  // fork's copy: for every leaf (PROT_NONE too) that starts in [start, end),
  // in address order, dst gets fn(ctx, va, entry, level) at the same place,
  // with dst's tables created as needed (fn may also rewrite the source
  // leaf; a 0 it returns leaves dst's entry empty). One walk of both trees
  // instead of a map() from the root per leaf. -ENOMEM when a table cannot
  // be had, -EEXIST when dst maps something there already: the leaves copied
  // before the failure stay, with fn called for exactly those.
  using CopyFn = pte_t (*)(void* ctx, uintptr_t va, pte_t* entry, unsigned level);
  int copy_range(PageTableEditor& dst, uintptr_t start, uintptr_t end, CopyFn fn, void* ctx) const;

  uint64_t root() const { return root_; }

 private:
  enum class RangeOp { Unmap, Protect };
  struct RangeEdit {
    RangeOp op;
    pte_t prot;  // Protect
    LeafFn fn;   // Unmap: sees each leaf before it goes
    void* ctx;
  };
  int apply_range(uint64_t table_pa, unsigned level, uintptr_t start, uintptr_t end, const RangeEdit& edit);
  void walk_leaves(uint64_t table_pa, unsigned level, uintptr_t base, uintptr_t start, uintptr_t end, LeafFn fn,
                   void* ctx) const;
  long copy_table(PageTableEditor& dst, uint64_t src_pa, uint64_t dst_pa, unsigned level, uintptr_t base,
                  uintptr_t start, uintptr_t end, CopyFn fn, void* ctx) const;
  int split(pte_t* entry, unsigned level);
  bool table_empty(uint64_t table_pa) const;
  pte_t* table(uint64_t pa) const { return alloc_.table(alloc_.ctx, pa); }

  uint64_t root_;
  PtAlloc alloc_;
};

// Permission bits a caller may pass; everything else is derived.
constexpr pte_t PTE_PROT_MASK = _PAGE_VALID | _PAGE_READ | _PAGE_WRITE | _PAGE_EXEC | _PAGE_USER | _PAGE_GLOBAL;

// A leaf as the editor writes it: A always, D iff writable. Without any of
// R/W/X it is a PROT_NONE leaf (not valid, frame kept).
constexpr pte_t make_leaf(uint64_t pa, pte_t prot) {
  prot &= PTE_PROT_MASK;
  if (!(prot & (_PAGE_READ | _PAGE_WRITE | _PAGE_EXEC))) return pfn_pte(pa >> PAGE_SHIFT, _PAGE_PROT_NONE);
  return pfn_pte(pa >> PAGE_SHIFT, prot | _PAGE_VALID | _PAGE_ACCESSED | ((prot & _PAGE_WRITE) ? _PAGE_DIRTY : 0));
}
// What an entry is to the editor: nothing, a leaf (accessible or
// PROT_NONE), or a pointer to a next-level table.
constexpr bool pte_is_leaf(pte_t pte) { return pte_protnone(pte) || (pte_present(pte) && pte_leaf(pte)); }
constexpr bool pte_is_table(pte_t pte) { return pte_present(pte) && !pte_leaf(pte); }
constexpr bool pte_is_none(pte_t pte) { return !pte_present(pte) && !pte_protnone(pte); }

// Sv39 canonical: bits 63..39 equal bit 38.
constexpr bool va_canonical(uintptr_t va) {
  const uint64_t top = va >> 38;
  return top == 0 || top == (~uint64_t{0} >> 38);
}
