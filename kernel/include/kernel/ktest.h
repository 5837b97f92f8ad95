/*
 * In-kernel self-tests, reported as KTAP v1 on the console.
 *
 *   KTEST(suite, case) { EXPECT_EQ(a, b); ASSERT_TRUE(p); ... }
 *   KTEST_EXPLICIT(suite, case) { ... }   // runs only when named exactly
 *
 * Cases register in the .ktest_cases linker section; ktest_run() groups them
 * by suite (in link order) and runs those whose "suite.case" name matches
 * the `ktest=` globs (comma-separated; default "*", "none" runs nothing).
 * EXPECT_* records a failure and continues, ASSERT_* records it and ends
 * the case, KTEST_SKIP(reason) ends it as skipped.
 */
#pragma once

#include <stdint.h>

#include <type_traits>

class KTestContext {
 public:
  void fail(const char* file, int line, const char* fmt, ...) __attribute__((format(printf, 4, 5)));
  void skip(const char* reason) { skipped_ = true, skip_reason_ = reason; }
  bool failed() const { return failures_ != 0; }
  bool skipped() const { return skipped_; }
  const char* skip_reason() const { return skip_reason_; }

 private:
  unsigned failures_ = 0;
  bool skipped_ = false;
  const char* skip_reason_ = nullptr;
};

struct KTestCase {
  const char* suite;
  const char* name;
  void (*fn)(KTestContext&);
  bool explicit_only;
  const char* file;  // cases run in source order: by file, then line
  int line;
};

struct KTestTotals {
  unsigned passed, failed, skipped;
};

// Runs the selected tests; `filter` is the ktest= value (null means all).
KTestTotals ktest_run(const char* filter);

namespace ktest_detail {
void report_cmp(KTestContext& ctx, const char* file, int line, const char* op, const char* a_expr,
                const char* b_expr, long long a, long long b);
void report_cmp_u(KTestContext& ctx, const char* file, int line, const char* op, const char* a_expr,
                  const char* b_expr, unsigned long long a, unsigned long long b);

template <typename A, typename B>
void report(KTestContext& ctx, const char* file, int line, const char* op, const char* ae, const char* be,
            const A& a, const B& b) {
  if constexpr (std::is_pointer_v<A> || std::is_pointer_v<B> || std::is_null_pointer_v<A> ||
                std::is_null_pointer_v<B>) {
    report_cmp_u(ctx, file, line, op, ae, be, reinterpret_cast<uintptr_t>(a), reinterpret_cast<uintptr_t>(b));
  } else if constexpr (std::is_signed_v<A> || std::is_signed_v<B>) {
    report_cmp(ctx, file, line, op, ae, be, static_cast<long long>(a), static_cast<long long>(b));
  } else {
    report_cmp_u(ctx, file, line, op, ae, be, static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  }
}
}  // namespace ktest_detail

#define KTEST_REGISTER_(suite, name, explicit_only)                                               \
  static void ktest_fn_##suite##_##name(KTestContext& ktest_ctx_);                                \
  [[gnu::used, gnu::section(".ktest_cases")]] static const KTestCase ktest_case_##suite##_##name{ \
      #suite, #name, ktest_fn_##suite##_##name, explicit_only, __FILE__, __LINE__};                                   \
  static void ktest_fn_##suite##_##name([[maybe_unused]] KTestContext& ktest_ctx_)

#define KTEST(suite, name) KTEST_REGISTER_(suite, name, false)
#define KTEST_EXPLICIT(suite, name) KTEST_REGISTER_(suite, name, true)

#define KTEST_CMP_(a, b, op, on_fail)                                                                  \
  do {                                                                                                 \
    const auto& ktest_a_ = (a);                                                                        \
    const auto& ktest_b_ = (b);                                                                        \
    if (!(ktest_a_ op ktest_b_)) {                                                                     \
      ktest_detail::report(ktest_ctx_, __FILE__, __LINE__, #op, #a, #b, ktest_a_, ktest_b_);           \
      on_fail;                                                                                         \
    }                                                                                                  \
  } while (0)

#define KTEST_BOOL_(cond, want, on_fail)                                                  \
  do {                                                                                    \
    if (static_cast<bool>(cond) != (want)) {                                              \
      ktest_ctx_.fail(__FILE__, __LINE__, "expected %s to be %s", #cond, #want);          \
      on_fail;                                                                            \
    }                                                                                     \
  } while (0)

#define EXPECT_EQ(a, b) KTEST_CMP_(a, b, ==, (void)0)
#define EXPECT_NE(a, b) KTEST_CMP_(a, b, !=, (void)0)
#define EXPECT_LT(a, b) KTEST_CMP_(a, b, <, (void)0)
#define EXPECT_LE(a, b) KTEST_CMP_(a, b, <=, (void)0)
#define EXPECT_GT(a, b) KTEST_CMP_(a, b, >, (void)0)
#define EXPECT_GE(a, b) KTEST_CMP_(a, b, >=, (void)0)
#define EXPECT_TRUE(c) KTEST_BOOL_(c, true, (void)0)
#define EXPECT_FALSE(c) KTEST_BOOL_(c, false, (void)0)
#define ASSERT_EQ(a, b) KTEST_CMP_(a, b, ==, return)
#define ASSERT_NE(a, b) KTEST_CMP_(a, b, !=, return)
#define ASSERT_LT(a, b) KTEST_CMP_(a, b, <, return)
#define ASSERT_LE(a, b) KTEST_CMP_(a, b, <=, return)
#define ASSERT_GT(a, b) KTEST_CMP_(a, b, >, return)
#define ASSERT_GE(a, b) KTEST_CMP_(a, b, >=, return)
#define ASSERT_TRUE(c) KTEST_BOOL_(c, true, return)
#define ASSERT_FALSE(c) KTEST_BOOL_(c, false, return)
#define KTEST_FAIL(...) ktest_ctx_.fail(__FILE__, __LINE__, __VA_ARGS__)
#define KTEST_SKIP(reason)     \
  do {                         \
    ktest_ctx_.skip(reason);   \
    return;                    \
  } while (0)
