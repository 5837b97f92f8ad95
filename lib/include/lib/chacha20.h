/*
 * The ChaCha20 block function (RFC 8439, section 2.3), for the kernel's
 * random-number generator (kernel/random.cc).
 *
 * The state is sixteen 32-bit words: the four constants of
 * "expand 32-byte k", the 256-bit key, then words 12 and 13 a 64-bit block
 * counter and words 14 and 15 a 64-bit nonce: the original layout, which
 * Linux's CRNG uses too. RFC 8439's 32-bit counter and 96-bit nonce are the
 * same words read differently, so its test vectors apply unchanged.
 */
#pragma once

#include <cstddef>
#include <cstdint>

constexpr size_t CHACHA20_KEY_SIZE = 32;
constexpr size_t CHACHA20_BLOCK_SIZE = 64;

// state = constants, key (32 bytes, read little-endian), counter, nonce.
void chacha20_init(uint32_t state[16], const uint8_t key[CHACHA20_KEY_SIZE], uint64_t counter, uint64_t nonce);

// One 64-byte keystream block from `state`, then the counter advances.
void chacha20_block(uint32_t state[16], uint8_t out[CHACHA20_BLOCK_SIZE]);
