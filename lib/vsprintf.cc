/*
 * vsnprintf: the kernel's printf engine.
 *
 * Supports the C conversions the kernel uses: d i u x X o c s p %, flags
 * - 0 + space #, width and precision (numbers or *), and the length
 * modifiers hh h l ll z t j. %p prints 0x followed by 16 hex digits. Output
 * is always NUL-terminated when size > 0; the return value is the length the
 * whole output would have had (C99).
 */
#include <lib/string.h>

#include <stdint.h>

namespace {

struct Sink {
  char* buf;
  size_t size;
  size_t pos = 0;

  void put(char c) {
    if (pos + 1 < size) buf[pos] = c;
    pos++;
  }
  void repeat(char c, int n) {
    for (int i = 0; i < n; i++) put(c);
  }
};

struct Spec {
  bool left = false, zero = false, plus = false, space = false, alt = false;
  int width = 0;
  int precision = -1;
};

void put_string(Sink& out, const char* s, const Spec& spec) {
  if (!s) s = "(null)";
  const size_t len = spec.precision >= 0 ? strnlen(s, static_cast<size_t>(spec.precision)) : strlen(s);
  const int pad = spec.width > static_cast<int>(len) ? spec.width - static_cast<int>(len) : 0;
  if (!spec.left) out.repeat(' ', pad);
  for (size_t i = 0; i < len; i++) out.put(s[i]);
  if (spec.left) out.repeat(' ', pad);
}

void put_number(Sink& out, uint64_t value, bool negative, unsigned base, bool upper, Spec spec) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char tmp[24];
  int n = 0;
  if (value == 0 && spec.precision != 0) tmp[n++] = '0';
  while (value) {
    tmp[n++] = digits[value % base];
    value /= base;
  }
  char sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : 0;
  const char* prefix = "";
  if (spec.alt && base == 16 && n > 0 && !(n == 1 && tmp[0] == '0')) prefix = upper ? "0X" : "0x";
  if (spec.alt && base == 8 && (n == 0 || tmp[n - 1] != '0')) prefix = "0";
  const int prefix_len = static_cast<int>(strlen(prefix));
  const int zeros = spec.precision > n ? spec.precision - n : 0;
  const int body = n + zeros + prefix_len + (sign ? 1 : 0);
  int pad = spec.width > body ? spec.width - body : 0;
  // The 0 flag is ignored with a precision or with '-'.
  const bool zero_pad = spec.zero && !spec.left && spec.precision < 0;
  if (!spec.left && !zero_pad) out.repeat(' ', pad);
  if (sign) out.put(sign);
  for (int i = 0; i < prefix_len; i++) out.put(prefix[i]);
  if (zero_pad) out.repeat('0', pad);
  out.repeat('0', zeros);
  while (n) out.put(tmp[--n]);
  if (spec.left) out.repeat(' ', pad);
}

enum class Length { Int, Char, Short, Long, LongLong, Size, Ptrdiff, Max };

}  // namespace

KLIB_BEGIN

int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) noexcept {
  Sink out{buf, size};
  while (*fmt) {
    if (*fmt != '%') {
      out.put(*fmt++);
      continue;
    }
    fmt++;
    Spec spec;
    for (;; fmt++) {
      if (*fmt == '-') spec.left = true;
      else if (*fmt == '0') spec.zero = true;
      else if (*fmt == '+') spec.plus = true;
      else if (*fmt == ' ') spec.space = true;
      else if (*fmt == '#') spec.alt = true;
      else break;
    }
    if (*fmt == '*') {
      spec.width = va_arg(ap, int);
      if (spec.width < 0) {
        spec.left = true;
        spec.width = -spec.width;
      }
      fmt++;
    } else {
      while (*fmt >= '0' && *fmt <= '9') spec.width = spec.width * 10 + (*fmt++ - '0');
    }
    if (*fmt == '.') {
      fmt++;
      spec.precision = 0;
      if (*fmt == '*') {
        spec.precision = va_arg(ap, int);
        if (spec.precision < 0) spec.precision = -1;
        fmt++;
      } else {
        while (*fmt >= '0' && *fmt <= '9') spec.precision = spec.precision * 10 + (*fmt++ - '0');
      }
    }
    Length len = Length::Int;
    if (*fmt == 'h') {
      fmt++;
      len = Length::Short;
      if (*fmt == 'h') fmt++, len = Length::Char;
    } else if (*fmt == 'l') {
      fmt++;
      len = Length::Long;
      if (*fmt == 'l') fmt++, len = Length::LongLong;
    } else if (*fmt == 'z') {
      fmt++, len = Length::Size;
    } else if (*fmt == 't') {
      fmt++, len = Length::Ptrdiff;
    } else if (*fmt == 'j') {
      fmt++, len = Length::Max;
    }

    const char conv = *fmt;
    if (conv == '\0') break;
    fmt++;
    switch (conv) {
      case 'd':
      case 'i': {
        int64_t v;
        switch (len) {
          case Length::Char: v = static_cast<signed char>(va_arg(ap, int)); break;
          case Length::Short: v = static_cast<short>(va_arg(ap, int)); break;
          case Length::Int: v = va_arg(ap, int); break;
          default: v = va_arg(ap, long long); break;
        }
        const uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        put_number(out, mag, v < 0, 10, false, spec);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        uint64_t v;
        switch (len) {
          case Length::Char: v = static_cast<unsigned char>(va_arg(ap, unsigned)); break;
          case Length::Short: v = static_cast<unsigned short>(va_arg(ap, unsigned)); break;
          case Length::Int: v = va_arg(ap, unsigned); break;
          default: v = va_arg(ap, unsigned long long); break;
        }
        spec.plus = spec.space = false;
        const unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
        put_number(out, v, false, base, conv == 'X', spec);
        break;
      }
      case 'p': {
        const auto v = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
        out.put('0');
        out.put('x');
        Spec p;
        p.zero = true;
        p.width = 16;
        put_number(out, v, false, 16, false, p);
        break;
      }
      case 'c': {
        const char c = static_cast<char>(va_arg(ap, int));
        const int pad = spec.width > 1 ? spec.width - 1 : 0;
        if (!spec.left) out.repeat(' ', pad);
        out.put(c);
        if (spec.left) out.repeat(' ', pad);
        break;
      }
      case 's': put_string(out, va_arg(ap, const char*), spec); break;
      case '%': out.put('%'); break;
      default:
        // Unknown conversion: print it as written so the bug is visible.
        out.put('%');
        out.put(conv);
        break;
    }
  }
  if (size) buf[out.pos < size ? out.pos : size - 1] = '\0';
  return static_cast<int>(out.pos);
}

int snprintf(char* buf, size_t size, const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int scnprintf(char* buf, size_t size, const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  if (size == 0) return 0;
  return n < static_cast<int>(size) ? n : static_cast<int>(size) - 1;
}

KLIB_END
