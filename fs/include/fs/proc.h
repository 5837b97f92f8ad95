/*
 * /proc (fs/proc/): a file system whose entries are made up on lookup.
 *
 *   /proc/meminfo, slabinfo, uptime   text generated at open
 *   /proc/self                        symlink to the caller's pid
 *   /proc/<pid>/                      one directory per process:
 *       maps     Linux's format (fs/proc/task_mmu.cc)
 *       exe      symlink to the executable (mm->exe_file)
 *       stat     the 52 fields of Linux's /proc/<pid>/stat
 *       status   Name, State, Tgid, Pid, PPid, Uid, Gid, Vm*, Threads
 *       comm     the name
 *
 * Every lookup makes a fresh dentry and inode (never linked into the
 * dcache), so a process that exits simply stops being found. A file's
 * text is made whole at open (a "seq_file" with one record), so a reader
 * that reads in small pieces sees one consistent snapshot.
 */
#pragma once

#include <fs/fs.h>

struct mm_struct;

// Mounts a new proc instance on the directory `name` under start.
int proc_mount(const lookup_root& r, dentry* start, const char* name);

// /proc/<pid>/maps text for mm, paths as seen from root: the length, or a
// negative errno. *out is kmalloc'ed (kfree it).
long proc_maps_format(mm_struct* mm, const lookup_root& r, char** out);
