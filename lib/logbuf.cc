// The kernel log's ring buffer (see lib/include/lib/logbuf.h).
#include <lib/logbuf.h>

void LogBuffer::put(char c) {
  if (next_ - first_ == size_) {
    // Full: drop the oldest line (or, for one line as long as the buffer,
    // its oldest byte).
    const uint64_t end = after_line(first_);
    first_ = end < next_ ? end : first_ + 1;
  }
  buf_[next_ % size_] = c;
  next_++;
}

uint64_t LogBuffer::after_line(uint64_t pos) const {
  for (uint64_t p = pos; p < next_; p++)
    if (at(p) == '\n') return p + 1;
  return next_;
}

void LogBuffer::append(int level, const char* s, size_t n) {
  if (!size_) return;
  for (size_t i = 0; i < n; i++) {
    if (line_start_) {
      put('<');
      put(static_cast<char>('0' + (level & 7)));
      put('>');
      line_start_ = false;
    }
    put(s[i]);
    if (s[i] == '\n') line_start_ = true;
  }
}

void LogBuffer::copy_out(uint64_t from, uint64_t to, char* out) const {
  for (uint64_t p = from; p < to; p++) *out++ = at(p);
}

size_t LogBuffer::read(uint64_t* pos, char* out, size_t len) const {
  const uint64_t start = *pos > first_ ? *pos : first_;
  if (start >= next_ || !len) {
    *pos = start;
    return 0;
  }
  // Whole lines while they fit.
  uint64_t end = start;
  for (;;) {
    const uint64_t line_end = after_line(end);
    if (line_end - start > len || line_end == end) break;
    end = line_end;
  }
  if (end == start) {
    // The first line alone does not fit: cut it, and skip the rest of it.
    const uint64_t line_end = after_line(start);
    end = line_end - start > len ? start + len : line_end;
    copy_out(start, end, out);
    *pos = line_end;
    return static_cast<size_t>(end - start);
  }
  copy_out(start, end, out);
  *pos = end;
  return static_cast<size_t>(end - start);
}

size_t LogBuffer::read_tail(uint64_t from, char* out, size_t len) const {
  uint64_t start = from > first_ ? from : first_;
  if (start >= next_) return 0;
  if (next_ - start > len) {
    // Start at the first line that begins inside the last len bytes.
    const uint64_t cut = next_ - len;
    start = (cut == first_ || at(cut - 1) == '\n') ? cut : after_line(cut);
  }
  copy_out(start, next_, out);
  return static_cast<size_t>(next_ - start);
}
