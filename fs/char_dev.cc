/*
 * Character devices: a table from device number to the driver's file
 * operations. A character-device inode's i_fop is def_chr_fops, whose open
 * finds the driver by i_rdev and switches the file over to it (Linux's
 * chrdev_open); an unregistered number gives -ENXIO, as Linux.
 */
#include <fs/fs.h>

#include <kernel/errno.h>

namespace {

struct Chrdev {
  dev_t dev;
  const char* name;
  const file_operations* fops;
};

constexpr unsigned kMaxChrdevs = 16;
Chrdev chrdevs[kMaxChrdevs];
unsigned nr_chrdevs;
MmLock chrdevs_lock;

int chrdev_open(inode* ino, file* f) {
  const file_operations* fops = nullptr;
  {
    MmLockGuard g{chrdevs_lock};
    for (unsigned i = 0; i < nr_chrdevs; i++)
      if (chrdevs[i].dev == ino->i_rdev) fops = chrdevs[i].fops;
  }
  if (!fops) return -ENXIO;
  f->f_op = fops;
  return fops->open ? fops->open(ino, f) : 0;
}

}  // namespace

const file_operations def_chr_fops = {.open = chrdev_open};

int register_chrdev(dev_t dev, const char* name, const file_operations* fops) {
  MmLockGuard g{chrdevs_lock};
  for (unsigned i = 0; i < nr_chrdevs; i++)
    if (chrdevs[i].dev == dev) return -EBUSY;
  if (nr_chrdevs == kMaxChrdevs) return -ENOSPC;
  chrdevs[nr_chrdevs++] = Chrdev{dev, name, fops};
  return 0;
}
