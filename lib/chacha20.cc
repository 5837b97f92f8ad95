// The ChaCha20 block function (see lib/chacha20.h).
#include <lib/chacha20.h>

namespace {

constexpr uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void quarter_round(uint32_t* x, int a, int b, int c, int d) {
  x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 16);
  x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 12);
  x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 8);
  x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 7);
}

uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

void chacha20_init(uint32_t state[16], const uint8_t key[CHACHA20_KEY_SIZE], uint64_t counter, uint64_t nonce) {
  state[0] = 0x61707865;  // "expa"
  state[1] = 0x3320646e;  // "nd 3"
  state[2] = 0x79622d32;  // "2-by"
  state[3] = 0x6b206574;  // "te k"
  for (int i = 0; i < 8; i++) state[4 + i] = load_le32(key + 4 * i);
  state[12] = static_cast<uint32_t>(counter);
  state[13] = static_cast<uint32_t>(counter >> 32);
  state[14] = static_cast<uint32_t>(nonce);
  state[15] = static_cast<uint32_t>(nonce >> 32);
}

void chacha20_block(uint32_t state[16], uint8_t out[CHACHA20_BLOCK_SIZE]) {
  uint32_t x[16];
  for (int i = 0; i < 16; i++) x[i] = state[i];
  for (int round = 0; round < 20; round += 2) {
    quarter_round(x, 0, 4, 8, 12);  // columns
    quarter_round(x, 1, 5, 9, 13);
    quarter_round(x, 2, 6, 10, 14);
    quarter_round(x, 3, 7, 11, 15);
    quarter_round(x, 0, 5, 10, 15);  // diagonals
    quarter_round(x, 1, 6, 11, 12);
    quarter_round(x, 2, 7, 8, 13);
    quarter_round(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; i++) store_le32(out + 4 * i, x[i] + state[i]);
  if (++state[12] == 0) ++state[13];
}
