// Bit helpers with Linux's names. Written out rather than __builtin_popcount
// and friends: without Zbb those become libgcc calls, and the kernel links
// no libgcc (Debian ships it for lp64d only; the kernel is lp64).
#pragma once

#include <stdint.h>

constexpr unsigned hweight64(uint64_t w) {
  w = w - ((w >> 1) & 0x5555555555555555ull);
  w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
  w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<unsigned>((w * 0x0101010101010101ull) >> 56);
}

static_assert(hweight64(0) == 0);
static_assert(hweight64(~0ull) == 64);
static_assert(hweight64(0x8000000000000001ull) == 2);

// Index of the lowest set bit (Linux's __ffs64); w must not be 0.
constexpr unsigned __ffs64(uint64_t w) { return hweight64((w & (~w + 1)) - 1); }

static_assert(__ffs64(1) == 0);
static_assert(__ffs64(0x8000000000000000ull) == 63);
static_assert(__ffs64(0x50) == 4);
