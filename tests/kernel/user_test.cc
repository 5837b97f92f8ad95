// The `user` and `signal` self-tests' harness (tests/kernel/user_test.h).
#include "user_test.h"

#include <asm/active_mm.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/kthread.h>
#include <kernel/process.h>
#include <kernel/rcupdate.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/mmap.h>

namespace user_test {

namespace {

unsigned long map_anon(mm_struct* mm, unsigned long len, unsigned long prot) {
  return static_cast<unsigned long>(ksys_mmap_pgoff(mm, 0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, ~0ul, 0));
}

int user_entry(void* arg);

}  // namespace

// Builds the mm and copies the program in (through the caller's use of it).
bool load_image(UserImage* img, const uint8_t* begin, const uint8_t* end) {
  img->mm = mm_alloc();
  if (!img->mm) return false;
  if (mm_alloc_pgd(img->mm)) return false;
  img->code = map_anon(img->mm, kCodeSize, PROT_READ | PROT_WRITE);
  img->stack = map_anon(img->mm, kStackSize, PROT_READ | PROT_WRITE);
  img->data = map_anon(img->mm, kDataSize, PROT_READ | PROT_WRITE);
  if (IS_ERR_VALUE(img->code) || IS_ERR_VALUE(img->stack) || IS_ERR_VALUE(img->data)) return false;
  kthread_use_mm(img->mm);
  const size_t left = copy_to_user(img->code, begin, static_cast<size_t>(end - begin));
  kthread_unuse_mm(img->mm);
  if (left) return false;
  if (sys_mprotect(img->mm, img->code, kCodeSize, PROT_READ | PROT_EXEC)) return false;
  flush_icache_mm(img->mm);
  return arch_setup_additional_pages(img->mm) == 0;  // [vdso], as exec maps it
}

namespace {

int user_entry(void* arg) {
  auto* img = static_cast<UserImage*>(arg);
  mmget(img->mm);  // the process's reference; the test keeps its own
  kthread_use_mm(img->mm);
  get_current()->flags &= ~PF_KTHREAD;
  pt_regs* regs = current_pt_regs();
  start_thread(regs, img->code, img->stack + kStackSize - 16);
  regs->a0 = img->data;
  regs->a1 = img->seed;
  ret_to_user(regs);
}

}  // namespace

task_struct* spawn(UserImage* img, int cpu) {
  task_struct* t = kthread_create(user_entry, img, "user-test");
  if (!t) return nullptr;
  // Signal state as exec gives init (without it a fault still kills).
  init_task_signals(t);
  if (cpu >= 0) kthread_bind(t, static_cast<unsigned>(cpu));
  wake_up_process(t);
  return t;
}

int join(task_struct* t) {
  const int status = kthread_join(t);
  rcu_barrier();
  return status;
}

// Reads the results area back through the test's own reference.
void read_results(UserImage* img, uint64_t* out, size_t n) {
  kthread_use_mm(img->mm);
  if (copy_from_user(out, img->data, n * sizeof(uint64_t))) memset(out, 0xff, n * sizeof(uint64_t));
  kthread_unuse_mm(img->mm);
}

// Runs one program to its end; its wait status (or -1 when it could not start).
int run(const uint8_t* begin, const uint8_t* end, uint64_t* results, size_t n, int* pid) {
  UserImage img;
  if (!load_image(&img, begin, end)) {
    if (img.mm) mmput(img.mm);
    return -1;
  }
  task_struct* t = spawn(&img);
  if (!t) {
    mmput(img.mm);
    return -1;
  }
  if (pid) *pid = t->pid;
  const int status = join(t);
  if (results) read_results(&img, results, n);
  mmput(img.mm);
  return status;
}

}  // namespace user_test
