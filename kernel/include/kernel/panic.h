// panic(): print the reason and a backtrace, then power off with a failure code.
#pragma once

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Exit code used when the kernel stops on a panic or Oops.
constexpr int EXIT_CODE_PANIC = 2;
