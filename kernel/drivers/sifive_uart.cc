/*
 * SiFive UART (sifive,uart0: FU540 / FU740 at 0x10010000). Polled; the
 * firmware has set the divisor. txdata bit 31 reads as "FIFO full",
 * rxdata bit 31 as "FIFO empty".
 */
#include <kernel/console.h>

#include <asm/io.h>
#include <kernel/printk.h>

namespace {

enum Reg : unsigned { TXDATA = 0x00, RXDATA = 0x04, TXCTRL = 0x08, RXCTRL = 0x0c };
constexpr uint32_t kFifoFlag = 1u << 31;
constexpr uint32_t kEnable = 1;

volatile uint8_t* base;

void putc(char c) {
  while (readl(base + TXDATA) & kFifoFlag) {
  }
  writel(static_cast<uint8_t>(c), base + TXDATA);
}

void write(Console*, const char* s, size_t n) {
  console_write_crlf(putc, s, n);
}

int getc() {
  const uint32_t v = readl(base + RXDATA);
  return (v & kFifoFlag) ? -1 : static_cast<int>(v & 0xff);
}

Console console{"sifive_uart", write, nullptr};

}  // namespace

bool sifive_uart_console_init(const DtDevice& uart) {
  base = static_cast<volatile uint8_t*>(ioremap(uart.base, uart.size ? uart.size : 0x1000));
  if (!base) return false;
  writel(readl(base + TXCTRL) | kEnable, base + TXCTRL);
  writel(readl(base + RXCTRL) | kEnable, base + RXCTRL);
  register_console(&console);
  console_set_getc(getc);
  return true;
}
