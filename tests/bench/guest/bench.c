/*
 * guest-bench: memory-management benchmarks run inside the guest as init.
 *
 *   /init [-q] [-r REPETITIONS] [-f FILTER]
 *
 * The same static binary is /init of the same initramfs on Linux 6.1 and on
 * our kernel, under the same QEMU; tools/bench-linux boots both and divides
 * the figures. Times come from the guest's clock_gettime(CLOCK_MONOTONIC);
 * each benchmark runs REPETITIONS times (default 5) and reports the time
 * per operation of every repetition plus their mean, median and stddev, as
 * Google Benchmark's JSON between the lines
 *
 *   ===== BEGIN GUEST BENCHMARK JSON =====
 *   ===== END GUEST BENCHMARK JSON =====
 *
 * so that a console log full of other output still yields the document.
 * cpu_time repeats real_time: a guest has no separate CPU clock we trust on
 * both kernels. -q shrinks every benchmark tenfold (a smoke test under
 * qemu-riscv64); -f runs only the benchmarks whose name contains FILTER.
 *
 * The benchmarks (an "operation" is what the time is divided by):
 *   demand_zero_fault        first write to each page of a fresh 16 MiB mapping: one page
 *   mmap_touch_munmap        mmap 64 KiB, write its 16 pages, munmap: one round
 *   fault_10k_vmas           first write to one page in each of 10,000 separate VMAs,
 *                            in random order: one fault
 *   munmap_10k_vmas          one munmap over 10,000 touched one-page VMAs: one VMA
 *   fork_16m_exit_wait       fork of a process with 16 MiB touched, the child exits,
 *                            the parent waits: one round
 *   brk_grow_touch_shrink    brk up 1 MiB, write its 256 pages, brk back: one round
 *   malloc_churn             glibc malloc/free of mixed sizes (16 B..4 KiB, 1/64
 *                            of them 64..256 KiB, past the mmap threshold): one pair
 *
 * As pid 1 it powers the machine off at the end with
 * reboot(LINUX_REBOOT_CMD_POWER_OFF) (Linux panics when init exits; our
 * kernel accepts both), after printing "guest-bench: done" or the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL
#define MAX_REPS 32

static int quick;
static int reps = 5;
static const char* filter;

/* Ends the run: as pid 1 powers off (Linux would panic on exit), else exits. */
static _Noreturn void finish_run(int status) {
  printf("guest-bench: %s\n", status ? "FAILED" : "done");
  fflush(NULL);
  if (getpid() == 1) {
    sync();
    reboot(RB_POWER_OFF);
    printf("guest-bench: reboot(RB_POWER_OFF): %s; exiting instead\n", strerror(errno));
    fflush(NULL);
  }
  exit(status);
}

static _Noreturn void fail(const char* what) {
  printf("guest-bench: %s: %s\n", what, strerror(errno));
  finish_run(1);
}

static double now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) fail("clock_gettime");
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void* map_anon(size_t len, int prot) {
  void* p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) fail("mmap");
  return p;
}

static void unmap(void* p, size_t len) {
  if (munmap(p, len) < 0) fail("munmap");
}

/* ---- the benchmarks: each runs once and returns ns per operation --------- */

static long scaled(long n) { return quick ? (n / 10 > 0 ? n / 10 : 1) : n; }

static double demand_zero_fault(long* ops) {
  size_t pages = (size_t)scaled(4096);
  volatile char* p = map_anon(pages * PG, PROT_READ | PROT_WRITE);
  double t0 = now_ns();
  for (size_t i = 0; i < pages; i++) p[i * PG] = 1;
  double t1 = now_ns();
  unmap((void*)p, pages * PG);
  *ops = (long)pages;
  return (t1 - t0) / (double)pages;
}

static double mmap_touch_munmap(long* ops) {
  long rounds = scaled(1000);
  double t0 = now_ns();
  for (long r = 0; r < rounds; r++) {
    volatile char* p = map_anon(16 * PG, PROT_READ | PROT_WRITE);
    for (size_t i = 0; i < 16; i++) p[i * PG] = 1;
    unmap((void*)p, 16 * PG);
  }
  double t1 = now_ns();
  *ops = rounds;
  return (t1 - t0) / (double)rounds;
}

/* Maps n one-page VMAs at every other page of a fresh range (the holes keep
 * them from merging); returns the range's base (2n pages). */
static char* map_separate_vmas(size_t n) {
  char* base = map_anon(2 * n * PG, PROT_NONE);
  unmap(base, 2 * n * PG);
  for (size_t i = 0; i < n; i++) {
    void* p = mmap(base + 2 * i * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) fail("mmap MAP_FIXED one page");
  }
  return base;
}

static size_t* shuffled(size_t n) {
  size_t* order = malloc(n * sizeof *order);
  if (!order) fail("malloc");
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = rnd() % (i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

static double fault_10k_vmas(long* ops) {
  size_t n = (size_t)scaled(10000);
  char* base = map_separate_vmas(n);
  size_t* order = shuffled(n);
  double t0 = now_ns();
  for (size_t i = 0; i < n; i++) ((volatile char*)base)[2 * order[i] * PG] = 1;
  double t1 = now_ns();
  free(order);
  unmap(base, 2 * n * PG);
  *ops = (long)n;
  return (t1 - t0) / (double)n;
}

static double munmap_10k_vmas(long* ops) {
  size_t n = (size_t)scaled(10000);
  char* base = map_separate_vmas(n);
  for (size_t i = 0; i < n; i++) ((volatile char*)base)[2 * i * PG] = 1;
  double t0 = now_ns();
  unmap(base, 2 * n * PG);
  double t1 = now_ns();
  *ops = (long)n;
  return (t1 - t0) / (double)n;
}

static double fork_16m_exit_wait(long* ops) {
  size_t len = (size_t)scaled(16) << 20;
  volatile char* p = map_anon(len, PROT_READ | PROT_WRITE);
  for (size_t i = 0; i < len; i += PG) p[i] = (char)i;
  long rounds = scaled(50);
  fflush(NULL);
  double t0 = now_ns();
  for (long r = 0; r < rounds; r++) {
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) _exit(0);
    int st;
    if (waitpid(pid, &st, 0) != pid) fail("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      errno = ECHILD;
      fail("the forked child's status");
    }
  }
  double t1 = now_ns();
  unmap((void*)p, len);
  *ops = rounds;
  return (t1 - t0) / (double)rounds;
}

static double brk_grow_touch_shrink(long* ops) {
  long rounds = scaled(200);
  char* start = sbrk(0);
  if (start == (void*)-1) fail("sbrk(0)");
  volatile char* base = (char*)(((uintptr_t)start + PG - 1) & ~(PG - 1));
  double t0 = now_ns();
  for (long r = 0; r < rounds; r++) {
    if (brk((char*)base + (1 << 20)) < 0) fail("brk grow");
    for (size_t i = 0; i < (1 << 20); i += PG) base[i] = 1;
    if (brk(start) < 0) fail("brk shrink");
  }
  double t1 = now_ns();
  *ops = rounds;
  return (t1 - t0) / (double)rounds;
}

static double malloc_churn(long* ops) {
  enum { SLOTS = 1024 };
  static char* slot[SLOTS];
  long rounds = scaled(100000);
  double t0 = now_ns();
  for (long r = 0; r < rounds; r++) {
    size_t i = rnd() % SLOTS;
    free(slot[i]);
    size_t size = rnd() % 64 == 0 ? (64 << 10) + rnd() % (192 << 10) : 16 + rnd() % 4080;
    if (!(slot[i] = malloc(size))) fail("malloc");
    slot[i][0] = 1;
    slot[i][size - 1] = 1;
  }
  double t1 = now_ns();
  for (size_t i = 0; i < SLOTS; i++) {
    free(slot[i]);
    slot[i] = NULL;
  }
  *ops = rounds;
  return (t1 - t0) / (double)rounds;
}

/* ---- Google Benchmark JSON ----------------------------------------------- */

struct bench {
  const char* name;
  double (*run)(long* ops);
};

static const struct bench benches[] = {
    {"demand_zero_fault", demand_zero_fault},
    {"mmap_touch_munmap", mmap_touch_munmap},
    {"fault_10k_vmas", fault_10k_vmas},
    {"munmap_10k_vmas", munmap_10k_vmas},
    {"fork_16m_exit_wait", fork_16m_exit_wait},
    {"brk_grow_touch_shrink", brk_grow_touch_shrink},
    {"malloc_churn", malloc_churn},
};

static int first_entry = 1;

static void entry(int family, const char* name, const char* run_type, const char* aggregate, int rep, long ops,
                  double ns) {
  printf("%s    {\n", first_entry ? "" : ",\n");
  first_entry = 0;
  printf("      \"name\": \"%s%s%s\",\n", name, aggregate ? "_" : "", aggregate ? aggregate : "");
  printf("      \"family_index\": %d,\n      \"per_family_instance_index\": 0,\n", family);
  printf("      \"run_name\": \"%s\",\n      \"run_type\": \"%s\",\n", name, run_type);
  printf("      \"repetitions\": %d,\n", reps);
  if (aggregate) printf("      \"aggregate_name\": \"%s\",\n      \"aggregate_unit\": \"time\",\n", aggregate);
  else printf("      \"repetition_index\": %d,\n", rep);
  printf("      \"threads\": 1,\n      \"iterations\": %ld,\n", ops);
  printf("      \"real_time\": %.3f,\n      \"cpu_time\": %.3f,\n      \"time_unit\": \"ns\"\n    }", ns, ns);
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  int opt;
  while ((opt = getopt(argc, argv, "qr:f:")) != -1) {
    if (opt == 'q') quick = 1;
    else if (opt == 'r') reps = atoi(optarg);
    else if (opt == 'f') filter = optarg;
    else {
      printf("usage: guest-bench [-q] [-r REPETITIONS] [-f FILTER]\n");
      finish_run(2);
    }
  }
  if (reps < 1 || reps > MAX_REPS) reps = 5;
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct utsname u;
  if (uname(&u) < 0) fail("uname");
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf("guest-bench: %s %s on %s, %ld CPUs online, %d repetitions%s\n", u.sysname, u.release, u.machine, ncpu,
         reps, quick ? " (quick)" : "");

  /* Run everything first (progress lines), then print the document whole. */
  double times[sizeof benches / sizeof benches[0]][MAX_REPS];
  long ops[sizeof benches / sizeof benches[0]];
  int ran[sizeof benches / sizeof benches[0]] = {0};
  for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
    if (filter && !strstr(benches[b].name, filter)) continue;
    for (int r = 0; r < reps; r++) times[b][r] = benches[b].run(&ops[b]);
    ran[b] = 1;
    printf("guest-bench: %-24s %12.1f ns per op (first repetition)\n", benches[b].name, times[b][0]);
  }

  printf("===== BEGIN GUEST BENCHMARK JSON =====\n");
  printf("{\n  \"context\": {\n    \"executable\": \"guest-bench\",\n    \"host_name\": \"%s\",\n", u.nodename);
  printf("    \"kernel\": \"%s %s\",\n    \"num_cpus\": %ld,\n    \"mhz_per_cpu\": 0,\n", u.sysname, u.release, ncpu);
  printf("    \"cpu_scaling_enabled\": false,\n    \"library_build_type\": \"release\",\n");
  printf("    \"clock\": \"CLOCK_MONOTONIC in the guest\"\n  },\n  \"benchmarks\": [\n");
  for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
    if (!ran[b]) continue;
    double sum = 0, sorted[MAX_REPS];
    for (int r = 0; r < reps; r++) {
      entry((int)b, benches[b].name, "iteration", NULL, r, ops[b], times[b][r]);
      sum += times[b][r];
      sorted[r] = times[b][r];
    }
    double mean = sum / reps, var = 0;
    for (int r = 0; r < reps; r++) var += (times[b][r] - mean) * (times[b][r] - mean);
    qsort(sorted, (size_t)reps, sizeof sorted[0], cmp_double);
    double median = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
    entry((int)b, benches[b].name, "aggregate", "mean", 0, ops[b], mean);
    entry((int)b, benches[b].name, "aggregate", "median", 0, ops[b], median);
    entry((int)b, benches[b].name, "aggregate", "stddev", 0, ops[b], reps > 1 ? sqrt(var / (reps - 1)) : 0);
  }
  printf("\n  ]\n}\n===== END GUEST BENCHMARK JSON =====\n");
  finish_run(0);
}
