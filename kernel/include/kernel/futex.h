/*
 * futex(2) (kernel/futex.cc): sleeping on a 32-bit word of user memory.
 *
 * The operation word's decoding is here, as pure functions, so that the
 * host tests check Linux's rules for it (kernel/futex/syscalls.c in 6.1):
 * which commands take a timeout, which accept FUTEX_CLOCK_REALTIME, and
 * which this kernel implements.
 */
#pragma once

#include <linux/futex.h>  // FUTEX_* (UAPI values)

#include <stdint.h>

// Wakes up to nr_wake waiters on the futex at uaddr in the caller's mm
// whose bitset meets `bitset`: the number woken, or -EINVAL (misaligned
// address, empty bitset).
long futex_wake(uintptr_t uaddr, int nr_wake, uint32_t bitset);

// The decoded operation word.
struct futex_op_info {
  int cmd;            // FUTEX_WAIT ... (op & FUTEX_CMD_MASK)
  bool shared;        // no FUTEX_PRIVATE_FLAG
  bool clock_realtime;
};

constexpr futex_op_info futex_decode(int op) {
  return {op & FUTEX_CMD_MASK, (op & FUTEX_PRIVATE_FLAG) == 0, (op & FUTEX_CLOCK_REALTIME) != 0};
}

// Does the command read utime as a timeout (Linux's futex_cmd_has_timeout)?
constexpr bool futex_cmd_has_timeout(int cmd) {
  return cmd == FUTEX_WAIT || cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_BITSET ||
         cmd == FUTEX_WAIT_REQUEUE_PI;
}

// FUTEX_CLOCK_REALTIME is accepted only where the timeout is absolute
// (Linux returns -ENOSYS for the others).
constexpr bool futex_clock_realtime_ok(int cmd) {
  return cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_LOCK_PI2;
}

// Commands this kernel implements; the others (the PI family, WAKE_OP)
// answer -ENOSYS, as a Linux built without them would.
constexpr bool futex_cmd_implemented(int cmd) {
  return cmd == FUTEX_WAIT || cmd == FUTEX_WAKE || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE_BITSET ||
         cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE;
}
