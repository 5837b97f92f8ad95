/*
 * fuzz: a system-call fuzzer that must leave the kernel alive and leak no pages.
 *
 *   fuzz [-s SEED] [-c CHILDREN] [-n CALLS] [-j PARALLEL] [-t SECONDS] [-M]
 *
 * The parent forks CHILDREN processes (default 256, PARALLEL at a time,
 * default 4), each making CALLS system calls (default 250) with random
 * numbers in 0..511 plus a few far out of range, a quarter of them the
 * memory-management calls (mmap, munmap, mprotect, madvise, mremap, brk,
 * msync, mincore, mlock...), and arguments drawn from
 * sets that find bugs: 0, -1, small integers, errno-sized negatives, random
 * bit masks, page-aligned and unaligned addresses inside the child's own
 * mappings (read-write, read-only, PROT_NONE, the last bytes before an
 * unmapped gap), user addresses around the Sv39 limit, kernel addresses
 * (0xffffffc000000000.., the direct map, the image), and huge lengths. The
 * seed (default 1) is printed and every child's calls follow from it.
 *
 * A child killed by a signal is fine (it may unmap its own stack or
 * install a garbage handler); a child still running after SECONDS (default
 * 10; a random futex or pipe read can block forever) is killed with
 * SIGKILL. What must hold: the parent is alive with its own memory intact
 * and can still fork and wait, and once every child is gone /proc/meminfo's
 * MemFree is back where it was (-M skips that: under qemu-user MemFree is
 * the host's).
 *
 * The MemFree bound, LEAK_SLACK_KIB = 512 KiB: the baseline is taken after
 * a warm-up round of PARALLEL children (same kind of calls, other seeds),
 * so the slab caches, per-CPU page lists and the parent's page tables have
 * grown already, and both readings are the highest of samples over 3 s
 * (see settled_mem_free_kib). What is left is the kernel's cache noise:
 * Linux 6.1 under the same QEMU (4 harts, 512 MiB) ends within about
 * +-330 KiB of its baseline after 128 children. A leak of one page per
 * child is 1 MiB over the default 256 children, and a child holds far more
 * than one page (stack, page tables, kernel stack, its mappings), so any
 * per-child leak fails, and so does a leak on some call path that adds up
 * to more than 128 pages over the run.
 *
 * Calls that would end the run or reach beyond the child are never made:
 * exit/exit_group (the loop's end is the point), kill/tkill/tgkill/
 * rt_(tg)sigqueueinfo/pidfd_send_signal/ptrace/process_vm_writev (other
 * processes), clone/clone3 (grandchildren outside the bound), reboot,
 * clock and host-name setters, module/kexec/swap/mount/quota/syslog calls,
 * calls that create or change files (they would survive the child and
 * count against MemFree), networking (no traffic anywhere), io_uring (it
 * would make any call behind the filter's back), and the calls that only
 * sleep (nanosleep, wait4, ppoll, ...: they waste the time limit). openat
 * loses O_CREAT/O_TRUNC/O_TMPFILE and prlimit64 applies to the caller.
 * Children close fds 0-2 first, so nothing they do reaches the console.
 */
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define PG 4096UL
#define LEAK_SLACK_KIB 512L

/*
 * ---- random numbers --------------------------------------------------------
 * splitmix64, restarted for every call from (child seed, call index) and kept
 * with the child's regions on its stack: a call may well zero the child's
 * .data and .bss (madvise MADV_DONTNEED over them), and a generator living
 * there would then restart every child on the same sequence.
 */
struct fuzz_state {
  uint64_t rng;
  struct region {
    char* base;
    size_t len;
  } rw, ro, none;  /* the child's own mappings; an unmapped gap follows rw */
};

static uint64_t rnd(struct fuzz_state* f) {
  uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static uint64_t below(struct fuzz_state* f, uint64_t n) { return rnd(f) % n; }

/* ---- which calls ------------------------------------------------------------- */
static const long never[] = {
    SYS_exit, SYS_exit_group, SYS_kill, SYS_tkill, SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo,
    SYS_pidfd_send_signal, SYS_ptrace, SYS_process_vm_writev, SYS_pidfd_getfd, SYS_process_madvise,
    SYS_process_mrelease, SYS_clone, SYS_clone3, SYS_reboot,
    /* machine-wide state */
    SYS_settimeofday, SYS_clock_settime, SYS_adjtimex, SYS_clock_adjtime, SYS_sethostname, SYS_setdomainname,
    SYS_swapon, SYS_swapoff, SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_kexec_load,
    SYS_kexec_file_load, SYS_acct, SYS_quotactl, SYS_quotactl_fd, SYS_syslog, SYS_vhangup, SYS_setpriority,
    SYS_sched_setscheduler, SYS_sched_setparam, SYS_sched_setattr, SYS_ioprio_set, SYS_perf_event_open, SYS_bpf,
    SYS_migrate_pages, SYS_move_pages, SYS_add_key, SYS_request_key, SYS_keyctl,
    /* mounts and files that outlive the child */
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_mknodat, SYS_mkdirat, SYS_unlinkat, SYS_symlinkat,
    SYS_linkat, SYS_renameat2, SYS_truncate, SYS_ftruncate, SYS_fallocate, SYS_fchmod,
    SYS_fchmodat, SYS_fchown, SYS_fchownat, SYS_openat2, SYS_open_by_handle_at, SYS_name_to_handle_at,
    SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_mount_setattr,
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register, SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr,
    SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr, SYS_utimensat,
    /* networking */
    SYS_socket, SYS_bind, SYS_listen, SYS_accept, SYS_accept4, SYS_connect, SYS_sendto, SYS_sendmsg,
    SYS_sendmmsg, SYS_recvfrom, SYS_recvmsg, SYS_recvmmsg,
    /* calls that only sleep */
    SYS_nanosleep, SYS_clock_nanosleep, SYS_rt_sigsuspend, SYS_rt_sigtimedwait, SYS_ppoll, SYS_pselect6,
    SYS_epoll_pwait, SYS_epoll_pwait2, SYS_wait4, SYS_waitid, SYS_futex, SYS_futex_waitv, SYS_semtimedop,
    SYS_msgrcv, SYS_mq_timedreceive, SYS_io_getevents, SYS_io_pgetevents,
};

static int allowed(long nr) {
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
    if (never[i] == nr) return 0;
  return 1;
}

/* The memory-management calls, a quarter of all picks: this kernel's heart. */
static const long mm_calls[] = {
    SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise, SYS_mremap, SYS_brk, SYS_msync, SYS_mincore,
    SYS_mlock, SYS_munlock, SYS_mlockall, SYS_munlockall, SYS_remap_file_pages, SYS_process_vm_readv,
};

static long pick_number(struct fuzz_state* f) {
  for (;;) {
    long nr;
    switch (below(f, 64)) {
      case 0: nr = (long)(uint32_t)rnd(f); break;                  /* far out of range */
      case 1: nr = -1 - (long)below(f, 4); break;
      case 2 ... 17: nr = mm_calls[below(f, sizeof mm_calls / sizeof mm_calls[0])]; break;
      default: nr = (long)below(f, 512); break;
    }
    /* rt_sigreturn loads registers from a random frame and nearly always
     * kills the child: keep it, but rare, so that children live long. */
    if (nr == SYS_rt_sigreturn && below(f, 256)) continue;
    if (allowed(nr)) return nr;
  }
}

/* ---- which arguments ------------------------------------------------------- */
/* Shared with the parent: per child slot, the calls made and the last number tried. */
struct progress {
  long made, last_nr;
};
static struct progress* progress;

static uint64_t in_region(struct fuzz_state* f, const struct region* r) {
  uint64_t off = below(f, r->len);
  switch (below(f, 4)) {
    case 0: return (uint64_t)r->base;                                   /* start */
    case 1: return (uint64_t)r->base + (off & ~(PG - 1));              /* a page */
    case 2: return (uint64_t)r->base + r->len - 1 - below(f, 16);         /* just before the end */
    default: return (uint64_t)r->base + off;                           /* anywhere, unaligned */
  }
}

static uint64_t pick_arg(struct fuzz_state* f) {
  static const uint64_t far[] = {
      0, PG, 0x10000, 0x3fffffe000, 0x3ffffff000, 0x3fffffffff, 0x4000000000, 0x7ffffffff000,
      0x800000000000, 0xffffffc000000000, 0xffffffd800000000, 0xffffffda00000000, 0xffffffff80000000,
      0xfffffffffffff000, 0xffffffffffffffff,
  };
  static const uint64_t lengths[] = {
      0, 1, PG - 1, PG, PG + 1, 1UL << 20, 1UL << 31, 1UL << 32, 1UL << 47, 0x7ffff000, INT64_MAX,
      UINT64_MAX - PG + 1, UINT64_MAX,
  };
  switch (below(f, 12)) {
    case 0: return 0;
    case 1: return (uint64_t)-1;
    case 2: return below(f, 8);
    case 3: return below(f, 4096);
    case 4: return (uint64_t)-(int64_t)(1 + below(f, 4095));  /* -1..-4095 */
    case 5: return rnd(f);
    case 6: return rnd(f) & rnd(f) & rnd(f);  /* sparse bit masks, like flags */
    case 7: return far[below(f, sizeof far / sizeof far[0])] + (below(f, 4) ? 0 : below(f, PG));
    case 8: return lengths[below(f, sizeof lengths / sizeof lengths[0])];
    case 9: return in_region(f, &f->rw);
    case 10: return in_region(f, below(f, 2) ? &f->ro : &f->none);
    default: return 1UL << below(f, 64);
  }
}

static void map_region(struct region* r, size_t pages, int prot) {
  r->len = pages * PG;
  r->base = mmap(NULL, r->len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r->base == MAP_FAILED) _exit(1);  /* made stays -1: the parent reports it */
}

/* One child: its own mappings, then calls; never returns. */
static _Noreturn void child(struct progress* me, uint64_t seed, long calls) {
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  close(0);
  close(1);
  close(2);
  struct fuzz_state f = {.rng = seed};
  map_region(&f.rw, 16, PROT_READ | PROT_WRITE);
  for (size_t i = 0; i < f.rw.len; i += 8) *(uint64_t*)(f.rw.base + i) = rnd(&f);
  if (munmap(f.rw.base + f.rw.len - 4 * PG, 4 * PG) < 0) _exit(1);  /* the gap after rw */
  f.rw.len -= 4 * PG;
  map_region(&f.ro, 4, PROT_READ);
  map_region(&f.none, 4, PROT_NONE);
  me->made = 0;
  for (long i = 0; i < calls; i++) {
    f.rng = seed ^ ((uint64_t)i * 0xd1b54a32d192ed03ULL);
    long nr = pick_number(&f);
    uint64_t a[6];
    for (int k = 0; k < 6; k++) a[k] = pick_arg(&f);
    if (nr == SYS_openat) a[2] &= ~(uint64_t)(O_CREAT | O_TRUNC | O_TMPFILE);
    if (nr == SYS_prlimit64) a[0] = 0;
    me->last_nr = nr;
    syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    me->made = i + 1;
  }
  syscall(SYS_exit_group, 0);
  for (;;) {
  }
}

/* ---- the parent ---------------------------------------------------------------- */
struct tally {
  long exited_ok, exited_other, timed_out, by_signal[NSIG];
  long calls;        /* made, summed over the children */
  struct ending {
    long nr;           /* the call a child died, exited or was killed in (the first 64) */
    int timed_out;
  } ending[64];
  int ending_nr;
};

static double now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) die_errno("clock_gettime");
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0)
    if (errno != EINTR) die_errno("nanosleep");
}

/* Runs children [first, first + n) at once and waits for all of them. */
static void run_batch(uint64_t seed, long first, long n, long calls, double limit, struct tally* t) {
  pid_t pids[64];
  int done[64] = {0}, killed[64] = {0};
  fflush(NULL);
  for (long i = 0; i < n; i++) {
    progress[i] = (struct progress){-1, -1};
    pids[i] = fork();
    if (pids[i] < 0) die_errno("fork");
    if (pids[i] == 0) {
      uint64_t child_seed = seed * 0x100000001b3ULL + (uint64_t)(first + i) * 0x9e3779b97f4a7c15ULL + 1;
      child(&progress[i], child_seed, calls);
    }
  }
  double deadline = now() + limit;
  for (long left = n; left > 0;) {
    int st;
    pid_t pid = wait4(-1, &st, WNOHANG, NULL);
    if (pid < 0 && errno != EINTR) die_errno("wait4");
    if (pid <= 0) {
      if (now() > deadline) {
        for (long i = 0; i < n; i++)
          if (!done[i] && !killed[i]) {
            if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH) die_errno("kill");
            killed[i] = 1;
          }
      }
      sleep_ms(5);
      continue;
    }
    long i = 0;
    while (i < n && pids[i] != pid) i++;
    if (i == n) die("wait4 returned %d, not one of this batch's children", (int)pid);
    done[i] = 1;
    left--;
    if (progress[i].made < 0) die("child %ld could not set up its mappings (status %#x)", first + i, st);
    t->calls += progress[i].made;
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && t->ending_nr < 64)
      t->ending[t->ending_nr++] = (struct ending){progress[i].last_nr, killed[i]};
    if (killed[i] && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) t->timed_out++;
    else if (WIFSIGNALED(st)) t->by_signal[WTERMSIG(st)]++;
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) t->exited_ok++;
    else t->exited_other++;
  }
}

static long mem_free_kib(void) {
  char buf[8192];
  if (read_file("/proc/meminfo", buf, sizeof buf) < 0) die_errno("/proc/meminfo");
  const char* p = strstr(buf, "MemFree:");
  long kib;
  if (!p || sscanf(p, "MemFree: %ld kB", &kib) != 1) die("/proc/meminfo has no MemFree line");
  return kib;
}

/*
 * MemFree once the kernel has settled: the highest of samples over 3 s.
 * Linux folds its per-CPU free-page counters into MemFree only every second
 * (up to ~125 pages per CPU off until then) and its slab reaper returns
 * per-CPU objects and free slabs every 2 s; our kernel's counts are exact,
 * and the window costs it nothing but time.
 */
static long settled_mem_free_kib(void) {
  long best = mem_free_kib();
  for (int i = 0; i < 6; i++) {
    sleep_ms(500);
    long k = mem_free_kib();
    if (k > best) best = k;
  }
  return best;
}

static long arg_long(const char* s, const char* what) {
  char* end;
  long v = strtol(s, &end, 0);
  if (!*s || *end || v < 0) die("bad %s: %s", what, s);
  return v;
}

int main(int argc, char** argv) {
  uint64_t seed = 1;
  long children = 256, calls = 250, parallel = 4, limit = 10;
  int check_mem = 1;
  int opt;
  while ((opt = getopt(argc, argv, "s:c:n:j:t:M")) != -1) {
    switch (opt) {
      case 's': seed = (uint64_t)arg_long(optarg, "seed"); break;
      case 'c': children = arg_long(optarg, "child count"); break;
      case 'n': calls = arg_long(optarg, "call count"); break;
      case 'j': parallel = arg_long(optarg, "parallel count"); break;
      case 't': limit = arg_long(optarg, "time limit"); break;
      case 'M': check_mem = 0; break;
      default: die("usage: fuzz [-s SEED] [-c CHILDREN] [-n CALLS] [-j PARALLEL] [-t SECONDS] [-M]");
    }
  }
  if (parallel < 1 || parallel > 64) die("-j must be 1..64");
  printf("fuzz: seed %llu, %ld children x %ld calls, %ld at a time, %ld s limit each\n", (unsigned long long)seed,
         children, calls, parallel, limit);

  /* What every signal would do to the parent is ignore it (a child may set
   * itself up as a SIGIO owner of the parent, say); children reset them. */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_IGN);
  pid_t self = getpid();
  progress = mmap(NULL, 64 * sizeof *progress, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (progress == MAP_FAILED) die_errno("mmap MAP_SHARED");
  static unsigned char canary[16 * PG];
  for (size_t i = 0; i < sizeof canary; i++) canary[i] = (unsigned char)(i * 131 + 7);

  struct tally t;
  memset(&t, 0, sizeof t);
  long base_kib = 0;
  if (check_mem) {
    run_batch(seed ^ 0x5eed, 0, parallel, calls, (double)limit, &t);  /* warm-up, not counted */
    memset(&t, 0, sizeof t);
    base_kib = settled_mem_free_kib();
    printf("fuzz: MemFree after a warm-up round: %ld kB\n", base_kib);
  }
  double t0 = now();
  for (long first = 0; first < children; first += parallel)
    run_batch(seed, first, children - first < parallel ? children - first : parallel, calls, (double)limit, &t);
  printf("fuzz: %ld calls made; children ended early in calls:", t.calls);
  for (int i = 0; i < t.ending_nr; i++) printf(" %ld%s", t.ending[i].nr, t.ending[i].timed_out ? "(timeout)" : "");
  printf("\n");
  printf("fuzz: %ld children in %.1f s: %ld exited 0, %ld exited non-zero, %ld killed after %ld s", children,
         now() - t0, t.exited_ok, t.exited_other, t.timed_out, limit);
  for (int sig = 1; sig < NSIG; sig++)
    if (t.by_signal[sig]) printf(", %ld by SIG%s", t.by_signal[sig], sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
  printf("\n");

  int bad = 0;
  for (size_t i = 0; i < sizeof canary; i++)
    if (canary[i] != (unsigned char)(i * 131 + 7)) {
      printf("fuzz: FAIL: the parent's memory changed at byte %zu\n", i);
      bad = 1;
      break;
    }
  if (getpid() != self) {
    printf("fuzz: FAIL: getpid changed\n");
    bad = 1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) die_errno("fork after the run");
  if (pid == 0) _exit(42);
  int st;
  if (waitpid(pid, &st, 0) != pid) die_errno("waitpid after the run");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 42) {
    printf("fuzz: FAIL: a fresh child's status is %#x, not exit 42\n", st);
    bad = 1;
  }
  if (waitpid(-1, &st, WNOHANG) != -1 || errno != ECHILD) {
    printf("fuzz: FAIL: children left over\n");
    bad = 1;
  }
  printf("fuzz: the parent is alive, its memory intact, fork and wait work: %s\n", bad ? "NO" : "yes");

  if (check_mem) {
    long end_kib = settled_mem_free_kib();
    int leak = end_kib < base_kib - LEAK_SLACK_KIB;
    printf("fuzz: MemFree %ld kB after the run, %+ld kB against the baseline (bound -%ld kB): %s\n", end_kib,
           end_kib - base_kib, LEAK_SLACK_KIB, leak ? "LEAK" : "ok");
    bad |= leak;
  } else {
    printf("fuzz: MemFree check skipped (-M)\n");
  }
  printf("fuzz: %s\n", bad ? "FAILED" : "ok");
  return finish(bad);
}
