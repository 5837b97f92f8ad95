// Freestanding memory and string functions (see lib/string.h).
#include <lib/string.h>

#include <stdint.h>

KLIB_BEGIN

void* memcpy(void* dst, const void* src, size_t n) noexcept {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  // Word copies when both sides share alignment: the common case for structs.
  if (((reinterpret_cast<uintptr_t>(d) ^ reinterpret_cast<uintptr_t>(s)) & 7) == 0) {
    while (n && (reinterpret_cast<uintptr_t>(d) & 7)) {
      *d++ = *s++;
      n--;
    }
    auto* dw = reinterpret_cast<uint64_t*>(d);
    auto* sw = reinterpret_cast<const uint64_t*>(s);
    for (; n >= 8; n -= 8) *dw++ = *sw++;
    d = reinterpret_cast<unsigned char*>(dw);
    s = reinterpret_cast<const unsigned char*>(sw);
  }
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) noexcept {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void* memset(void* dst, int c, size_t n) noexcept {
  auto* d = static_cast<unsigned char*>(dst);
  const auto byte = static_cast<unsigned char>(c);
  while (n && (reinterpret_cast<uintptr_t>(d) & 7)) {
    *d++ = byte;
    n--;
  }
  const uint64_t word = 0x0101010101010101ull * byte;
  auto* dw = reinterpret_cast<uint64_t*>(d);
  for (; n >= 8; n -= 8) *dw++ = word;
  d = reinterpret_cast<unsigned char*>(dw);
  while (n--) *d++ = byte;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) noexcept {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

void* memchr(const void* s, int c, size_t n) noexcept {
  auto* p = static_cast<const unsigned char*>(s);
  for (size_t i = 0; i < n; i++)
    if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
  return nullptr;
}

size_t strlen(const char* s) noexcept {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

size_t strnlen(const char* s, size_t max) noexcept {
  size_t n = 0;
  while (n < max && s[n]) n++;
  return n;
}

int strcmp(const char* a, const char* b) noexcept {
  while (*a && *a == *b) a++, b++;
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, size_t n) noexcept {
  for (; n; n--, a++, b++) {
    if (*a != *b) return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
    if (!*a) return 0;
  }
  return 0;
}

char* strchr(const char* s, int c) noexcept {
  for (;; s++) {
    if (*s == static_cast<char>(c)) return const_cast<char*>(s);
    if (!*s) return nullptr;
  }
}

char* strrchr(const char* s, int c) noexcept {
  const char* last = nullptr;
  for (;; s++) {
    if (*s == static_cast<char>(c)) last = s;
    if (!*s) return const_cast<char*>(last);
  }
}

size_t strlcpy(char* dst, const char* src, size_t size) noexcept {
  const size_t len = strlen(src);
  if (size) {
    const size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
  }
  return len;
}

KLIB_END
