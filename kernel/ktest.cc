/*
 * The ktest runner: selects cases by glob, groups them into suites and
 * prints KTAP v1:
 *
 *   KTAP version 1
 *   1..<suites>
 *       KTAP version 1
 *       # Subtest: <suite>
 *       1..<cases>
 *       # <file>:<line>: <diagnostic>      (failures)
 *       not ok 1 <case>
 *       ok 2 <case> # SKIP <reason>
 *   ok 1 <suite>
 *   ...
 *   ktest: N passed, N failed, N skipped
 *
 * A suite is "not ok" when any of its cases failed, "ok # SKIP" when all
 * were skipped.
 */
#include <kernel/ktest.h>

#include <kernel/preempt.h>

#include <kernel/printk.h>
#include <lib/glob.h>
#include <lib/string.h>

extern "C" const KTestCase __ktest_start[], __ktest_end[];

namespace {

constexpr unsigned kMaxPatterns = 16;
constexpr size_t kMaxPatternLen = 96;

struct Filter {
  char patterns[kMaxPatterns][kMaxPatternLen];
  unsigned count = 0;
  bool none = false;

  void parse(const char* spec) {
    if (!spec || !*spec) {
      strlcpy(patterns[count++], "*", kMaxPatternLen);
      return;
    }
    if (strcmp(spec, "none") == 0) {
      none = true;
      return;
    }
    while (*spec && count < kMaxPatterns) {
      const char* comma = strchr(spec, ',');
      const size_t len = comma ? static_cast<size_t>(comma - spec) : strlen(spec);
      if (len > 0) {
        const size_t n = len < kMaxPatternLen - 1 ? len : kMaxPatternLen - 1;
        memcpy(patterns[count], spec, n);
        patterns[count][n] = '\0';
        count++;
      }
      spec += len;
      if (*spec == ',') spec++;
    }
  }

  // Explicit-only cases run only when a pattern names them without wildcards.
  bool selects(const KTestCase& c) const {
    if (none) return false;
    char full[160];
    snprintf(full, sizeof(full), "%s.%s", c.suite, c.name);
    for (unsigned i = 0; i < count; i++) {
      if (c.explicit_only) {
        if (glob_is_literal(patterns[i]) && strcmp(patterns[i], full) == 0) return true;
      } else if (glob_match(patterns[i], full)) {
        return true;
      }
    }
    return false;
  }
};

Filter filter;

size_t case_count() { return static_cast<size_t>(__ktest_end - __ktest_start); }

// True when an earlier case in the table belongs to the same suite: the
// suite was already run when we met that one.
bool suite_seen_before(size_t index) {
  for (size_t i = 0; i < index; i++)
    if (strcmp(__ktest_start[i].suite, __ktest_start[index].suite) == 0) return true;
  return false;
}

// Source order: the compiler emits a file's registrations in any order.
bool runs_before(const KTestCase& a, const KTestCase& b) {
  const int f = strcmp(a.file, b.file);
  return f < 0 || (f == 0 && a.line < b.line);
}

// The selected case of `suite` that comes next after `prev` (null: the
// first) in source order, or null.
const KTestCase* next_case(const char* suite, const KTestCase* prev) {
  const KTestCase* best = nullptr;
  for (size_t i = 0; i < case_count(); i++) {
    const KTestCase& c = __ktest_start[i];
    if (strcmp(c.suite, suite) != 0 || !filter.selects(c)) continue;
    if (prev && !runs_before(*prev, c)) continue;
    if (!best || runs_before(c, *best)) best = &c;
  }
  return best;
}

unsigned selected_in_suite(const char* suite) {
  unsigned n = 0;
  for (size_t i = 0; i < case_count(); i++)
    if (strcmp(__ktest_start[i].suite, suite) == 0 && filter.selects(__ktest_start[i])) n++;
  return n;
}

}  // namespace

void KTestContext::fail(const char* file, int line, const char* fmt, ...) {
  failures_++;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  console_printf("    # %s:%d: %s\n", file, line, msg);
}

namespace ktest_detail {

void report_cmp(KTestContext& ctx, const char* file, int line, const char* op, const char* a_expr,
                const char* b_expr, long long a, long long b) {
  ctx.fail(file, line, "expected %s %s %s, got %lld vs %lld (0x%llx vs 0x%llx)", a_expr, op, b_expr, a, b,
           static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
}

void report_cmp_u(KTestContext& ctx, const char* file, int line, const char* op, const char* a_expr,
                  const char* b_expr, unsigned long long a, unsigned long long b) {
  ctx.fail(file, line, "expected %s %s %s, got %llu vs %llu (0x%llx vs 0x%llx)", a_expr, op, b_expr, a, b, a, b);
}

}  // namespace ktest_detail

KTestTotals ktest_run(const char* spec) {
  filter.parse(spec);
  KTestTotals totals{0, 0, 0};

  unsigned suites = 0;
  for (size_t i = 0; i < case_count(); i++)
    if (!suite_seen_before(i) && selected_in_suite(__ktest_start[i].suite) > 0) suites++;

  console_printf("KTAP version 1\n1..%u\n", suites);
  unsigned suite_no = 0;
  for (size_t i = 0; i < case_count(); i++) {
    const char* suite = __ktest_start[i].suite;
    if (suite_seen_before(i)) continue;
    const unsigned n = selected_in_suite(suite);
    if (n == 0) continue;
    suite_no++;
    console_printf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", suite, n);
    unsigned case_no = 0, suite_failed = 0, suite_skipped = 0;
    for (const KTestCase* cp = next_case(suite, nullptr); cp; cp = next_case(suite, cp)) {
      const KTestCase& c = *cp;
      case_no++;
      KTestContext ctx;
      const unsigned preempt_before = preempt_count();
      c.fn(ctx);
      // A case must not leave a lock held (or a count unbalanced): the
      // next sleep would be from atomic context.
      if (preempt_count() != preempt_before)
        ctx.fail(__FILE__, __LINE__, "preempt_count %u after the case, %u before", preempt_count(), preempt_before);
      if (ctx.failed()) {
        suite_failed++;
        totals.failed++;
        console_printf("    not ok %u %s\n", case_no, c.name);
      } else if (ctx.skipped()) {
        suite_skipped++;
        totals.skipped++;
        console_printf("    ok %u %s # SKIP %s\n", case_no, c.name, ctx.skip_reason());
      } else {
        totals.passed++;
        console_printf("    ok %u %s\n", case_no, c.name);
      }
    }
    if (suite_failed)
      console_printf("not ok %u %s\n", suite_no, suite);
    else if (suite_skipped == n)
      console_printf("ok %u %s # SKIP\n", suite_no, suite);
    else
      console_printf("ok %u %s\n", suite_no, suite);
  }
  console_printf("ktest: %u passed, %u failed, %u skipped\n", totals.passed, totals.failed, totals.skipped);
  return totals;
}
