// Console selection: the device tree's stdout UART, by compatible string.
#include <kernel/console.h>

#include <asm/sbi.h>
#include <kernel/printk.h>
#include <lib/string.h>

namespace {

int (*getc_hook)() = nullptr;

}  // namespace

void console_set_getc(int (*fn)()) { getc_hook = fn; }

void console_init(const DtDevice& uart) {
  bool ok = false;
  if (uart.present) {
    if (strcmp(uart.compatible, "sifive,uart0") == 0)
      ok = sifive_uart_console_init(uart);
    else
      ok = ns16550a_console_init(uart);
  }
  if (!ok) {
    pr_warn("console: no usable UART in the device tree; staying on the SBI console\n");
    return;
  }
  unregister_boot_console();
  pr_info("console: %s at 0x%lx is the console\n", uart.compatible, uart.base);
}

int console_getc() { return getc_hook ? getc_hook() : sbi_console_getchar(); }
