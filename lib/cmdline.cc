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

namespace {

// A word with Linux's quotes removed (next_arg: a leading quote and the
// closing one at the end; in `key="value"` the quotes around the value),
// copied NUL-terminated into buf at *used; null when it does not fit.
const char* copy_unquoted(const char* word, size_t len, char* buf, size_t buflen, size_t* used) {
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
  if (*used + out_len + 1 > buflen) return nullptr;
  char* out = buf + *used;
  if (cut < l) {
    memcpy(out, w, cut);
    memcpy(out + cut, w + cut + 1, l - cut - 1);
  } else {
    memcpy(out, w, l);
  }
  out[out_len] = '\0';
  *used += out_len + 1;
  return out;
}

// The length of a word's parameter name: up to its '=' or its end.
size_t name_len(const char* word, size_t len) {
  const char* eq = static_cast<const char*>(memchr(word, '=', len));
  return eq ? static_cast<size_t>(eq - word) : len;
}

bool is_known(const char* const* known, const char* name, size_t len) {
  for (; *known; known++)
    if (strlen(*known) == len && strncmp(*known, name, len) == 0) return true;
  return false;
}

// envp gets `k=v`, replacing an entry for the same k (Linux's envp_init);
// false when it is new and envp is full.
bool add_env(InitArgs* out, const char* var) {
  const char* eq = strchr(var, '=');
  const size_t klen = eq ? static_cast<size_t>(eq - var) + 1 : strlen(var);
  for (size_t i = 0; i < out->envc; i++) {
    if (strncmp(out->envp[i], var, klen) == 0) {
      out->envp[i] = var;
      return true;
    }
  }
  if (out->envc == out->max_envp) return false;
  out->envp[out->envc++] = var;
  return true;
}

}  // namespace

void cmdline_init_args(const char* cmdline, const char* const* known, char* buf, size_t buflen, InitArgs* out) {
  out->dropped = 0;
  if (!cmdline) return;
  size_t used = 0;
  const char* p = cmdline;
  const char* word;
  size_t len;
  bool after_dashes = false;
  while (next_raw_word(p, &word, &len)) {
    bool to_env = false;
    if (!after_dashes) {
      if (len == 2 && word[0] == '-' && word[1] == '-') {
        after_dashes = true;
        continue;
      }
      // Before `--`, Linux's unknown_bootoption: the kernel's own
      // parameters and module parameters (a '.' in the name) stay here.
      const size_t nlen = name_len(word, len);
      if (!known || is_known(known, word, nlen) || memchr(word, '.', nlen)) continue;
      to_env = nlen < len;
    }
    if (!to_env && out->argc == out->max_argv) {
      out->dropped++;
      continue;
    }
    const char* copy = copy_unquoted(word, len, buf, buflen, &used);
    if (!copy || (to_env && !add_env(out, copy))) out->dropped++;  // add_env: a full envp may still replace
    else if (!to_env) out->argv[out->argc++] = copy;
  }
}
