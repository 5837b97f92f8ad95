// lib/logbuf.cc against a model: the whole log as one string, of which the
// buffer must hold the newest whole lines that fit (first() at a line
// start), with readers that resume wherever the buffer now begins.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include <lib/logbuf.h>

namespace {

std::string read_all(const LogBuffer& lb, uint64_t from, size_t len) {
  std::string out(len, '\0');
  out.resize(lb.read_tail(from, out.data(), len));
  return out;
}

}  // namespace

TEST_SUITE("logbuf") {
  TEST_CASE("lines get their level; continuations keep it") {
    std::vector<char> store(256);
    LogBuffer lb(store.data(), store.size());
    lb.append(6, "hello\n", 6);
    lb.append(3, "half", 4);
    lb.append(7, " done\nnext\n", 11);
    CHECK(read_all(lb, 0, 256) == "<6>hello\n<3>half done\n<7>next\n");
    CHECK(read_all(lb, 0, 20) == "<7>next\n");  // the newest whole lines that fit
    uint64_t pos = 0;
    char out[64];
    size_t n = lb.read(&pos, out, 14);
    CHECK(std::string(out, n) == "<6>hello\n");
    n = lb.read(&pos, out, 5);  // a line longer than the request: cut, then skipped
    CHECK(std::string(out, n) == "<3>ha");
    n = lb.read(&pos, out, 64);
    CHECK(std::string(out, n) == "<7>next\n");
    CHECK(lb.read(&pos, out, 64) == 0);
  }

  TEST_CASE("randomised against a model of the whole log") {
    std::mt19937 rng(2026);
    for (int round = 0; round < 40; round++) {
      const size_t cap = 16 + rng() % 300;
      std::vector<char> store(cap);
      LogBuffer lb(store.data(), store.size());
      std::string all;  // everything ever appended, with prefixes
      bool line_start = true;
      uint64_t reader = 0;
      std::string read_stream;  // what the READ reader got, resynchronised at drops
      for (int step = 0; step < 400; step++) {
        const int level = static_cast<int>(rng() % 8);
        std::string text;
        const size_t len = rng() % 40;
        for (size_t i = 0; i < len; i++) text += (rng() % 6 == 0) ? '\n' : static_cast<char>('a' + rng() % 26);
        lb.append(level, text.data(), text.size());
        for (char c : text) {
          if (line_start) {
            all += '<';
            all += static_cast<char>('0' + level);
            all += '>';
            line_start = false;
          }
          all += c;
          if (c == '\n') line_start = true;
        }
        REQUIRE(lb.next() == all.size());
        REQUIRE(lb.next() - lb.first() <= cap);
        // first() starts a line (or cuts into one line that alone is longer than the buffer).
        const uint64_t f = lb.first();
        const bool at_line = f == 0 || all[f - 1] == '\n';
        const size_t nl_before = f ? all.rfind('\n', f - 1) : std::string::npos;
        const size_t line_start_pos = nl_before == std::string::npos ? 0 : nl_before + 1;
        const size_t nl_after = all.find('\n', f);
        const size_t line_end_pos = nl_after == std::string::npos ? all.size() : nl_after + 1;
        const bool one_huge_line = line_end_pos - line_start_pos > cap;
        REQUIRE((at_line || one_huge_line));
        // Every line that fit is kept: the line before first() would not have.
        if (at_line && f > 0) {
          const size_t prev = all.rfind('\n', f - 2);
          const uint64_t prev_start = prev == std::string::npos ? 0 : prev + 1;
          REQUIRE(lb.next() - prev_start > cap);
        }
        // READ_ALL of everything is the kept text.
        REQUIRE(read_all(lb, 0, cap) == all.substr(f));
        // READ_ALL of less: a suffix of whole lines.
        const size_t want = rng() % (cap + 1);
        const std::string tail = read_all(lb, 0, want);
        REQUIRE(tail.size() <= want);
        REQUIRE(all.compare(all.size() - tail.size(), tail.size(), tail) == 0);
        // A READ reader in small steps sees the log in order from where it resumes.
        if (rng() % 3 == 0) {
          char out[64];
          const uint64_t from = reader > f ? reader : f;
          const size_t n = lb.read(&reader, out, 1 + rng() % sizeof(out));
          REQUIRE(all.compare(from, n, std::string(out, n)) == 0);
          REQUIRE(reader <= lb.next());
        }
      }
    }
  }
}
