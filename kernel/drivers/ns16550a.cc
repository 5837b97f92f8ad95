/*
 * NS16550A-compatible UART (QEMU virt at 0x10000000, many boards' DesignWare
 * UARTs). Polled output and input only; the firmware has already set the
 * baud rate and line format, so nothing is reprogrammed.
 */
#include <kernel/console.h>

#include <asm/io.h>
#include <kernel/printk.h>

namespace {

enum Reg : unsigned { RBR_THR = 0, LSR = 5 };
constexpr uint8_t LSR_DR = 0x01;    // data ready
constexpr uint8_t LSR_THRE = 0x20;  // transmit holding register empty

volatile uint8_t* base;
unsigned shift;
unsigned width;

uint8_t read_reg(Reg r) {
  volatile uint8_t* p = base + (static_cast<unsigned>(r) << shift);
  return width == 4 ? static_cast<uint8_t>(readl(p)) : readb(p);
}

void write_reg(Reg r, uint8_t v) {
  volatile uint8_t* p = base + (static_cast<unsigned>(r) << shift);
  if (width == 4)
    writel(v, p);
  else
    writeb(v, p);
}

void putc(char c) {
  while (!(read_reg(LSR) & LSR_THRE)) {
  }
  write_reg(RBR_THR, static_cast<uint8_t>(c));
}

void write(Console*, const char* s, size_t n) {
  console_write_crlf(putc, s, n);
}

int getc() { return (read_reg(LSR) & LSR_DR) ? read_reg(RBR_THR) : -1; }

Console console{"ns16550a", write, nullptr};

}  // namespace

bool ns16550a_console_init(const DtDevice& uart) {
  if (uart.reg_io_width != 1 && uart.reg_io_width != 4) return false;
  base = static_cast<volatile uint8_t*>(ioremap(uart.base, uart.size ? uart.size : 0x100));
  if (!base) return false;
  shift = uart.reg_shift;
  width = uart.reg_io_width;
  register_console(&console);
  console_set_getc(getc);
  return true;
}
