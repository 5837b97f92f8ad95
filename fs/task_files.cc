/*
 * A task's files_struct and fs_struct across fork and exit (Linux's
 * copy_files/copy_fs and exit_files/exit_fs): CLONE_FILES and CLONE_FS
 * share the parent's, otherwise the child gets copies; exit drops them.
 */
#include <fs/fdtable.h>

#include <linux/sched.h>  // CLONE_* (UAPI values)


#include <kernel/errno.h>
#include <kernel/sched.h>

int copy_files_and_fs(uint64_t clone_flags, task_struct* parent, task_struct* child) {
  if (parent->files) {
    if (clone_flags & CLONE_FILES) {
      parent->files->count.fetch_add(1, std::memory_order_relaxed);
      child->files = parent->files;
    } else if (!(child->files = dup_fd(parent->files))) {
      return -ENOMEM;
    }
  }
  if (parent->fs) {
    if (clone_flags & CLONE_FS) {
      parent->fs->users.fetch_add(1, std::memory_order_relaxed);
      child->fs = parent->fs;
    } else if (!(child->fs = copy_fs_struct(parent->fs))) {
      exit_files_and_fs(child);
      return -ENOMEM;
    }
  }
  return 0;
}

void exit_files_and_fs(task_struct* tsk) {
  if (files_struct* files = tsk->files) {
    tsk->files = nullptr;
    put_files_struct(files);
  }
  if (fs_struct* fs = tsk->fs) {
    tsk->fs = nullptr;
    put_fs_struct(fs);
  }
}
