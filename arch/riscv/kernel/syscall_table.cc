/*
 * The riscv64 system-call table: Linux's numbers (asm-generic/unistd.h,
 * through the toolchain's <asm/unistd.h>) to the sys_* functions of
 * kernel/syscalls.h.
 *
 * Each row is made by syscall_entry<sys_x>: a thunk that reads the
 * function's arguments from a0..a5 of the pt_regs and converts each to its
 * parameter type (integers truncate as a C cast does, the way Linux's
 * SYSCALL_DEFINE wrappers narrow an int). The table is built by a
 * constexpr function, so it is complete, constant and checked at compile
 * time; numbers without a row answer -ENOSYS.
 */
#include <asm/unistd.h>

#include <array>
#include <type_traits>
#include <utility>

#include <asm/ptrace.h>
#include <kernel/errno.h>
#include <kernel/syscalls.h>

namespace {

using syscall_fn = long (*)(const pt_regs*);

inline uint64_t syscall_arg(const pt_regs* r, size_t i) {
  switch (i) {
    case 0: return r->a0;
    case 1: return r->a1;
    case 2: return r->a2;
    case 3: return r->a3;
    case 4: return r->a4;
    default: return r->a5;
  }
}

template <typename T>
T arg_as(uint64_t v) {
  static_assert(std::is_integral_v<T>, "user pointers are passed as integers (kernel/syscalls.h)");
  return static_cast<T>(v);
}

template <auto F>
struct Thunk;

template <typename R, typename... A, R (*F)(A...)>
struct Thunk<F> {
  static_assert(sizeof...(A) <= 6, "riscv64 passes at most six arguments");
  template <size_t... I>
  static long invoke([[maybe_unused]] const pt_regs* r, std::index_sequence<I...>) {
    return F(arg_as<A>(syscall_arg(r, I))...);
  }
  static long call(const pt_regs* r) { return invoke(r, std::index_sequence_for<A...>{}); }
};

template <auto F>
constexpr syscall_fn syscall_entry = &Thunk<F>::call;

long ni(const pt_regs*) { return -ENOSYS; }

consteval std::array<syscall_fn, __NR_syscalls> make_table() {
  std::array<syscall_fn, __NR_syscalls> t{};
  for (auto& e : t) e = ni;
  // processes
  t[__NR_exit] = syscall_entry<sys_exit>;
  t[__NR_exit_group] = syscall_entry<sys_exit_group>;
  t[__NR_set_tid_address] = syscall_entry<sys_set_tid_address>;
  t[__NR_clone] = syscall_entry<sys_clone>;
  t[__NR_wait4] = syscall_entry<sys_wait4>;
  t[__NR_execve] = syscall_entry<sys_execve>;
  t[__NR_setpgid] = syscall_entry<sys_setpgid>;
  t[__NR_getpgid] = syscall_entry<sys_getpgid>;
  t[__NR_getsid] = syscall_entry<sys_getsid>;
  t[__NR_setsid] = syscall_entry<sys_setsid>;
  // identity, limits, system
  t[__NR_getpid] = syscall_entry<sys_getpid>;
  t[__NR_getppid] = syscall_entry<sys_getppid>;
  t[__NR_gettid] = syscall_entry<sys_gettid>;
  // credentials
  t[__NR_getuid] = syscall_entry<sys_getuid>;
  t[__NR_geteuid] = syscall_entry<sys_geteuid>;
  t[__NR_getgid] = syscall_entry<sys_getgid>;
  t[__NR_getegid] = syscall_entry<sys_getegid>;
  t[__NR_getresuid] = syscall_entry<sys_getresuid>;
  t[__NR_getresgid] = syscall_entry<sys_getresgid>;
  t[__NR_setuid] = syscall_entry<sys_setuid>;
  t[__NR_setreuid] = syscall_entry<sys_setreuid>;
  t[__NR_setresuid] = syscall_entry<sys_setresuid>;
  t[__NR_setgid] = syscall_entry<sys_setgid>;
  t[__NR_setregid] = syscall_entry<sys_setregid>;
  t[__NR_setresgid] = syscall_entry<sys_setresgid>;
  t[__NR_setfsuid] = syscall_entry<sys_setfsuid>;
  t[__NR_setfsgid] = syscall_entry<sys_setfsgid>;
  t[__NR_getgroups] = syscall_entry<sys_getgroups>;
  t[__NR_setgroups] = syscall_entry<sys_setgroups>;
  t[__NR_uname] = syscall_entry<sys_uname>;
  t[__NR_set_robust_list] = syscall_entry<sys_set_robust_list>;
  t[__NR_futex] = syscall_entry<sys_futex>;
  t[__NR_prlimit64] = syscall_entry<sys_prlimit64>;
  t[__NR_getrlimit] = syscall_entry<sys_getrlimit>;
  t[__NR_setrlimit] = syscall_entry<sys_setrlimit>;
  t[__NR_getrandom] = syscall_entry<sys_getrandom>;
  t[__NR_syslog] = syscall_entry<sys_syslog>;
  t[__NR_reboot] = syscall_entry<sys_reboot>;
  t[__NR_sched_yield] = syscall_entry<sys_sched_yield>;
  t[__NR_umask] = syscall_entry<sys_umask>;
  // time
  t[__NR_clock_gettime] = syscall_entry<sys_clock_gettime>;
  t[__NR_clock_getres] = syscall_entry<sys_clock_getres>;
  t[__NR_clock_settime] = syscall_entry<sys_clock_settime>;
  t[__NR_settimeofday] = syscall_entry<sys_settimeofday>;
  t[__NR_gettimeofday] = syscall_entry<sys_gettimeofday>;
  t[__NR_nanosleep] = syscall_entry<sys_nanosleep>;
  t[__NR_clock_nanosleep] = syscall_entry<sys_clock_nanosleep>;
  // files
  t[__NR_read] = syscall_entry<sys_read>;
  t[__NR_write] = syscall_entry<sys_write>;
  t[__NR_readv] = syscall_entry<sys_readv>;
  t[__NR_writev] = syscall_entry<sys_writev>;
  t[__NR_pread64] = syscall_entry<sys_pread64>;
  t[__NR_pwrite64] = syscall_entry<sys_pwrite64>;
  t[__NR_lseek] = syscall_entry<sys_lseek>;
  t[__NR_openat] = syscall_entry<sys_openat>;
  t[__NR_close] = syscall_entry<sys_close>;
  t[__NR_newfstatat] = syscall_entry<sys_newfstatat>;
  t[__NR_fstat] = syscall_entry<sys_fstat>;
  t[__NR_getdents64] = syscall_entry<sys_getdents64>;
  t[__NR_readlinkat] = syscall_entry<sys_readlinkat>;
  t[__NR_ioctl] = syscall_entry<sys_ioctl>;
  t[__NR_dup] = syscall_entry<sys_dup>;
  t[__NR_dup3] = syscall_entry<sys_dup3>;
  t[__NR_fcntl] = syscall_entry<sys_fcntl>;
  t[__NR_getcwd] = syscall_entry<sys_getcwd>;
  t[__NR_chdir] = syscall_entry<sys_chdir>;
  t[__NR_fchdir] = syscall_entry<sys_fchdir>;
  t[__NR_mkdirat] = syscall_entry<sys_mkdirat>;
  t[__NR_mknodat] = syscall_entry<sys_mknodat>;
  t[__NR_unlinkat] = syscall_entry<sys_unlinkat>;
  t[__NR_symlinkat] = syscall_entry<sys_symlinkat>;
  t[__NR_linkat] = syscall_entry<sys_linkat>;
  t[__NR_faccessat] = syscall_entry<sys_faccessat>;
  t[__NR_faccessat2] = syscall_entry<sys_faccessat2>;
  t[__NR_ftruncate] = syscall_entry<sys_ftruncate>;
  t[__NR_truncate] = syscall_entry<sys_truncate>;
  t[__NR_fchown] = syscall_entry<sys_fchown>;
  t[__NR_fchownat] = syscall_entry<sys_fchownat>;
  t[__NR_fchmod] = syscall_entry<sys_fchmod>;
  t[__NR_fchmodat] = syscall_entry<sys_fchmodat>;
  t[__NR_pipe2] = syscall_entry<sys_pipe2>;
  t[__NR_ppoll] = syscall_entry<sys_ppoll>;
  t[__NR_pselect6] = syscall_entry<sys_pselect6>;
  // memory
  t[__NR_brk] = syscall_entry<static_cast<long (*)(unsigned long)>(sys_brk)>;
  t[__NR_mmap] = syscall_entry<static_cast<long (*)(unsigned long, unsigned long, unsigned long, unsigned long,
                                                    unsigned long, long)>(sys_mmap)>;
  t[__NR_munmap] = syscall_entry<static_cast<long (*)(unsigned long, size_t)>(sys_munmap)>;
  t[__NR_mprotect] = syscall_entry<static_cast<long (*)(unsigned long, size_t, unsigned long)>(sys_mprotect)>;
  t[__NR_madvise] = syscall_entry<static_cast<long (*)(unsigned long, size_t, int)>(sys_madvise)>;
  t[__NR_mremap] = syscall_entry<sys_mremap>;
  t[__NR_msync] = syscall_entry<sys_msync>;
  // signals
  t[__NR_kill] = syscall_entry<sys_kill>;
  t[__NR_tkill] = syscall_entry<sys_tkill>;
  t[__NR_tgkill] = syscall_entry<sys_tgkill>;
  t[__NR_rt_sigqueueinfo] = syscall_entry<sys_rt_sigqueueinfo>;
  t[__NR_rt_sigaction] = syscall_entry<sys_rt_sigaction>;
  t[__NR_rt_sigprocmask] = syscall_entry<sys_rt_sigprocmask>;
  t[__NR_rt_sigpending] = syscall_entry<sys_rt_sigpending>;
  t[__NR_rt_sigsuspend] = syscall_entry<sys_rt_sigsuspend>;
  t[__NR_rt_sigtimedwait] = syscall_entry<sys_rt_sigtimedwait>;
  t[__NR_sigaltstack] = syscall_entry<sys_sigaltstack>;
  t[__NR_restart_syscall] = syscall_entry<sys_restart_syscall>;
  t[__NR_rt_sigreturn] = syscall_entry<sys_rt_sigreturn>;
  return t;
}

constinit const std::array<syscall_fn, __NR_syscalls> sys_call_table = make_table();

}  // namespace

long invoke_syscall(pt_regs* regs, unsigned long nr) {
  if (nr >= sys_call_table.size()) return -ENOSYS;
  return sys_call_table[nr](regs);
}

long sys_ni_syscall() { return -ENOSYS; }
