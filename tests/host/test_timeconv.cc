// lib/timeconv.cc against the host C library's gmtime_r, over random times
// from before the epoch to far after it, and the edges where calendars go
// wrong (leap days, century years, the epoch itself).
#include <doctest/doctest.h>

#include <ctime>
#include <random>

#include <lib/timeconv.h>

namespace {

void check_against_gmtime(int64_t s) {
  const time_t tt = static_cast<time_t>(s);
  struct tm ref;
  REQUIRE(gmtime_r(&tt, &ref) != nullptr);
  const civil_time t = time64_to_civil(s);
  INFO("seconds ", s);
  REQUIRE(t.year == ref.tm_year + 1900);
  REQUIRE(t.month == static_cast<unsigned>(ref.tm_mon + 1));
  REQUIRE(t.day == static_cast<unsigned>(ref.tm_mday));
  REQUIRE(t.hour == static_cast<unsigned>(ref.tm_hour));
  REQUIRE(t.minute == static_cast<unsigned>(ref.tm_min));
  REQUIRE(t.second == static_cast<unsigned>(ref.tm_sec));
  REQUIRE(t.wday == static_cast<unsigned>(ref.tm_wday));
  REQUIRE(t.yday == static_cast<unsigned>(ref.tm_yday));
}

}  // namespace

TEST_SUITE("timeconv") {
  TEST_CASE("edges: the epoch, leap days, century years") {
    const int64_t edges[] = {0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800 /* 2000-03-01 */,
                             4107542400 /* 2100-03-01 */, 4107456000 /* 2100-02-28 */, -2203891200 /* 1900-03-01 */,
                             1782604800 /* 2026-06-28 */, 253402300799 /* 9999-12-31T23:59:59 */};
    for (int64_t s : edges) check_against_gmtime(s);
    const civil_time t = time64_to_civil(951782400);
    CHECK(t.year == 2000);
    CHECK(t.month == 2);
    CHECK(t.day == 29);
  }

  TEST_CASE("random times from 1800 to 3000 agree with gmtime_r") {
    std::mt19937_64 rng(1970);
    std::uniform_int_distribution<int64_t> dist(-5364662400, 32503680000);
    for (int i = 0; i < 200000; i++) check_against_gmtime(dist(rng));
  }
}
