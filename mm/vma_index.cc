// The VMA index (see mm/vma_index.h): its node cache, and keeping it in
// step with the VMA list, or dropping it when it cannot be.
#include <kernel/errno.h>
#include <mm/mmap.h>
#include <mm/slab.h>
#include <mm/vma_index.h>

namespace {

kmem_cache* vma_index_cachep;

btree_node* node_alloc(void*) { return static_cast<btree_node*>(kmem_cache_alloc(vma_index_cachep, GFP_KERNEL)); }
void node_free(btree_node* node, void*) { kmem_cache_free(vma_index_cachep, node); }
constexpr btree_alloc kNodes{node_alloc, node_free, nullptr};

// The index disagreeing with the VMA list is a bug: say so, then carry on
// without it.
void drop_inconsistent(mm_struct* mm, const char* what, const vm_area_struct* vma) {
  mm_warn("vma_index: %s [%#lx, %#lx) failed; find_vma searches mm_rb until it is rebuilt\n", what,
          vma->vm_start, vma->vm_end);
  vma_index_drop(mm);
}

// From the list, which is complete and sorted; all or nothing.
void rebuild(mm_struct* mm) {
  for (vm_area_struct* vma = mm->mmap; vma; vma = vma->vm_next) {
    if (btree_insert(&mm->vma_index, vma->vm_end, vma, kNodes)) {
      btree_destroy(&mm->vma_index, kNodes);
      return;
    }
  }
  mm->vma_index_valid = true;
}

}  // namespace

void vma_index_init() {
  vma_index_cachep = kmem_cache_create("vma_index", sizeof(btree_node), alignof(btree_node),
                                       SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, nullptr);
}

void vma_index_insert(mm_struct* mm, vm_area_struct* vma) {
  if (!mm->vma_index_valid) {
    rebuild(mm);  // vma is on the list already
    return;
  }
  const int err = btree_insert(&mm->vma_index, vma->vm_end, vma, kNodes);
  if (err == -ENOMEM) vma_index_drop(mm);
  else if (err) drop_inconsistent(mm, "insert", vma);
}

void vma_index_erase(mm_struct* mm, vm_area_struct* vma) {
  if (mm->vma_index_valid && btree_erase(&mm->vma_index, vma->vm_end, kNodes) != vma)
    drop_inconsistent(mm, "erase", vma);
}

void vma_index_update(mm_struct* mm, vm_area_struct* vma, unsigned long old_end) {
  if (mm->vma_index_valid && old_end != vma->vm_end && !btree_update_key(&mm->vma_index, old_end, vma->vm_end))
    drop_inconsistent(mm, "update", vma);
}

void vma_index_drop(mm_struct* mm) {
  btree_destroy(&mm->vma_index, kNodes);
  mm->vma_index_valid = false;
}

void vma_index_destroy(mm_struct* mm) {
  btree_destroy(&mm->vma_index, kNodes);
  mm->vma_index_valid = true;
}
