// User mode before files exist: tiny hand-assembled programs
// (tests/kernel/user_progs.S) run in U-mode from an anonymous mapping of a
// fresh mm, entered the way a kernel thread becomes a process (start_thread,
// ret_to_user). Covered: the ecall round trip and the table's -ENOSYS,
// -EFAULT for bad pointers, every GPR and every FP register (and fcsr)
// preserved across system calls, yields and preemption by a second program
// on the same CPU, faults killing the process with their signal instead of
// an Oops, fork + wait4 + ECHILD, and no page leaked by any of it.
#include <kernel/ktest.h>

#include <asm/active_mm.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <kernel/percpu.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>

#include "settle.h"

extern "C" const uint8_t user_prog_ecall[], user_prog_ecall_end[], user_prog_regs[], user_prog_regs_end[],
    user_prog_fp[], user_prog_fp_end[], user_prog_null[], user_prog_null_end[], user_prog_kaddr[],
    user_prog_kaddr_end[], user_prog_illegal[], user_prog_illegal_end[], user_prog_fork[], user_prog_fork_end[], user_prog_vfork[], user_prog_vfork_end[];

#include "user_test.h"

using namespace user_test;

KTEST(user, ecall_round_trip_enosys_efault) {
  // The first run grows the task, mm and VMA caches: measure from the second.
  uint64_t r[6];
  int pid = 0;
  EXPECT_EQ(run(user_prog_ecall, user_prog_ecall_end), exit_status_exited(42));
  const uint64_t free_before = settled_free_pages();
  const int status = run(user_prog_ecall, user_prog_ecall_end, r, 6, &pid);
  ASSERT_EQ(status, exit_status_exited(42));
  EXPECT_EQ(static_cast<long>(r[0]), static_cast<long>(pid));  // getpid
  EXPECT_EQ(static_cast<long>(r[1]), static_cast<long>(pid));  // gettid
  EXPECT_EQ(static_cast<long>(r[2]), -ENOSYS);                 // a7 = 1000
  EXPECT_EQ(static_cast<long>(r[3]), -ENOSYS);                 // a7 = -1
  EXPECT_EQ(static_cast<long>(r[4]), -EFAULT);                 // uname(1)
  EXPECT_EQ(static_cast<long>(r[5]), -EFAULT);                 // clock_gettime into the kernel
  EXPECT_EQ(settled_free_pages(), free_before);
}

// Two copies with different seeds on one CPU: each yield runs the other,
// which overwrites every register with its own values.
void run_pair_on_one_cpu(KTestContext& ktest_ctx_, const uint8_t* begin, const uint8_t* end) {
  const uint64_t free_before = settled_free_pages();
  UserImage a, b;
  a.seed = 3;
  b.seed = 6;
  const bool loaded = load_image(&a, begin, end) && load_image(&b, begin, end);
  task_struct* ta = loaded ? spawn(&a, 0) : nullptr;
  task_struct* tb = ta ? spawn(&b, 0) : nullptr;
  const int sa = ta ? join(ta) : -1;
  const int sb = tb ? join(tb) : -1;
  if (a.mm) mmput(a.mm);
  if (b.mm) mmput(b.mm);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(sa, exit_status_exited(0));
  EXPECT_EQ(sb, exit_status_exited(0));
  EXPECT_EQ(settled_free_pages(), free_before);
}

KTEST(user, gprs_preserved_across_yield_and_preemption) { run_pair_on_one_cpu(ktest_ctx_, user_prog_regs, user_prog_regs_end); }

KTEST(user, fp_preserved_across_yield_and_preemption) { run_pair_on_one_cpu(ktest_ctx_, user_prog_fp, user_prog_fp_end); }

KTEST(user, faults_kill_with_their_signal) {
  const uint64_t free_before = settled_free_pages();
  EXPECT_EQ(run(user_prog_null, user_prog_null_end), exit_status_signaled(SIGSEGV));
  EXPECT_EQ(run(user_prog_kaddr, user_prog_kaddr_end), exit_status_signaled(SIGSEGV));
  EXPECT_EQ(run(user_prog_illegal, user_prog_illegal_end), exit_status_signaled(SIGILL));
  EXPECT_EQ(settled_free_pages(), free_before);
}

KTEST(user, fork_wait4_echild) {
  uint64_t r[5];
  EXPECT_EQ(run(user_prog_fork, user_prog_fork_end), exit_status_exited(0));  // warms the caches
  const uint64_t free_before = settled_free_pages();
  const unsigned pids_before = nr_pids_used();
  ASSERT_EQ(run(user_prog_fork, user_prog_fork_end, r, 5), exit_status_exited(0));
  const long child = static_cast<long>(r[0]);
  EXPECT_GT(child, 1L);
  EXPECT_EQ(static_cast<long>(r[1]), child);            // wait4 reaped it
  EXPECT_EQ(static_cast<uint32_t>(r[4]), 0x700u);       // exited 7: its getppid() was our pid
  EXPECT_EQ(static_cast<long>(r[2]), -ECHILD);          // nothing left to wait for
  EXPECT_EQ(nr_pids_used(), pids_before);               // the pids went back
  EXPECT_EQ(settled_free_pages(), free_before);
}

KTEST(user, vfork_clone_with_tls_and_tid_flags) {
  uint64_t r[8];
  ASSERT_EQ(run(user_prog_vfork, user_prog_vfork_end, r, 8), exit_status_exited(0));
  const uint64_t child = r[0];
  EXPECT_GT(child, 1ull);
  EXPECT_EQ(r[1] & 0xffffffff, child);  // CLONE_PARENT_SETTID
  EXPECT_EQ(r[2] & 0xffffffff, child);  // CLONE_CHILD_SETTID, through the shared mm
  EXPECT_EQ(r[3], 0x12345ull);          // CLONE_SETTLS
  EXPECT_EQ(r[5], 77ull);               // the parent resumed after the child was done (CLONE_VFORK)
  EXPECT_EQ(r[6] & 0xffffffff, 0x500ull);
  EXPECT_EQ(r[7], child);
}

// The bulk copies stop exactly at the first byte that faults, whatever the
// alignment of either side (doublewords in the middle, bytes at the ends).
KTEST(user, copies_stop_at_the_first_faulting_byte) {
  mm_struct* mm = mm_alloc();
  ASSERT_TRUE(mm != nullptr);
  ASSERT_EQ(mm_alloc_pgd(mm), 0);
  const unsigned long a = static_cast<unsigned long>(
      ksys_mmap_pgoff(mm, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ~0ul, 0));
  ASSERT_FALSE(IS_ERR_VALUE(a));
  ASSERT_EQ(sys_munmap(mm, a + PAGE_SIZE, PAGE_SIZE), 0L);  // [a, a + 4096) then a hole
  kthread_use_mm(mm);
  static uint8_t buf[96];
  for (unsigned src_off = 0; src_off < 8; src_off++) {
    for (unsigned back = 1; back <= 40; back += 13) {
      const uintptr_t u = a + PAGE_SIZE - back - src_off % 3;  // `left` bytes before the hole
      const size_t left = a + PAGE_SIZE - u, n = 64;
      memset(buf, 0x5a, sizeof(buf));
      EXPECT_EQ(copy_to_user(u, buf + src_off, n), n - left);
      EXPECT_EQ(copy_from_user(buf + src_off, u, n), n - left);
      EXPECT_EQ(clear_user(u, n), n - left);
      uint8_t c = 1;
      EXPECT_EQ(copy_from_user(&c, u, 1), 0ul);  // the cleared byte reads back zero
      EXPECT_EQ(c, 0);
    }
  }
  EXPECT_EQ(copy_to_user(a + PAGE_SIZE - 4, "abcd", 4), 0ul);
  EXPECT_EQ(strncpy_from_user(reinterpret_cast<char*>(buf), a + PAGE_SIZE - 4, 16), -EFAULT);  // no NUL before the hole
  EXPECT_EQ(strncpy_from_user(reinterpret_cast<char*>(buf), a + PAGE_SIZE - 4, 3), 3L);        // count reached first
  EXPECT_EQ(copy_to_user(a + PAGE_SIZE - 2, "", 1), 0ul);
  EXPECT_EQ(strncpy_from_user(reinterpret_cast<char*>(buf), a + PAGE_SIZE - 4, 16), 2L);       // now "ab"
  EXPECT_EQ(copy_to_user(a, buf, 16), 0ul);
  EXPECT_EQ(copy_to_user(USER_TOP - 8, buf, 16), 16ul);  // past the user half: nothing copied
  kthread_unuse_mm(mm);
  mmput(mm);
}
