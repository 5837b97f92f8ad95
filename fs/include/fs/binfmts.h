/*
 * execve's working state between fs/exec.cc (arguments, the point of no
 * return) and the ELF loader fs/binfmt_elf.cc (Linux's linux_binprm).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lib/exec_stack.h>

struct cred;
struct file;
struct mm_struct;

// Bytes of argv + envp strings execve accepts (Linux allows a quarter of
// RLIMIT_STACK, 2 MiB; beyond this it is -E2BIG here).
constexpr size_t EXEC_STRINGS_MAX = 256 * 1024;
constexpr unsigned MAX_ARG_STRINGS = 0x7fffffff;

struct linux_binprm {
  struct file* file = nullptr;    // the executable, open for reading
  const char* filename = nullptr; // as given to execve (AT_EXECFN, comm)
  char* strings = nullptr;        // argv's strings then envp's, NUL-terminated
  size_t strings_len = 0;
  unsigned argc = 0, envc = 0;
  mm_struct* mm = nullptr;        // the new address space, built before the point of no return
  struct cred* cred = nullptr;    // the new program's credentials (set-user-ID and set-group-ID applied)
  bool secureexec = false;        // AT_SECURE: they differ from the real ids
};

// Reads the executable and builds bprm->mm (PT_LOADs, stack, brk); nothing
// of the caller changes. Then commits: begin_new_exec(), the stack, the
// registers. 0, or -errno before the point of no return (after it, a
// failure kills the process).
int load_elf_binary(linux_binprm* bprm);

// The point of no return (fs/exec.cc): the calling task drops its old
// image for bprm->mm, closes its close-on-exec descriptors, takes its new
// name. Cannot fail.
void begin_new_exec(linux_binprm* bprm);

// Runs filename with kernel argv/envp (null-terminated arrays) in the
// calling task: what the kernel uses to start init. 0 or -errno; on 0 the
// task's user registers (task_pt_regs) start the new program.
int kernel_execve(const char* filename, const char* const* argv, const char* const* envp);
