/*
 * /dev/console (character device 5:1): the kernel console as a terminal.
 *
 * Output goes to console_write (the UART, "\n" as "\r\n"), in pieces so the
 * console lock is never held long. Input is polled from the UART once a
 * tick while a reader waits (the UART has no interrupt wired up yet) and
 * run through the line discipline of lib/n_tty.h (Linux's n_tty defaults:
 * a line at a time with echo and editing, or raw with ICANON cleared). TCGETS
 * gives the termios (so isatty() is true and stdio line-buffers), TCSETS*
 * takes one, TIOCGWINSZ answers 0x0 like a serial line; other ioctls are
 * -ENOTTY. lseek is -ESPIPE.
 */
#include <asm/uaccess.h>
#include <fs/fs.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <lib/n_tty.h>
#include <lib/string.h>

namespace {

struct winsize {
  uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

constexpr unsigned TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGWINSZ = 0x5413;

LineDiscipline ldisc;  // under tty_lock
VfsMutex tty_lock;     // readers: the line discipline and the input
// The termios, apart from the readers' lock: a reader may sleep for a long
// time with tty_lock held, and isatty()'s TCGETS must not wait for it.
SpinLock termios_lock;
termios_k tty_termios = ntty::kDefaultTermios;
std::atomic<unsigned> flush_requested{0};  // TCSETSF: drop the unread input (a word: no byte AMOs on rv64imac)

termios_k get_termios() {
  SpinLockIrqSaveGuard g{termios_lock};
  return tty_termios;
}

long tty_read(file*, char* buf, size_t count, loff_t*) {
  VfsMutexGuard g{tty_lock};
  if (flush_requested.exchange(0, std::memory_order_acquire)) ldisc.flush();
  for (;;) {
    const termios_k t = get_termios();
    if (ldisc.readable(t)) return static_cast<long>(ldisc.read(buf, count, t));
    const int c = console_getc();
    if (c >= 0) {
      char echo[LineDiscipline::kMaxEcho];
      if (const size_t n = ldisc.receive(static_cast<char>(c), t, echo)) console_write(echo, n);
      continue;
    }
    // Nothing waiting: poll again next tick.
    set_current_state(TASK_INTERRUPTIBLE);
    schedule_timeout(1);
  }
}

long tty_write(file*, const char* buf, size_t count, loff_t*) {
  constexpr size_t kPiece = 256;
  for (size_t done = 0; done < count; done += kPiece) console_write(buf + done, count - done < kPiece ? count - done : kPiece);
  return static_cast<long>(count);
}

long tty_ioctl(file*, unsigned cmd, unsigned long arg) {
  switch (cmd) {
    case TCGETS: {
      const termios_k t = get_termios();
      return copy_to_user(arg, &t, sizeof(t)) ? -EFAULT : 0;
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      termios_k t;
      if (copy_from_user(&t, arg, sizeof(t))) return -EFAULT;
      {
        SpinLockIrqSaveGuard g{termios_lock};
        tty_termios = t;
      }
      // The line buffer belongs to the readers (a pending read sees the new
      // mode with its next character): the flush is left to them.
      if (cmd == TCSETSF) flush_requested.store(1, std::memory_order_release);
      return 0;
    }
    case TIOCGWINSZ: {
      const winsize ws{};
      return copy_to_user(arg, &ws, sizeof(ws)) ? -EFAULT : 0;
    }
    default:
      return -ENOTTY;
  }
}

const file_operations console_fops = {
    .read = tty_read,
    .write = tty_write,
    .llseek = no_llseek,
    .iterate = nullptr,
    .ioctl = tty_ioctl,
};

}  // namespace

void tty_console_init() {
  if (int err = register_chrdev(MKDEV(5, 1), "console", &console_fops))
    pr_err("tty: cannot register /dev/console: %d\n", err);
}
