// Shared by the fs/proc/ files: inode kinds, text files made at open, and
// what /proc reads about a process (fs/proc/task.cc).
#pragma once

#include <fs/fs.h>
#include <kernel/sched.h>

struct mm_struct;

enum ProcKind : unsigned {
  PROC_ROOT = 1,
  PROC_SELF,
  PROC_MEMINFO,
  PROC_SLABINFO,
  PROC_UPTIME,
  PROC_PID_DIR,
  PROC_PID_MAPS,
  PROC_PID_EXE,
  PROC_PID_STAT,
  PROC_PID_STATUS,
  PROC_PID_COMM,
  PROC_NR_KINDS
};

// A text file's contents, made at open into a growing kmalloc buffer.
struct ProcText {
  char* buf = nullptr;
  size_t len = 0, cap = 0;
  bool failed = false;  // out of memory

  void printf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void put(const char* s, size_t n);
  void pad_to(size_t col_of_line_start, size_t width);
};
// The generator of one kind: fills t for the inode (i_private = pid);
// 0 or a negative errno (-ESRCH: the process is gone).
using ProcGen = int (*)(inode* ino, ProcText* t);
extern const file_operations proc_text_operations;
void proc_register_text(ProcKind kind, ProcGen gen);

// A snapshot of what /proc shows of a process, taken under the task
// locks. mm is referenced (mmput it) when want_mm and the process has one.
struct ProcTaskInfo {
  int pid, tgid, ppid, pgrp, session;
  char comm[TASK_COMM_LEN];
  char state;  // R S D Z X
  unsigned long start_time_ticks, utime_ticks;  // in USER_HZ (100) ticks
  mm_struct* mm;
  cred_ids ids;
  group_info* groups;  // referenced when want_groups (put_group_info it), else null
  int umask;           // its fs_struct's, or -1 for a task without one
  int nr_threads;      // tasks of its thread group not yet reaped (Linux's signal->nr_threads)
};
// The process pid: true and *out filled, false when there is none.
bool proc_task_info(int pid, ProcTaskInfo* out, bool want_mm, bool want_groups = false);
// The smallest pid greater than `after` of a live process, or -1.
int proc_next_pid(int after);
// The caller's pid (what /proc/self points to).
int proc_self_pid();

// New inodes and dentries of a proc instance.
dentry* proc_new_entry(dentry* dir, const char* name, size_t len, ProcKind kind, long pid);
Result<dentry*> proc_pid_lookup(dentry* dir, const char* name, size_t len);
int proc_pid_readdir(file* f, dir_context* ctx);
void proc_pid_dir_init(inode* ino);
// i_op->setattr of every per-process entry and text file: -EPERM for a mode.
int proc_setattr(dentry* d, const iattr* attr);
void proc_misc_init();
void proc_base_init();
