/*
 * Result<T>: a value or an error, for code that has more to say about a
 * failure than a bare errno (the ELF and cpio readers name the field that
 * was wrong). The error is a negative Linux errno, what a system call would
 * return, plus a static message string for the log.
 *
 *   Result<ElfInfo> r = elf_parse(...);
 *   if (!r) return r.error().err;          // e.g. -ENOEXEC
 *   use(r.value());
 *
 * TRY(expr) evaluates a Result and returns its error from the enclosing
 * function (which must return some Result<U>) or yields its value. It needs
 * GNU statement expressions, which g++ and clang++ both have.
 *
 * T must be trivially destructible (the kernel has no exceptions and these
 * are plain structs), which keeps the union free of lifetime bookkeeping.
 */
#pragma once

#include <type_traits>
#include <utility>

struct Error {
  int err;          // negative errno, never 0
  const char* msg;  // static string saying what was wrong
};

template <typename T>
class [[nodiscard]] Result {
  static_assert(std::is_trivially_destructible_v<T>, "Result<T> holds plain values");

 public:
  Result(const T& v) : ok_(true), value_(v) {}  // NOLINT: implicit on purpose
  Result(T&& v) : ok_(true), value_(std::move(v)) {}  // NOLINT
  Result(Error e) : ok_(false), error_(e) {}  // NOLINT

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  // Only valid when ok() / !ok() respectively.
  T& value() { return value_; }
  const T& value() const { return value_; }
  Error error() const { return error_; }

 private:
  bool ok_;
  union {
    T value_;
    Error error_;
  };
};

// A result with no value: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : ok_(true), error_{0, nullptr} {}
  Result(Error e) : ok_(false), error_(e) {}  // NOLINT

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  void value() const {}
  Error error() const { return error_; }

 private:
  bool ok_;
  Error error_;
};

inline Result<void> ok_result() { return Result<void>(); }

#define TRY(expr)                              \
  ({                                           \
    auto try_result_ = (expr);                 \
    if (!try_result_) return try_result_.error(); \
    try_result_.value();                       \
  })
