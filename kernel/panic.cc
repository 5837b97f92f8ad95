// panic() and the early trap report.
#include <kernel/panic.h>

#include <asm/irqflags.h>
#include <asm/traps.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <lib/string.h>

void panic(const char* fmt, ...) {
  local_irq_disable();
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  pr_emerg("Kernel panic - not syncing: %s\n", msg);
  dump_stack();
  machine_exit(EXIT_CODE_PANIC);
}

// Called from early_trap_vector (head.S) for a trap before trap_init().
extern "C" [[noreturn]] void early_trap_report(uint64_t scause, uint64_t sepc, uint64_t stval) {
  panic("early trap: scause 0x%lx sepc 0x%lx stval 0x%lx", scause, sepc, stval);
}
