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

// The word that ends the kernel's own parameters.
bool is_dashes(const Word& w) { return !w.value && key_is(w, "--"); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// One word as Linux's next_arg cuts it: a double quote turns spaces into
// part of the word until the next one. The word is [*start, *start + *len).
bool next_raw_word(const char*& p, const char** start, size_t* len) {
  while (is_space(*p)) p++;
  if (!*p) return false;
  *start = p;
  bool in_quote = false;
  for (; *p && (in_quote || !is_space(*p)); p++)
    if (*p == '"') in_quote = !in_quote;
  *len = static_cast<size_t>(p - *start);
  return true;
}

}  // namespace

bool cmdline_get(const char* cmdline, const char* key, char* out, size_t outlen) {
  if (!cmdline) return false;
  bool found = false;
  Word w;
  for (const char* p = cmdline; next_word(p, w) && !is_dashes(w);) {
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
  for (const char* p = cmdline; next_word(p, w) && !is_dashes(w);)
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

size_t cmdline_init_args(const char* cmdline, char* buf, size_t buflen, const char** argv, size_t max,
                         size_t* dropped) {
  size_t n = 0, used = 0, lost = 0;
  if (dropped) *dropped = 0;
  if (!cmdline) return 0;
  const char* p = cmdline;
  const char* word;
  size_t len;
  bool after_dashes = false;
  while (next_raw_word(p, &word, &len)) {
    if (!after_dashes) {
      after_dashes = len == 2 && word[0] == '-' && word[1] == '-';
      continue;
    }
    // Linux drops a leading quote and then a closing one at the end; in
    // `key="value"` the quotes around the value.
    const char* w = word;
    size_t l = len;
    const char* eq = static_cast<const char*>(memchr(w, '=', l));
    size_t cut = l;  // where a quote after '=' was removed (none: l)
    if (w[0] == '"') {
      w++;
      l--;
      if (l && w[l - 1] == '"') l--;
    } else if (eq && eq + 1 < w + l && eq[1] == '"') {
      cut = static_cast<size_t>(eq + 1 - w);
      if (w[l - 1] == '"' && l - 1 > cut) l--;
    }
    const size_t out_len = cut < l ? l - 1 : l;
    if (n == max || used + out_len + 1 > buflen) {
      lost++;
      continue;
    }
    char* out = buf + used;
    if (cut < l) {
      memcpy(out, w, cut);
      memcpy(out + cut, w + cut + 1, l - cut - 1);
    } else {
      memcpy(out, w, l);
    }
    out[out_len] = '\0';
    argv[n++] = out;
    used += out_len + 1;
  }
  if (dropped) *dropped = lost;
  return n;
}
