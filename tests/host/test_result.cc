// Host tests for lib/include/lib/result.h.
#include <doctest/doctest.h>

#include <errno.h>

#include <string>

#include <lib/result.h>

namespace {

struct Pair {
  int a;
  long b;
};

Result<int> half(int x) {
  if (x % 2) return Error{-EINVAL, "odd"};
  return x / 2;
}

// Halves twice through TRY; the first error returns early.
Result<int> quarter(int x, int* steps) {
  const int h = TRY(half(x));
  ++*steps;
  const int q = TRY(half(h));
  ++*steps;
  return q;
}

Result<void> check_even(int x) {
  if (x % 2) return Error{-ERANGE, "not even"};
  return ok_result();
}

Result<Pair> make_pair(int x) {
  TRY(check_even(x));
  return Pair{x, 2L * x};
}

}  // namespace

TEST_SUITE("result") {
  TEST_CASE("a value passes through TRY, an error returns early with its errno and message") {
    int steps = 0;
    Result<int> r = quarter(12, &steps);
    REQUIRE(r.ok());
    CHECK(r.value() == 3);
    CHECK(steps == 2);

    steps = 0;
    r = quarter(6, &steps);  // 6 -> 3 -> odd
    REQUIRE(!r);
    CHECK(r.error().err == -EINVAL);
    CHECK(std::string(r.error().msg) == "odd");
    CHECK(steps == 1);

    steps = 0;
    r = quarter(7, &steps);
    REQUIRE(!r);
    CHECK(steps == 0);
  }

  TEST_CASE("Result<void> and structs") {
    CHECK(check_even(4).ok());
    CHECK(check_even(5).error().err == -ERANGE);
    const Result<Pair> p = make_pair(8);
    REQUIRE(p.ok());
    CHECK(p.value().a == 8);
    CHECK(p.value().b == 16);
    const Result<Pair> bad = make_pair(3);
    REQUIRE(!bad.ok());
    CHECK(std::string(bad.error().msg) == "not even");
  }
}
