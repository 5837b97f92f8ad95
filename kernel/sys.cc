/*
 * Small system calls about the process and the system (Linux's
 * kernel/sys.c and friends): ids, uname, resource limits, robust futex
 * list registration, getrandom, reboot, sched_yield, umask.
 *
 * Resource limits live in the task; those the mm enforces (stack, data,
 * address space, memlock) are mirrored into its mm. The ids are
 * kernel/sys_cred.cc's.
 */
#include <kernel/syscalls.h>

#include <fs/fdtable.h>
#include <fs/fs.h>

#include <linux/reboot.h>  // LINUX_REBOOT_* (UAPI values)

#include <asm/processor.h>
#include <asm/sbi.h>
#include <asm/uaccess.h>
#include <kernel/errno.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/random.h>
#include <lib/string.h>
#include <mm/mm_types.h>

namespace {

// struct new_utsname: six 65-byte fields.
struct new_utsname {
  char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
static_assert(sizeof(new_utsname) == 390);

constexpr size_t kRobustListHeadSize = 24;  // struct robust_list_head on riscv64

constexpr unsigned GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

// The mm's copy of the limits it enforces.
void sync_mm_rlimits(task_struct* p) {
  mm_struct* mm = p->mm;
  if (!mm) return;
  mm->rlimit_stack = p->rlim[RLIMIT_STACK].rlim_cur;
  mm->rlimit_data = p->rlim[RLIMIT_DATA].rlim_cur;
  mm->rlimit_as = p->rlim[RLIMIT_AS].rlim_cur;
  mm->rlimit_memlock = p->rlim[RLIMIT_MEMLOCK].rlim_cur;
}

long do_prlimit(task_struct* p, unsigned resource, const rlimit* new_rlim, rlimit* old_rlim) {
  if (resource >= RLIM_NLIMITS) return -EINVAL;
  if (new_rlim) {
    if (new_rlim->rlim_cur > new_rlim->rlim_max) return -EINVAL;
    if (resource == RLIMIT_NOFILE && new_rlim->rlim_max > 1024 * 1024) return -EPERM;  // fs.nr_open
  }
  if (old_rlim) *old_rlim = p->rlim[resource];
  if (new_rlim) {
    p->rlim[resource] = *new_rlim;
    sync_mm_rlimits(p);
  }
  return 0;
}

}  // namespace

long sys_getpid() { return get_current()->tgid; }
long sys_gettid() { return get_current()->pid; }

long sys_getppid() {
  SpinLockIrqSaveGuard g{tasklist_lock};
  const task_struct* parent = get_current()->group_leader->parent;
  return parent ? parent->tgid : 0;
}

long sys_uname(uintptr_t uname) {
  new_utsname u;
  memset(&u, 0, sizeof(u));
  strlcpy(u.sysname, "Linux", sizeof(u.sysname));
  strlcpy(u.nodename, "(none)", sizeof(u.nodename));
  strlcpy(u.release, "6.1.0", sizeof(u.release));
  strlcpy(u.version, "#1 SMP", sizeof(u.version));
  strlcpy(u.machine, "riscv64", sizeof(u.machine));
  strlcpy(u.domainname, "(none)", sizeof(u.domainname));
  return copy_to_user(uname, &u, sizeof(u)) ? -EFAULT : 0;
}

long sys_set_robust_list(uintptr_t uhead, size_t len) {
  if (len != kRobustListHeadSize) return -EINVAL;
  get_current()->robust_list = uhead;  // recorded, not walked at exit yet (README: threads)
  return 0;
}

long sys_prlimit64(int pid, unsigned resource, uintptr_t unew_rlim, uintptr_t uold_rlim) {
  rlimit new_rlim, old_rlim;
  if (unew_rlim && copy_from_user(&new_rlim, unew_rlim, sizeof(new_rlim))) return -EFAULT;
  long ret;
  {
    SpinLockIrqSaveGuard g{tasklist_lock};  // the target stays while its limits are read or set
    task_struct* p = pid && pid != get_current()->pid ? find_task_by_pid(pid) : get_current();
    if (!p || !is_user_task(p)) return -ESRCH;
    ret = do_prlimit(p, resource, unew_rlim ? &new_rlim : nullptr, &old_rlim);
  }
  if (ret) return ret;
  if (uold_rlim && copy_to_user(uold_rlim, &old_rlim, sizeof(old_rlim))) return -EFAULT;
  return 0;
}

long sys_getrlimit(unsigned resource, uintptr_t urlim) { return sys_prlimit64(0, resource, 0, urlim); }
long sys_setrlimit(unsigned resource, uintptr_t urlim) {
  if (!urlim) return -EFAULT;
  return sys_prlimit64(0, resource, urlim, 0);
}

long sys_getrandom(uintptr_t ubuf, size_t count, unsigned flags) {
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
  if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM)) return -EINVAL;
  if (count > 0x7fffffff) count = 0x7fffffff;  // Linux caps one call at INT_MAX
  if (!access_ok(ubuf, count)) return -EFAULT;
  return get_random_bytes_user(ubuf, count);
}

long sys_reboot(int magic1, int magic2, unsigned cmd, uintptr_t uarg) {
  (void)uarg;
  if (static_cast<unsigned>(magic1) != LINUX_REBOOT_MAGIC1 ||
      (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A && magic2 != LINUX_REBOOT_MAGIC2B &&
       magic2 != LINUX_REBOOT_MAGIC2C))
    return -EINVAL;
  switch (cmd) {
    case LINUX_REBOOT_CMD_POWER_OFF:
    case LINUX_REBOOT_CMD_HALT:
      pr_notice("reboot: Power down\n");
      machine_exit(0);
    case LINUX_REBOOT_CMD_RESTART:
    case LINUX_REBOOT_CMD_RESTART2:
      pr_notice("reboot: Restarting system\n");
      sbi_system_reset(SbiResetType::ColdReboot, SbiResetReason::None);
      return -EINVAL;  // the firmware refused
    case LINUX_REBOOT_CMD_CAD_ON:
    case LINUX_REBOOT_CMD_CAD_OFF:
      return 0;
    default:
      return -EINVAL;
  }
}

long sys_umask(int mask) {
  fs_struct* fs = current_fs();
  MmLockGuard g{fs->lock};
  const unsigned old = fs->umask;
  fs->umask = static_cast<unsigned>(mask) & 0777;
  return old;
}

long sys_sched_yield() {
  yield();
  return 0;
}
