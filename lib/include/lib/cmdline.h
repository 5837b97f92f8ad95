// Kernel command-line parsing: space-separated `key`, `key=value` and
// `key="quoted value"` words, as in Linux's bootargs.
#pragma once

#include <stddef.h>

// Copies the value of the last `key=value` into out (always terminated) and
// returns true; false when the key is absent or has no `=`.
bool cmdline_get(const char* cmdline, const char* key, char* out, size_t outlen);
// True when `key` appears as a bare word or as `key=...`.
bool cmdline_has(const char* cmdline, const char* key);
// Parses `key=<unsigned decimal or 0x hex>`; returns false when absent or malformed.
bool cmdline_get_ulong(const char* cmdline, const char* key, unsigned long* out);
