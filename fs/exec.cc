/*
 * execve (Linux's fs/exec.c): the arguments, the point of no return, the
 * process's new name.
 *
 *   1. open the file (open_exec: path lookup from the caller's cwd; a
 *      regular file the caller may execute, else -EACCES);
 *   2. copy argv and envp strings into a kernel buffer (from user memory,
 *      or from kernel arrays for init), before anything changes;
 *   3. load_elf_binary (fs/binfmt_elf.cc) checks the ELF, builds a complete
 *      new mm and only then calls begin_new_exec, the point of no return:
 *      the task switches to the new mm and the old one is released (a
 *      vfork parent wakes), close-on-exec descriptors close, caught
 *      signals go back to SIG_DFL, the credentials change (set-user-ID
 *      and set-group-ID files), comm becomes the file's base name. Every
 *      error before that leaves the caller's
 *      image untouched: a hostile ELF gets -ENOEXEC/-EINVAL and the old
 *      program keeps running.
 */
#include <fs/binfmts.h>

#include <asm/active_mm.h>
#include <asm/irqflags.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <fs/fdtable.h>
#include <fs/fs.h>
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <lib/string.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

namespace {

constexpr unsigned kStringsOrder = 6;  // EXEC_STRINGS_MAX bytes
static_assert((PAGE_SIZE << kStringsOrder) == EXEC_STRINGS_MAX);

// Where execve's argument strings come from.
struct ArgSource {
  uintptr_t user = 0;                      // a user array of user pointers, or
  const char* const* kernel = nullptr;     // a kernel array (kernel_execve)
};

// Appends every string of one array to bprm->strings; the count in *n.
int copy_strings(linux_binprm* bprm, const ArgSource& src, unsigned* n) {
  *n = 0;
  if (!src.user && !src.kernel) return 0;  // a NULL argv/envp is empty (as Linux, with a warning there)
  for (;;) {
    const char* kstr = nullptr;
    uintptr_t ustr = 0;
    if (src.kernel) {
      kstr = src.kernel[*n];
      if (!kstr) return 0;
    } else {
      if (copy_from_user(&ustr, src.user + *n * sizeof(uintptr_t), sizeof(ustr))) return -EFAULT;
      if (!ustr) return 0;
    }
    if (*n == MAX_ARG_STRINGS) return -E2BIG;
    const size_t room = EXEC_STRINGS_MAX - bprm->strings_len;
    char* dst = bprm->strings + bprm->strings_len;
    long len;
    if (kstr) {
      len = static_cast<long>(strnlen(kstr, room));
      memcpy(dst, kstr, static_cast<size_t>(len) < room ? static_cast<size_t>(len) + 1 : room);
    } else {
      len = strncpy_from_user(dst, ustr, static_cast<long>(room));
      if (len < 0) return static_cast<int>(len);
    }
    if (static_cast<size_t>(len) >= room) return -E2BIG;  // no room for the NUL
    bprm->strings_len += static_cast<size_t>(len) + 1;
    (*n)++;
  }
}

const char* kbasename(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int do_execve(const char* filename, const ArgSource& argv, const ArgSource& envp) {
  linux_binprm bprm;
  bprm.filename = filename;
  Result<file*> f = open_exec(filename);
  if (!f) return f.error().err;
  bprm.file = f.value();
  int ret = 0;
  page* strings = nullptr;
  if (!ret) {
    strings = alloc_pages(GFP_KERNEL | __GFP_NOWARN, kStringsOrder);
    if (!strings) ret = -ENOMEM;
  }
  if (!ret) {
    // The new credentials (Linux's bprm_fill_uid and commoncap's fix-up).
    bprm.cred = prepare_creds();
    if (!bprm.cred) ret = -ENOMEM;
    const inode* ino = bprm.file->f_inode;
    if (!ret) bprm.secureexec = cred_exec(bprm.cred, ino->i_mode, ino->i_uid, ino->i_gid);
  }
  if (!ret) {
    bprm.strings = static_cast<char*>(page_address(strings));
    ret = copy_strings(&bprm, argv, &bprm.argc);
    if (!ret) ret = copy_strings(&bprm, envp, &bprm.envc);
  }
  // A kernel thread becoming a process (init, tests) needs signal state
  // before the point of no return.
  task_struct* tsk = get_current();
  if (!ret && !tsk->sighand) ret = init_task_signals(tsk);
  if (!ret) ret = load_elf_binary(&bprm);
  if (bprm.mm) mmput(bprm.mm);  // a failed load leaves a partial mm behind
  if (bprm.cred) abort_creds(bprm.cred);
  if (strings) __free_pages(strings, kStringsOrder);
  fput(bprm.file);
  return ret;
}

}  // namespace

void begin_new_exec(linux_binprm* bprm) {
  task_struct* tsk = get_current();
  mm_struct* old = tsk->mm;
  mm_struct* mm = bprm->mm;
  bprm->mm = nullptr;  // the task's now
  if (tsk->signal) de_thread(tsk);  // the other threads go first (they share the old mm)
  if (old) mm_release(tsk);  // in the old mm: clear_child_tid; a vfork parent goes on
  {
    // The task's mm and the CPU's change together, under tasklist_lock as
    // in exit_mm: /proc references another task's mm under that lock.
    SpinLockIrqSaveGuard g{tasklist_lock};
    tsk->mm = mm;
    switch_mm_irqs_off(mm);
  }
  if (old) mmput(old);
  commit_creds(bprm->cred);
  bprm->cred = nullptr;
  // A kernel thread becoming init has no user state to drop.
  tsk->flags &= ~(PF_KTHREAD | PF_FORKNOEXEC);
  if (tsk->files) do_close_on_exec(tsk->files);
  flush_signal_handlers(tsk, false);  // caught signals back to SIG_DFL, ignored ones stay
  strlcpy(tsk->comm, kbasename(bprm->filename), sizeof(tsk->comm));
}

int kernel_execve(const char* filename, const char* const* argv, const char* const* envp) {
  ArgSource a, e;
  a.kernel = argv;
  e.kernel = envp;
  return do_execve(filename, a, e);
}

long sys_execve(uintptr_t ufilename, uintptr_t uargv, uintptr_t uenvp) {
  char* name = static_cast<char*>(kmalloc(PATH_MAX, GFP_KERNEL));
  if (!name) return -ENOMEM;
  long len = strncpy_from_user(name, ufilename, PATH_MAX);
  long ret;
  if (len < 0) ret = len;
  else if (len == PATH_MAX) ret = -ENAMETOOLONG;
  else if (len == 0) ret = -ENOENT;
  else {
    ArgSource a, e;
    a.user = uargv;
    e.user = uenvp;
    ret = do_execve(name, a, e);
  }
  kfree(name);
  return ret;
}
