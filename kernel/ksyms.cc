/*
 * Symbol lookup over the table tools/gen-ksyms links into .ksyms:
 *
 *   u64 count
 *   { u64 addr; u32 name_offset; u32 reserved; } entries[count]   sorted by addr
 *   char names[]                                                   NUL-terminated
 *
 * The table holds text symbols only and is placed after all code, so the
 * second link pass that fills it in does not move any address it lists.
 */
#include <kernel/ksyms.h>

#include <lib/string.h>

extern "C" const uint64_t __ksyms_table[];
extern "C" char _etext[];

namespace {

struct Entry {
  uint64_t addr;
  uint32_t name_offset;
  uint32_t reserved;
};
static_assert(sizeof(Entry) == 16);

uint64_t count() { return __ksyms_table[0]; }
const Entry* entries() { return reinterpret_cast<const Entry*>(&__ksyms_table[1]); }
const char* names() { return reinterpret_cast<const char*>(entries() + count()); }

}  // namespace

KsymLookup ksym_lookup(uint64_t addr) {
  const uint64_t n = count();
  const Entry* e = entries();
  if (n == 0 || addr < e[0].addr || addr >= reinterpret_cast<uint64_t>(_etext)) return {nullptr, 0, 0, 0};
  // Last entry with e.addr <= addr.
  uint64_t lo = 0, hi = n;
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (e[mid].addr <= addr)
      lo = mid;
    else
      hi = mid;
  }
  const uint64_t end = lo + 1 < n ? e[lo + 1].addr : reinterpret_cast<uint64_t>(_etext);
  return {names() + e[lo].name_offset, e[lo].addr, addr - e[lo].addr, end - e[lo].addr};
}

void ksym_format(uint64_t addr, char* buf, size_t len) {
  const KsymLookup s = ksym_lookup(addr);
  if (s.name)
    snprintf(buf, len, "%s+0x%lx/0x%lx", s.name, s.offset, s.size);
  else
    snprintf(buf, len, "0x%016lx", addr);
}

uint64_t ksym_address(const char* name) {
  const Entry* e = entries();
  for (uint64_t i = 0; i < count(); i++)
    if (strcmp(names() + e[i].name_offset, name) == 0) return e[i].addr;
  return 0;
}
