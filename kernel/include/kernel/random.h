// The kernel's random numbers (kernel/random.cc): getrandom, AT_RANDOM.
#pragma once

#include <stddef.h>
#include <stdint.h>

struct MachineInfo;

// Seeds the generator from what the machine offers (the device tree's
// rng-seed and kaslr-seed, timer jitter). Called once at boot, before the
// first user of get_random_bytes that matters (exec's AT_RANDOM).
void random_init(const MachineInfo& m);

// Mixes bytes into the entropy pool without crediting them: they change
// every later output but are not trusted to be secret (Linux's
// add_device_randomness).
void add_device_randomness(const void* buf, size_t n);

void get_random_bytes(void* buf, size_t n);
// getrandom(2)'s copy: count bytes to user memory at ubuf (access_ok
// already checked). Returns the bytes written (fewer when a signal is
// pending at a 4 KiB boundary), or -EFAULT when none could be.
long get_random_bytes_user(uintptr_t ubuf, size_t count);
uint64_t get_random_u64();

// What seeded the generator, for tests and the boot log.
struct RandomStatus {
  bool crng_ready;          // seeded from a credited source
  bool dt_seed;             // /chosen/rng-seed was mixed in
  uint64_t reseeds;         // key changes from the pool since boot
  uint64_t jitter_samples;  // timer readings mixed in at boot
};
RandomStatus random_status();
