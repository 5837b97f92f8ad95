/*
 * A cyclic id allocator over a bitmap (what Linux's alloc_pid gets from
 * idr_alloc_cyclic): ids in [first, N); each allocation takes the lowest
 * free id at or after the one following the last id handed out, and when
 * none is left up to N it wraps to `wrap_to` (Linux: RESERVED_PIDS, 300),
 * so a freed id is reused only after the others have had their turn. Only
 * when [wrap_to, N) is full are the ids below wrap_to handed out again
 * (Linux would fail; with a small N that would waste most of the range).
 * No locking: the owner serialises (kernel/pid.cc holds pidmap_lock).
 */
#pragma once

#include <stdint.h>

#include <lib/bitops.h>

template <unsigned N>
class CyclicIdAllocator {
 public:
  constexpr CyclicIdAllocator(unsigned first, unsigned wrap_to) : first_(first), wrap_to_(wrap_to), next_(first) {}

  // A free id, or -1 when all of [first, N) are taken.
  int alloc() {
    int id = find_free(next_, N);
    if (id < 0) id = find_free(wrap_to_ < next_ ? wrap_to_ : first_, next_);
    if (id < 0 && wrap_to_ > first_) id = find_free(first_, wrap_to_ < next_ ? wrap_to_ : next_);
    if (id < 0) return -1;
    set(static_cast<unsigned>(id));
    next_ = static_cast<unsigned>(id) + 1 < N ? static_cast<unsigned>(id) + 1 : wrap_to_;
    return id;
  }
  // Marks a specific id used (a pid fixed at boot); false if it already was.
  bool reserve(unsigned id) {
    if (id >= N || test(id)) return false;
    set(id);
    return true;
  }
  void free(unsigned id) {
    if (id < N) bits_[id / 64] &= ~(uint64_t{1} << (id % 64));
  }
  bool test(unsigned id) const { return id < N && (bits_[id / 64] >> (id % 64)) & 1; }
  unsigned used() const {
    unsigned n = 0;
    for (uint64_t w : bits_) n += static_cast<unsigned>(hweight64(w));
    return n;
  }

 private:
  void set(unsigned id) { bits_[id / 64] |= uint64_t{1} << (id % 64); }
  // Lowest clear bit in [lo, hi), or -1.
  int find_free(unsigned lo, unsigned hi) const {
    for (unsigned i = lo; i < hi;) {
      const uint64_t word = bits_[i / 64] >> (i % 64);
      if (~word == 0 || (i % 64 != 0 && word == (~uint64_t{0} >> (i % 64)))) {
        i = (i / 64 + 1) * 64;  // the rest of this word is taken
        continue;
      }
      unsigned bit = 0;
      while ((word >> bit) & 1) bit++;  // no ctz without Zbb, and no libgcc
      const unsigned id = i + bit;
      return id < hi ? static_cast<int>(id) : -1;
    }
    return -1;
  }

  uint64_t bits_[(N + 63) / 64] = {};
  unsigned first_, wrap_to_, next_;
};
