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

// Kernel-internal codes that never reach user space (Linux's
// include/linux/errno.h): a system call interrupted by a signal returns one
// and the signal code (arch_do_signal_or_restart) turns it into a restart
// or -EINTR.
constexpr int ERESTARTSYS = 512;            // restart if the handler has SA_RESTART, else -EINTR
constexpr int ERESTARTNOINTR = 513;         // always restart
constexpr int ERESTARTNOHAND = 514;         // restart only if no handler ran
constexpr int ERESTART_RESTARTBLOCK = 516;  // restart through restart_syscall (current->restart_block)
