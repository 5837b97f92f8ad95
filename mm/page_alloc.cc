// The buddy page allocator (see mm/page_alloc.h for the design).
#include <mm/page_alloc.h>

#include <kernel/errno.h>
#include <lib/string.h>

// mm/ code uses only names the host C library does not also declare
// (scnprintf, __builtin_memset): on the host it shares a namespace with
// <cstdio> via env.h's std::mutex.

uintptr_t mm_phys_virt_offset;
page* mem_map;
uint64_t map_start_pfn, map_end_pfn;

namespace {

Zone zones[MAX_NR_ZONES];
PageAllocErrors errors;

struct PerCpuPages {
  page* list;  // singly linked through page::next
  uint32_t count;
};
PerCpuPages pcp_lists[MM_MAX_CPUS][MAX_NR_ZONES];

Zone& zone_of_pfn(uint64_t pfn) { return zones[pfn < DMA32_LIMIT_PFN ? 0 : 1]; }

void list_add(FreeArea& a, page* p) {
  p->prev = nullptr;
  p->next = a.head;
  if (a.head) a.head->prev = p;
  a.head = p;
  a.nr_free++;
}

void list_del(FreeArea& a, page* p) {
  if (p->prev)
    p->prev->next = p->next;
  else
    a.head = p->next;
  if (p->next) p->next->prev = p->prev;
  p->next = p->prev = nullptr;
  a.nr_free--;
}

// Puts the block at pfn into z, merging with free buddies. Lock held.
void free_one_locked(Zone& z, uint64_t pfn, unsigned order) {
  while (order < MAX_ORDER - 1) {
    const uint64_t buddy = pfn ^ (uint64_t{1} << order);
    if (buddy < z.start_pfn || buddy + (uint64_t{1} << order) > z.end_pfn) break;
    page* b = pfn_to_page(buddy);
    if (!(b->flags & PG_buddy) || b->order != order) break;
    list_del(z.free_area[order], b);
    b->flags = 0;
    pfn &= ~(uint64_t{1} << order);
    order++;
  }
  page* p = pfn_to_page(pfn);
  p->flags = PG_buddy;
  p->order = static_cast<uint8_t>(order);
  list_add(z.free_area[order], p);
}

page* rmqueue(Zone& z, unsigned order, gfp_t gfp) {
  MmLockGuard g{z.lock};
  const uint64_t want = uint64_t{1} << order;
  if (z.free_pages < want) return nullptr;
  if (!(gfp & __GFP_HIGH) && z.free_pages - want < z.min_reserve) return nullptr;
  for (unsigned o = order; o < MAX_ORDER; o++) {
    page* p = z.free_area[o].head;
    if (!p) continue;
    list_del(z.free_area[o], p);
    p->flags = 0;
    const uint64_t pfn = page_to_pfn(p);
    while (o > order) {  // give back the upper halves
      o--;
      page* upper = pfn_to_page(pfn + (uint64_t{1} << o));
      upper->flags = PG_buddy;
      upper->order = static_cast<uint8_t>(o);
      list_add(z.free_area[o], upper);
    }
    z.free_pages -= want;
    return p;
  }
  return nullptr;
}

unsigned zone_index(const Zone& z) { return static_cast<unsigned>(&z - zones); }

// One order-0 page off the buddy lists, honouring the reserve. Lock held.
page* take_one_locked(Zone& z, gfp_t gfp) {
  if (z.free_pages == 0 || (!(gfp & __GFP_HIGH) && z.free_pages - 1 < z.min_reserve)) return nullptr;
  for (unsigned o = 0; o < MAX_ORDER; o++) {
    page* p = z.free_area[o].head;
    if (!p) continue;
    list_del(z.free_area[o], p);
    p->flags = 0;
    const uint64_t pfn = page_to_pfn(p);
    while (o > 0) {
      o--;
      page* upper = pfn_to_page(pfn + (uint64_t{1} << o));
      upper->flags = PG_buddy;
      upper->order = static_cast<uint8_t>(o);
      list_add(z.free_area[o], upper);
    }
    z.free_pages--;
    return p;
  }
  return nullptr;
}

// Order 0 through this CPU's list: refill a batch when it is empty.
page* rmqueue_pcp(Zone& z, gfp_t gfp) {
  MmIrqGuard irq;
  PerCpuPages& pc = pcp_lists[mm_this_cpu()][zone_index(z)];
  if (!pc.list) {
    MmLockGuard g{z.lock};
    for (uint32_t i = 0; i < PCP_BATCH; i++) {
      page* p = take_one_locked(z, gfp);
      if (!p) break;
      p->next = pc.list;
      pc.list = p;
      pc.count++;
    }
  }
  page* p = pc.list;
  if (p) {
    pc.list = p->next;
    pc.count--;
  }
  return p;
}

// Moves up to n pages from the list back into the buddy lists.
void drain_pcp(Zone& z, PerCpuPages& pc, uint32_t n) {
  MmLockGuard g{z.lock};
  for (; n && pc.list; n--) {
    page* p = pc.list;
    pc.list = p->next;
    pc.count--;
    free_one_locked(z, page_to_pfn(p), 0);
    z.free_pages++;
  }
}

void warn_failure(gfp_t gfp, unsigned order) {
  const uint64_t n = __atomic_add_fetch(&errors.failures, 1, __ATOMIC_RELAXED);
  // Rate limit: the 1st, 2nd, 4th, 8th ... failure is reported.
  if ((gfp & __GFP_NOWARN) || (n & (n - 1))) return;
  mm_warn("page allocation failure: order:%u, gfp:0x%x (failure #%lu)\n", order, gfp, static_cast<unsigned long>(n));
  for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
    const ZoneStats s = zone_stats(static_cast<ZoneType>(zi));
    if (!s.present) continue;
    char line[256];
    size_t len = static_cast<size_t>(scnprintf(line, sizeof(line), "  %s free:%lu:", zones[zi].name,
                                              static_cast<unsigned long>(s.free)));
    for (unsigned o = 0; o < MAX_ORDER; o++)
      len += static_cast<size_t>(scnprintf(line + len, sizeof(line) - len, " %lu*%uk",
                                          static_cast<unsigned long>(s.nr_free[o]), 4u << o));
    mm_warn("%s\n", line);
  }
}

void bad_free(const page* p, unsigned order, const char* why) {
  __atomic_add_fetch(&errors.bad_frees, 1, __ATOMIC_RELAXED);
  mm_warn("BUG: bad page free: pfn 0x%lx order %u: %s; ignored\n", static_cast<unsigned long>(page_to_pfn(p)), order, why);
}

}  // namespace

void free_area_init(page* map, uint64_t start_pfn, uint64_t end_pfn) {
  mem_map = map;
  map_start_pfn = start_pfn;
  map_end_pfn = end_pfn;
  for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn++) {
    page* p = pfn_to_page(pfn);
    *p = page{};
    p->owner = PageOwner::Reserved;
    p->refcount = 1;
    p->zone = pfn < DMA32_LIMIT_PFN ? 0 : 1;
  }
  const char* names[MAX_NR_ZONES] = {"DMA32", "Normal"};
  for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
    Zone& zone = zones[z];
    zone.name = names[z];
    zone.managed_pages = zone.free_pages = zone.min_reserve = 0;
    for (FreeArea& a : zone.free_area) a = FreeArea{nullptr, 0};
    const uint64_t lo = z == 0 ? 0 : DMA32_LIMIT_PFN;
    const uint64_t hi = z == 0 ? DMA32_LIMIT_PFN : ~uint64_t{0};
    zone.start_pfn = start_pfn > lo ? start_pfn : lo;
    zone.end_pfn = end_pfn < hi ? end_pfn : hi;
    if (zone.end_pfn < zone.start_pfn) zone.end_pfn = zone.start_pfn;
  }
  errors = PageAllocErrors{};
  for (auto& cpu_lists : pcp_lists)
    for (PerCpuPages& pc : cpu_lists) pc = PerCpuPages{nullptr, 0};
}

void free_pages_range(uint64_t start_pfn, uint64_t end_pfn) {
  if (start_pfn < map_start_pfn) start_pfn = map_start_pfn;
  if (end_pfn > map_end_pfn) end_pfn = map_end_pfn;
  for (uint64_t pfn = start_pfn; pfn < end_pfn;) {
    Zone& z = zone_of_pfn(pfn);
    const uint64_t limit = end_pfn < z.end_pfn ? end_pfn : z.end_pfn;
    unsigned order = MAX_ORDER - 1;
    while (order > 0 && ((pfn & ((uint64_t{1} << order) - 1)) || pfn + (uint64_t{1} << order) > limit)) order--;
    const uint64_t n = uint64_t{1} << order;
    for (uint64_t i = 0; i < n; i++) {
      page* p = pfn_to_page(pfn + i);
      p->owner = PageOwner::Free;
      p->refcount = 0;
      p->flags = 0;
    }
    MmLockGuard g{z.lock};
    free_one_locked(z, pfn, order);
    z.managed_pages += n;
    z.free_pages += n;
    pfn += n;
  }
}

void setup_min_reserves() {
  for (Zone& z : zones) {
    const uint64_t r = z.managed_pages / 256;
    z.min_reserve = z.managed_pages ? (r < 16 ? 16 : r) : 0;
  }
}

page* alloc_pages(gfp_t gfp, unsigned order) {
  if (order >= MAX_ORDER) {
    warn_failure(gfp, order);
    return nullptr;
  }
  Zone* list[MAX_NR_ZONES];
  unsigned n = 0;
  if (!(gfp & __GFP_DMA32)) list[n++] = &zones[static_cast<unsigned>(ZoneType::Normal)];
  list[n++] = &zones[static_cast<unsigned>(ZoneType::DMA32)];
  page* p = nullptr;
  for (unsigned i = 0; i < n && !p; i++) p = order == 0 ? rmqueue_pcp(*list[i], gfp) : rmqueue(*list[i], order, gfp);
  // __GFP_NOFAIL: there is no reclaim to wait for, so the one further
  // attempt is into the reserve; a failure then is reported, not hidden.
  for (unsigned i = 0; i < n && !p && (gfp & __GFP_NOFAIL); i++) p = rmqueue(*list[i], order, gfp | __GFP_HIGH);
  if (!p) {
    warn_failure(gfp & __GFP_NOFAIL ? gfp & ~__GFP_NOWARN : gfp, order);
    return nullptr;
  }
  const uint64_t count = uint64_t{1} << order;
  for (uint64_t i = 0; i < count; i++) {
    page* q = p + i;
    q->owner = PageOwner::Kernel;
    q->flags = 0;
    q->refcount = 0;
    if ((gfp & __GFP_COMP) && i) {
      q->flags = PG_tail;
      q->compound_head = p;
    }
  }
  p->refcount = 1;
  p->order = static_cast<uint8_t>(order);
  if ((gfp & __GFP_COMP) && order) p->flags = PG_head;
  if (gfp & __GFP_ZERO) __builtin_memset(page_address(p), 0, count * MM_PAGE_SIZE);
  return p;
}

void __free_pages(page* p, unsigned order) {
  if (!p) return;
  if (p < mem_map || p >= mem_map + (map_end_pfn - map_start_pfn)) {
    __atomic_add_fetch(&errors.bad_frees, 1, __ATOMIC_RELAXED);
    mm_warn("BUG: bad page free: %p is not a struct page; ignored\n", static_cast<void*>(p));
    return;
  }
  if (p->owner == PageOwner::Free || (p->flags & PG_buddy)) return bad_free(p, order, "already free (double free)");
  if (p->owner == PageOwner::Reserved) return bad_free(p, order, "reserved page");
  if (p->flags & PG_tail) return bad_free(p, order, "tail of a compound page");
  if (order != p->order) return bad_free(p, order, "order differs from the allocation's");
  const int32_t left = __atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL);
  if (left > 0) return;
  if (left < 0) return bad_free(p, order, "reference count below zero");
  const uint64_t count = uint64_t{1} << order;
  for (uint64_t i = 0; i < count; i++) {
    p[i].owner = PageOwner::Free;
    p[i].flags = 0;
  }
  const uint64_t pfn = page_to_pfn(p);
  Zone& z = zone_of_pfn(pfn);
  if (order == 0) {
    MmIrqGuard irq;
    PerCpuPages& pc = pcp_lists[mm_this_cpu()][zone_index(z)];
    p->next = pc.list;
    pc.list = p;
    if (++pc.count > PCP_HIGH) drain_pcp(z, pc, PCP_BATCH);
    return;
  }
  MmLockGuard g{z.lock};
  free_one_locked(z, pfn, order);
  z.free_pages += count;
}

void drain_local_pages() {
  MmIrqGuard irq;
  for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
    PerCpuPages& pc = pcp_lists[mm_this_cpu()][zi];
    drain_pcp(zones[zi], pc, pc.count);
  }
}

uint64_t __get_free_pages(gfp_t gfp, unsigned order) {
  page* p = alloc_pages(gfp, order);
  return p ? reinterpret_cast<uint64_t>(page_address(p)) : 0;
}

void free_pages(uint64_t addr, unsigned order) {
  if (addr) __free_pages(virt_to_page(reinterpret_cast<void*>(addr)), order);
}


ZoneStats zone_stats(ZoneType zt) {
  Zone& z = zones[static_cast<unsigned>(zt)];
  ZoneStats s{};
  MmLockGuard g{z.lock};
  s.present = z.managed_pages != 0;
  s.managed = z.managed_pages;
  s.free = z.free_pages;
  for (unsigned c = 0; c < MM_MAX_CPUS; c++) s.pcp += __atomic_load_n(&pcp_lists[c][static_cast<unsigned>(zt)].count, __ATOMIC_RELAXED);
  for (unsigned o = 0; o < MAX_ORDER; o++) s.nr_free[o] = z.free_area[o].nr_free;
  return s;
}

uint64_t nr_free_pages() {
  uint64_t n = 0;
  for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
    n += __atomic_load_n(&zones[zi].free_pages, __ATOMIC_RELAXED);
    for (unsigned c = 0; c < MM_MAX_CPUS; c++) n += __atomic_load_n(&pcp_lists[c][zi].count, __ATOMIC_RELAXED);
  }
  return n;
}

uint64_t totalram_pages() {
  uint64_t n = 0;
  for (Zone& z : zones) n += z.managed_pages;
  return n;
}

size_t meminfo_format(char* buf, size_t size) {
  const auto kb = [](uint64_t pages) { return static_cast<unsigned long>(pages * (MM_PAGE_SIZE / 1024)); };
  return static_cast<size_t>(scnprintf(buf, size,
                                       "MemTotal:       %8lu kB\n"
                                       "MemFree:        %8lu kB\n"
                                       "MemAvailable:   %8lu kB\n",
                                       kb(totalram_pages()), kb(nr_free_pages()), kb(nr_free_pages())));
}

PageAllocErrors page_alloc_errors() { return errors; }
