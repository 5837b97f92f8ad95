// The kernel's random numbers (kernel/random.cc): seeded at boot from what
// the machine offers, never the same twice, and not obviously biased. The
// primitives (ChaCha20, BLAKE2s) have known-answer host tests
// (tests/host/test_crypto.cc); getrandom(2) is checked against Linux by
// tests/user/getrandom.c.
#include <kernel/ktest.h>

#include <kernel/devicetree.h>
#include <kernel/random.h>
#include <lib/bitops.h>
#include <lib/string.h>

KTEST(random, seeded_at_boot_from_the_machine) {
  const RandomStatus s = random_status();
  EXPECT_TRUE(s.crng_ready);
  EXPECT_GE(s.jitter_samples, 1024u);
  EXPECT_GE(s.reseeds, 1u);
  // QEMU virt passes /chosen/rng-seed; sifive_u passes none.
  EXPECT_EQ(s.dt_seed, machine().rng_seed_len > 0);
}

KTEST(random, requests_never_repeat) {
  constexpr int kRequests = 64;
  static uint8_t out[kRequests][32];
  for (auto& o : out) get_random_bytes(o, sizeof(o));
  int same = 0;
  for (int i = 0; i < kRequests; i++)
    for (int j = i + 1; j < kRequests; j++) same += memcmp(out[i], out[j], sizeof(out[i])) == 0;
  EXPECT_EQ(same, 0);
  // Odd lengths and lengths across a block boundary are filled to the end
  // and not a byte further.
  const size_t lengths[] = {1, 63, 64, 65, 200};
  for (size_t len : lengths) {
    uint8_t buf[256];
    memset(buf, 0xa5, sizeof(buf));
    get_random_bytes(buf, len);
    size_t untouched = 0;
    for (size_t i = len; i < sizeof(buf); i++) untouched += buf[i] == 0xa5;
    EXPECT_EQ(untouched, sizeof(buf) - len);
  }
}

KTEST(random, bits_and_bytes_are_balanced) {
  constexpr size_t kBytes = 65536;
  static uint8_t buf[kBytes];
  get_random_bytes(buf, sizeof(buf));
  unsigned counts[256] = {};
  uint64_t ones = 0;
  for (uint8_t b : buf) {
    counts[b]++;
    ones += hweight64(b);
  }
  // 524288 bits: 1% is about 14 standard deviations.
  EXPECT_GT(ones, kBytes * 8 * 49 / 100);
  EXPECT_LT(ones, kBytes * 8 * 51 / 100);
  // Chi-square over the byte values, 255 degrees of freedom, in fixed
  // point (no FP in the kernel): the 1e-9 tail starts near 420.
  uint64_t chi2_x256 = 0;  // 256 * sum (count - 256)^2 / 256
  for (unsigned c : counts) {
    const int64_t d = static_cast<int64_t>(c) - static_cast<int64_t>(kBytes / 256);
    chi2_x256 += static_cast<uint64_t>(d * d);
  }
  EXPECT_LT(chi2_x256 / 256, 420u);
  // get_random_u64 draws from the same stream: 64 distinct values.
  uint64_t v[64];
  for (auto& x : v) x = get_random_u64();
  int dup = 0;
  for (int i = 0; i < 64; i++)
    for (int j = i + 1; j < 64; j++) dup += v[i] == v[j];
  EXPECT_EQ(dup, 0);
}
