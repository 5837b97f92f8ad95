// Host tests for lib/chacha20.cc and lib/blake2s.cc, the primitives of the
// kernel's random-number generator: known answers from RFC 8439 and RFC 7693
// (and from the host's own implementations: Python's hashlib.blake2s and
// the cryptography package's ChaCha20, which agreed with the RFCs), and
// randomised checks that how the input is split never changes a digest.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <lib/blake2s.h>
#include <lib/chacha20.h>

namespace {

std::string hex(const uint8_t* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string blake2s_hex(const std::vector<uint8_t>& in) {
  uint8_t d[BLAKE2S_HASH_SIZE];
  blake2s256(in.data(), in.size(), d);
  return hex(d, sizeof(d));
}

std::vector<uint8_t> iota_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>(i);
  return v;
}

}  // namespace

TEST_SUITE("crypto") {
  TEST_CASE("ChaCha20 block: RFC 8439 section 2.3.2") {
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = static_cast<uint8_t>(i);
    // The RFC's 32-bit counter 1 and nonce 00:00:00:09:00:00:00:4a:00:00:00:00
    // are words 12..15 = 1, 0x09000000, 0x4a000000, 0.
    uint32_t st[16];
    chacha20_init(st, key, (uint64_t{0x09000000} << 32) | 1, 0x4a000000);
    uint8_t out[64];
    chacha20_block(st, out);
    CHECK(hex(out, 64) ==
          "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
          "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
    CHECK(st[12] == 2);  // the counter advanced
  }

  TEST_CASE("ChaCha20 block: all-zero key and nonce (RFC 8439 A.1 #1)") {
    const uint8_t key[32] = {};
    uint32_t st[16];
    chacha20_init(st, key, 0, 0);
    uint8_t out[64];
    chacha20_block(st, out);
    CHECK(hex(out, 64) ==
          "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
          "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
  }

  TEST_CASE("ChaCha20 counter carries from word 12 into word 13") {
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = static_cast<uint8_t>(i);
    uint32_t st[16];
    chacha20_init(st, key, 0xffffffff, 0x0102030405060708);
    uint8_t a[64], b[64];
    chacha20_block(st, a);
    CHECK(st[12] == 0);
    CHECK(st[13] == 1);
    chacha20_block(st, b);
    CHECK(hex(a, 64) ==
          "09184548d141475167c70d0d5b4b998797f6d871c790596fe05f0ab4e9bfca7f"
          "11e76b5d823b38f206931566b322bf58a6f280ee21698e8f26e0ca1ede273fb4");
    CHECK(hex(b, 64) ==
          "72e8d3ef0e6608427a8f16d15a8f9621c1b3821430778c4ce6f51100c034609f"
          "245ea3afa759b91d4ab862e74ab261cb7f8122be96711dc2592d62a24e983f6d");
  }

  TEST_CASE("BLAKE2s-256 known answers (RFC 7693 appendix B and more)") {
    CHECK(blake2s_hex({}) == "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
    CHECK(blake2s_hex({'a', 'b', 'c'}) == "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
    // Exactly one block (held back until final) and one byte more.
    CHECK(blake2s_hex(iota_bytes(64)) == "56f34e8b96557e90c1f24b52d0c89d51086acf1b00f634cf1dde9233b8eaaa3e");
    CHECK(blake2s_hex(iota_bytes(65)) == "1b53ee94aaf34e4b159d48de352c7f0661d0a40edff95a0b1639b4090e974472");
    CHECK(blake2s_hex(iota_bytes(255)) == "f03f5789d3336b80d002d59fdf918bdb775b00956ed5528e86aa994acb38fe2d");
  }

  TEST_CASE("BLAKE2s: any split of the input gives the same digest; a copy digests what it saw") {
    std::mt19937 rng(7693);
    for (int iter = 0; iter < 300; iter++) {
      std::vector<uint8_t> in(rng() % 600);
      for (auto& c : in) c = static_cast<uint8_t>(rng());
      Blake2s h;
      Blake2s half;
      size_t done = 0;
      const size_t mid = in.empty() ? 0 : rng() % in.size();
      while (done < in.size()) {
        const size_t n = std::min<size_t>(in.size() - done, rng() % 130);
        if (done <= mid && mid < done + n) {
          h.update(in.data() + done, mid - done);
          half = h;
          h.update(in.data() + mid, done + n - mid);
        } else {
          h.update(in.data() + done, n);
        }
        done += n;
      }
      if (in.empty()) half = h;
      uint8_t d[BLAKE2S_HASH_SIZE], dh[BLAKE2S_HASH_SIZE];
      h.final(d);
      REQUIRE(hex(d, sizeof(d)) == blake2s_hex(in));
      half.final(dh);
      REQUIRE(hex(dh, sizeof(dh)) == blake2s_hex(std::vector<uint8_t>(in.begin(), in.begin() + static_cast<long>(mid))));
    }
  }
}
