// Freestanding string and memory functions, and the kernel's printf family.
//
// In the kernel these are the C library names (the compiler emits calls to
// memcpy/memset itself), declared noexcept like glibc's, whose <stdio.h>
// libstdc++'s <atomic> pulls into some translation units. Host tests compile the same code inside namespace
// klib so it can be tested beside the host's libc.
#pragma once

#include <stdarg.h>
#include <stddef.h>

#ifdef HOST_TEST
#define KLIB_BEGIN namespace klib {
#define KLIB_END }
#else
#define KLIB_BEGIN extern "C" {
#define KLIB_END }
#endif

KLIB_BEGIN
void* memcpy(void* dst, const void* src, size_t n) noexcept;
void* memmove(void* dst, const void* src, size_t n) noexcept;
void* memset(void* dst, int c, size_t n) noexcept;
int memcmp(const void* a, const void* b, size_t n) noexcept;
void* memchr(const void* s, int c, size_t n) noexcept;
size_t strlen(const char* s) noexcept;
size_t strnlen(const char* s, size_t max) noexcept;
int strcmp(const char* a, const char* b) noexcept;
int strncmp(const char* a, const char* b, size_t n) noexcept;
char* strchr(const char* s, int c) noexcept;
char* strrchr(const char* s, int c) noexcept;
// Copies at most size-1 bytes and always terminates (when size > 0); returns strlen(src).
size_t strlcpy(char* dst, const char* src, size_t size) noexcept;

// C99 semantics: returns the length the full output would have had.
int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) noexcept;
int snprintf(char* buf, size_t size, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));
// Returns the number of bytes actually written (excluding the NUL), like Linux's scnprintf.
int scnprintf(char* buf, size_t size, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));
KLIB_END

#ifdef HOST_TEST
// lib/ sources call these unqualified on the host too. A test that also
// includes <cstring> must qualify its calls (klib:: or std::); an
// unqualified call there is an ambiguity error, never a silent mix-up.
using namespace klib;
#endif
