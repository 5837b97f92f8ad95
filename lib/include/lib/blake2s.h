/*
 * BLAKE2s-256 (RFC 7693), unkeyed: the hash the kernel's entropy pool
 * accumulates its inputs in (kernel/random.cc), as Linux's does since 5.17.
 *
 * Blake2s h;  h.update(p, n) ...;  h.final(digest);
 * The last block is compressed with the final flag set, so update() keeps
 * up to one whole block buffered until more input or final() arrives.
 * A Blake2s may be copied to take a digest of what it has seen so far and
 * go on absorbing.
 */
#pragma once

#include <cstddef>
#include <cstdint>

constexpr size_t BLAKE2S_HASH_SIZE = 32;
constexpr size_t BLAKE2S_BLOCK_SIZE = 64;

class Blake2s {
 public:
  Blake2s();
  void update(const void* data, size_t len);
  // The digest; the object must be re-initialised (assigned a fresh one) before reuse.
  void final(uint8_t out[BLAKE2S_HASH_SIZE]);

 private:
  void compress(const uint8_t block[BLAKE2S_BLOCK_SIZE], bool last);

  uint32_t h_[8];
  uint64_t t_ = 0;  // bytes compressed so far, including the block being compressed
  uint8_t buf_[BLAKE2S_BLOCK_SIZE];
  size_t buflen_ = 0;
};

// Convenience: the digest of one buffer.
void blake2s256(const void* data, size_t len, uint8_t out[BLAKE2S_HASH_SIZE]);
