/*
 * What the VFS core needs from the rest of the kernel, in one seam so that
 * fs/ core files also link into the host tests: the caller's fs_struct,
 * the time for inode timestamps, the credentials file access checks use.
 */
#include <fs/fdtable.h>
#include <fs/fs.h>
#include <kernel/errno.h>

#ifdef HOST_TEST
namespace {
const cred* host_fs_cred = &init_cred;
}
const cred* current_fs_cred() { return host_fs_cred; }
void host_set_fs_cred(const cred* c) { host_fs_cred = c; }
fs_struct* current_fs() { return init_fs; }
timespec64 current_time() {
  static std::atomic<long> ticks{0};
  const long t = ticks.fetch_add(1, std::memory_order_relaxed);
  return timespec64{t / 1000, (t % 1000) * 1000000};
}
#else
#include <kernel/sched.h>
#include <kernel/time.h>
const cred* current_fs_cred() { return current_cred(); }
fs_struct* current_fs() {
  task_struct* t = get_current();
  return t && t->fs ? t->fs : init_fs;
}
timespec64 current_time() {
  const uint64_t ns = ktime_get_real_ns();  // file times are wall-clock times, as on Linux
  return timespec64{static_cast<long>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}
#endif

Result<file*> filp_open(const char* kpath, int flags, unsigned mode) {
  fs_struct* fs = current_fs();
  if (!fs) return Error{-ENOENT, "filp_open: no root file system"};
  lookup_root r = get_lookup_root(fs);
  auto f = do_filp_open(r, r.cwd, kpath, static_cast<unsigned>(flags), static_cast<umode_t>(mode));
  put_lookup_root(r);
  return f;
}

Result<file*> open_exec(const char* kpath) {
  fs_struct* fs = current_fs();
  if (!fs) return Error{-ENOENT, "open_exec: no root file system"};
  lookup_root r = get_lookup_root(fs);
  auto f = do_open_execat(r, r.cwd, kpath);
  put_lookup_root(r);
  return f;
}
