// Kernel command-line parsing (see lib/cmdline.h).
#include <lib/cmdline.h>

#include <lib/string.h>

namespace {

struct Word {
  const char* key;
  size_t key_len;
  const char* value;  // null when the word has no '='
  size_t value_len;
};

// Reads the next word starting at *p; returns false at the end.
bool next_word(const char*& p, Word& w) {
  while (*p == ' ' || *p == '\t' || *p == '\n') p++;
  if (!*p) return false;
  w.key = p;
  while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != '\n') p++;
  w.key_len = static_cast<size_t>(p - w.key);
  w.value = nullptr;
  w.value_len = 0;
  if (*p == '=') {
    p++;
    if (*p == '"') {
      p++;
      w.value = p;
      while (*p && *p != '"') p++;
      w.value_len = static_cast<size_t>(p - w.value);
      if (*p == '"') p++;
    } else {
      w.value = p;
      while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
      w.value_len = static_cast<size_t>(p - w.value);
    }
  }
  return true;
}

bool key_is(const Word& w, const char* key) {
  const size_t n = strlen(key);
  return w.key_len == n && strncmp(w.key, key, n) == 0;
}

}  // namespace

bool cmdline_get(const char* cmdline, const char* key, char* out, size_t outlen) {
  if (!cmdline) return false;
  bool found = false;
  Word w;
  for (const char* p = cmdline; next_word(p, w);) {
    if (!key_is(w, key) || !w.value) continue;
    found = true;
    if (outlen) {
      const size_t n = w.value_len < outlen - 1 ? w.value_len : outlen - 1;
      memcpy(out, w.value, n);
      out[n] = '\0';
    }
  }
  return found;
}

bool cmdline_has(const char* cmdline, const char* key) {
  if (!cmdline) return false;
  Word w;
  for (const char* p = cmdline; next_word(p, w);)
    if (key_is(w, key)) return true;
  return false;
}

bool cmdline_get_ulong(const char* cmdline, const char* key, unsigned long* out) {
  char buf[32];
  if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || !buf[0]) return false;
  unsigned long v = 0;
  const char* s = buf;
  unsigned base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
    if (!*s) return false;
  }
  for (; *s; s++) {
    unsigned d;
    if (*s >= '0' && *s <= '9') d = static_cast<unsigned>(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f') d = static_cast<unsigned>(*s - 'a' + 10);
    else if (base == 16 && *s >= 'A' && *s <= 'F') d = static_cast<unsigned>(*s - 'A' + 10);
    else return false;
    if (v > (~0ul - d) / base) return false;  // overflow
    v = v * base + d;
  }
  *out = v;
  return true;
}
