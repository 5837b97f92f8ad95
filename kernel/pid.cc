/*
 * Pids: a cyclic bitmap allocator (lib/idalloc.h, pid_max 32768, wrapping
 * to 300 as Linux does) and a hash from pid to task.
 *
 * Pid 0 is every idle task; pid 1 belongs to the boot path, which becomes
 * init. Every other task, kernel threads included, takes a pid when it is
 * created and gives it back when it is freed (a zombie keeps its pid until
 * it is reaped); a number that also names a process group or session
 * stays taken until the last member leaves (pid_users). pidmap_lock
 * guards the bitmap and the counts; the hash is read and changed under
 * tasklist_lock.
 */
#include <kernel/process.h>

#include <kernel/errno.h>
#include <lib/container_of.h>
#include <lib/idalloc.h>
#include <lib/list.h>

SpinLock tasklist_lock;

namespace {

SpinLock pidmap_lock;
CyclicIdAllocator<PID_MAX_DEFAULT> pidmap{2, RESERVED_PIDS};
// Users of each pid number: its task, and the tasks in the process group
// or session it names (under pidmap_lock). The number is free again at 0.
uint32_t pid_users[PID_MAX_DEFAULT];

constexpr unsigned kPidHashSize = 256;
list_head pid_hash[kPidHashSize];
task_struct* init_task;

list_head& bucket(int pid) { return pid_hash[static_cast<unsigned>(pid) % kPidHashSize]; }

}  // namespace

void pid_init(task_struct* init) {
  init_task = init;
  SpinLockIrqSaveGuard g{tasklist_lock};
  attach_pid(init);
}

task_struct* child_reaper() { return init_task; }

void set_child_reaper(task_struct* p) { init_task = p; }

int alloc_pid() {
  SpinLockIrqSaveGuard g{pidmap_lock};
  const int pid = pidmap.alloc();
  if (pid < 0) return -EAGAIN;
  pid_users[pid] = 1;
  return pid;
}

void get_pid_nr(int nr) {
  if (nr < 2) return;  // 0 and 1 (init) are never freed
  SpinLockIrqSaveGuard g{pidmap_lock};
  pid_users[nr]++;
}

void put_pid_nr(int nr) {
  if (nr < 2) return;
  SpinLockIrqSaveGuard g{pidmap_lock};
  if (--pid_users[nr] == 0) pidmap.free(static_cast<unsigned>(nr));
}

void free_pid(int pid) { put_pid_nr(pid); }

unsigned nr_pids_used() {
  SpinLockIrqSaveGuard g{pidmap_lock};
  return pidmap.used();
}

void attach_pid(task_struct* p) { list_add_tail(&p->pid_chain, &bucket(p->pid)); }

void detach_pid(task_struct* p) { list_del_init(&p->pid_chain); }

int next_task_pid(int after) {
  int best = -1;
  for (list_head& b : pid_hash)
    for (list_head* e = b.next; e != &b; e = e->next) {
      const task_struct* p = container_of(e, &task_struct::pid_chain);
      const int pid = p->pid;
      if (p->tgid && p->tgid != pid) continue;  // a thread: listed under its process (as Linux's /proc)
      if (pid > after && (best < 0 || pid < best)) best = pid;
    }
  return best;
}

task_struct* find_task_by_pid(int pid) {
  if (pid <= 0) return nullptr;
  list_head& b = bucket(pid);
  for (list_head* e = b.next; e != &b; e = e->next) {
    task_struct* p = container_of(e, &task_struct::pid_chain);
    if (p->pid == pid) return p;
  }
  return nullptr;
}
