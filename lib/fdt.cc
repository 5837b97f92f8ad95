/*
 * Flattened device tree reader (see lib/fdt.h).
 *
 * Layout of a DTB:
 *
 *   +-----------------+ 0
 *   | header (40 B)   |  magic 0xd00dfeed, totalsize, block offsets, version
 *   +-----------------+ off_mem_rsvmap
 *   | memreserve map  |  {u64 address, u64 size} pairs ending in {0, 0}
 *   +-----------------+ off_dt_struct
 *   | structure block |  tokens: BEGIN_NODE name | PROP len nameoff data |
 *   |                 |          NOP | END_NODE | END, all 4-byte aligned
 *   +-----------------+ off_dt_strings
 *   | strings block   |  property names, NUL-terminated
 *   +-----------------+ totalsize
 *
 * open() validates everything a later accessor relies on, in one bounded
 * pass, so a truncated or corrupted blob is rejected up front and the
 * accessors below need no bounds checks of their own.
 */
#include <lib/fdt.h>

#include <lib/string.h>

namespace {

constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kHeaderSize = 40;
constexpr uint32_t kBeginNode = 1;
constexpr uint32_t kEndNode = 2;
constexpr uint32_t kProp = 3;
constexpr uint32_t kNop = 4;
constexpr uint32_t kEnd = 9;
constexpr unsigned kMaxDepth = 64;
constexpr unsigned kMaxMemreserve = 64;

constexpr uint32_t align4(uint32_t x) { return (x + 3) & ~3u; }

// Header field offsets.
enum HeaderField : uint32_t {
  kHdrMagic = 0,
  kHdrTotalSize = 4,
  kHdrOffStruct = 8,
  kHdrOffStrings = 12,
  kHdrOffRsvmap = 16,
  kHdrVersion = 20,
  kHdrLastComp = 24,
  kHdrSizeStrings = 32,
  kHdrSizeStruct = 36,
};

// True when [off, off + len) lies inside [0, limit).
bool inside(uint64_t off, uint64_t len, uint64_t limit) { return off <= limit && len <= limit - off; }

}  // namespace

DtError Fdt::open(const void* blob, size_t size, Fdt* out) {
  const auto* b = static_cast<const uint8_t*>(blob);
  if (!b || size < kHeaderSize) return DtError::Truncated;
  if (be32(b + kHdrMagic) != kMagic) return DtError::BadMagic;
  const uint32_t total = be32(b + kHdrTotalSize);
  if (total < kHeaderSize || total > size) return DtError::Truncated;
  const uint32_t version = be32(b + kHdrVersion);
  const uint32_t last_comp = be32(b + kHdrLastComp);
  if (version < 16 || last_comp > 17) return DtError::BadVersion;

  const uint32_t off_struct = be32(b + kHdrOffStruct);
  const uint32_t off_strings = be32(b + kHdrOffStrings);
  const uint32_t off_rsvmap = be32(b + kHdrOffRsvmap);
  const uint32_t size_strings = be32(b + kHdrSizeStrings);
  const uint32_t size_struct = version >= 17 ? be32(b + kHdrSizeStruct) : total - off_struct;
  if ((off_struct & 3) || (off_rsvmap & 7)) return DtError::BadStructure;
  if (off_struct < kHeaderSize || off_strings < kHeaderSize || off_rsvmap < kHeaderSize)
    return DtError::BadStructure;
  if (!inside(off_struct, size_struct, total) || !inside(off_strings, size_strings, total))
    return DtError::Truncated;

  Fdt f;
  f.blob_ = b;
  f.struct_ = b + off_struct;
  f.struct_size_ = size_struct & ~3u;
  f.strings_ = reinterpret_cast<const char*>(b + off_strings);
  f.strings_size_ = size_strings;
  f.rsvmap_ = b + off_rsvmap;
  f.total_size_ = total;

  // Memory reservation map: bounded count, must end inside the blob.
  unsigned n = 0;
  for (;; n++) {
    if (n > kMaxMemreserve || !inside(off_rsvmap + uint64_t{n} * 16, 16, total)) return DtError::Truncated;
    const uint8_t* e = f.rsvmap_ + n * 16;
    if (be64(e) == 0 && be64(e + 8) == 0) break;
  }
  f.rsv_count_ = n;

  // Structure block: one pass over every token.
  uint32_t off = 0;
  unsigned depth = 0;
  bool seen_root = false;
  for (;;) {
    if (!inside(off, 4, f.struct_size_)) return DtError::Truncated;
    const uint32_t tag = f.token(static_cast<int32_t>(off));
    off += 4;
    if (tag == kBeginNode) {
      if (depth == 0 && seen_root) return DtError::BadStructure;  // second root
      seen_root = true;
      if (++depth > kMaxDepth) return DtError::BadStructure;
      const uint32_t avail = f.struct_size_ - off;
      const void* nul = memchr(f.struct_ + off, '\0', avail);
      if (!nul) return DtError::Truncated;
      const uint32_t len = static_cast<uint32_t>(static_cast<const uint8_t*>(nul) - (f.struct_ + off)) + 1;
      off += align4(len);
      if (off > f.struct_size_) return DtError::Truncated;
    } else if (tag == kEndNode) {
      if (depth == 0) return DtError::BadStructure;
      depth--;
    } else if (tag == kProp) {
      if (depth == 0) return DtError::BadStructure;
      if (!inside(off, 8, f.struct_size_)) return DtError::Truncated;
      const uint32_t len = be32(f.struct_ + off);
      const uint32_t nameoff = be32(f.struct_ + off + 4);
      off += 8;
      if (!inside(off, len, f.struct_size_)) return DtError::Truncated;
      off += align4(len);
      if (off > f.struct_size_) return DtError::Truncated;
      if (nameoff >= f.strings_size_ || !memchr(f.strings_ + nameoff, '\0', f.strings_size_ - nameoff))
        return DtError::BadStrings;
    } else if (tag == kNop) {
      continue;
    } else if (tag == kEnd) {
      if (depth != 0 || !seen_root) return DtError::BadStructure;
      break;
    } else {
      return DtError::BadStructure;
    }
  }
  // The first token must open the root node (NOPs aside).
  if (f.token(f.skip_nops(0)) != kBeginNode) return DtError::BadStructure;
  *out = f;
  return DtError::None;
}

int32_t Fdt::skip_nops(int32_t off) const {
  while (token(off) == kNop) off += 4;
  return off;
}

int32_t Fdt::after_name(int32_t off) const {
  const char* n = reinterpret_cast<const char*>(struct_ + off + 4);
  return off + 4 + static_cast<int32_t>(align4(static_cast<uint32_t>(strlen(n)) + 1));
}

int32_t Fdt::after_prop(int32_t off) const {
  return off + 12 + static_cast<int32_t>(align4(be32(struct_ + off + 4)));
}

int32_t Fdt::after_subtree(int32_t off) const {
  unsigned depth = 0;
  for (;;) {
    const uint32_t tag = token(off);
    if (tag == kBeginNode) {
      depth++;
      off = after_name(off);
    } else if (tag == kEndNode) {
      off += 4;
      if (--depth == 0) return off;
    } else if (tag == kProp) {
      off = after_prop(off);
    } else if (tag == kNop) {
      off += 4;
    } else {
      return off;  // kEnd: cannot happen inside a validated node
    }
  }
}

FdtNode Fdt::first_child(FdtNode n) const {
  if (!n.valid()) return {};
  int32_t off = after_name(skip_nops(n.offset));
  for (;;) {
    const uint32_t tag = token(off);
    if (tag == kProp) off = after_prop(off);
    else if (tag == kNop) off += 4;
    else return tag == kBeginNode ? FdtNode{off} : FdtNode{};
  }
}

FdtNode Fdt::next_sibling(FdtNode n) const {
  if (!n.valid()) return {};
  const int32_t off = skip_nops(after_subtree(n.offset));
  return token(off) == kBeginNode ? FdtNode{off} : FdtNode{};
}

FdtNode Fdt::next_node(FdtNode n) const {
  if (!n.valid()) return {};
  int32_t off = after_name(n.offset);
  for (;;) {
    const uint32_t tag = token(off);
    if (tag == kBeginNode) return FdtNode{off};
    if (tag == kProp) off = after_prop(off);
    else if (tag == kNop || tag == kEndNode) off += 4;
    else return {};
  }
}

FdtNode Fdt::parent(FdtNode n) const {
  if (!n.valid() || n.offset == skip_nops(0)) return {};
  int32_t stack[kMaxDepth];
  unsigned depth = 0;
  int32_t off = 0;
  for (;;) {
    const uint32_t tag = token(off);
    if (tag == kBeginNode) {
      if (off == n.offset) return depth ? FdtNode{stack[depth - 1]} : FdtNode{};
      stack[depth++] = off;
      off = after_name(off);
    } else if (tag == kEndNode) {
      depth--;
      off += 4;
    } else if (tag == kProp) {
      off = after_prop(off);
    } else if (tag == kNop) {
      off += 4;
    } else {
      return {};
    }
  }
}

const char* Fdt::name(FdtNode n) const {
  if (!n.valid()) return "";
  return reinterpret_cast<const char*>(struct_ + skip_nops(n.offset) + 4);
}

FdtProp Fdt::prop_at(int32_t off) const {
  FdtProp p;
  p.len = be32(struct_ + off + 4);
  p.name = strings_ + be32(struct_ + off + 8);
  p.data = struct_ + off + 12;
  return p;
}

FdtProp Fdt::first_prop(FdtNode n) const {
  if (!n.valid()) return {};
  int32_t off = after_name(skip_nops(n.offset));
  off = skip_nops(off);
  return token(off) == kProp ? prop_at(off) : FdtProp{};
}

FdtProp Fdt::next_prop(FdtNode, const FdtProp& p) const {
  if (!p.valid()) return {};
  const int32_t this_off = static_cast<int32_t>(p.data - struct_) - 12;
  const int32_t off = skip_nops(after_prop(this_off));
  return token(off) == kProp ? prop_at(off) : FdtProp{};
}

FdtProp Fdt::prop(FdtNode n, const char* pname) const {
  for (FdtProp p = first_prop(n); p.valid(); p = next_prop(n, p))
    if (strcmp(p.name, pname) == 0) return p;
  return {};
}

uint32_t Fdt::prop_u32(FdtNode n, const char* pname, uint32_t fallback) const {
  const FdtProp p = prop(n, pname);
  return p.valid() && p.len >= 4 ? be32(p.data) : fallback;
}

uint64_t Fdt::prop_cells_u64(FdtNode n, const char* pname, uint64_t fallback) const {
  const FdtProp p = prop(n, pname);
  if (!p.valid()) return fallback;
  if (p.len == 4) return be32(p.data);
  if (p.len == 8) return be64(p.data);
  return fallback;
}

const char* Fdt::prop_string(FdtNode n, const char* pname) const {
  const FdtProp p = prop(n, pname);
  if (!p.valid() || p.len == 0 || p.data[p.len - 1] != '\0') return nullptr;
  return reinterpret_cast<const char*>(p.data);
}

bool Fdt::prop_has_string(FdtNode n, const char* pname, const char* value) const {
  const FdtProp p = prop(n, pname);
  if (!p.valid()) return false;
  const char* s = reinterpret_cast<const char*>(p.data);
  const char* end = s + p.len;
  while (s < end) {
    const size_t len = strnlen(s, static_cast<size_t>(end - s));
    if (len == static_cast<size_t>(end - s)) return false;  // unterminated tail
    if (strcmp(s, value) == 0) return true;
    s += len + 1;
  }
  return false;
}

bool Fdt::is_enabled(FdtNode n) const {
  const char* s = prop_string(n, "status");
  return !s || strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0;
}

FdtNode Fdt::find_path(const char* path) const {
  if (!path || path[0] != '/') return {};
  FdtNode node = FdtNode{skip_nops(0)};
  const char* p = path;
  while (*p == '/') p++;
  while (*p) {
    const char* end = strchr(p, '/');
    const size_t len = end ? static_cast<size_t>(end - p) : strlen(p);
    const bool has_unit = memchr(p, '@', len) != nullptr;
    FdtNode found;
    for (FdtNode c = first_child(node); c.valid(); c = next_sibling(c)) {
      const char* cn = name(c);
      if (strncmp(cn, p, len) == 0 && (cn[len] == '\0' || (!has_unit && cn[len] == '@'))) {
        found = c;
        break;
      }
    }
    if (!found.valid()) return {};
    node = found;
    p += len;
    while (*p == '/') p++;
  }
  return node;
}

FdtNode Fdt::find_phandle(uint32_t phandle) const {
  if (phandle == 0 || phandle == 0xffffffff) return {};
  for (FdtNode n = FdtNode{skip_nops(0)}; n.valid(); n = next_node(n)) {
    if (prop_u32(n, "phandle", 0) == phandle || prop_u32(n, "linux,phandle", 0) == phandle) return n;
  }
  return {};
}

FdtNode Fdt::resolve_alias(const char* alias) const {
  const FdtNode aliases = find_path("/aliases");
  const char* path = aliases.valid() ? prop_string(aliases, alias) : nullptr;
  return path ? find_path(path) : FdtNode{};
}

Fdt::RegCells Fdt::reg_cells_for(FdtNode n) const {
  RegCells rc;
  const FdtNode par = parent(n);
  if (!par.valid()) return rc;
  rc.address_cells = prop_u32(par, "#address-cells", 2);
  rc.size_cells = prop_u32(par, "#size-cells", 1);
  return rc;
}

uint64_t Fdt::read_cells(const uint8_t* p, uint32_t cells) const {
  uint64_t v = 0;
  for (uint32_t i = 0; i < cells; i++) v = v << 32 | be32(p + 4 * i);
  return v;
}

unsigned Fdt::reg_count(FdtNode n) const {
  const FdtProp p = prop(n, "reg");
  const RegCells rc = reg_cells_for(n);
  const uint32_t entry = 4 * (rc.address_cells + rc.size_cells);
  if (!p.valid() || entry == 0 || rc.address_cells > 2 || rc.size_cells > 2) return 0;
  return p.len / entry;
}

bool Fdt::reg(FdtNode n, unsigned index, uint64_t* base, uint64_t* size) const {
  const FdtProp p = prop(n, "reg");
  const RegCells rc = reg_cells_for(n);
  const uint32_t entry = 4 * (rc.address_cells + rc.size_cells);
  if (!p.valid() || entry == 0 || rc.address_cells > 2 || rc.size_cells > 2) return false;
  if (uint64_t{index + 1} * entry > p.len) return false;
  const uint8_t* e = p.data + index * entry;
  *base = read_cells(e, rc.address_cells);
  *size = read_cells(e + 4 * rc.address_cells, rc.size_cells);
  return true;
}

unsigned Fdt::memreserve_count() const { return rsv_count_; }

bool Fdt::memreserve(unsigned index, uint64_t* base, uint64_t* size) const {
  if (index >= rsv_count_) return false;
  *base = be64(rsvmap_ + index * 16);
  *size = be64(rsvmap_ + index * 16 + 8);
  return true;
}
