/*
 * /proc/<pid>: the process directories and their files (maps, exe, stat,
 * status, comm). Everything a file shows is read when it is opened, from
 * a ProcTaskInfo snapshot (fs/proc/task.cc); a process gone by then gives
 * -ESRCH on open, as Linux's does for a dead task's files.
 */
#include <fs/fdtable.h>
#include <fs/proc.h>

#include <kernel/errno.h>
#include <lib/string.h>
#include <mm/mmap.h>
#include <mm/slab.h>

#include "internal.h"

namespace {

struct PidEntry {
  const char* name;
  ProcKind kind;
};
constexpr PidEntry kPidEntries[] = {{"comm", PROC_PID_COMM},
                                    {"exe", PROC_PID_EXE},
                                    {"maps", PROC_PID_MAPS},
                                    {"stat", PROC_PID_STAT},
                                    {"status", PROC_PID_STATUS}};

// A pid as /proc names it: decimal, no sign, no leading zero.
int parse_pid(const char* name, size_t len) {
  if (len == 0 || len > 9 || name[0] == '0') return -1;
  int pid = 0;
  for (size_t i = 0; i < len; i++) {
    if (name[i] < '0' || name[i] > '9') return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

Result<dentry*> pid_dir_lookup(dentry* dir, const char* name, size_t len) {
  const long pid = dir->d_inode->i_private;
  ProcTaskInfo info;
  if (!proc_task_info(static_cast<int>(pid), &info, false)) return Error{-ENOENT, "proc: the process is gone"};
  for (const PidEntry& e : kPidEntries)
    if (strlen(e.name) == len && memcmp(e.name, name, len) == 0) {
      dentry* d = proc_new_entry(dir, name, len, e.kind, pid);
      if (!d) return Error{-ENOMEM, "proc: no memory"};
      return d;
    }
  return Error{-ENOENT, "proc: no such entry"};
}

int pid_dir_readdir(file* f, dir_context* ctx) {
  dentry* d = f->f_dentry;
  const long pid = d->d_inode->i_private;
  if (ctx->pos == 0) {
    if (!ctx->actor(ctx, ".", 1, 0, d->d_inode->i_ino, DT_DIR)) return 0;
    ctx->pos = 1;
  }
  if (ctx->pos == 1) {
    if (!ctx->actor(ctx, "..", 2, 1, d->d_parent->d_inode->i_ino, DT_DIR)) return 0;
    ctx->pos = 2;
  }
  constexpr size_t n = sizeof(kPidEntries) / sizeof(kPidEntries[0]);
  while (ctx->pos >= 2 && ctx->pos < 2 + static_cast<loff_t>(n)) {
    const PidEntry& e = kPidEntries[ctx->pos - 2];
    const unsigned char type = e.kind == PROC_PID_EXE ? DT_LNK : DT_REG;
    if (!ctx->actor(ctx, e.name, strlen(e.name), ctx->pos, static_cast<uint64_t>(pid) << 8 | e.kind, type)) return 0;
    ctx->pos++;
  }
  return 0;
}

// The caller's root for paths (the executable, mapped files).
lookup_root caller_root() { return get_lookup_root(current_fs()); }

// /proc/<pid>/exe: the path of mm->exe_file as the reader sees it.
long exe_get_link(dentry* d, char* buf, size_t size) {
  ProcTaskInfo info;
  if (!proc_task_info(static_cast<int>(d->d_inode->i_private), &info, true)) return -ENOENT;
  long ret = -ENOENT;
  if (info.mm) {
    file* exe = nullptr;
    {
      MmapReadGuard g{info.mm};
      if (info.mm->exe_file) exe = get_file(info.mm->exe_file);
    }
    mmput(info.mm);
    if (exe) {
      lookup_root r = caller_root();
      char* tmp = static_cast<char*>(kmalloc(PATH_MAX, GFP_KERNEL));
      if (!tmp) {
        ret = -ENOMEM;
      } else {
        auto p = d_path(r, exe->f_dentry, tmp, PATH_MAX);
        if (!p) {
          ret = p.error().err;
        } else {
          const size_t n = strlcpy(buf, p.value(), size);
          ret = n < size ? static_cast<long>(n) : -ENAMETOOLONG;
        }
        kfree(tmp);
      }
      put_lookup_root(r);
      fput(exe);
    }
  }
  return ret;
}


const inode_operations pid_dir_inode_operations = {.lookup = pid_dir_lookup, .setattr = proc_setattr};
const file_operations pid_dir_operations = {.llseek = generic_file_llseek, .iterate = pid_dir_readdir};
const inode_operations pid_exe_inode_operations = {.get_link = exe_get_link, .setattr = proc_setattr};

int maps_gen(inode* ino, ProcText* t) {
  ProcTaskInfo info;
  if (!proc_task_info(static_cast<int>(ino->i_private), &info, true)) return -ESRCH;
  if (!info.mm) return 0;  // a kernel thread or a zombie: empty, as Linux
  lookup_root r = caller_root();
  char* text;
  const long n = proc_maps_format(info.mm, r, &text);
  put_lookup_root(r);
  mmput(info.mm);
  if (n < 0) return static_cast<int>(n);
  t->buf = text;
  t->len = t->cap = static_cast<size_t>(n);
  return 0;
}

int comm_gen(inode* ino, ProcText* t) {
  ProcTaskInfo info;
  if (!proc_task_info(static_cast<int>(ino->i_private), &info, false)) return -ESRCH;
  t->printf("%s\n", info.comm);
  return 0;
}

struct MmCounts {
  unsigned long total_vm, data_vm, exec_vm, stack_vm, locked_vm;
};
MmCounts mm_counts(mm_struct* mm) {
  if (!mm) return {};
  MmapReadGuard g{mm};
  return {mm->total_vm, mm->data_vm, mm->exec_vm, mm->stack_vm, mm->locked_vm};
}

// Linux's 52 fields (fs/proc/array.c, do_task_stat); what has no meaning
// here is 0 (rss, signals, wchan) and the scheduling fields are a normal
// task's (priority 20, nice 0, policy 0).
int stat_gen(inode* ino, ProcText* t) {
  ProcTaskInfo info;
  if (!proc_task_info(static_cast<int>(ino->i_private), &info, true)) return -ESRCH;
  const MmCounts c = mm_counts(info.mm);
  unsigned long start_stack = 0, min_flt = 0, maj_flt = 0;
  if (info.mm) {
    start_stack = info.mm->start_stack;
    min_flt = info.mm->min_flt.load();
    maj_flt = info.mm->maj_flt.load();
    mmput(info.mm);
  }
  t->printf("%d (%s) %c %d %d %d 0 -1 %u %lu 0 %lu 0 %lu 0 0 0 20 0 %d 0 %lu %lu 0 %lu", info.pid, info.comm,
            info.state, info.ppid, info.pgrp, info.session, info.mm ? 0x400000u : 0x00200040u, min_flt, maj_flt,
            info.utime_ticks, info.nr_threads, info.start_time_ticks, c.total_vm << PAGE_SHIFT, ~0ul);
  // startcode endcode startstack kstkesp kstkeip signal blocked sigignore
  // sigcatch wchan nswap cnswap exit_signal processor rt_priority policy
  // delayacct_blkio_ticks guest_time cguest_time start_data end_data
  // start_brk arg_start arg_end env_start env_end exit_code
  t->printf(" 0 0 %lu 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", start_stack);
  return 0;
}

int status_gen(inode* ino, ProcText* t) {
  ProcTaskInfo info;
  if (!proc_task_info(static_cast<int>(ino->i_private), &info, true, true)) return -ESRCH;
  const MmCounts c = mm_counts(info.mm);
  const bool has_mm = info.mm != nullptr;
  if (info.mm) mmput(info.mm);
  const char* state = "R (running)";
  switch (info.state) {
    case 'S':
      state = "S (sleeping)";
      break;
    case 'D':
      state = "D (disk sleep)";
      break;
    case 'T':
      state = "T (stopped)";
      break;
    case 'Z':
      state = "Z (zombie)";
      break;
    case 'X':
      state = "X (dead)";
      break;
  }
  t->printf("Name:\t%s\n", info.comm);
  if (info.umask >= 0) t->printf("Umask:\t%04o\n", info.umask);  // none for a task without an fs_struct
  t->printf("State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", state, info.tgid,
            info.pid, info.ppid);
  const cred_ids& id = info.ids;
  t->printf("Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%u\nGroups:\t", id.uid, id.euid, id.suid, id.fsuid,
            id.gid, id.egid, id.sgid, id.fsgid, NR_OPEN_DEFAULT);
  for (unsigned i = 0; i < info.groups->ngroups; i++) t->printf(i ? " %u" : "%u", info.groups->gid[i]);
  put_group_info(info.groups);
  t->printf(" \n");  // Linux keeps a trailing space here, groups or none
  if (has_mm) {
    const auto kb = [](unsigned long pages) { return pages << (PAGE_SHIFT - 10); };
    t->printf("VmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n",
              kb(c.total_vm), kb(c.locked_vm), kb(c.data_vm), kb(c.stack_vm), kb(c.exec_vm));
  }
  t->printf("Threads:\t%d\n", info.nr_threads);
  return 0;
}

}  // namespace

Result<dentry*> proc_pid_lookup(dentry* dir, const char* name, size_t len) {
  const int pid = parse_pid(name, len);
  ProcTaskInfo info;
  if (pid <= 0 || !proc_task_info(pid, &info, false)) return Error{-ENOENT, "proc: no such process"};
  dentry* d = proc_new_entry(dir, name, len, PROC_PID_DIR, pid);
  if (!d) return Error{-ENOMEM, "proc: no memory"};
  return d;
}

void proc_pid_dir_init(inode* ino) {
  if (ino->i_private_kind == PROC_PID_EXE) {
    ino->i_op = &pid_exe_inode_operations;
  } else {
    ino->i_op = &pid_dir_inode_operations;
    ino->i_fop = &pid_dir_operations;
  }
}

void proc_base_init() {
  proc_register_text(PROC_PID_MAPS, maps_gen);
  proc_register_text(PROC_PID_COMM, comm_gen);
  proc_register_text(PROC_PID_STAT, stat_gen);
  proc_register_text(PROC_PID_STATUS, status_gen);
}
