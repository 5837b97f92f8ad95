/*
 * File attributes: kstat (what vfs_getattr fills) and the riscv64 user
 * layout of struct stat (asm-generic/stat.h), 128 bytes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct kstat {
  uint64_t ino;
  uint32_t dev;  // internal dev_t (major << 20 | minor)
  uint32_t rdev;
  unsigned mode;
  unsigned nlink;
  unsigned uid, gid;
  long long size;
  long atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
  unsigned blksize;
  unsigned long long blocks;  // 512-byte units
};

// struct stat of asm-generic (riscv64): what newfstatat and fstat write.
struct linux_stat {
  unsigned long st_dev;
  unsigned long st_ino;
  unsigned int st_mode;
  unsigned int st_nlink;
  unsigned int st_uid;
  unsigned int st_gid;
  unsigned long st_rdev;
  unsigned long __pad1;
  long st_size;
  int st_blksize;
  int __pad2;
  long st_blocks;
  long st_atime_;
  unsigned long st_atime_nsec;
  long st_mtime_;
  unsigned long st_mtime_nsec;
  long st_ctime_;
  unsigned long st_ctime_nsec;
  unsigned int __unused4;
  unsigned int __unused5;
};
static_assert(sizeof(linux_stat) == 128);
static_assert(offsetof(linux_stat, st_size) == 48 && offsetof(linux_stat, st_blocks) == 64 &&
              offsetof(linux_stat, st_mtime_) == 88);

// The user encoding of a device number (Linux's new_encode_dev).
inline unsigned long new_encode_dev(uint32_t dev) {
  const unsigned major = dev >> 20, minor = dev & 0xfffff;
  return (minor & 0xff) | (major << 8) | (static_cast<unsigned long>(minor & ~0xffu) << 12);
}

void stat_to_user_layout(const kstat& k, linux_stat* out);
