/*
 * Unpacking the initramfs (fs/initramfs.cc) and the boot-time root set-up
 * (fs/do_mounts.cc).
 */
#pragma once

#include <fs/fs.h>

struct UnpackStats {
  unsigned dirs, files, symlinks, nodes, hardlinks, skipped;
  unsigned long bytes;
  uint64_t error_offset;  // where a malformed entry starts (on error)
};

// Unpacks a newc archive (possibly several concatenated) under root. Stops
// at the first malformed entry with the reader's error (what is already
// unpacked stays); entries that cannot be applied are skipped and passed to
// report (may be null) with their errno.
Result<void> unpack_to_rootfs(const void* buf, size_t len, dentry* root, UnpackStats* stats,
                              void (*report)(const char* name, int err));

// Boot (kernel/main.cc): unpacks the built-in archive, then the device
// tree's initrd (whose memory is freed afterwards), makes sure /dev,
// /dev/console and /proc exist, and mounts /proc.
void populate_rootfs();
// Opens /dev/console as fd 0 of the calling task and dups it to 1 and 2
// (gives the task a descriptor table and fs_struct if it has none).
void console_on_rootfs();
