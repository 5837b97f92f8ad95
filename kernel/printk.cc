/*
 * printk. Each message is formatted into a per-call buffer, prefixed with a
 * timestamp from rdtime / timebase, and written to every console under one
 * lock so lines from different harts do not interleave. Output is CR/LF
 * translated by the consoles themselves. Every message, and the KTAP text
 * of console_printf, is also kept in the kernel log (kernel/printk_log.cc)
 * for syslog(2), whatever the console loglevel.
 */
#include <kernel/printk.h>

#include <asm/csr.h>
#include <asm/sbi.h>
#include <kernel/spinlock.h>
#include <lib/string.h>

namespace {

void sbi_console_write(Console*, const char* s, size_t n) {
  console_write_crlf(sbi_console_putchar, s, n);
}

Console sbi_console{"sbi", sbi_console_write, nullptr};
Console* consoles = &sbi_console;
SpinLock console_lock;
int console_loglevel = 7;  // print everything below Debug by default
unsigned long timebase_hz;

void write_locked(const char* s, size_t n) {
  for (Console* c = consoles; c; c = c->next) c->write(c, s, n);
}

size_t format_timestamp(char* buf, size_t size) {
  if (timebase_hz == 0) return static_cast<size_t>(scnprintf(buf, size, "[%5lu.%06lu] ", 0ul, 0ul));
  const uint64_t t = rdtime();
  const uint64_t secs = t / timebase_hz;
  const uint64_t micros = (t % timebase_hz) * 1000000 / timebase_hz;
  return static_cast<size_t>(scnprintf(buf, size, "[%5lu.%06lu] ", secs, micros));
}

}  // namespace

void register_console(Console* con) {
  SpinLockIrqSaveGuard g{console_lock};
  con->next = consoles;
  consoles = con;
}

void unregister_boot_console() {
  SpinLockIrqSaveGuard g{console_lock};
  for (Console** p = &consoles; *p; p = &(*p)->next) {
    if (*p == &sbi_console) {
      *p = sbi_console.next;
      return;
    }
  }
}

void printk_set_loglevel(int level) { console_loglevel = level; }
int printk_get_loglevel() { return console_loglevel; }
void printk_set_timebase(unsigned long hz) { timebase_hz = hz; }

int vprintk(LogLevel level, const char* fmt, va_list ap) {
  char buf[512];
  size_t n = format_timestamp(buf, sizeof(buf));
  const int body = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
  n += body < static_cast<int>(sizeof(buf) - n) ? static_cast<size_t>(body) : sizeof(buf) - n - 1;
  log_store(static_cast<int>(level), buf, n);  // kept whatever the console shows
  if (static_cast<int>(level) >= console_loglevel) return 0;
  SpinLockIrqSaveGuard g{console_lock};
  write_locked(buf, n);
  return static_cast<int>(n);
}

int printk(LogLevel level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int n = vprintk(level, fmt, ap);
  va_end(ap);
  return n;
}

int pr_cont(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n >= static_cast<int>(sizeof(buf))) n = sizeof(buf) - 1;
  log_store(static_cast<int>(LogLevel::Info), buf, static_cast<size_t>(n));  // continues its line's level
  SpinLockIrqSaveGuard g{console_lock};
  write_locked(buf, static_cast<size_t>(n));
  return n;
}

void console_write(const char* s, size_t n) {
  SpinLockIrqSaveGuard g{console_lock};
  write_locked(s, n);
}

int console_printf(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n >= static_cast<int>(sizeof(buf))) n = sizeof(buf) - 1;
  log_store(static_cast<int>(LogLevel::Info), buf, static_cast<size_t>(n));
  console_write(buf, static_cast<size_t>(n));
  return n;
}
