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
// What the command line gives init (Linux's argv_init and envp_init).
struct InitArgs {
  const char** argv;  // room for max_argv; argc filled
  size_t max_argv, argc = 0;
  const char** envp;  // room for max_envp; the first envc (defaults) may be given
  size_t max_envp, envc = 0;
  size_t dropped = 0;  // words that did not fit (the counts or buf)
};
// Init's arguments and environment, each word copied NUL-terminated into
// buf and quoted as Linux's next_arg reads them (`"a b"` is one word `a b`,
// `k="a b"` is `k=a b`). The words after `--` are arguments. Before it, as
// Linux's unknown_bootoption: a word whose name (up to '=') is in known
// (the kernel's own parameters, null-terminated list) or contains a '.'
// (a module parameter) is not init's; another `k=v` goes to envp,
// replacing an entry for the same k; another bare word is an argument,
// ahead of those after `--`. known null: only the words after `--`.
void cmdline_init_args(const char* cmdline, const char* const* known, char* buf, size_t buflen, InitArgs* out);
