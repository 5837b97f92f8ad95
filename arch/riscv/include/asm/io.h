// MMIO access. Until the kernel has a vmalloc area, ioremap() hands out
// addresses in the early I/O window (physical 0..2 GiB, see asm/layout.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/page.h>

// Returns null when the range is outside the I/O window.
inline void* ioremap(uint64_t pa, size_t size) {
  if (size == 0 || pa >= IO_SIZE || size > IO_SIZE - pa) return nullptr;
  return reinterpret_cast<void*>(IO_BASE + pa);
}

inline uint32_t readl(const volatile void* addr) {
  uint32_t v = *static_cast<const volatile uint32_t*>(addr);
  asm volatile("fence i, r" ::: "memory");
  return v;
}
inline void writel(uint32_t v, volatile void* addr) {
  asm volatile("fence w, o" ::: "memory");
  *static_cast<volatile uint32_t*>(addr) = v;
}
inline uint8_t readb(const volatile void* addr) {
  uint8_t v = *static_cast<const volatile uint8_t*>(addr);
  asm volatile("fence i, r" ::: "memory");
  return v;
}
inline void writeb(uint8_t v, volatile void* addr) {
  asm volatile("fence w, o" ::: "memory");
  *static_cast<volatile uint8_t*>(addr) = v;
}
