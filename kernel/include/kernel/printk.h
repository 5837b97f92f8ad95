/*
 * printk: leveled kernel messages with [seconds.micros] timestamps.
 *
 * Messages go to every registered console. Until a device-tree driver
 * registers, the SBI legacy console carries them. `loglevel=N` on the
 * command line prints levels < N; `quiet` is loglevel=4 (warnings and worse).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

enum class LogLevel : int {
  Emerg = 0,
  Alert = 1,
  Crit = 2,
  Err = 3,
  Warning = 4,
  Notice = 5,
  Info = 6,
  Debug = 7,
};

struct Console {
  const char* name;
  void (*write)(Console* con, const char* s, size_t n);
  Console* next;
};

void register_console(Console* con);

// Serial consoles turn "\n" into "\r\n" on the wire.
template <typename Putc>
void console_write_crlf(Putc putc, const char* s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n') putc('\r');
    putc(s[i]);
  }
}
// Drop the boot console (SBI) once a real one is registered.
void unregister_boot_console();

void printk_set_loglevel(int level);
int printk_get_loglevel();
// Set once the timebase is known; before that timestamps read 0.
void printk_set_timebase(unsigned long hz);

int vprintk(LogLevel level, const char* fmt, va_list ap);
int printk(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Continuation of the previous line: no timestamp, no level filter of its own.
int pr_cont(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Raw console output bypassing the level filter: console_printf for the
// kernel's own text (KTAP, Oops), also kept in the kernel log;
// console_write for bytes that are not the kernel's (user output).
void console_write(const char* s, size_t n);
int console_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Appends to the kernel log (kernel/printk_log.cc) at `level` (0-7).
void log_store(int level, const char* s, size_t n);
// The newest whole lines of the kernel log that fit in len bytes, as
// syslog(2)'s READ_ALL returns them ("<L>[time] text\n").
size_t log_read_all(char* out, size_t len);

#define PRINTK_LEVEL_FN(fn, lvl)                                                   \
  __attribute__((format(printf, 1, 2))) inline int fn(const char* fmt, ...) { \
    va_list ap;                                                                    \
    va_start(ap, fmt);                                                             \
    int n = vprintk(LogLevel::lvl, fmt, ap);                                       \
    va_end(ap);                                                                    \
    return n;                                                                      \
  }
PRINTK_LEVEL_FN(pr_emerg, Emerg)
PRINTK_LEVEL_FN(pr_alert, Alert)
PRINTK_LEVEL_FN(pr_crit, Crit)
PRINTK_LEVEL_FN(pr_err, Err)
PRINTK_LEVEL_FN(pr_warn, Warning)
PRINTK_LEVEL_FN(pr_notice, Notice)
PRINTK_LEVEL_FN(pr_info, Info)
PRINTK_LEVEL_FN(pr_debug, Debug)
#undef PRINTK_LEVEL_FN
