// Tests of the test framework itself.
#include <kernel/ktest.h>

#include <lib/glob.h>

KTEST(ktest_selftest, expectations_pass) {
  EXPECT_EQ(2 + 2, 4);
  EXPECT_NE(1, 2);
  EXPECT_LT(1u, 2u);
  EXPECT_TRUE(glob_match("ktest_selftest.*", "ktest_selftest.must_fail"));
  EXPECT_FALSE(glob_match("ktest_selftest.x", "ktest_selftest.must_fail"));
}

// Fails on purpose; runs only as ktest=ktest_selftest.must_fail and proves
// that a failing case reaches QEMU's exit status.
KTEST_EXPLICIT(ktest_selftest, must_fail) {
  EXPECT_EQ(1, 2);
  ASSERT_TRUE(false);
  KTEST_FAIL("not reached: ASSERT_TRUE ends the case");
}
