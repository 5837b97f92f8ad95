// execve through the kernel's own path (kernel_execve, as for init): a
// small hand-made ELF written into the root file system runs with its argv
// (ET_EXEC at its link address, static-PIE ET_DYN with a load bias), and
// files that must be refused are refused with Linux's errno while the
// caller keeps its image (its mm is untouched and it goes on running).
#include <kernel/ktest.h>

#include <asm/active_mm.h>
#include <asm/processor.h>
#include <fs/binfmts.h>
#include <fs/fs.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <kernel/process.h>
#include <kernel/rcupdate.h>
#include <lib/elf.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/page_alloc.h>

#include "settle.h"

extern "C" const uint8_t user_prog_exec[], user_prog_exec_end[];

namespace {

constexpr uint64_t kCodeOff = 0x1000;
uint8_t image[2 * 4096];

// One RX PT_LOAD (the program at file offset 0x1000) at base + 0x1000.
size_t make_elf(uint16_t type, uint64_t base) {
  memset(image, 0, sizeof(image));
  Elf64_Ehdr eh;
  memset(&eh, 0, sizeof(eh));
  const uint8_t ident[7] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
  memcpy(eh.e_ident, ident, sizeof(ident));
  eh.e_type = type;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = base + kCodeOff;
  eh.e_phoff = sizeof(eh);
  eh.e_ehsize = sizeof(eh);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  memcpy(image, &eh, sizeof(eh));
  const size_t code = static_cast<size_t>(user_prog_exec_end - user_prog_exec);
  const Elf64_Phdr ph{PT_LOAD, PF_R | PF_X, kCodeOff, base + kCodeOff, base + kCodeOff, code, code, 0x1000};
  memcpy(image + sizeof(eh), &ph, sizeof(ph));
  memcpy(image + kCodeOff, user_prog_exec, code);
  return kCodeOff + code;
}

int write_file(const char* path, const void* data, size_t len, unsigned mode) {
  Result<file*> f = filp_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (!f) return f.error().err;
  loff_t pos = 0;
  const long n = kernel_write(f.value(), data, len, &pos);
  fput(f.value());
  return n == static_cast<long>(len) ? 0 : -EIO;
}

struct ExecArgs {
  const char* path;
  int err;  // kernel_execve's answer when it failed
};

// A kernel thread that execs: success never comes back (the program's exit
// status is the thread's); failure returns its errno as exit code 0x10000 | -err.
int exec_thread(void* arg) {
  auto* a = static_cast<ExecArgs*>(arg);
  const char* const argv[] = {a->path, "two", "three", nullptr};
  const char* const envp[] = {"K=V", nullptr};
  a->err = kernel_execve(a->path, argv, envp);
  if (a->err) return 0x10000 | -a->err;
  ret_to_user(current_pt_regs());
}

int run_exec(const char* path) {
  ExecArgs a{path, 0};
  task_struct* t = kthread_run(exec_thread, &a, "exec-test");
  const int status = t ? kthread_join(t) : -1;
  rcu_barrier();  // the thread's signal state (exec gave it one) is freed through call_rcu
  return status;
}

}  // namespace

KTEST(exec, static_et_exec_runs_with_its_argv) {
  const size_t len = make_elf(ET_EXEC, 0x10000);
  ASSERT_EQ(write_file("/ktest-exec", image, len, 0755), 0);
  EXPECT_EQ(run_exec("/ktest-exec"), exit_status_exited(3));
}

KTEST(exec, static_pie_gets_a_load_bias) {
  const size_t len = make_elf(ET_DYN, 0);
  ASSERT_EQ(write_file("/ktest-exec-pie", image, len, 0755), 0);
  EXPECT_EQ(run_exec("/ktest-exec-pie"), exit_status_exited(103));
}

KTEST(exec, refusals_keep_the_caller) {
  // Not executable, not ELF, truncated, a directory, absent.
  const size_t len = make_elf(ET_EXEC, 0x10000);
  ASSERT_EQ(write_file("/ktest-noexec", image, len, 0644), 0);
  ASSERT_EQ(write_file("/ktest-garbage", "#!not an ELF\n", 13, 0755), 0);
  ASSERT_EQ(write_file("/ktest-short", image, 40, 0755), 0);
  ASSERT_EQ(write_file("/ktest-cut", image, kCodeOff + 4, 0755), 0);  // the segment runs past the end
  EXPECT_EQ(run_exec("/ktest-noexec"), 0x10000 | EACCES);  // warms the task caches
  const uint64_t free_before = settled_free_pages();
  EXPECT_EQ(run_exec("/ktest-noexec"), 0x10000 | EACCES);
  EXPECT_EQ(run_exec("/ktest-garbage"), 0x10000 | ENOEXEC);
  EXPECT_EQ(run_exec("/ktest-short"), 0x10000 | ENOEXEC);
  EXPECT_EQ(run_exec("/ktest-cut"), 0x10000 | ENOEXEC);
  EXPECT_EQ(run_exec("/"), 0x10000 | EACCES);
  EXPECT_EQ(run_exec("/ktest-absent"), 0x10000 | ENOENT);
  EXPECT_EQ(settled_free_pages(), free_before);
}

// A process whose exec fails keeps running its old image: the user test
// program's mm is the same object before and after.
KTEST(exec, failed_exec_leaves_the_mm) {
  mm_struct* mm = mm_alloc();
  ASSERT_TRUE(mm != nullptr);
  ASSERT_EQ(mm_alloc_pgd(mm), 0);
  kthread_use_mm(mm);
  const char* const argv[] = {"/ktest-garbage", nullptr};
  EXPECT_EQ(kernel_execve("/ktest-garbage", argv, argv + 1), -ENOEXEC);
  EXPECT_EQ(get_current()->mm, mm);
  EXPECT_EQ(current_mm(), mm);
  kthread_unuse_mm(mm);
  mmput(mm);
}
