// Host tests for futex(2)'s operation-word rules (kernel/futex.h) against
// Linux 6.1's kernel/futex/syscalls.c: which commands read a timeout,
// where FUTEX_CLOCK_REALTIME is allowed, what the flags decode to, and
// that every command this kernel leaves out is one glibc needs only for
// priority-inheritance mutexes.
#include <doctest/doctest.h>

#include <kernel/futex.h>

TEST_SUITE("futex") {
  TEST_CASE("decode: command, private flag, realtime clock") {
    const futex_op_info a = futex_decode(FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    CHECK(a.cmd == FUTEX_WAIT_BITSET);
    CHECK_FALSE(a.shared);
    CHECK(a.clock_realtime);
    const futex_op_info b = futex_decode(FUTEX_WAKE);
    CHECK(b.cmd == FUTEX_WAKE);
    CHECK(b.shared);
    CHECK_FALSE(b.clock_realtime);
    // Unknown high bits stay in the command (Linux masks with FUTEX_CMD_MASK
    // only the two flags), so they make it unknown: -ENOSYS.
    CHECK(futex_decode(FUTEX_WAKE | 0x1000).cmd == (FUTEX_WAKE | 0x1000));
    CHECK_FALSE(futex_cmd_implemented(futex_decode(FUTEX_WAKE | 0x1000).cmd));
  }

  TEST_CASE("timeouts and FUTEX_CLOCK_REALTIME, command by command") {
    struct Row {
      int cmd;
      bool timeout, realtime_ok, implemented;
    };
    const Row rows[] = {
        {FUTEX_WAIT, true, false, true},           {FUTEX_WAKE, false, false, true},
        {FUTEX_FD, false, false, false},           {FUTEX_REQUEUE, false, false, true},
        {FUTEX_CMP_REQUEUE, false, false, true},   {FUTEX_WAKE_OP, false, false, false},
        {FUTEX_LOCK_PI, true, false, false},       {FUTEX_UNLOCK_PI, false, false, false},
        {FUTEX_TRYLOCK_PI, false, false, false},   {FUTEX_WAIT_BITSET, true, true, true},
        {FUTEX_WAKE_BITSET, false, false, true},   {FUTEX_WAIT_REQUEUE_PI, true, true, false},
        {FUTEX_CMP_REQUEUE_PI, false, false, false}, {FUTEX_LOCK_PI2, true, true, false},
    };
    for (const Row& r : rows) {
      CAPTURE(r.cmd);
      CHECK(futex_cmd_has_timeout(r.cmd) == r.timeout);
      CHECK(futex_clock_realtime_ok(r.cmd) == r.realtime_ok);
      CHECK(futex_cmd_implemented(r.cmd) == r.implemented);
    }
    for (int cmd = 14; cmd < 64; cmd++) CHECK_FALSE(futex_cmd_implemented(cmd));
  }
}
