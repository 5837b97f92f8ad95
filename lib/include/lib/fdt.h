/*
 * A reader for flattened device trees (DTB, devicetree specification v0.4).
 *
 * Fdt::open() checks the header and walks the whole structure block once;
 * after that every accessor can trust the token stream (names terminated,
 * property lengths inside the block, string offsets inside the strings
 * block, nodes balanced). Nodes are handles holding the offset of their
 * FDT_BEGIN_NODE token. All multi-byte values are big-endian and read a byte
 * at a time, so the blob may sit at any alignment.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lib/dtinfo.h>

struct FdtNode {
  int32_t offset = -1;
  bool valid() const { return offset >= 0; }
  bool operator==(const FdtNode&) const = default;
};

struct FdtProp {
  const char* name = nullptr;
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  bool valid() const { return name != nullptr; }
};

class Fdt {
 public:
  // Validates the blob (size = bytes known readable) and fills *out.
  static DtError open(const void* blob, size_t size, Fdt* out);

  uint32_t total_size() const { return total_size_; }

  FdtNode root() const { return FdtNode{0}; }
  FdtNode first_child(FdtNode n) const;
  FdtNode next_sibling(FdtNode n) const;
  FdtNode parent(FdtNode n) const;  // O(size of tree)
  // Full node name including unit address, e.g. "cpu@1".
  const char* name(FdtNode n) const;
  // "/cpus", "/soc/serial@10000000"; a component without "@unit" also
  // matches a node whose name is that component followed by "@...".
  FdtNode find_path(const char* path) const;
  FdtNode find_phandle(uint32_t phandle) const;
  // Depth-first successor of n over the whole tree (skips nothing).
  FdtNode next_node(FdtNode n) const;

  FdtProp first_prop(FdtNode n) const;
  FdtProp next_prop(FdtNode n, const FdtProp& p) const;
  FdtProp prop(FdtNode n, const char* name) const;

  // Typed helpers; `fallback` when absent or too short.
  uint32_t prop_u32(FdtNode n, const char* name, uint32_t fallback) const;
  // A u32 or u64 (by length) property, as used by linux,initrd-*.
  uint64_t prop_cells_u64(FdtNode n, const char* name, uint64_t fallback) const;
  // The property as a string when it is NUL-terminated inside its data.
  const char* prop_string(FdtNode n, const char* name) const;
  // True when the string list `prop` contains `value`.
  bool prop_has_string(FdtNode n, const char* name, const char* value) const;
  bool is_compatible(FdtNode n, const char* compat) const { return prop_has_string(n, "compatible", compat); }
  // status absent, "okay" or "ok".
  bool is_enabled(FdtNode n) const;

  // reg decoding with the parent's #address-cells / #size-cells.
  struct RegCells {
    uint32_t address_cells = 2;
    uint32_t size_cells = 1;
  };
  RegCells reg_cells_for(FdtNode n) const;
  unsigned reg_count(FdtNode n) const;
  bool reg(FdtNode n, unsigned index, uint64_t* base, uint64_t* size) const;

  unsigned memreserve_count() const;
  bool memreserve(unsigned index, uint64_t* base, uint64_t* size) const;

  // Resolves an alias name ("serial0") through /aliases to a node.
  FdtNode resolve_alias(const char* alias) const;

  static uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
  }
  static uint64_t be64(const uint8_t* p) { return uint64_t{be32(p)} << 32 | be32(p + 4); }

 private:
  uint32_t token(int32_t off) const { return be32(struct_ + off); }
  // Offset just past the BEGIN_NODE token and its padded name.
  int32_t after_name(int32_t off) const;
  // Offset just past the PROP token at off.
  int32_t after_prop(int32_t off) const;
  // Skips NOPs starting at off.
  int32_t skip_nops(int32_t off) const;
  // Offset just past the END_NODE that closes the node at off.
  int32_t after_subtree(int32_t off) const;
  FdtProp prop_at(int32_t off) const;
  uint64_t read_cells(const uint8_t* p, uint32_t cells) const;

  const uint8_t* blob_ = nullptr;
  const uint8_t* struct_ = nullptr;
  uint32_t struct_size_ = 0;
  const char* strings_ = nullptr;
  uint32_t strings_size_ = 0;
  const uint8_t* rsvmap_ = nullptr;
  unsigned rsv_count_ = 0;
  uint32_t total_size_ = 0;
};
