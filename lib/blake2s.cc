// BLAKE2s-256 (see lib/blake2s.h), following RFC 7693 section 3.
#include <lib/blake2s.h>

#include <lib/string.h>

namespace {

// SHA-256's initial hash value, as RFC 7693 takes it.
constexpr uint32_t kIv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// The message word schedule of each of the ten rounds.
constexpr uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

constexpr uint32_t rotr32(uint32_t x, int k) { return (x >> k) | (x << (32 - k)); }

void mix(uint32_t* v, int a, int b, int c, int d, uint32_t x, uint32_t y) {
  v[a] = v[a] + v[b] + x; v[d] = rotr32(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];     v[b] = rotr32(v[b] ^ v[c], 12);
  v[a] = v[a] + v[b] + y; v[d] = rotr32(v[d] ^ v[a], 8);
  v[c] = v[c] + v[d];     v[b] = rotr32(v[b] ^ v[c], 7);
}

}  // namespace

Blake2s::Blake2s() {
  for (int i = 0; i < 8; i++) h_[i] = kIv[i];
  h_[0] ^= 0x01010000 ^ BLAKE2S_HASH_SIZE;  // depth 1, fanout 1, no key, 32-byte digest
}

void Blake2s::compress(const uint8_t block[BLAKE2S_BLOCK_SIZE], bool last) {
  uint32_t m[16], v[16];
  for (int i = 0; i < 16; i++) {
    const uint8_t* p = block + 4 * i;
    m[i] = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  for (int i = 0; i < 8; i++) {
    v[i] = h_[i];
    v[i + 8] = kIv[i];
  }
  v[12] ^= static_cast<uint32_t>(t_);
  v[13] ^= static_cast<uint32_t>(t_ >> 32);
  if (last) v[14] = ~v[14];
  for (const auto& s : kSigma) {
    mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; i++) h_[i] ^= v[i] ^ v[i + 8];
}

void Blake2s::update(const void* data, size_t len) {
  const auto* in = static_cast<const uint8_t*>(data);
  while (len) {
    if (buflen_ == BLAKE2S_BLOCK_SIZE) {  // more input follows: this block is not the last
      t_ += BLAKE2S_BLOCK_SIZE;
      compress(buf_, false);
      buflen_ = 0;
    }
    const size_t n = len < BLAKE2S_BLOCK_SIZE - buflen_ ? len : BLAKE2S_BLOCK_SIZE - buflen_;
    memcpy(buf_ + buflen_, in, n);
    buflen_ += n;
    in += n;
    len -= n;
  }
}

void Blake2s::final(uint8_t out[BLAKE2S_HASH_SIZE]) {
  t_ += buflen_;
  memset(buf_ + buflen_, 0, BLAKE2S_BLOCK_SIZE - buflen_);
  compress(buf_, true);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 4; j++) out[4 * i + j] = static_cast<uint8_t>(h_[i] >> (8 * j));
  memset(buf_, 0, sizeof(buf_));
}

void blake2s256(const void* data, size_t len, uint8_t out[BLAKE2S_HASH_SIZE]) {
  Blake2s h;
  h.update(data, len);
  h.final(out);
}
