/*
 * Powering off with a verdict. On QEMU virt the sifive_test finisher carries
 * the exit status (0x5555 = pass, 0x3333 | code << 16 = fail); on sifive_u,
 * which has none, QEMU semihosting SYS_EXIT does when the command line says
 * `exit=semihosting`; elsewhere SBI SRST (or legacy) shutdown.
 */
#pragma once

#include <stdint.h>

enum class ExitMethod { Finisher, Semihosting, Sbi };

// Where to send the verdict; finisher_pa = 0 when the DT has no sifive,test0.
void power_init(uint64_t finisher_pa, bool semihosting);
ExitMethod power_exit_method();

// Stops every hart and powers off; QEMU exits with `code` (0..0xffff) where
// the method can carry it. Never returns.
[[noreturn]] void machine_exit(int code);
