/*
 * /dev/console (character device 5:1): the kernel console as a terminal.
 *
 * Output goes to console_write (the UART, "\n" as "\r\n"), in pieces so the
 * console lock is never held long. Input: the UART has no interrupt wired
 * up, so CPU 0's tick polls it (tty_console_tick) and runs what arrived
 * through the line discipline of lib/n_tty.h (Linux's n_tty defaults: a
 * line at a time with echo and editing, or raw with ICANON cleared);
 * readers and pollers sleep on read_wait until a tick brings something.
 * With ISIG, ^C, ^\ and ^Z send SIGINT, SIGQUIT and SIGTSTP to the
 * console's foreground process group (TIOCGPGRP/TIOCSPGRP; 0, init's
 * group, until someone sets it).
 *
 * Simplified: the console is every process's controlling terminal (no
 * TIOCSCTTY, no hangup), and a background group reading or writing it is
 * not stopped (no SIGTTIN/SIGTTOU).
 *
 * ldisc_lock (a spinlock, interrupts off: the tick takes it) guards the
 * line discipline, the termios and the foreground group. TCGETS gives the
 * termios (so isatty() is true and stdio line-buffers), TCSETS* takes
 * one, TIOCGWINSZ answers 0x0 like a serial line; other ioctls are
 * -ENOTTY. lseek is -ESPIPE.
 */
#include <asm/uaccess.h>
#include <fs/fs.h>
#include <fs/poll.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/wait.h>
#include <lib/n_tty.h>
#include <lib/string.h>

namespace {

struct winsize {
  uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

constexpr unsigned TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f,
                   TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413;

SpinLock ldisc_lock;
LineDiscipline ldisc;
termios_k tty_termios = ntty::kDefaultTermios;
int fg_pgrp = 0;
wait_queue_head read_wait;

// Moves what the UART holds into the line discipline, echoing (ldisc_lock
// held). Returns whether anything came; *sig gets a signal a control
// character asked for.
bool receive_input_locked(int* sig) {
  bool any = false;
  for (int c; (c = console_getc()) >= 0;) {
    any = true;
    char echo[LineDiscipline::kMaxEcho];
    if (const size_t n = ldisc.receive(static_cast<char>(c), tty_termios, echo)) console_write(echo, n);
    if (const int s = ldisc.take_signal()) *sig = s;
  }
  return any;
}

// A control character's signal goes to the foreground group, from the
// kernel (SI_KERNEL), as Linux's tty does.
void signal_foreground(int sig, int pgrp) {
  if (!sig) return;
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = SI_KERNEL;
  SpinLockIrqSaveGuard g{tasklist_lock};
  kill_pgrp_info(sig, &info, pgrp);
}

// Polls the UART; true when the line discipline has something to read.
bool poll_input() {
  int sig = 0, pgrp;
  bool readable;
  {
    SpinLockIrqSaveGuard g{ldisc_lock};
    receive_input_locked(&sig);
    readable = ldisc.readable(tty_termios);
    pgrp = fg_pgrp;
  }
  signal_foreground(sig, pgrp);
  return readable;
}

long tty_read(file*, char* buf, size_t count, loff_t*) {
  task_struct* self = get_current();
  wait_queue_entry w;
  long ret;
  for (;;) {
    prepare_to_wait(&read_wait, &w, TASK_INTERRUPTIBLE);
    int sig = 0, pgrp;
    bool got = false;
    {
      SpinLockIrqSaveGuard g{ldisc_lock};
      receive_input_locked(&sig);
      pgrp = fg_pgrp;
      if (ldisc.readable(tty_termios)) {
        ret = static_cast<long>(ldisc.read(buf, count, tty_termios));
        got = true;
      }
    }
    signal_foreground(sig, pgrp);
    if (got) break;
    if (signal_pending(self)) {
      ret = -ERESTARTSYS;
      break;
    }
    schedule();
  }
  finish_wait(&read_wait, &w);
  return ret;
}

long tty_write(file*, const char* buf, size_t count, loff_t*) {
  constexpr size_t kPiece = 256;
  for (size_t done = 0; done < count; done += kPiece) console_write(buf + done, count - done < kPiece ? count - done : kPiece);
  return static_cast<long>(count);
}

unsigned tty_poll(file* f, poll_table* pt) {
  poll_wait(f, &read_wait, pt);
  return (poll_input() ? POLLIN_K | POLLRDNORM_K : 0) | POLLOUT_K | POLLWRNORM_K;
}

long set_foreground(unsigned long arg) {
  int pgrp;
  if (copy_from_user(&pgrp, arg, sizeof(pgrp))) return -EFAULT;
  if (pgrp < 0) return -EINVAL;
  SpinLockIrqSaveGuard t{tasklist_lock};
  task_struct* member = nullptr;
  for_each_process([&](task_struct* p) {
    if (!member && p->pgrp == pgrp) member = p;
  });
  if (!member) return -ESRCH;
  if (member->session != get_current()->session) return -EPERM;
  SpinLockIrqSaveGuard g{ldisc_lock};
  fg_pgrp = pgrp;
  return 0;
}

// Copies *v, read under ldisc_lock, to the user's arg.
template <typename T>
long put_locked(unsigned long arg, const T* v) {
  T copy;
  {
    SpinLockIrqSaveGuard g{ldisc_lock};
    copy = *v;
  }
  return copy_to_user(arg, &copy, sizeof(copy)) ? -EFAULT : 0;
}

long tty_ioctl(file*, unsigned cmd, unsigned long arg) {
  switch (cmd) {
    case TCGETS:
      return put_locked(arg, &tty_termios);
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      termios_k t;
      if (copy_from_user(&t, arg, sizeof(t))) return -EFAULT;
      SpinLockIrqSaveGuard g{ldisc_lock};
      tty_termios = t;
      if (cmd == TCSETSF) ldisc.flush();
      return 0;
    }
    case TIOCGPGRP:
      return put_locked(arg, &fg_pgrp);
    case TIOCSPGRP:
      return set_foreground(arg);
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
    .open = nullptr,
    .release = nullptr,
    .poll = tty_poll,
};

std::atomic<bool> registered{false};

}  // namespace

void tty_console_init() {
  if (int err = register_chrdev(MKDEV(5, 1), "console", &console_fops))
    pr_err("tty: cannot register /dev/console: %d\n", err);
  else
    registered.store(true, std::memory_order_release);
}

void tty_console_tick() {
  if (!registered.load(std::memory_order_acquire)) return;
  bool any;
  int sig = 0, pgrp;
  {
    SpinLockIrqSaveGuard g{ldisc_lock};
    any = receive_input_locked(&sig);
    pgrp = fg_pgrp;
  }
  signal_foreground(sig, pgrp);
  if (any) wake_up_all(&read_wait);
}
