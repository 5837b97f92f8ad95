// The device-tree-selected serial console.
#pragma once

#include <lib/dtinfo.h>

// Registers the UART named by the device tree as the console and retires
// the SBI boot console; keeps SBI when there is no usable UART.
void console_init(const DtDevice& uart);

// Polled input: a character, or -1 when none is waiting.
int console_getc();

// Drivers (kernel/drivers/): each returns false when it cannot drive `uart`.
bool ns16550a_console_init(const DtDevice& uart);
bool sifive_uart_console_init(const DtDevice& uart);
// Drivers name their polled input routine here.
void console_set_getc(int (*fn)());
// /dev/console, the console as a character device (kernel/drivers/tty_console.cc).
void tty_console_init();
// CPU 0's tick: takes what the UART received into the terminal (echo,
// control characters' signals, waking readers).
void tty_console_tick();
