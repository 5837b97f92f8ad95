// The kernel's random numbers (kernel/random.cc): getrandom, AT_RANDOM.
#pragma once

#include <stddef.h>
#include <stdint.h>

void get_random_bytes(void* buf, size_t n);
uint64_t get_random_u64();
