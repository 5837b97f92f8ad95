/*
 * The kernel log's ring buffer (printk -> syslog(2), dmesg), as text the
 * way syslog(2) hands it out: each line starts with "<L>", L the message's
 * log level (0-7), and ends with '\n'.
 *
 * Positions are byte counts since boot (they never wrap); the buffer holds
 * the bytes [first(), next()). When an append does not fit, whole lines are
 * dropped from the front, so first() is always the start of a line and
 * readers holding an older position simply resume at first(). One line
 * longer than the whole buffer keeps only its end.
 *
 * No locking here: kernel/printk_log.cc serialises every call.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

class LogBuffer {
 public:
  LogBuffer(char* storage, size_t size) : buf_(storage), size_(size) {}

  // Appends text logged at `level` (0-7); a line continued by a later
  // append (no '\n' yet) keeps the level it started with.
  void append(int level, const char* s, size_t n);

  uint64_t first() const { return first_; }
  uint64_t next() const { return next_; }
  size_t capacity() const { return size_; }

  // syslog READ: copies from *pos (or first(), if that is later) as many
  // whole lines as fit in len bytes, and moves *pos past them. A line
  // longer than len is cut to len and *pos still moves past it; the last
  // line, not yet ended, is copied as far as it goes. Returns the bytes copied.
  size_t read(uint64_t* pos, char* out, size_t len) const;

  // syslog READ_ALL: the newest whole lines from `from` (or first()) on
  // that fit in len bytes. Returns the bytes copied.
  size_t read_tail(uint64_t from, char* out, size_t len) const;

 private:
  char at(uint64_t pos) const { return buf_[pos % size_]; }
  void put(char c);
  // The position after the '\n' ending the line that holds pos, or next().
  uint64_t after_line(uint64_t pos) const;
  void copy_out(uint64_t from, uint64_t to, char* out) const;

  char* buf_;
  size_t size_;
  uint64_t first_ = 0, next_ = 0;
  bool line_start_ = true;
};
