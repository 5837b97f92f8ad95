// Shared anonymous memory objects (see mm/include/mm/shmem.h).
#include <mm/shmem.h>

#include <new>

#include <mm/mmap.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

shmem_object* shmem_create(unsigned long nr_pages, unsigned order, long charge) {
  if (charge && security_vm_enough_memory_mm(nullptr, charge)) return nullptr;
  const unsigned long nr_slots = nr_pages >> order;
  void* mem = kmalloc(sizeof(shmem_object), GFP_KERNEL);
  page** slots = static_cast<page**>(kcalloc(nr_slots, sizeof(page*), GFP_KERNEL));
  if (!mem || !slots) {
    kfree(mem);
    kfree(slots);
    vm_unacct_memory(charge);
    return nullptr;
  }
  auto* obj = new (mem) shmem_object{};
  obj->refs.store(1, std::memory_order_relaxed);
  obj->nr_slots = nr_slots;
  obj->order = order;
  obj->charged = charge;
  obj->slots = slots;
  return obj;
}

void shmem_get(shmem_object* obj) { obj->refs.fetch_add(1, std::memory_order_relaxed); }

void shmem_put(shmem_object* obj) {
  if (obj->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  for (unsigned long i = 0; i < obj->nr_slots; i++)
    if (obj->slots[i]) put_page(obj->slots[i]);
  vm_unacct_memory(obj->charged);
  kfree(obj->slots);
  obj->~shmem_object();
  kfree(obj);
}

page* shmem_get_page(shmem_object* obj, unsigned long index) {
  if (index >= obj->nr_slots) return nullptr;
  MmLockGuard g{obj->lock};
  page*& slot = obj->slots[index];
  if (!slot) {
    const gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | (obj->order ? __GFP_COMP : 0);
    slot = alloc_pages(gfp, obj->order);
    if (!slot) return nullptr;
    slot->owner = PageOwner::Anon;
  }
  get_page(slot);
  return slot;
}
