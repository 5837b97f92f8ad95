// The file-system-call self-tests' harness (fs_user.h).
#include "fs_user.h"

#include <asm/active_mm.h>
#include <asm/uaccess.h>
#include <fs/fdtable.h>
#include <fs/fs.h>
#include <kernel/errno.h>
#include <kernel/kthread.h>
#include <kernel/syscalls.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/mmap.h>
#include <mm/slab.h>

namespace fs_user {

namespace {

struct Job {
  void (*fn)(void*);
  void* arg;
  int setup_err;
};

int job_thread(void* p) {
  auto* job = static_cast<Job*>(p);
  task_struct* self = get_current();
  self->files = alloc_files();
  self->fs = copy_fs_struct(init_fs);
  mm_struct* mm = mm_alloc();
  if (!self->files || !self->fs || !mm || mm_alloc_pgd(mm) ||
      sys_mmap(mm, kUser, kUserSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, ~0ul, 0) !=
          static_cast<long>(kUser)) {
    job->setup_err = -ENOMEM;
  } else {
    kthread_use_mm(mm);
    job->fn(job->arg);
    kthread_unuse_mm(mm);
  }
  if (mm) mmput(mm);
  if (self->files) put_files_struct(self->files);
  if (self->fs) put_fs_struct(self->fs);
  self->files = nullptr;
  self->fs = nullptr;
  const int err = job->setup_err;
  kfree(job);
  return err;
}

struct CtxCall {
  KTestContext* ctx;
  void (*fn)(KTestContext&);
};
void call_with_ctx(void* p) {
  auto* c = static_cast<CtxCall*>(p);
  c->fn(*c->ctx);
}

}  // namespace

task_struct* spawn_as_user(void (*fn)(void*), void* arg, int cpu) {
  auto* job = static_cast<Job*>(kmalloc(sizeof(Job), GFP_KERNEL));
  if (!job) return nullptr;
  *job = Job{fn, arg, 0};
  task_struct* t = kthread_create(job_thread, job, "ktest-fs");
  if (!t) {
    kfree(job);
    return nullptr;
  }
  if (cpu >= 0) kthread_bind(t, static_cast<unsigned>(cpu));
  wake_up_process(t);
  return t;
}

void run_as_user(KTestContext& ctx, void (*fn)(KTestContext&), int cpu) {
  const long files = nr_files(), inodes = nr_inodes(), dentries = nr_dentries();
  CtxCall call{&ctx, fn};
  task_struct* t = spawn_as_user(call_with_ctx, &call, cpu);
  if (!t) {
    ctx.fail(__FILE__, __LINE__, "no thread");
    return;
  }
  if (const int err = kthread_join(t)) ctx.fail(__FILE__, __LINE__, "set-up failed: %d", err);
  if (nr_files() != files) ctx.fail(__FILE__, __LINE__, "files leaked: %ld -> %ld", files, nr_files());
  if (nr_inodes() != inodes) ctx.fail(__FILE__, __LINE__, "inodes: %ld -> %ld", inodes, nr_inodes());
  if (nr_dentries() != dentries) ctx.fail(__FILE__, __LINE__, "dentries: %ld -> %ld", dentries, nr_dentries());
}

uintptr_t ustr(uintptr_t u, const char* s) {
  copy_to_user(u, s, strlen(s) + 1);
  return u;
}

bool ueq(uintptr_t u, const char* s, size_t n) {
  char buf[256];
  if (n > sizeof buf || copy_from_user(buf, u, n)) return false;
  return memcmp(buf, s, n) == 0;
}

}  // namespace fs_user
