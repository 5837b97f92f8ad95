/*
 * The VFS's sleeping lock: the kernel's mutex, std::mutex in the host
 * tests (fs/ core files are compiled for the host like mm/).
 */
#pragma once

#ifdef HOST_TEST
#include <mutex>
using VfsMutex = std::mutex;
using VfsMutexGuard = std::lock_guard<std::mutex>;
#else
#include <kernel/mutex.h>
struct VfsMutex {
  mutex m;
  void lock() { mutex_lock(&m); }
  void unlock() { mutex_unlock(&m); }
  bool try_lock() { return mutex_trylock(&m); }
};
class VfsMutexGuard {
 public:
  explicit VfsMutexGuard(VfsMutex& m) : m_(m) { m_.lock(); }
  ~VfsMutexGuard() { m_.unlock(); }
  VfsMutexGuard(const VfsMutexGuard&) = delete;
  VfsMutexGuard& operator=(const VfsMutexGuard&) = delete;

 private:
  VfsMutex& m_;
};
#endif
