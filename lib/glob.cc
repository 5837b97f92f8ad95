// Shell-style wildcard matching (see lib/glob.h). Iterative with one
// backtrack point for `*`, so it runs in O(|pattern| * |str|) worst case.
#include <lib/glob.h>

namespace {

// Matches one bracket expression at p against c; advances p past it.
// Returns false for a malformed class (no closing bracket): treated as no match.
bool match_class(const char*& p, char c, bool& matched) {
  const char* q = p + 1;
  bool negate = false;
  if (*q == '!' || *q == '^') {
    negate = true;
    q++;
  }
  bool hit = false;
  bool first = true;
  while (*q && (first || *q != ']')) {
    first = false;
    if (q[1] == '-' && q[2] && q[2] != ']') {
      if (c >= q[0] && c <= q[2]) hit = true;
      q += 3;
    } else {
      if (c == *q) hit = true;
      q++;
    }
  }
  if (*q != ']') return false;
  p = q + 1;
  matched = hit != negate;
  return true;
}

}  // namespace

bool glob_match(const char* pattern, const char* str) {
  const char* p = pattern;
  const char* s = str;
  const char* star_p = nullptr;
  const char* star_s = nullptr;
  while (*s) {
    if (*p == '*') {
      while (*p == '*') p++;
      if (!*p) return true;
      star_p = p;
      star_s = s;
      continue;
    }
    bool ok = false;
    const char* next = p + 1;
    if (*p == '?') {
      ok = true;
    } else if (*p == '[') {
      const char* q = p;
      bool matched = false;
      if (match_class(q, *s, matched)) {
        ok = matched;
        next = q;
      } else {
        ok = *s == '[';
      }
    } else {
      ok = *p && *p == *s;
    }
    if (ok) {
      p = next;
      s++;
    } else if (star_p) {
      p = star_p;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (*p == '*') p++;
  return !*p;
}

bool glob_is_literal(const char* pattern) {
  for (const char* p = pattern; *p; p++)
    if (*p == '*' || *p == '?' || *p == '[') return false;
  return true;
}
