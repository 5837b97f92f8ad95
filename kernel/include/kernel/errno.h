// Linux errno values, returned negated (-EFAULT, -ENOMEM, ...).
//
// The numbers come from the toolchain's <errno.h>, which for riscv64 Linux
// targets (and the x86-64 host the tests run on) is Linux's own
// asm-generic numbering. Taking them from there rather than redefining
// them avoids clashing with the macros libstdc++'s headers already pull in.
#pragma once

#include <errno.h>

static_assert(EPERM == 1 && ENOENT == 2 && ENOEXEC == 8 && EBADF == 9 && ENOMEM == 12 && EFAULT == 14 &&
                  EEXIST == 17 && EINVAL == 22 && ENOSPC == 28 && ENOSYS == 38,
              "Linux errno numbering");
