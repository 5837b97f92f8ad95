// The console line discipline on the host: canonical editing (erase, kill,
// ^D at and after the start of a line), the signal characters (^C, ^\\,
// ^Z: SIGINT, SIGQUIT, SIGTSTP), one line per read, small reads,
// typed-ahead lines, raw mode, echo; and random input against a model.
#include <doctest/doctest.h>

#include <deque>
#include <random>
#include <string>

#include <lib/n_tty.h>

namespace {

struct Tty {
  LineDiscipline ld;
  termios_k t = ntty::kDefaultTermios;
  std::string echoed;

  void type(const std::string& s) {
    for (char c : s) {
      char e[LineDiscipline::kMaxEcho];
      const size_t n = ld.receive(c, t, e);
      REQUIRE(n <= LineDiscipline::kMaxEcho);
      echoed.append(e, n);
    }
  }
  // One read of up to count bytes, or "<none>" when it would block.
  std::string read(size_t count = 4096) {
    if (!ld.readable(t)) return "<none>";
    std::string out(count, '\0');
    out.resize(ld.read(out.data(), count, t));
    return out;
  }
};

}  // namespace

TEST_SUITE("n_tty") {
  TEST_CASE("a line with CR, echo, and one line per read") {
    Tty tty;
    tty.type("ls -l");
    CHECK(tty.read() == "<none>");
    tty.type("\rpwd\n");
    CHECK(tty.echoed == "ls -l\npwd\n");
    CHECK(tty.read() == "ls -l\n");
    CHECK(tty.read() == "pwd\n");
    CHECK(tty.read() == "<none>");
  }

  TEST_CASE("erase and kill edit only the line being typed") {
    Tty tty;
    tty.type("lx\x7fs\n");
    CHECK(tty.read() == "ls\n");
    tty.type("\x7f\x7f" "a\b" "b\n");
    CHECK(tty.read() == "b\n");
    tty.type("done\n\x7f\x7f");  // nothing to erase after the newline
    CHECK(tty.read() == "done\n");
    tty.type("abc\x15" "d\n");
    CHECK(tty.read() == "d\n");
    CHECK(tty.echoed.find("lx\b \bs\n") == 0);
  }

  TEST_CASE("^D: EOF at a line start, the partial line elsewhere") {
    Tty tty;
    tty.type("\x04");
    CHECK(tty.read() == "");
    CHECK(tty.read() == "<none>");
    tty.type("ab\x04" "cd\n");
    CHECK(tty.read() == "ab");
    CHECK(tty.read() == "cd\n");
    tty.type("last\n\x04");
    CHECK(tty.read() == "last\n");
    CHECK(tty.read() == "");
    CHECK(tty.read() == "<none>");
  }

  TEST_CASE("small reads take a line in pieces; ^C drops the input and asks for SIGINT") {
    Tty tty;
    tty.type("hello\n");
    CHECK(tty.read(2) == "he");
    CHECK(tty.read(2) == "ll");
    CHECK(tty.read(2) == "o\n");
    CHECK(tty.ld.take_signal() == 0);
    tty.type("typed ahead\nrm -rf\x03");
    CHECK(tty.ld.take_signal() == ntty::SIGINT_NR);
    CHECK(tty.ld.take_signal() == 0);  // once
    CHECK(tty.read() == "<none>");     // Linux flushes all unread input, whole lines too
    tty.type("echo\n");
    CHECK(tty.read() == "echo\n");
    CHECK(tty.echoed.find("rm -rf^Cecho\n") != std::string::npos);  // ECHOCTL: "^C", no newline
  }

  TEST_CASE("^\\ and ^Z ask for SIGQUIT and SIGTSTP, in raw mode too; NOFLSH keeps the input; no ISIG: plain bytes") {
    Tty tty;
    tty.type("ab\x1c");
    CHECK(tty.ld.take_signal() == ntty::SIGQUIT_NR);
    tty.t.c_lflag |= ntty::NOFLSH;
    tty.type("cd\n" "ef\x1a");
    CHECK(tty.ld.take_signal() == ntty::SIGTSTP_NR);
    CHECK(tty.read() == "cd\n");  // kept with NOFLSH
    CHECK(tty.echoed == "ab^\\cd\nef^Z");
    tty.t.c_lflag &= ~(ntty::ICANON | ntty::NOFLSH);
    tty.type("x\x03");
    CHECK(tty.ld.take_signal() == ntty::SIGINT_NR);
    CHECK(tty.read() == "<none>");
    tty.t.c_lflag &= ~ntty::ISIG;
    tty.type("\x03");
    CHECK(tty.ld.take_signal() == 0);
    CHECK(tty.read() == "\x03");
    tty.t.c_lflag |= ntty::ISIG;
    tty.t.c_cc[ntty::VINTR] = 0;  // disabled (_POSIX_VDISABLE)
    tty.type(std::string(1, '\0'));
    CHECK(tty.ld.take_signal() == 0);
  }

  TEST_CASE("raw mode, no echo, no CR translation") {
    Tty tty;
    tty.t.c_lflag &= ~(ntty::ICANON | ntty::ECHO);
    tty.t.c_iflag &= ~ntty::ICRNL;
    tty.type("a");
    CHECK(tty.read() == "a");
    tty.type("\r\x7f\x04");
    CHECK(tty.read(2) == "\r\x7f");
    CHECK(tty.read() == "\x04");
    CHECK(tty.echoed.empty());
  }

  TEST_CASE("a full buffer keeps room for the newline") {
    Tty tty;
    tty.type(std::string(3000, 'x') + "\n");
    const std::string line = tty.read();
    CHECK(line.size() == LineDiscipline::kBufSize);
    CHECK(line.back() == '\n');
  }

  TEST_CASE("random input against a model (seed printed)") {
    const unsigned seed = std::random_device{}();
    MESSAGE("seed ", seed);
    std::mt19937 rng(seed);
    Tty tty;
    std::string cur;
    std::deque<std::string> lines;  // "" stands for an EOF
    for (int step = 0; step < 20000; step++) {
      const unsigned r = rng() % 20;
      if (r < 12) {
        const char c = static_cast<char>('a' + rng() % 26);
        tty.type(std::string(1, c));
        cur += c;
      } else if (r < 14) {
        tty.type("\x7f");
        if (!cur.empty()) cur.pop_back();
      } else if (r < 15) {
        tty.type("\x15");
        cur.clear();
      } else if (r < 17) {
        tty.type("\n");
        lines.push_back(cur + "\n");
        cur.clear();
      } else if (r < 18) {
        tty.type("\x04");
        lines.push_back(cur);
        cur.clear();
      } else {
        if (lines.size() > 40) continue;  // stay well inside the buffer
        const std::string got = tty.read(1 + rng() % 8);
        if (lines.empty()) {
          CHECK(got == "<none>");
        } else {
          std::string& want = lines.front();
          REQUIRE(got.size() <= want.size() + 0);
          CHECK(want.compare(0, got.size(), got) == 0);
          if (got.empty() || got.size() == want.size())
            lines.pop_front();
          else
            want.erase(0, got.size());
        }
      }
      // Drain now and then so the buffer never fills.
      while (lines.size() > 40) {
        std::string& want = lines.front();
        const std::string got = tty.read(4096);
        CHECK(got == want);
        lines.pop_front();
      }
    }
  }
}
