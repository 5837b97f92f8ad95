// The kernel's own symbol table (section .ksyms, made by tools/gen-ksyms).
#pragma once

#include <stddef.h>
#include <stdint.h>

struct KsymLookup {
  const char* name;  // null when addr is outside every known function
  uint64_t start;
  uint64_t offset;   // addr - start
  uint64_t size;     // distance to the next symbol
};

KsymLookup ksym_lookup(uint64_t addr);
// "name+0xoff/0xsize", or the bare hex address when unknown.
void ksym_format(uint64_t addr, char* buf, size_t len);
// Address of a symbol by exact name, 0 if absent (tests).
uint64_t ksym_address(const char* name);
