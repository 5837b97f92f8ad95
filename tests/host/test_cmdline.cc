// Host tests for lib/cmdline.cc and lib/glob.cc.
#include <doctest/doctest.h>

#include <string>

#include <lib/cmdline.h>
#include <lib/glob.h>

TEST_SUITE("cmdline") {
  TEST_CASE("key=value lookup, last one wins, quoted values") {
    const char* cl = "console=ttyS0 ktest=traps.* quiet loglevel=3 ktest=\"smp.* timer.*\" init=/init";
    char buf[64];
    REQUIRE(cmdline_get(cl, "ktest", buf, sizeof(buf)));
    CHECK(std::string(buf) == "smp.* timer.*");
    REQUIRE(cmdline_get(cl, "init", buf, sizeof(buf)));
    CHECK(std::string(buf) == "/init");
    CHECK_FALSE(cmdline_get(cl, "quiet", buf, sizeof(buf)));  // bare word has no value
    CHECK_FALSE(cmdline_get(cl, "kt", buf, sizeof(buf)));     // no prefix matches
    CHECK_FALSE(cmdline_get(nullptr, "ktest", buf, sizeof(buf)));
  }

  TEST_CASE("values are truncated to the buffer") {
    char buf[4];
    REQUIRE(cmdline_get("a=123456", "a", buf, sizeof(buf)));
    CHECK(std::string(buf) == "123");
  }

  TEST_CASE("flags") {
    CHECK(cmdline_has("quiet", "quiet"));
    CHECK(cmdline_has("  a=1\tquiet\n", "quiet"));
    CHECK(cmdline_has("exit=semihosting", "exit"));
    CHECK_FALSE(cmdline_has("quieter", "quiet"));
    CHECK_FALSE(cmdline_has("", "quiet"));
  }

  TEST_CASE("`--` ends the kernel's parameters; the words after it are init's, quoted as Linux reads them") {
    const char* cl = "ktest=none init=/init quiet -- /bin/sh -c \"echo one; exit 42\" k=\"a b\" a\"b c\"d ktest=x -- \"\"";
    char buf[64];
    REQUIRE(cmdline_get(cl, "ktest", buf, sizeof(buf)));
    CHECK(std::string(buf) == "none");  // not the ktest=x after --
    CHECK(cmdline_has(cl, "quiet"));
    CHECK_FALSE(cmdline_has("a -- quiet", "quiet"));
    char args[128];
    const char* argv[16];
    const char* envp[4];
    InitArgs a{argv, 16, 0, envp, 4, 0, 99};
    cmdline_init_args(cl, nullptr, args, sizeof(args), &a);
    REQUIRE(a.argc == 8);
    CHECK(a.envc == 0);
    CHECK(a.dropped == 0);
    CHECK(std::string(argv[0]) == "/bin/sh");
    CHECK(std::string(argv[1]) == "-c");
    CHECK(std::string(argv[2]) == "echo one; exit 42");
    CHECK(std::string(argv[3]) == "k=a b");
    CHECK(std::string(argv[4]) == "a\"b c\"d");  // quotes inside a word stay
    CHECK(std::string(argv[5]) == "ktest=x");
    CHECK(std::string(argv[6]) == "--");  // only the first one is special
    CHECK(std::string(argv[7]) == "");
    auto count = [&](const char* line) {
      a = InitArgs{argv, 16, 0, envp, 4, 0, 0};
      cmdline_init_args(line, nullptr, args, sizeof(args), &a);
      return a.argc;
    };
    CHECK(count("init=/x") == 0);
    CHECK(count("--") == 0);
    CHECK(count(nullptr) == 0);
    // Limits: at most max words, and what fits in the buffer.
    a = InitArgs{argv, 2, 0, envp, 4, 0, 0};
    cmdline_init_args("-- a b c d", nullptr, args, sizeof(args), &a);
    CHECK(a.argc == 2);
    CHECK(a.dropped == 2);
    CHECK(std::string(argv[1]) == "b");
    a = InitArgs{argv, 16, 0, envp, 4, 0, 0};
    cmdline_init_args("-- abc defg h", nullptr, args, 9, &a);  // "abc\0defg\0" then no room
    CHECK(a.argc == 2);
    CHECK(a.dropped == 1);
    CHECK(std::string(argv[1]) == "defg");
  }

  TEST_CASE("before `--`, what the kernel does not know is init's: bare words as arguments, k=v as environment") {
    const char* const known[] = {"quiet", "init", "console", nullptr};
    char args[256];
    const char* argv[8];
    const char* envp[4] = {"HOME=/", "TERM=linux"};
    InitArgs a{argv, 8, 0, envp, 4, 2, 0};
    cmdline_init_args("quiet single init=/bin/sh TERM=vt100 console=ttyS0 LANG=\"C UTF\" mod.param=1 mod.flag "
                      "emergency -- after k=v",
                      known, args, sizeof(args), &a);
    REQUIRE(a.argc == 4);
    CHECK(std::string(argv[0]) == "single");
    CHECK(std::string(argv[1]) == "emergency");
    CHECK(std::string(argv[2]) == "after");  // after --, every word is an argument, k=v too
    CHECK(std::string(argv[3]) == "k=v");
    REQUIRE(a.envc == 3);
    CHECK(std::string(envp[0]) == "HOME=/");
    CHECK(std::string(envp[1]) == "TERM=vt100");  // replaces the default
    CHECK(std::string(envp[2]) == "LANG=C UTF");
    CHECK(a.dropped == 0);
    // The environment's room runs out: the rest is dropped and counted.
    envp[0] = "HOME=/";
    envp[1] = "TERM=linux";
    a = InitArgs{argv, 8, 0, envp, 3, 2, 0};
    cmdline_init_args("A=1 B=2 TERM=xterm C=3", known, args, sizeof(args), &a);
    CHECK(a.envc == 3);
    CHECK(a.dropped == 2);
    CHECK(std::string(envp[1]) == "TERM=xterm");  // a full environment still takes a replacement
    // Nothing unknown: nothing for init.
    a = InitArgs{argv, 8, 0, envp, 4, 2, 0};
    cmdline_init_args("quiet init=/x console=hvc0 x.y=1", known, args, sizeof(args), &a);
    CHECK(a.argc == 0);
    CHECK(a.envc == 2);
  }

  TEST_CASE("numbers: decimal, hex, overflow and garbage rejected") {
    unsigned long v = 0;
    CHECK(cmdline_get_ulong("loglevel=7", "loglevel", &v));
    CHECK(v == 7);
    CHECK(cmdline_get_ulong("mem=0x1000", "mem", &v));
    CHECK(v == 0x1000);
    CHECK(cmdline_get_ulong("n=18446744073709551615", "n", &v));
    CHECK(v == 18446744073709551615ul);
    CHECK_FALSE(cmdline_get_ulong("n=18446744073709551616", "n", &v));
    CHECK_FALSE(cmdline_get_ulong("n=12a", "n", &v));
    CHECK_FALSE(cmdline_get_ulong("n=0x", "n", &v));
    CHECK_FALSE(cmdline_get_ulong("n=", "n", &v));
  }
}

TEST_SUITE("glob") {
  TEST_CASE("wildcards") {
    CHECK(glob_match("*", ""));
    CHECK(glob_match("*", "anything.at_all"));
    CHECK(glob_match("traps.*", "traps.load_fault"));
    CHECK_FALSE(glob_match("traps.*", "smp.ipi"));
    CHECK(glob_match("*.ipi", "smp.ipi"));
    CHECK(glob_match("s?p.*", "smp.ipi"));
    CHECK_FALSE(glob_match("s?p.*", "sp.ipi"));
    CHECK(glob_match("a*b*c", "aXXbYYc"));
    CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
    CHECK(glob_match("[st]mp.*", "smp.x"));
    CHECK(glob_match("[a-z]mp.*", "smp.x"));
    CHECK_FALSE(glob_match("[!s]mp.*", "smp.x"));
    CHECK(glob_match("[[]x", "[x"));
    CHECK(glob_match("[x", "[x"));  // malformed class matches literally
    CHECK(glob_match("exact", "exact"));
    CHECK_FALSE(glob_match("exact", "exactly"));
    CHECK_FALSE(glob_match("exactly", "exact"));
  }

  TEST_CASE("literal detection") {
    CHECK(glob_is_literal("ktest_selftest.must_fail"));
    CHECK_FALSE(glob_is_literal("ktest_selftest.*"));
    CHECK_FALSE(glob_is_literal("a?"));
    CHECK_FALSE(glob_is_literal("[ab]"));
  }

  TEST_CASE("pathological patterns finish") {
    std::string s(2000, 'a');
    CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*b", s.c_str()));
  }
}
