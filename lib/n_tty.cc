// The console line discipline (lib/include/lib/n_tty.h).
#include <lib/n_tty.h>

#include <lib/string.h>

using namespace ntty;

void LineDiscipline::push_bound() {
  if (nbounds_ == kMaxBounds) return;  // too many pieces queued: they merge into the last
  bounds_[nbounds_++] = len_;
  ready_ = len_;
}

size_t LineDiscipline::receive(char c, const termios_k& t, char* echo) {
  const bool echo_on = t.c_lflag & ECHO;
  const auto uc = static_cast<uint8_t>(c);
  if (t.c_lflag & ISIG) {
    // A disabled character is 0 (_POSIX_VDISABLE).
    const int sig = uc && uc == t.c_cc[VINTR]   ? SIGINT_NR
                    : uc && uc == t.c_cc[VQUIT] ? SIGQUIT_NR
                    : uc && uc == t.c_cc[VSUSP] ? SIGTSTP_NR
                                                : 0;
    if (sig) {
      signal_ = sig;
      if (!(t.c_lflag & NOFLSH)) flush();
      if (!echo_on) return 0;
      echo[0] = '^';
      echo[1] = static_cast<char>(uc ^ 0x40);  // ^C, ^\, ^Z
      return 2;
    }
  }
  if ((t.c_iflag & ICRNL) && c == '\r') c = '\n';
  if (!(t.c_lflag & ICANON)) {
    if (len_ == kBufSize) return 0;  // full: dropped, as a full tty buffer does
    buf_[len_++] = c;
    ready_ = len_;
    if (!echo_on) return 0;
    echo[0] = c;
    return 1;
  }
  size_t e = 0;
  auto put = [&](const char* s) {
    while (*s && e < kMaxEcho) echo[e++] = *s++;
  };
  if (uc == t.c_cc[VERASE] || c == '\b') {
    if (len_ > ready_) {
      len_--;
      if (echo_on) put("\b \b");
    }
  } else if (uc == t.c_cc[VKILL]) {
    // One "\b \b" per character would not fit the echo buffer: erase the
    // line on the terminal with a fresh line instead, as ECHOK does.
    if (len_ > ready_ && echo_on) put("\n");
    len_ = ready_;
  } else if (uc == t.c_cc[VEOF]) {
    push_bound();  // the partial line, or (at a line start) an EOF
  } else if (c == '\n') {
    if (len_ < kBufSize) buf_[len_++] = c;
    push_bound();
    if (echo_on) put("\n");
  } else if (len_ < kBufSize - 1) {  // room is kept for the newline
    buf_[len_++] = c;
    if (echo_on) echo[e++] = c;
  }
  return e;
}

bool LineDiscipline::readable(const termios_k& t) const {
  if (!(t.c_lflag & ICANON)) return len_ > 0;
  return nbounds_ > 0;
}

size_t LineDiscipline::read(char* out, size_t count, const termios_k& t) {
  size_t avail;
  if (!(t.c_lflag & ICANON)) {
    avail = len_;
  } else {
    if (nbounds_ == 0) return 0;
    avail = bounds_[0];
    if (avail == 0) {  // an EOF: report it once
      memmove(bounds_, bounds_ + 1, (nbounds_ - 1) * sizeof(size_t));
      nbounds_--;
      return 0;
    }
  }
  const size_t n = count < avail ? count : avail;
  memcpy(out, buf_, n);
  memmove(buf_, buf_ + n, len_ - n);
  len_ -= n;
  ready_ = ready_ > n ? ready_ - n : 0;
  // Bounds move down with the data; the first piece is done when all of
  // it was read (a bound left at 0 behind it is an EOF still to report).
  for (size_t i = 0; i < nbounds_; i++) bounds_[i] = bounds_[i] > n ? bounds_[i] - n : 0;
  if (nbounds_ && n == avail && (t.c_lflag & ICANON)) {
    memmove(bounds_, bounds_ + 1, (nbounds_ - 1) * sizeof(size_t));
    nbounds_--;
  }
  if (!(t.c_lflag & ICANON)) nbounds_ = 0;
  return n;
}
