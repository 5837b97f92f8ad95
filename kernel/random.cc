/*
 * Random numbers for user space (getrandom, AT_RANDOM).
 *
 * There is no hardware entropy source on the supported machines (no Zkr
 * seed CSR, no virtio-rng driver), so the pool is xoshiro256** seeded
 * from the boot-time timer value and re-keyed on every request by mixing
 * in the current rdtime through SplitMix64: timer readings differ between
 * boots and between calls, so the sequence is never a constant. This is
 * not cryptographically strong; Linux's ChaCha20 CRNG is the model for
 * when a real seed source exists.
 */
#include <kernel/random.h>

#include <asm/csr.h>
#include <kernel/spinlock.h>
#include <lib/string.h>

namespace {

SpinLock random_lock;
uint64_t state[4];
bool seeded;

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t next_locked() {
  const uint64_t result = rotl(state[1] * 5, 7) * 9;
  const uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = rotl(state[3], 45);
  return result;
}

// Folds the current time into the state (and seeds it the first time).
void mix_time_locked() {
  uint64_t x = rdtime();
  if (!seeded) {
    for (uint64_t& s : state) s = splitmix64(x);
    seeded = true;
    return;
  }
  state[0] ^= splitmix64(x);
  next_locked();
}

}  // namespace

void get_random_bytes(void* buf, size_t n) {
  SpinLockIrqSaveGuard g{random_lock};
  mix_time_locked();
  auto* out = static_cast<uint8_t*>(buf);
  while (n) {
    const uint64_t v = next_locked();
    const size_t k = n < sizeof(v) ? n : sizeof(v);
    memcpy(out, &v, k);
    out += k;
    n -= k;
  }
}

uint64_t get_random_u64() {
  uint64_t v;
  get_random_bytes(&v, sizeof(v));
  return v;
}
