// Accesses that may fault and report it instead (exception-table backed).
#pragma once

#include <stdint.h>

#include <asm/extable.h>
#include <kernel/errno.h>

// Reads 8 bytes at src into *dst; -EFAULT (and *dst = 0) if the load faults.
inline int get_kernel_nofault(uint64_t* dst, const void* src) {
  int err = 0;
  uint64_t val;
  asm volatile(
      "1: ld %[val], 0(%[src])\n"
      "2:\n"
      ".pushsection .fixup, \"ax\"\n"
      "3: li %[err], %[efault]\n"
      "   li %[val], 0\n"
      "   j 2b\n"
      ".popsection\n" ASM_EXTABLE(1b, 3b)
      : [err] "+r"(err), [val] "=&r"(val)
      : [src] "r"(src), [efault] "i"(-EFAULT)
      : "memory");
  *dst = val;
  return err;
}
