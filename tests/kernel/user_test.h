// The `user` self-tests' harness (tests/kernel/test_user.cc), shared with
// the `signal` suite: a tiny hand-assembled program copied into an
// anonymous mapping of a fresh mm and run in U-mode by a kernel thread
// that becomes a process the way init does (start_thread, ret_to_user),
// with signal state and the [vdso] sigreturn trampoline.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <asm/page.h>

struct mm_struct;
struct task_struct;

namespace user_test {

constexpr unsigned long kCodeSize = 4 * PAGE_SIZE, kStackSize = 4 * PAGE_SIZE, kDataSize = PAGE_SIZE;

// One program's address space: code (RX after the copy), stack, results.
struct UserImage {
  mm_struct* mm = nullptr;
  unsigned long code = 0, stack = 0, data = 0;
  uint64_t seed = 0;
};

// Builds the mm (code RX, stack, results, [vdso]) and copies the program in.
bool load_image(UserImage* img, const uint8_t* begin, const uint8_t* end);
// A thread that becomes the program's process (signal state, U-mode),
// bound to `cpu` when it is not -1.
task_struct* spawn(UserImage* img, int cpu = -1);
// Waits for the process to end: its wait status. Its signal state is freed
// through RCU; this waits for that too, so page counts can be compared.
int join(task_struct* t);
// Reads the results area back through the test's own reference.
void read_results(UserImage* img, uint64_t* out, size_t n);
// Runs one program to its end; its wait status (or -1 when it could not start).
int run(const uint8_t* begin, const uint8_t* end, uint64_t* results = nullptr, size_t n = 0, int* pid = nullptr);

}  // namespace user_test
