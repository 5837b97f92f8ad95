/*
 * The signal state a task_struct embeds (kernel/sched.h): a set, a pending
 * queue's head, the alternate stack, the restart continuation. Nothing
 * here shares a name with the C library's <signal.h> (its SIG* macros and
 * types), so host code may include both; the numbers, the ABI structures
 * and the rules are in kernel/signal_abi.h.
 */
#pragma once

#include <stdint.h>

#include <lib/list.h>

// Linux's kernel sigset_t, under another name: the cross toolchain's libc
// headers (which libstdc++ pulls in) already declare a 128-byte sigset_t.
struct kernel_sigset_t {
  uint64_t sig = 0;
  constexpr bool operator==(const kernel_sigset_t&) const = default;
};

// The per-task alternate stack (sigaltstack).
struct sigaltstack_state {
  uint64_t sp = 0;
  uint64_t size = 0;
  unsigned flags = 2;  // SS_DISABLE
};

// A set of pending signals and the siginfos queued for them. A bit may be
// set with no entry queued (a standard signal whose siginfo could not be
// allocated): it is then delivered with a plain SI_USER siginfo.
struct sigpending {
  list_head list;
  kernel_sigset_t signal;
};

// A system call interrupted with -ERESTART_RESTARTBLOCK resumes through
// restart_syscall, which calls fn with what the call saved here.
struct restart_block {
  long (*fn)(restart_block*) = nullptr;
  uint64_t arg[4] = {};
};
