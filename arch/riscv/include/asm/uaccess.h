// Accesses that may fault and report it instead (exception-table backed).
#pragma once

#include <stdint.h>

#include <asm/extable.h>
#include <kernel/errno.h>

// Reads 8 bytes at src into *dst; -EFAULT (and *dst = 0) if the load faults.
[[gnu::always_inline]] inline int get_kernel_nofault(uint64_t* dst, const void* src) {
  int err = 0;
  uint64_t val;
  asm volatile(
      ASM_ACCESS_FIXUP("ld %[val], 0(%[src])", "   li %[val], 0\n")
      : [err] "+r"(err), [val] "=&r"(val)
      : [src] "r"(src), [efault] "i"(-EFAULT)
      : "memory");
  *dst = val;
  return err;
}

// ---- user memory ----
//
// The kernel reaches user pages only inside a UserAccess scope, which sets
// sstatus.SUM (outside it a kernel access to user memory faults and is an
// Oops). Every access below has an exception-table entry: a bad user
// pointer gives -EFAULT (or the bytes left uncopied), never a crash. A
// fault on a good pointer is resolved by do_page_fault and retried.

#include <stddef.h>

#include <asm/csr.h>
#include <asm/page.h>

class UserAccess {
 public:
  UserAccess() { csr_set<Csr::Sstatus>(SR_SUM); }
  ~UserAccess() { csr_clear<Csr::Sstatus>(SR_SUM); }
  UserAccess(const UserAccess&) = delete;
  UserAccess& operator=(const UserAccess&) = delete;
};

// [p, p + n) lies in the user half (Linux's access_ok).
inline bool access_ok(uintptr_t p, size_t n) { return p <= USER_TOP && n <= USER_TOP - p; }

// One byte from user memory; -EFAULT if the access cannot be satisfied.
// It loads the aligned doubleword around the byte (never crossing a page,
// so it faults exactly when the byte would).
[[gnu::always_inline]] inline int get_user_u8(uint8_t* dst, uintptr_t src) {
  if (!access_ok(src, 1)) return -EFAULT;
  UserAccess ua;
  uint64_t word;
  const int err = get_kernel_nofault(&word, reinterpret_cast<const void*>(src & ~uintptr_t{7}));
  *dst = static_cast<uint8_t>(word >> (8 * (src & 7)));
  return err;
}

[[gnu::always_inline]] inline int put_user_u8(uint8_t val, uintptr_t dst) {
  if (!access_ok(dst, 1)) return -EFAULT;
  UserAccess ua;
  int err = 0;
  asm volatile(
      ASM_ACCESS_FIXUP("sb %[val], 0(%[dst])", "")
      : [err] "+r"(err)
      : [val] "r"(val), [dst] "r"(dst), [efault] "i"(-EFAULT)
      : "memory");
  return err;
}

// Bulk copies (arch/riscv/mm/uaccess.cc): one UserAccess scope each,
// doublewords where both sides are aligned alike; they return the number
// of bytes NOT copied (0 on success) and stop exactly at the first byte
// that faults. Out of line on purpose: an inline copy that the compiler
// emits as a COMDAT function would carry exception-table entries that the
// linker drops with a discarded duplicate.
size_t copy_from_user(void* dst, uintptr_t src, size_t n);
size_t copy_to_user(uintptr_t dst, const void* src, size_t n);
// Zeroes n bytes of user memory; the number of bytes NOT cleared.
size_t clear_user(uintptr_t dst, size_t n);
// Copies a NUL-terminated string of at most `count` bytes from user memory
// (Linux's strncpy_from_user): its length without the NUL, `count` when no
// NUL came within count bytes (dst then is not terminated), or -EFAULT.
long strncpy_from_user(char* dst, uintptr_t src, long count);
