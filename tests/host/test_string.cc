// Host tests for lib/string.cc and lib/vsprintf.cc, checked against the
// host C library where the semantics are the same.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <lib/string.h>

TEST_SUITE("string") {
  TEST_CASE("memcpy/memmove/memset agree with libc for every alignment and length") {
    std::mt19937 rng(1234);
    std::vector<unsigned char> src(256), a(300), b(300);
    for (auto& c : src) c = static_cast<unsigned char>(rng());
    for (size_t soff = 0; soff < 9; soff++)
      for (size_t doff = 0; doff < 9; doff++)
        for (size_t len = 0; len < 70; len++) {
          std::fill(a.begin(), a.end(), 0xee);
          std::fill(b.begin(), b.end(), 0xee);
          klib::memcpy(a.data() + doff, src.data() + soff, len);
          std::memcpy(b.data() + doff, src.data() + soff, len);
          REQUIRE(a == b);
          klib::memset(a.data() + doff, static_cast<int>(len), len);
          std::memset(b.data() + doff, static_cast<int>(len), len);
          REQUIRE(a == b);
        }
    // Overlapping moves in both directions.
    for (size_t shift = 1; shift < 20; shift++) {
      std::vector<unsigned char> x(src.begin(), src.begin() + 128), y = x;
      klib::memmove(x.data() + shift, x.data(), 100);
      std::memmove(y.data() + shift, y.data(), 100);
      REQUIRE(x == y);
      klib::memmove(x.data(), x.data() + shift, 100);
      std::memmove(y.data(), y.data() + shift, 100);
      REQUIRE(x == y);
    }
  }

  TEST_CASE("comparisons and searches") {
    CHECK(klib::memcmp("abc", "abd", 3) < 0);
    CHECK(klib::memcmp("abd", "abc", 3) > 0);
    CHECK(klib::memcmp("abc", "abd", 2) == 0);
    CHECK(klib::strcmp("", "") == 0);
    CHECK(klib::strcmp("a", "") > 0);
    CHECK(klib::strcmp("\xff", "a") > 0);  // unsigned comparison
    CHECK(klib::strncmp("hello", "help", 3) == 0);
    CHECK(klib::strncmp("hello", "help", 4) < 0);
    CHECK(klib::strlen("hello") == 5);
    CHECK(klib::strnlen("hello", 3) == 3);
    const char* s = "a/b/c";
    CHECK(klib::strchr(s, '/') == s + 1);
    CHECK(klib::strrchr(s, '/') == s + 3);
    CHECK(klib::strchr(s, 'x') == nullptr);
    CHECK(klib::strchr(s, '\0') == s + 5);
    CHECK(klib::memchr(s, 'c', 5) == s + 4);
    CHECK(klib::memchr(s, 'c', 4) == nullptr);
  }

  TEST_CASE("strlcpy truncates and terminates") {
    char buf[4];
    CHECK(klib::strlcpy(buf, "hello", sizeof(buf)) == 5);
    CHECK(std::string(buf) == "hel");
    CHECK(klib::strlcpy(buf, "hi", sizeof(buf)) == 2);
    CHECK(std::string(buf) == "hi");
    buf[0] = 'x';
    CHECK(klib::strlcpy(buf, "hi", 0) == 2);
    CHECK(buf[0] == 'x');
  }
}

namespace {

template <typename... Args>
void check_format(const char* fmt, Args... args) {
  char ours[256], theirs[256];
  const int n1 = klib::snprintf(ours, sizeof(ours), fmt, args...);
  const int n2 = std::snprintf(theirs, sizeof(theirs), fmt, args...);
  INFO("format: ", fmt);
  CHECK(std::string(ours) == std::string(theirs));
  CHECK(n1 == n2);
}

}  // namespace

TEST_SUITE("vsprintf") {
  TEST_CASE("integer conversions match libc") {
    check_format("%d %i %u", 42, -42, 42u);
    check_format("%d", 0);
    check_format("%ld %lu", -9223372036854775807L - 1, 18446744073709551615UL);
    check_format("%lld %llx", -1LL, 0xdeadbeefcafeULL);
    check_format("%x %X %o", 0xabcdu, 0xabcdu, 8u);
    check_format("%#x %#X %#o %#x", 255u, 255u, 8u, 0u);
    check_format("%5d|%-5d|%05d", 42, 42, 42);
    check_format("%+d % d %+d", 5, 5, -5);
    check_format("%.3d|%8.3d|%-8.3d|%08.3d", 7, 7, 7, 7);
    check_format("%.0d|%.0x", 0, 0u);
    check_format("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    check_format("%zu %zx %td", static_cast<size_t>(123), static_cast<size_t>(0xff), static_cast<ptrdiff_t>(-3));
    check_format("%*d|%-*d|%.*d", 6, 1, 6, 1, 4, 1);
    check_format("%*d", -6, 1);
  }

  TEST_CASE("strings and characters match libc") {
    check_format("[%s]", "abc");
    check_format("[%10s][%-10s]", "abc", "abc");
    check_format("[%.2s][%.*s]", "abcdef", 3, "abcdef");
    check_format("[%c][%3c][%-3c]", 'x', 'y', 'z');
    check_format("100%%");
  }

  TEST_CASE("pointers print as 0x plus 16 hex digits") {
    char buf[64];
    klib::snprintf(buf, sizeof(buf), "%p", reinterpret_cast<void*>(0x1234));
    CHECK(std::string(buf) == "0x0000000000001234");
  }

  TEST_CASE("truncation returns the full length and terminates") {
    char buf[8];
    CHECK(klib::snprintf(buf, sizeof(buf), "%s", "0123456789") == 10);
    CHECK(std::string(buf) == "0123456");
    CHECK(klib::snprintf(nullptr, 0, "%d", 12345) == 5);
    CHECK(klib::scnprintf(buf, sizeof(buf), "%s", "0123456789") == 7);
    CHECK(klib::scnprintf(buf, 0, "%s", "x") == 0);
  }

  TEST_CASE("unknown conversions are printed verbatim") {
    char buf[16];
    char fmt[] = "a%yb";  // not a literal, so the compiler's format check stays out of it
    klib::snprintf(buf, sizeof(buf), fmt, 0);
    CHECK(std::string(buf) == "a%yb");
  }
}
