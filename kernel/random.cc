/*
 * Random numbers for the kernel and user space (getrandom, AT_RANDOM), on
 * the model of Linux's drivers/char/random.c since 5.18.
 *
 *   input pool   a BLAKE2s hash (lib/blake2s.h) that absorbs every input:
 *                the device tree's /chosen/rng-seed (QEMU virt passes 32
 *                random bytes; a boot loader may) and kaslr-seed, timer
 *                jitter sampled at boot, and a timer reading per request.
 *   crng key     32 bytes, taken from the pool at boot and again every 60
 *                seconds (on the first request after that): the new key is
 *                BLAKE2s(pool digest || old key), and the pool restarts from
 *                the digest, so later inputs still depend on all earlier ones.
 *   output       fast key erasure: under the lock, one ChaCha20 block under
 *                the key gives a new key (its first 32 bytes, replacing the
 *                old at once) and a one-request key (the other 32); the
 *                request's bytes come from ChaCha20 under the latter outside
 *                the lock. Whoever learns the state later cannot reproduce
 *                anything handed out before.
 *
 * Seeds: rng-seed is credited (the firmware or QEMU vouches for it); without
 * one (sifive_u, boards whose loader passes none) the boot-time jitter of
 * the timer against the instruction stream is what makes outputs differ
 * between boots, as Linux's jitter entropy does when nothing else exists.
 * Not used: the Zkr `seed` CSR (S-mode access needs mseccfg.SSEED from the
 * firmware, and an attempt without it traps) and virtio-rng (no driver).
 */
#include <kernel/random.h>

#include <asm/csr.h>
#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/signal.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <lib/blake2s.h>
#include <lib/chacha20.h>
#include <lib/dtinfo.h>
#include <lib/string.h>

namespace {

constexpr uint64_t kReseedSeconds = 60;
constexpr unsigned kJitterSamples = 1024;

struct Crng {
  SpinLock lock;
  Blake2s pool;
  uint8_t key[CHACHA20_KEY_SIZE] = {};
  uint64_t last_reseed = 0;  // rdtime of the last reseed
  RandomStatus status = {};
};
Crng crng;

// Volatile stores the compiler may not drop: secrets leave no copies behind.
void wipe(void* p, size_t n) {
  auto* b = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; i++) b[i] = 0;
}

void mix_locked(const void* buf, size_t n) { crng.pool.update(buf, n); }

void mix_time_locked() {
  const uint64_t t = rdtime();
  mix_locked(&t, sizeof(t));
}

void reseed_locked() {
  uint8_t digest[BLAKE2S_HASH_SIZE];
  Blake2s snapshot = crng.pool;
  snapshot.final(digest);
  crng.pool = Blake2s();
  crng.pool.update(digest, sizeof(digest));
  Blake2s k;
  k.update(digest, sizeof(digest));
  k.update(crng.key, sizeof(crng.key));
  k.final(crng.key);
  wipe(digest, sizeof(digest));
  crng.last_reseed = rdtime();
  crng.status.reseeds++;
}

// One block under the key: the first half replaces the key, the second is
// the key this request's output is made with.
void next_request_key(uint8_t request_key[CHACHA20_KEY_SIZE]) {
  SpinLockIrqSaveGuard g{crng.lock};
  mix_time_locked();
  if (rdtime() - crng.last_reseed >= kReseedSeconds * timebase_hz()) reseed_locked();
  uint32_t st[16];
  uint8_t block[CHACHA20_BLOCK_SIZE];
  chacha20_init(st, crng.key, 0, 0);
  chacha20_block(st, block);
  memcpy(crng.key, block, CHACHA20_KEY_SIZE);
  memcpy(request_key, block + CHACHA20_KEY_SIZE, CHACHA20_KEY_SIZE);
  wipe(block, sizeof(block));
  wipe(st, sizeof(st));
}

// The keystream of one request, under its own key (next_request_key);
// everything secret is wiped when the request ends.
class RequestStream {
 public:
  RequestStream() {
    uint8_t key[CHACHA20_KEY_SIZE];
    next_request_key(key);
    chacha20_init(state_, key, 0, 0);
    wipe(key, sizeof(key));
  }
  ~RequestStream() {
    wipe(block_, sizeof(block_));
    wipe(state_, sizeof(state_));
  }
  RequestStream(const RequestStream&) = delete;
  RequestStream& operator=(const RequestStream&) = delete;

  const uint8_t* next() {
    chacha20_block(state_, block_);
    return block_;
  }

 private:
  uint32_t state_[16];
  uint8_t block_[CHACHA20_BLOCK_SIZE];
};

// Timer readings around a little work whose duration varies with the
// host's caches, interrupts and (under QEMU) scheduling: their low bits
// differ from boot to boot even when nothing else does.
unsigned mix_jitter_locked(unsigned samples) {
  uint64_t prev = rdtime();
  uint8_t scratch[BLAKE2S_HASH_SIZE] = {};
  for (unsigned i = 0; i < samples; i++) {
    blake2s256(scratch, sizeof(scratch), scratch);
    const uint64_t now = rdtime();
    const uint64_t sample[2] = {now, now - prev};
    mix_locked(sample, sizeof(sample));
    prev = now;
  }
  mix_locked(scratch, sizeof(scratch));
  return samples;
}

}  // namespace

void random_init(const MachineInfo& m) {
  SpinLockIrqSaveGuard g{crng.lock};
  mix_time_locked();
  if (m.rng_seed_len) {
    mix_locked(m.rng_seed, m.rng_seed_len);
    crng.status.dt_seed = true;
  }
  if (m.kaslr_seed) mix_locked(&m.kaslr_seed, sizeof(m.kaslr_seed));
  // What identifies this machine: not secret, but it separates machines
  // booted at the same instant from the same image.
  mix_locked(m.model, sizeof(m.model));
  mix_locked(&m.harts[0], sizeof(m.harts[0]) * m.nr_harts);
  crng.status.jitter_samples += mix_jitter_locked(kJitterSamples);
  reseed_locked();
  crng.status.crng_ready = true;
  pr_info("random: crng init done (seeded from %s)\n",
          crng.status.dt_seed ? "the device tree's rng-seed and timer jitter" : "timer jitter only: no rng-seed");
}

void add_device_randomness(const void* buf, size_t n) {
  SpinLockIrqSaveGuard g{crng.lock};
  mix_locked(buf, n);
  mix_time_locked();
}

void get_random_bytes(void* buf, size_t n) {
  RequestStream stream;
  auto* out = static_cast<uint8_t*>(buf);
  while (n) {
    const uint8_t* block = stream.next();
    const size_t k = n < CHACHA20_BLOCK_SIZE ? n : CHACHA20_BLOCK_SIZE;
    memcpy(out, block, k);
    out += k;
    n -= k;
  }
}

long get_random_bytes_user(uintptr_t ubuf, size_t count) {
  RequestStream stream;
  size_t done = 0;
  while (done < count) {
    // A long request gives way to a signal as Linux's does: what is done
    // so far, or a restart when nothing is.
    if (done % 4096 == 0 && done && signal_pending(get_current())) break;
    const uint8_t* block = stream.next();
    const size_t n = count - done < CHACHA20_BLOCK_SIZE ? count - done : CHACHA20_BLOCK_SIZE;
    const size_t left = copy_to_user(ubuf + done, block, n);
    done += n - left;
    if (left) return done ? static_cast<long>(done) : -EFAULT;
  }
  return static_cast<long>(done);
}

uint64_t get_random_u64() {
  uint64_t v;
  get_random_bytes(&v, sizeof(v));
  return v;
}

RandomStatus random_status() {
  SpinLockIrqSaveGuard g{crng.lock};
  return crng.status;
}
