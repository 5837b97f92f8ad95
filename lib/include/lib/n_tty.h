/*
 * The console's line discipline (Linux's n_tty, the part a serial shell
 * needs), a pure object so the host tests can drive it byte by byte.
 *
 * Canonical mode (ICANON) collects a line with editing: erase (VERASE or
 * BS) removes the last unread character of the line being typed, kill
 * (VKILL) the whole line, VEOF (^D) ends the line without a newline or, at
 * the start of a line, makes the next read return 0; "\n" (and "\r" with
 * ICRNL) ends it. A read returns at most one line. Non-canonical mode
 * hands out whatever arrived (VMIN = 1, VTIME = 0). With ECHO the typed
 * characters come back for the terminal (erase as "\b \b"). With ISIG
 * (in either mode) VINTR (^C), VQUIT (^\) and VSUSP (^Z) ask for SIGINT,
 * SIGQUIT and SIGTSTP (take_signal; the driver sends it to the
 * foreground process group), discard the unread input unless NOFLSH, and
 * echo as "^C" (ECHOCTL).
 *
 *   +---------------- buf_ ----------------+
 *   | ready lines ... | line being typed   |
 *   0             ready_                len_
 *
 * bounds_ holds where each ready piece ends (relative to buf_[0]); a
 * repeated end is an EOF after the piece before it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

// asm-generic/termbits.h: the kernel's struct termios (TCGETS/TCSETS).
struct termios_k {
  uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
  uint8_t c_line;
  uint8_t c_cc[19];
};
static_assert(sizeof(termios_k) == 36);

namespace ntty {
constexpr uint32_t ICRNL = 0x100, IXON = 0x400;
constexpr uint32_t OPOST = 0x1, ONLCR = 0x4;
constexpr uint32_t B38400 = 0xf, CS8 = 0x30, CREAD = 0x80, HUPCL = 0x400;
constexpr uint32_t ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, NOFLSH = 0x80, ECHOCTL = 0x200,
                   ECHOKE = 0x800, IEXTEN = 0x8000;
constexpr unsigned VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VSUSP = 10;
// The signals of the control characters (Linux's numbers).
constexpr int SIGINT_NR = 2, SIGQUIT_NR = 3, SIGTSTP_NR = 20;
// Linux's tty_std_termios.
constexpr termios_k kDefaultTermios = {
    ICRNL | IXON, OPOST | ONLCR, B38400 | CS8 | CREAD | HUPCL,
    ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, 0,
    {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0, 0, 0}};
}  // namespace ntty

class LineDiscipline {
 public:
  static constexpr size_t kBufSize = 1024;
  static constexpr size_t kMaxEcho = 8;

  // One received byte; what to echo goes to echo (at most kMaxEcho bytes),
  // its length is returned.
  size_t receive(char c, const termios_k& t, char* echo);
  // Whether a read would return now (data, or an EOF to report).
  bool readable(const termios_k& t) const;
  // Takes up to count bytes (canonical: up to the end of the first ready
  // piece); 0 for an EOF. Only when readable().
  size_t read(char* out, size_t count, const termios_k& t);
  // Drops everything unread (TCSETSF, TCFLSH).
  void flush() { len_ = ready_ = nbounds_ = 0; }
  // The signal the last control character asked for (0: none), once.
  int take_signal() {
    const int s = signal_;
    signal_ = 0;
    return s;
  }

 private:
  void push_bound();
  char buf_[kBufSize];
  size_t len_ = 0, ready_ = 0;
  static constexpr size_t kMaxBounds = 64;
  size_t bounds_[kMaxBounds];
  size_t nbounds_ = 0;
  int signal_ = 0;
};
