/*
 * System calls: one prototype per sys_* the table dispatches
 * (arch/riscv/kernel/syscall_table.cc, Linux riscv64 numbers from
 * asm-generic/unistd.h).
 *
 * Arguments arrive in a0..a5 and are converted to each parameter's type
 * the way Linux's wrappers do (an int parameter takes the low 32 bits of
 * its register). A user address is an `unsigned long`/`uintptr_t` named
 * u*: it is only ever dereferenced through copy_{from,to}_user /
 * strncpy_from_user (asm/uaccess.h), so a hostile value gives -EFAULT.
 * Results and errors come back in a0: a value, or -errno.
 *
 * Each part of the kernel adds the rows and prototypes of its own calls.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>  // loff_t

// ---- processes (kernel/exit.cc, kernel/fork.cc, fs/exec.cc) ----
[[noreturn]] long sys_exit(int error_code);
[[noreturn]] long sys_exit_group(int error_code);
long sys_wait4(int upid, uintptr_t ustat_addr, int options, uintptr_t uru);
long sys_clone(unsigned long clone_flags, unsigned long newsp, uintptr_t uparent_tidptr, unsigned long tls,
               uintptr_t uchild_tidptr);
long sys_execve(uintptr_t ufilename, uintptr_t uargv, uintptr_t uenvp);
long sys_set_tid_address(uintptr_t utidptr);

// ---- futexes (kernel/futex.cc) ----
long sys_futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t utime, uintptr_t uaddr2, uint32_t val3);

// ---- process groups and sessions (kernel/pgrp.cc) ----
long sys_setpgid(int pid, int pgid);
long sys_getpgid(int pid);
long sys_getsid(int pid);
long sys_setsid();

// ---- credentials (kernel/sys_cred.cc) ----
long sys_getuid();
long sys_geteuid();
long sys_getgid();
long sys_getegid();
long sys_getresuid(uintptr_t uruid, uintptr_t ueuid, uintptr_t usuid);
long sys_getresgid(uintptr_t urgid, uintptr_t uegid, uintptr_t usgid);
long sys_setuid(uint32_t uid);
long sys_setreuid(uint32_t ruid, uint32_t euid);
long sys_setresuid(uint32_t ruid, uint32_t euid, uint32_t suid);
long sys_setgid(uint32_t gid);
long sys_setregid(uint32_t rgid, uint32_t egid);
long sys_setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid);
long sys_setfsuid(uint32_t uid);
long sys_setfsgid(uint32_t gid);
long sys_getgroups(int gidsetsize, uintptr_t ugrouplist);
long sys_setgroups(int gidsetsize, uintptr_t ugrouplist);

// ---- identity, limits, system (kernel/sys.cc) ----
long sys_getpid();
long sys_getppid();
long sys_gettid();
long sys_uname(uintptr_t uname);
long sys_set_robust_list(uintptr_t uhead, size_t len);
long sys_prlimit64(int pid, unsigned resource, uintptr_t unew_rlim, uintptr_t uold_rlim);
long sys_getrlimit(unsigned resource, uintptr_t urlim);
long sys_setrlimit(unsigned resource, uintptr_t urlim);
long sys_getrandom(uintptr_t ubuf, size_t count, unsigned flags);
long sys_syslog(int type, uintptr_t ubuf, int len);
long sys_reboot(int magic1, int magic2, unsigned cmd, uintptr_t uarg);
long sys_sched_yield();
long sys_umask(int mask);

// ---- time (kernel/sys_time.cc) ----
long sys_clock_gettime(int which_clock, uintptr_t utp);
long sys_clock_getres(int which_clock, uintptr_t utp);
long sys_clock_settime(int which_clock, uintptr_t utp);
long sys_settimeofday(uintptr_t utv, uintptr_t utz);
long sys_gettimeofday(uintptr_t utv, uintptr_t utz);
long sys_nanosleep(uintptr_t urqtp, uintptr_t urmtp);
long sys_clock_nanosleep(int which_clock, int flags, uintptr_t urqtp, uintptr_t urmtp);

// ---- files (fs/: read_write.cc, sys_open.cc, stat.cc, readdir.cc,
// fcntl.cc, pipe.cc; the calling task's files_struct and fs_struct) ----
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
long sys_truncate(uintptr_t path, loff_t length);
long sys_fchown(unsigned int fd, unsigned user, unsigned group);
long sys_fchownat(int dfd, uintptr_t filename, unsigned user, unsigned group, int flag);
long sys_fchmod(unsigned int fd, unsigned mode);
long sys_fchmodat(int dfd, uintptr_t filename, unsigned mode);
long sys_pipe2(uintptr_t fildes, int flags);
long sys_ppoll(uintptr_t ufds, unsigned nfds, uintptr_t utsp, uintptr_t usigmask, size_t sigsetsize);
long sys_pselect6(int n, uintptr_t inp, uintptr_t outp, uintptr_t exp, uintptr_t utsp, uintptr_t usig);

// ---- memory (mm/syscalls.cc: the current process's mm) ----
long sys_brk(unsigned long brk);
long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, unsigned long fd,
              long off);
long sys_munmap(unsigned long addr, size_t len);
long sys_mprotect(unsigned long start, size_t len, unsigned long prot);
long sys_madvise(unsigned long start, size_t len, int behavior);
long sys_msync(unsigned long start, size_t len, int flags);
long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
                unsigned long new_addr);

// ---- signals (kernel/sys_signal.cc, arch/riscv/kernel/signal.cc) ----
long sys_kill(int pid, int sig);
long sys_tkill(int pid, int sig);
long sys_tgkill(int tgid, int pid, int sig);
long sys_rt_sigqueueinfo(int pid, int sig, uintptr_t uinfo);
long sys_rt_sigaction(int sig, uintptr_t uact, uintptr_t uoact, size_t sigsetsize);
long sys_rt_sigprocmask(int how, uintptr_t unset, uintptr_t uoset, size_t sigsetsize);
long sys_rt_sigpending(uintptr_t uset, size_t sigsetsize);
long sys_rt_sigsuspend(uintptr_t unewset, size_t sigsetsize);
long sys_rt_sigtimedwait(uintptr_t uthese, uintptr_t uinfo, uintptr_t uts, size_t sigsetsize);
long sys_sigaltstack(uintptr_t uss, uintptr_t uoss);
long sys_restart_syscall();
long sys_rt_sigreturn();

// Numbers without an implementation.
long sys_ni_syscall();

// ---- the entry (kernel/entry_common.cc) ----
struct pt_regs;
// An ecall from user mode (interrupts off on entry): dispatch a7.
void do_syscall(pt_regs* regs);
// The last step before any return to user mode: reschedule while asked,
// deliver pending signals, make code stores visible; returns with
// interrupts off.
extern "C" void exit_to_user_mode(pt_regs* regs);
// The dispatcher proper (nr out of range or unimplemented: -ENOSYS).
long invoke_syscall(pt_regs* regs, unsigned long nr);
