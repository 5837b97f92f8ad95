/*
 * The initial user stack of a new program (what Linux's create_elf_tables
 * and copy_strings build), as a pure function over a kernel buffer that
 * stands for the top of the stack:
 *
 *   top ->   8 zero bytes (end marker)
 *            execfn string (AT_EXECFN)
 *            envp strings, argv strings   (argv[0] lowest)
 *            16 random bytes (AT_RANDOM), then down to 16-byte alignment
 *            (gap)
 *            auxv: {type, value} pairs ..., {AT_NULL, 0}
 *            NULL, envp[envc-1] ... envp[0]
 *            NULL, argv[argc-1] ... argv[0]
 *   sp ->    argc                         (sp 16-byte aligned)
 *
 * The caller gives the strings (argv's then envp's, each NUL-terminated,
 * back to back, as copied from the old image) and its auxv entries; the
 * builder adds AT_RANDOM and AT_EXECFN (whose values are stack addresses)
 * and the AT_NULL terminator, fills buf and says where everything went.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lib/result.h>

constexpr uint64_t AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5,
                   AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_NOTELF = 10, AT_UID = 11,
                   AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17,
                   AT_SECURE = 23, AT_BASE_PLATFORM = 24, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
                   AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

struct AuxEntry {
  uint64_t type;
  uint64_t val;
};

struct ExecStackInput {
  uint64_t top;              // user address just above the stack (page aligned)
  const char* strings;       // argv strings then envp strings, each NUL-terminated
  size_t strings_len;
  unsigned argc, envc;
  const char* execfn;        // NUL-terminated
  uint8_t random[16];
  const AuxEntry* aux;       // the loader's entries (no AT_NULL, AT_RANDOM, AT_EXECFN)
  unsigned naux;
};

struct ExecStackLayout {
  uint64_t sp;                   // where argc is: the program's initial sp
  uint64_t arg_start, arg_end;   // argv strings (mm->arg_start/arg_end)
  uint64_t env_start, env_end;   // envp strings
  uint64_t execfn;               // AT_EXECFN
  uint64_t random;               // AT_RANDOM
};

// buf stands for [top - buf_size, top). -E2BIG when it does not fit,
// -EINVAL when the strings do not hold argc + envc NUL-terminated strings.
Result<ExecStackLayout> build_exec_stack(const ExecStackInput& in, uint8_t* buf, size_t buf_size);
