// The harness of the file-system-call self-tests (test_fs_syscalls.cc,
// test_fs_attr.cc, test_filemap.cc): each case runs in a kernel thread
// that has its own descriptor table, fs_struct and an mm with 16
// read-write user pages at kUser (kthread_use_mm), and calls the sys_*
// functions as the syscall table would, with user pointers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/page.h>
#include <kernel/ktest.h>

struct task_struct;

namespace fs_user {

constexpr uintptr_t kUser = 0x10000000;
constexpr size_t kUserPages = 16;
constexpr size_t kUserSize = kUserPages * PAGE_SIZE;
constexpr uintptr_t kUnmapped = kUser + kUserSize + 0x100000;
constexpr uintptr_t kKernelPtr = 0xffffffff80000000ul;
// Scratch places in the user pages: two names and a buffer.
constexpr uintptr_t P1 = kUser, P2 = kUser + 1024, BUF = kUser + PAGE_SIZE;

// Runs fn in such a thread (on CPU `cpu` only, unless it is -1); fails the
// test when setting it up failed or when files, inodes or dentries were
// left behind.
void run_as_user(KTestContext& ctx, void (*fn)(KTestContext&), int cpu = -1);
// Starts fn(arg) in such a thread (on CPU `cpu` only, unless it is -1),
// for a test that needs two; kthread_join() returns 0, or -ENOMEM when the
// set-up failed and fn did not run. Null when no thread could be made.
task_struct* spawn_as_user(void (*fn)(void*), void* arg, int cpu = -1);
// Writes the NUL-terminated s at user address u; returns u.
uintptr_t ustr(uintptr_t u, const char* s);
// Whether the n bytes at user address u are s's (n at most 256).
bool ueq(uintptr_t u, const char* s, size_t n);

}  // namespace fs_user
