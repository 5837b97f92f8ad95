// Host tests for lib/exec_stack.cc: the initial stack a new program gets,
// parsed back the way a C library's start-up reads it, for random
// argv/envp sets; alignment, bounds and every error.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <lib/exec_stack.h>

namespace {

struct Built {
  std::vector<uint8_t> buf;
  uint64_t top;
  ExecStackLayout layout;
};

uint64_t word(const Built& b, uint64_t addr) {
  uint64_t v;
  std::memcpy(&v, b.buf.data() + (addr - (b.top - b.buf.size())), 8);
  return v;
}
std::string str(const Built& b, uint64_t addr) {
  return std::string(reinterpret_cast<const char*>(b.buf.data() + (addr - (b.top - b.buf.size()))));
}

}  // namespace

TEST_SUITE("exec_stack") {
  TEST_CASE("random argv/envp: parsed back, aligned, auxv complete") {
    const unsigned seed = std::random_device{}();
    std::printf("exec_stack seed %u\n", seed);
    std::mt19937 rng(seed);
    for (int round = 0; round < 300; round++) {
      std::vector<std::string> argv(1 + rng() % 6), envp(rng() % 6);
      std::string block;
      for (auto* v : {&argv, &envp})
        for (auto& s : *v) {
          s.assign(rng() % 40, 'a');
          for (char& c : s) c = static_cast<char>('a' + rng() % 26);
          block += s;
          block.push_back('\0');
        }
      const std::string execfn = "/bin/" + argv[0];
      const AuxEntry aux[] = {{AT_PAGESZ, 4096}, {AT_ENTRY, 0x10000}, {AT_HWCAP, 0x112d}};
      ExecStackInput in{};
      in.top = 0x4000000000ull;
      in.strings = block.data();
      in.strings_len = block.size();
      in.argc = static_cast<unsigned>(argv.size());
      in.envc = static_cast<unsigned>(envp.size());
      in.execfn = execfn.c_str();
      for (int i = 0; i < 16; i++) in.random[i] = static_cast<uint8_t>(i * 7 + 1);
      in.aux = aux;
      in.naux = 3;
      Built b;
      b.top = in.top;
      b.buf.assign(8192, 0xcc);
      auto r = build_exec_stack(in, b.buf.data(), b.buf.size());
      REQUIRE(r.ok());
      b.layout = r.value();
      const uint64_t sp = b.layout.sp;
      CHECK(sp % 16 == 0);
      CHECK(word(b, in.top - 8) == 0);
      REQUIRE(word(b, sp) == argv.size());
      uint64_t p = sp + 8;
      for (auto& s : argv) CHECK(str(b, word(b, (p += 8) - 8)) == s);
      CHECK(word(b, p) == 0);
      p += 8;
      for (auto& s : envp) CHECK(str(b, word(b, (p += 8) - 8)) == s);
      CHECK(word(b, p) == 0);
      p += 8;
      uint64_t seen_random = 0, seen_execfn = 0, n = 0;
      for (;; p += 16, n++) {
        const uint64_t type = word(b, p), val = word(b, p + 8);
        if (type == AT_NULL) break;
        if (type == AT_RANDOM) seen_random = val;
        if (type == AT_EXECFN) seen_execfn = val;
        if (type == AT_HWCAP) CHECK(val == 0x112d);
      }
      CHECK(n == 5);
      REQUIRE(seen_random == b.layout.random);
      CHECK(std::memcmp(b.buf.data() + (seen_random - (in.top - b.buf.size())), in.random, 16) == 0);
      CHECK(str(b, seen_execfn) == execfn);
      CHECK(p + 16 <= seen_random);                        // the arrays end below the random bytes
      CHECK(b.layout.arg_start > seen_random);             // the strings above them
      CHECK(b.layout.env_end - b.layout.arg_start == block.size());
      CHECK(b.layout.arg_end == b.layout.env_start);
    }
  }

  TEST_CASE("too small a buffer is E2BIG at every size, never an overrun") {
    std::string block = std::string(100, 'x') + '\0' + std::string(50, 'y') + '\0';
    ExecStackInput in{};
    in.top = 0x4000000000ull;
    in.strings = block.data();
    in.strings_len = block.size();
    in.argc = 1;
    in.envc = 1;
    in.execfn = "/init";
    size_t needed = 0;
    for (size_t size = 0; size <= 512; size += 8) {
      std::vector<uint8_t> buf(size + 64, 0xcc);
      auto r = build_exec_stack(in, buf.data(), size);
      for (size_t i = size; i < buf.size(); i++) REQUIRE(buf[i] == 0xcc);  // nothing written past the end
      if (r.ok()) {
        if (!needed) needed = size;
      } else {
        CHECK(r.error().err == -E2BIG);
        CHECK(needed == 0);  // once it fits it keeps fitting
      }
    }
    CHECK(needed > 0);
  }

  TEST_CASE("strings that do not match argc/envc are refused") {
    const char block[] = "one\0two";  // two strings (the literal's own NUL ends the second)
    std::vector<uint8_t> buf(4096);
    ExecStackInput in{};
    in.top = 0x4000000000ull;
    in.strings = block;
    in.strings_len = sizeof(block);
    in.execfn = "x";
    in.argc = 3;
    CHECK(build_exec_stack(in, buf.data(), buf.size()).error().err == -EINVAL);
    in.argc = 1;
    in.envc = 0;
    CHECK(build_exec_stack(in, buf.data(), buf.size()).error().err == -EINVAL);  // a string left over
    in.envc = 1;
    CHECK(build_exec_stack(in, buf.data(), buf.size()).ok());
    in.strings_len = sizeof(block) - 1;  // the last string unterminated
    CHECK(build_exec_stack(in, buf.data(), buf.size()).error().err == -EINVAL);
  }
}
