/*
 * /dev/console (character device 5:1): the kernel console as a terminal.
 *
 * Output goes to console_write (the UART, "\n" as "\r\n"), in pieces so the
 * console lock is never held long. Input is polled from the UART once a
 * tick while a reader waits (the UART has no interrupt wired up yet) and
 * run through a small line discipline, Linux's n_tty defaults:
 * canonical mode collects a line with echo, erase (DEL/BS), kill (^U) and
 * EOF (^D at the start of a line reads 0), CR becomes NL (ICRNL); with
 * ICANON cleared by TCSETS a read returns what is there (VMIN=1). TCGETS
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
#include <lib/string.h>

namespace {

// asm-generic/termbits.h
struct termios {
  uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
  uint8_t c_line;
  uint8_t c_cc[19];
};
static_assert(sizeof(termios) == 36);
struct winsize {
  uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

constexpr uint32_t ICRNL = 0x100, IXON = 0x400;
constexpr uint32_t OPOST = 0x1, ONLCR = 0x4;
constexpr uint32_t B38400 = 0xf, CS8 = 0x30, CREAD = 0x80, HUPCL = 0x400;
constexpr uint32_t ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHOCTL = 0x200,
                   ECHOKE = 0x800, IEXTEN = 0x8000;
constexpr unsigned VERASE = 2, VKILL = 3, VEOF = 4;

constexpr unsigned TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGWINSZ = 0x5413;

termios tty_termios = {
    ICRNL | IXON, OPOST | ONLCR, B38400 | CS8 | CREAD | HUPCL,
    ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, 0,
    {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0, 0, 0}};

// The line being edited, and completed input not yet read (canonical mode
// hands out one line per read at most).
constexpr size_t kLineMax = 1024;
char line[kLineMax];
size_t line_len;      // bytes collected
size_t line_ready;    // bytes of line[] complete and readable (0: still editing)
bool eof_pending;     // ^D on an empty line: the next read returns 0
VfsMutex tty_lock;    // readers and the termios

void echo(const char* s, size_t n) {
  if (tty_termios.c_lflag & ECHO) console_write(s, n);
}

// Feeds one input byte to the line discipline (tty_lock held).
void receive(char c) {
  if ((tty_termios.c_iflag & ICRNL) && c == '\r') c = '\n';
  if (!(tty_termios.c_lflag & ICANON)) {
    if (line_len < kLineMax) line[line_len++] = c;
    line_ready = line_len;
    echo(&c, 1);
    return;
  }
  const auto uc = static_cast<uint8_t>(c);
  if (uc == tty_termios.c_cc[VERASE] || c == '\b') {
    if (line_len) {
      line_len--;
      echo("\b \b", 3);
    }
  } else if (uc == tty_termios.c_cc[VKILL]) {
    while (line_len) {
      line_len--;
      echo("\b \b", 3);
    }
  } else if (uc == tty_termios.c_cc[VEOF]) {
    if (line_len == 0)
      eof_pending = true;
    else
      line_ready = line_len;  // the partial line, without a newline
  } else if (c == '\n') {
    if (line_len < kLineMax) line[line_len++] = c;
    line_ready = line_len;
    echo("\n", 1);
  } else if (line_len < kLineMax - 1) {  // room is kept for the newline
    line[line_len++] = c;
    echo(&c, 1);
  }
}

long tty_read(file*, char* buf, size_t count, loff_t*) {
  VfsMutexGuard g{tty_lock};
  while (!line_ready && !eof_pending) {
    const int c = console_getc();
    if (c >= 0) {
      receive(static_cast<char>(c));
      continue;
    }
    // Nothing waiting: poll again next tick.
    set_current_state(TASK_INTERRUPTIBLE);
    schedule_timeout(1);
  }
  if (!line_ready) {
    eof_pending = false;
    return 0;
  }
  const size_t n = count < line_ready ? count : line_ready;
  memcpy(buf, line, n);
  memmove(line, line + n, line_len - n);
  line_len -= n;
  line_ready -= n;
  return static_cast<long>(n);
}

long tty_write(file*, const char* buf, size_t count, loff_t*) {
  constexpr size_t kPiece = 256;
  for (size_t done = 0; done < count; done += kPiece) console_write(buf + done, count - done < kPiece ? count - done : kPiece);
  return static_cast<long>(count);
}

long tty_ioctl(file*, unsigned cmd, unsigned long arg) {
  switch (cmd) {
    case TCGETS: {
      termios t;
      {
        VfsMutexGuard g{tty_lock};
        t = tty_termios;
      }
      return copy_to_user(arg, &t, sizeof(t)) ? -EFAULT : 0;
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      termios t;
      if (copy_from_user(&t, arg, sizeof(t))) return -EFAULT;
      VfsMutexGuard g{tty_lock};
      tty_termios = t;
      if (cmd == TCSETSF) line_len = line_ready = 0;
      if (!(t.c_lflag & ICANON)) line_ready = line_len;
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
