/*
 * fork/clone/vfork (Linux's kernel/fork.c): kernel_clone copies the
 * calling process into a new task.
 *
 *   address space  CLONE_VM shares it (mm_users + 1; vfork, posix_spawn);
 *                  otherwise a new mm gets a copy-on-write copy of every
 *                  VMA (dup_mmap, mm/memory.cc)
 *   registers      copy_thread: the parent's user pt_regs with a0 = 0,
 *                  the new sp / tp if given, FP state as the parent's
 *   tids           CLONE_PARENT_SETTID writes the pid in the parent now;
 *                  CLONE_CHILD_SETTID in the child, as its first act
 *                  (ret_from_fork -> fork_child_return); CLONE_CHILD_CLEARTID
 *                  arms the 0 written at exit
 *   tree           linked under tasklist_lock as the child of the parent's
 *                  group leader (or, with CLONE_PARENT, of the leader's
 *                  parent), then woken
 *   CLONE_THREAD   a thread of the caller's group (needs CLONE_SIGHAND,
 *                  which needs CLONE_VM): same tgid, signal_struct and
 *                  leader, exit_signal -1, in no children list; refused
 *                  (-ERESTARTNOINTR) while the group is dying or in execve
 *   CLONE_VFORK    the parent sleeps until the child leaves the shared mm
 *                  (exec or exit: mm_release), on a flag in its own stack
 *                  frame and one global queue (nothing of the child's is
 *                  touched after it sets the flag, so it may be freed)
 *
 * clone3 has no table row: -ENOSYS, on which glibc 2.36 falls back to clone.
 */
#include <kernel/process.h>

#include <linux/sched.h>  // CLONE_* (UAPI values)

#include <asm/processor.h>
#include <asm/uaccess.h>
#include <fs/fdtable.h>
#include <kernel/errno.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/wait.h>
#include <lib/string.h>
#include <mm/memory.h>

namespace {

wait_queue_head vfork_wait;

constexpr uint64_t kCloneSupported = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK |
                                     CLONE_PARENT | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                     CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |
                                     CLONE_CHILD_SETTID | CLONE_THREAD;

// A copy of oldmm for a forked child: same layout and limits, every VMA
// copied with its pages shared copy-on-write.
mm_struct* dup_mm(mm_struct* oldmm) {
  mm_struct* mm = mm_alloc();
  if (!mm) return nullptr;
  mm->task_size = oldmm->task_size;
  mm->def_flags = oldmm->def_flags;
  mm->rlimit_as = oldmm->rlimit_as;
  mm->rlimit_data = oldmm->rlimit_data;
  mm->rlimit_memlock = oldmm->rlimit_memlock;
  mm->rlimit_stack = oldmm->rlimit_stack;
  if (mm_alloc_pgd(mm) || dup_mmap(mm, oldmm)) {
    mmput(mm);
    return nullptr;
  }
  return mm;
}

}  // namespace

void complete_vfork_done(std::atomic<bool>* done) {
  done->store(true, std::memory_order_release);
  wake_up_all(&vfork_wait);
}

void init_task_rlimits(task_struct* p) {
  for (rlimit& r : p->rlim) r = {RLIM_INFINITY, RLIM_INFINITY};
  p->rlim[RLIMIT_STACK] = {8ul << 20, RLIM_INFINITY};
  p->rlim[RLIMIT_CORE] = {0, RLIM_INFINITY};
  p->rlim[RLIMIT_NPROC] = {PID_MAX_DEFAULT / 2, PID_MAX_DEFAULT / 2};
  p->rlim[RLIMIT_NOFILE] = {1024, 4096};
  p->rlim[RLIMIT_MEMLOCK] = {8ul << 20, 8ul << 20};
  p->rlim[RLIMIT_SIGPENDING] = {PID_MAX_DEFAULT / 2, PID_MAX_DEFAULT / 2};
  p->rlim[RLIMIT_MSGQUEUE] = {819200, 819200};
  p->rlim[RLIMIT_NICE] = {0, 0};
  p->rlim[RLIMIT_RTPRIO] = {0, 0};
}

long kernel_clone(const kernel_clone_args* args) {
  const uint64_t flags = args->flags;
  task_struct* parent = get_current();
  if (flags & ~kCloneSupported) return -EINVAL;
  // Linux's rules: a thread shares the handlers, which needs the mm.
  if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return -EINVAL;
  if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return -EINVAL;
  if (!parent->mm || !is_user_task(parent)) return -EINVAL;  // only user processes fork

  task_struct* p = alloc_task(parent->comm);
  if (!p) return -EAGAIN;
  p->cpu = this_cpu()->id;
  p->cpus_allowed = parent->cpus_allowed;
  memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
  copy_creds(p, parent);
  p->exit_signal = (flags & CLONE_THREAD) ? -1 : args->exit_signal;
  p->flags |= PF_FORKNOEXEC;
  if (copy_sighand(flags, p) || copy_signal(flags, p)) {
    p->exit_state.store(EXIT_ZOMBIE, std::memory_order_release);  // never ran: free at once
    task_reap(p);
    return -ENOMEM;
  }
  if (const int err = copy_files_and_fs(flags, parent, p)) {
    p->exit_state.store(EXIT_ZOMBIE, std::memory_order_release);  // never ran: free at once
    task_reap(p);
    return err;
  }
  if (flags & CLONE_VM) {
    mmget(parent->mm);
    p->mm = parent->mm;
  } else {
    p->mm = dup_mm(parent->mm);
    if (!p->mm) {
      exit_files_and_fs(p);
      p->exit_state.store(EXIT_ZOMBIE, std::memory_order_release);  // never ran: free at once
      task_reap(p);
      return -ENOMEM;
    }
  }
  copy_thread(p, current_pt_regs(), args->stack, args->tls, flags & CLONE_SETTLS);
  if (flags & CLONE_CHILD_SETTID) p->set_child_tid = args->child_tid;
  if (flags & CLONE_CHILD_CLEARTID) p->clear_child_tid = args->child_tid;
  const int pid = p->pid;
  if (flags & CLONE_PARENT_SETTID) {
    const int32_t v = pid;
    (void)copy_to_user(args->parent_tid, &v, sizeof(v));  // Linux ignores a bad pointer here too
  }
  std::atomic<bool> vfork_done{false};
  if (flags & CLONE_VFORK) p->vfork_done = &vfork_done;
  bool dying = false;
  {
    SpinLockIrqSaveGuard g{tasklist_lock};
    task_struct* leader = parent->group_leader;
    {
      TaskSighandLock l{parent};
      dying = (parent->signal->flags & SIGNAL_GROUP_EXIT) || parent->signal->group_exec_task;
      if (!dying) list_add_tail(&p->thread_node, &p->signal->thread_head);
    }
    if (!dying) {
      if (flags & CLONE_THREAD) {
        p->tgid = parent->tgid;
        p->group_leader = leader;
        p->parent = leader->parent;
      } else {
        p->parent = (flags & CLONE_PARENT) && leader->parent ? leader->parent : leader;
        list_add_tail(&p->sibling, &p->parent->children);
      }
      pgrp_fork(p, leader);
      attach_pid(p);
    }
  }
  if (dying) {
    // exit_group or execve is killing the group: a new task would escape.
    mmput(p->mm);
    p->mm = nullptr;
    exit_files_and_fs(p);
    p->exit_state.store(EXIT_ZOMBIE, std::memory_order_release);  // never ran: free at once
    task_reap(p);
    return -ERESTARTNOINTR;
  }
  p->__state.store(TASK_UNINTERRUPTIBLE, std::memory_order_relaxed);
  wake_up_process(p);
  if (flags & CLONE_VFORK)
    wait_event(vfork_wait, [&vfork_done] { return vfork_done.load(std::memory_order_acquire); });
  return pid;
}

long sys_clone(unsigned long clone_flags, unsigned long newsp, uintptr_t uparent_tidptr, unsigned long tls,
               uintptr_t uchild_tidptr) {
  const kernel_clone_args args{clone_flags & ~uint64_t{CSIGNAL}, static_cast<int>(clone_flags & CSIGNAL), newsp,
                               tls, uparent_tidptr, uchild_tidptr};
  return kernel_clone(&args);
}

// The child's first steps in ret_from_fork, before user mode.
extern "C" void fork_child_return(pt_regs* regs) {
  task_struct* self = get_current();
  if (self->set_child_tid) {
    const int32_t tid = self->pid;
    (void)copy_to_user(self->set_child_tid, &tid, sizeof(tid));
  }
  exit_to_user_mode(regs);
}

long sys_set_tid_address(uintptr_t utidptr) {
  get_current()->clear_child_tid = utidptr;
  return get_current()->pid;
}
