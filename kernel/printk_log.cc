/*
 * The kernel log buffer and syslog(2) (klogctl, dmesg).
 *
 * Every printk message is kept here whatever the console loglevel (`quiet`
 * only quiets the console, as on Linux), and so is the KTAP output of the
 * self-tests (console_printf), so user space can find the summary line.
 * The text is stored as syslog(2) returns it: "<L>[seconds.micros] text\n"
 * (lib/logbuf.h). 128 KiB, newest lines kept.
 *
 * syslog actions (Linux's numbers): CLOSE/OPEN do nothing; READ waits for
 * unread text and consumes it; READ_ALL returns the newest that fits
 * without consuming; READ_CLEAR also clears; CLEAR forgets everything so
 * far for READ_ALL; CONSOLE_OFF/ON/LEVEL set the console loglevel; SIZE_UNREAD
 * and SIZE_BUFFER report sizes. READ_ALL and SIZE_BUFFER are open to every
 * process (Linux with dmesg_restrict=0, its default); the others need
 * CAP_SYSLOG, which here, as for the other capabilities
 * (kernel/include/kernel/cred.h), follows euid 0.
 *
 * Locking: log_lock (IRQ-safe: printk runs in any context) around every
 * buffer access; copies to user space go through a bounce buffer outside
 * it. READ sleeps one tick at a time (printk cannot wake sleepers: it may
 * run under the scheduler's own locks).
 */
#include <kernel/printk.h>

#include <asm/uaccess.h>
#include <kernel/cred.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/spinlock.h>
#include <kernel/syscalls.h>
#include <lib/logbuf.h>
#include <mm/slab.h>

namespace {

constexpr size_t kLogBufLen = 128 * 1024;
char log_storage[kLogBufLen];
LogBuffer log_buf(log_storage, sizeof(log_storage));
SpinLock log_lock;
uint64_t syslog_pos;  // where READ continues
uint64_t clear_pos;   // READ_ALL starts here (CLEAR moves it)
int saved_console_loglevel = -1;  // for CONSOLE_ON after CONSOLE_OFF

enum SyslogAction {
  SYSLOG_ACTION_CLOSE = 0,
  SYSLOG_ACTION_OPEN = 1,
  SYSLOG_ACTION_READ = 2,
  SYSLOG_ACTION_READ_ALL = 3,
  SYSLOG_ACTION_READ_CLEAR = 4,
  SYSLOG_ACTION_CLEAR = 5,
  SYSLOG_ACTION_CONSOLE_OFF = 6,
  SYSLOG_ACTION_CONSOLE_ON = 7,
  SYSLOG_ACTION_CONSOLE_LEVEL = 8,
  SYSLOG_ACTION_SIZE_UNREAD = 9,
  SYSLOG_ACTION_SIZE_BUFFER = 10,
};
constexpr int kMinimumConsoleLoglevel = 1;  // CONSOLE_OFF still shows emergencies

bool syslog_capable() { return current_cred()->euid == GLOBAL_ROOT_UID; }

bool may_syslog(int type) {
  if (type == SYSLOG_ACTION_READ_ALL || type == SYSLOG_ACTION_SIZE_BUFFER) return true;
  return syslog_capable();
}

// READ and READ_ALL/READ_CLEAR: fill a kernel bounce buffer under the lock,
// copy it out after. Returns bytes or -errno.
long syslog_copy(int type, uintptr_t ubuf, size_t len) {
  if (!ubuf || static_cast<long>(len) < 0) return -EINVAL;
  if (!len) return 0;
  if (!access_ok(ubuf, len)) return -EFAULT;
  if (len > kLogBufLen) len = kLogBufLen;
  char* bounce = static_cast<char*>(kmalloc(len, GFP_KERNEL));
  if (!bounce) return -ENOMEM;
  size_t n = 0;
  if (type == SYSLOG_ACTION_READ) {
    for (;;) {
      {
        SpinLockIrqSaveGuard g{log_lock};
        if (syslog_pos < log_buf.next()) {
          n = log_buf.read(&syslog_pos, bounce, len);
          break;
        }
      }
      if (signal_pending(get_current())) {
        kfree(bounce);
        return -ERESTARTSYS;
      }
      set_current_state(TASK_INTERRUPTIBLE);
      schedule_timeout(1);
    }
  } else {
    SpinLockIrqSaveGuard g{log_lock};
    n = log_buf.read_tail(clear_pos, bounce, len);
    if (type == SYSLOG_ACTION_READ_CLEAR) clear_pos = log_buf.next();
  }
  const size_t left = copy_to_user(ubuf, bounce, n);
  kfree(bounce);
  return left ? -EFAULT : static_cast<long>(n);
}

}  // namespace

void log_store(int level, const char* s, size_t n) {
  SpinLockIrqSaveGuard g{log_lock};
  log_buf.append(level, s, n);
}

size_t log_read_all(char* out, size_t len) {
  SpinLockIrqSaveGuard g{log_lock};
  return log_buf.read_tail(clear_pos, out, len);
}

long sys_syslog(int type, uintptr_t ubuf, int len) {
  if (type < SYSLOG_ACTION_CLOSE || type > SYSLOG_ACTION_SIZE_BUFFER) return -EINVAL;
  if (!may_syslog(type)) return -EPERM;
  switch (type) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
      return 0;
    case SYSLOG_ACTION_READ:
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR:
      if (len < 0) return -EINVAL;
      return syslog_copy(type, ubuf, static_cast<size_t>(len));
    case SYSLOG_ACTION_CLEAR: {
      SpinLockIrqSaveGuard g{log_lock};
      clear_pos = log_buf.next();
      return 0;
    }
    case SYSLOG_ACTION_CONSOLE_OFF: {
      SpinLockIrqSaveGuard g{log_lock};
      if (saved_console_loglevel == -1) saved_console_loglevel = printk_get_loglevel();
      printk_set_loglevel(kMinimumConsoleLoglevel);
      return 0;
    }
    case SYSLOG_ACTION_CONSOLE_ON: {
      SpinLockIrqSaveGuard g{log_lock};
      if (saved_console_loglevel != -1) {
        printk_set_loglevel(saved_console_loglevel);
        saved_console_loglevel = -1;
      }
      return 0;
    }
    case SYSLOG_ACTION_CONSOLE_LEVEL: {
      if (len < 1 || len > 8) return -EINVAL;
      SpinLockIrqSaveGuard g{log_lock};
      printk_set_loglevel(len);
      saved_console_loglevel = -1;  // an explicit level ends CONSOLE_OFF
      return 0;
    }
    case SYSLOG_ACTION_SIZE_UNREAD: {
      SpinLockIrqSaveGuard g{log_lock};
      const uint64_t from = syslog_pos > log_buf.first() ? syslog_pos : log_buf.first();
      return static_cast<long>(log_buf.next() - from);
    }
    case SYSLOG_ACTION_SIZE_BUFFER:
      return static_cast<long>(kLogBufLen);
  }
  return -EINVAL;
}
