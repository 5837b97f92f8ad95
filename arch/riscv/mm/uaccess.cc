/*
 * Bulk user-memory copies (asm/uaccess.h). Each runs inside one UserAccess
 * scope (sstatus.SUM on) and moves doublewords while both addresses share
 * their alignment, bytes otherwise and at the ends. Every load or store of
 * user memory has an exception-table entry: a fault that do_page_fault
 * cannot resolve resumes at the fixup with -EFAULT. A doubleword that
 * faults is retried byte by byte, so the count of bytes not copied is exact.
 */
#include <asm/uaccess.h>

#include <lib/string.h>

namespace {

// One user access with its fixup: 0, or -EFAULT (the value is then 0).
// SUM must be on (the caller's UserAccess).
template <typename T>
[[gnu::always_inline]] inline int user_load(T* val, uintptr_t src) {
  int err = 0;
  T v;
  if constexpr (sizeof(T) == 8) {
    asm volatile(
        ASM_ACCESS_FIXUP("ld %[v], 0(%[src])", "   li %[v], 0\n")
        : [err] "+r"(err), [v] "=&r"(v)
        : [src] "r"(src), [efault] "i"(-EFAULT)
        : "memory");
  } else {
    asm volatile(
        ASM_ACCESS_FIXUP("lbu %[v], 0(%[src])", "   li %[v], 0\n")
        : [err] "+r"(err), [v] "=&r"(v)
        : [src] "r"(src), [efault] "i"(-EFAULT)
        : "memory");
  }
  *val = v;
  return err;
}

template <typename T>
[[gnu::always_inline]] inline int user_store(T val, uintptr_t dst) {
  int err = 0;
  if constexpr (sizeof(T) == 8) {
    asm volatile(
        ASM_ACCESS_FIXUP("sd %[v], 0(%[dst])", "")
        : [err] "+r"(err)
        : [v] "r"(val), [dst] "r"(dst), [efault] "i"(-EFAULT)
        : "memory");
  } else {
    asm volatile(
        ASM_ACCESS_FIXUP("sb %[v], 0(%[dst])", "")
        : [err] "+r"(err)
        : [v] "r"(val), [dst] "r"(dst), [efault] "i"(-EFAULT)
        : "memory");
  }
  return err;
}

}  // namespace

size_t copy_from_user(void* dst, uintptr_t src, size_t n) {
  if (!access_ok(src, n)) return n;
  UserAccess ua;
  auto* d = static_cast<uint8_t*>(dst);
  size_t i = 0;
  if (((src ^ reinterpret_cast<uintptr_t>(d)) & 7) == 0) {
    for (; i < n && ((src + i) & 7); i++)
      if (user_load(&d[i], src + i)) return n - i;
    for (uint64_t w; n - i >= 8 && !user_load(&w, src + i); i += 8) memcpy(d + i, &w, 8);
  }
  for (; i < n; i++)
    if (user_load(&d[i], src + i)) return n - i;
  return 0;
}

size_t copy_to_user(uintptr_t dst, const void* src, size_t n) {
  if (!access_ok(dst, n)) return n;
  UserAccess ua;
  const auto* s = static_cast<const uint8_t*>(src);
  size_t i = 0;
  if (((dst ^ reinterpret_cast<uintptr_t>(s)) & 7) == 0) {
    for (; i < n && ((dst + i) & 7); i++)
      if (user_store(s[i], dst + i)) return n - i;
    for (; n - i >= 8; i += 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (user_store(w, dst + i)) break;
    }
  }
  for (; i < n; i++)
    if (user_store(s[i], dst + i)) return n - i;
  return 0;
}

size_t clear_user(uintptr_t dst, size_t n) {
  if (!access_ok(dst, n)) return n;
  UserAccess ua;
  size_t i = 0;
  for (; i < n && ((dst + i) & 7); i++)
    if (user_store(uint8_t{0}, dst + i)) return n - i;
  for (; n - i >= 8 && !user_store(uint64_t{0}, dst + i); i += 8) {
  }
  for (; i < n; i++)
    if (user_store(uint8_t{0}, dst + i)) return n - i;
  return 0;
}

long strncpy_from_user(char* dst, uintptr_t src, long count) {
  if (count <= 0) return 0;
  if (!access_ok(src, 1)) return -EFAULT;
  UserAccess ua;
  for (long i = 0; i < count; i++) {
    uint8_t c;
    // access_ok per byte: the string may run up to the end of user space.
    if (!access_ok(src + static_cast<uintptr_t>(i), 1) || user_load(&c, src + static_cast<uintptr_t>(i))) return -EFAULT;
    dst[i] = static_cast<char>(c);
    if (c == 0) return i;
  }
  return count;
}
