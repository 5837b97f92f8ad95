/*
 * The file system calls (Linux riscv64 ABI): user pointers are passed as
 * uintptr_t and only ever touched through the uaccess helpers, so a bad one
 * gives -EFAULT. Each returns a value or a negative errno. They act on the
 * calling task's files_struct and fs_struct.
 *
 * (The syscall table and kernel/include/kernel/syscalls.h belong to the
 * process side; these prototypes move there when it lands.)
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <fs/fs.h>

long sys_read(unsigned int fd, uintptr_t buf, size_t count);
long sys_write(unsigned int fd, uintptr_t buf, size_t count);
long sys_readv(unsigned long fd, uintptr_t vec, unsigned long vlen);
long sys_writev(unsigned long fd, uintptr_t vec, unsigned long vlen);
long sys_pread64(unsigned int fd, uintptr_t buf, size_t count, loff_t pos);
long sys_pwrite64(unsigned int fd, uintptr_t buf, size_t count, loff_t pos);
long sys_lseek(unsigned int fd, loff_t offset, unsigned int whence);
long sys_openat(int dfd, uintptr_t filename, int flags, unsigned mode);
long sys_close(unsigned int fd);
long sys_newfstatat(int dfd, uintptr_t filename, uintptr_t statbuf, int flag);
long sys_fstat(unsigned int fd, uintptr_t statbuf);
long sys_getdents64(unsigned int fd, uintptr_t dirent, unsigned int count);
long sys_readlinkat(int dfd, uintptr_t path, uintptr_t buf, int bufsiz);
long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg);
long sys_dup(unsigned int fildes);
long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags);
long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg);
long sys_getcwd(uintptr_t buf, unsigned long size);
long sys_chdir(uintptr_t filename);
long sys_fchdir(unsigned int fd);
long sys_mkdirat(int dfd, uintptr_t pathname, unsigned mode);
long sys_mknodat(int dfd, uintptr_t filename, unsigned mode, unsigned dev);
long sys_unlinkat(int dfd, uintptr_t pathname, int flag);
long sys_symlinkat(uintptr_t oldname, int newdfd, uintptr_t newname);
long sys_linkat(int olddfd, uintptr_t oldname, int newdfd, uintptr_t newname, int flags);
long sys_faccessat(int dfd, uintptr_t filename, int mode);
long sys_faccessat2(int dfd, uintptr_t filename, int mode, int flags);
long sys_ftruncate(unsigned int fd, loff_t length);
long sys_pipe2(uintptr_t fildes, int flags);
