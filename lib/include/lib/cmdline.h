// Kernel command-line parsing: space-separated `key`, `key=value` and
// `key="quoted value"` words, as in Linux's bootargs. A word `--` ends the
// kernel's parameters: what follows is for init (cmdline_init_args).
#pragma once

#include <stddef.h>

// Copies the value of the last `key=value` into out (always terminated) and
// returns true; false when the key is absent or has no `=`.
bool cmdline_get(const char* cmdline, const char* key, char* out, size_t outlen);
// True when `key` appears as a bare word or as `key=...`.
bool cmdline_has(const char* cmdline, const char* key);
// Parses `key=<unsigned decimal or 0x hex>`; returns false when absent or malformed.
bool cmdline_get_ulong(const char* cmdline, const char* key, unsigned long* out);
// The words after `--`, init's arguments (Linux's set_init_arg): each
// copied NUL-terminated into buf, quoted as Linux's next_arg reads them
// (`"a b"` is one word `a b`, `k="a b"` is `k=a b`), at most max of them
// pointed to from argv. Returns how many were taken; words past max or
// past the end of buf are dropped (*dropped, when given, says how many).
size_t cmdline_init_args(const char* cmdline, char* buf, size_t buflen, const char** argv, size_t max,
                         size_t* dropped = nullptr);
