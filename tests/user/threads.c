/* POSIX threads on glibc (static, -pthread): thread ids, mutexes and
 * condition variables under contention, barriers, thread-directed and
 * process-directed signals, a thread's exit, exit_group and fatal signals
 * from a thread ending the whole process with its status, the leader that
 * exits first, and futex(2)'s answers and errors. Every line is
 * deterministic: counts and yes/no, never a tid or a time. */
#include "check.h"
#include "check_wait.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4

static long futex(void* uaddr, int op, uint32_t val, const struct timespec* ts, void* uaddr2, uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

/* ---- ids ---------------------------------------------------------------- */

static pid_t main_pid, main_ppid;

struct ids {
  int same_pid, own_tid, same_ppid;
  pid_t tid;
};

static void* ids_thread(void* arg) {
  struct ids* r = arg;
  r->tid = gettid_();
  r->same_pid = getpid() == main_pid;
  r->own_tid = r->tid != main_pid;
  r->same_ppid = getppid() == main_ppid;
  return (void*)(intptr_t)(r - (struct ids*)0);
}

static void test_ids(void) {
  main_pid = getpid();
  main_ppid = getppid();
  check_true("main thread: gettid == getpid", gettid_() == main_pid);
  pthread_t t[NTHREADS];
  struct ids r[NTHREADS];
  memset(r, 0, sizeof r);
  int created = 0;
  for (int i = 0; i < NTHREADS; i++) created += pthread_create(&t[i], NULL, ids_thread, &r[i]) == 0;
  check_eq("threads created", created, NTHREADS);
  int same_pid = 0, own_tid = 0, same_ppid = 0, joined = 0, distinct = 1;
  for (int i = 0; i < NTHREADS; i++) {
    void* ret;
    joined += pthread_join(t[i], &ret) == 0 && ret == (void*)(intptr_t)(&r[i] - (struct ids*)0);
    same_pid += r[i].same_pid;
    own_tid += r[i].own_tid;
    same_ppid += r[i].same_ppid;
    for (int j = 0; j < i; j++) distinct &= r[i].tid != r[j].tid;
  }
  check_eq("joined with their return values", joined, NTHREADS);
  check_eq("threads whose getpid is the process's", same_pid, NTHREADS);
  check_eq("threads whose gettid is their own", own_tid, NTHREADS);
  check_true("thread ids are distinct", distinct);
  check_eq("threads whose getppid is the process's parent", same_ppid, NTHREADS);

  /* Many short-lived threads one after another: each is reaped. */
  int ok = 0;
  for (int i = 0; i < 60; i++) {
    pthread_t x;
    struct ids y;
    if (pthread_create(&x, NULL, ids_thread, &y) == 0 && pthread_join(x, NULL) == 0) ok++;
  }
  check_eq("60 create/join rounds", ok, 60);
}

/* ---- mutex, condition variable, barrier ----------------------------------- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
#define ROUNDS 20000

static void* mutex_thread(void* arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(&counter_lock);
    long v = counter;
    if (i % 64 == 0) sched_yield(); /* hold it across a switch now and then */
    counter = v + 1;
    pthread_mutex_unlock(&counter_lock);
  }
  return NULL;
}

#define QSIZE 4
#define ITEMS 3000
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER, q_not_full = PTHREAD_COND_INITIALIZER;
static int queue[QSIZE], q_head, q_len;
static long consumed_sum, consumed_n;

static void* producer(void* arg) {
  int base = (int)(intptr_t)arg;
  for (int i = 1; i <= ITEMS; i++) {
    pthread_mutex_lock(&q_lock);
    while (q_len == QSIZE) pthread_cond_wait(&q_not_full, &q_lock);
    queue[(q_head + q_len++) % QSIZE] = base + i;
    pthread_cond_signal(&q_not_empty);
    pthread_mutex_unlock(&q_lock);
  }
  return NULL;
}

static void* consumer(void* arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&q_lock);
    while (q_len == 0) pthread_cond_wait(&q_not_empty, &q_lock);
    int v = queue[q_head];
    q_head = (q_head + 1) % QSIZE;
    q_len--;
    pthread_cond_signal(&q_not_full);
    if (v < 0) {
      pthread_mutex_unlock(&q_lock);
      return NULL;
    }
    consumed_sum += v;
    consumed_n++;
    pthread_mutex_unlock(&q_lock);
  }
}

static pthread_barrier_t barrier;
static atomic_int phase_arrivals[3];
static atomic_int phase_errors, serial_count;

static void* barrier_thread(void* arg) {
  (void)arg;
  for (int ph = 0; ph < 3; ph++) {
    atomic_fetch_add(&phase_arrivals[ph], 1);
    int r = pthread_barrier_wait(&barrier);
    if (r == PTHREAD_BARRIER_SERIAL_THREAD) atomic_fetch_add(&serial_count, 1);
    else if (r != 0) atomic_fetch_add(&phase_errors, 1);
    /* Past the barrier, everyone has arrived at this phase. */
    if (atomic_load(&phase_arrivals[ph]) != NTHREADS + 1) atomic_fetch_add(&phase_errors, 1);
  }
  return NULL;
}

/* The Threads line of /proc/self/status and field 20 of /proc/self/stat. */
static void proc_threads(int* status, int* stat) {
  char line[512];
  *status = *stat = -1;
  FILE* f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Threads:", 8)) *status = atoi(line + 8);
  if (f) fclose(f);
  f = fopen("/proc/self/stat", "r");
  if (f && fgets(line, sizeof line, f)) {
    char* p = strrchr(line, ')');
    int field = 2;
    for (char* tok = p ? strtok(p + 1, " ") : NULL; tok; tok = strtok(NULL, " "))
      if (++field == 20) *stat = atoi(tok);
  }
  if (f) fclose(f);
}

static void test_sync(void) {
  pthread_t t[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, mutex_thread, NULL);
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
  check_eq("mutex: increments by 4 threads", counter, (long)NTHREADS * ROUNDS);

  pthread_t p[3], c[3];
  for (int i = 0; i < 3; i++) pthread_create(&c[i], NULL, consumer, NULL);
  for (int i = 0; i < 3; i++) pthread_create(&p[i], NULL, producer, (void*)(intptr_t)(i * 100000));
  for (int i = 0; i < 3; i++) pthread_join(p[i], NULL);
  for (int i = 0; i < 3; i++) { /* one end marker per consumer */
    pthread_mutex_lock(&q_lock);
    while (q_len == QSIZE) pthread_cond_wait(&q_not_full, &q_lock);
    queue[(q_head + q_len++) % QSIZE] = -1;
    pthread_cond_signal(&q_not_empty);
    pthread_mutex_unlock(&q_lock);
  }
  for (int i = 0; i < 3; i++) pthread_join(c[i], NULL);
  long want = 0;
  for (int i = 0; i < 3; i++) want += (long)ITEMS * i * 100000 + (long)ITEMS * (ITEMS + 1) / 2;
  check_eq("condvar queue: items consumed", consumed_n, 3L * ITEMS);
  check_eq("condvar queue: sum of items", consumed_sum, want);

  /* The main thread joins the barrier's first phase: the threads are all
   * alive while it reads /proc. */
  pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
  for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, barrier_thread, NULL);
  int in_status, in_stat;
  proc_threads(&in_status, &in_stat);
  check_eq("/proc/self/status Threads, 4 threads and main", in_status, NTHREADS + 1);
  check_eq("/proc/self/stat num_threads, 4 threads and main", in_stat, NTHREADS + 1);
  for (int ph = 0; ph < 3; ph++) {
    atomic_fetch_add(&phase_arrivals[ph], 1);
    int r = pthread_barrier_wait(&barrier);
    if (r == PTHREAD_BARRIER_SERIAL_THREAD) atomic_fetch_add(&serial_count, 1);
  }
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&barrier);
  /* A joined thread may still be on its way out (pthread_join returns at
   * the clear_child_tid wake, before the exit is complete): poll. */
  for (int i = 0; i < 1000; i++) {
    proc_threads(&in_status, &in_stat);
    if (in_status == 1) break;
    usleep(1000);
  }
  check_eq("/proc/self/status Threads once the joined ones are gone", in_status, 1);
  check_eq("barrier: serial thread once per phase", atomic_load(&serial_count), 3);
  check_eq("barrier: nobody passed early", atomic_load(&phase_errors), 0);
}

/* ---- signals ------------------------------------------------------------- */

static _Atomic pid_t handler_tid;
static atomic_int handler_runs;

static void record_handler(int sig) {
  (void)sig;
  handler_tid = gettid_();
  atomic_fetch_add(&handler_runs, 1);
}

static atomic_int sig_thread_ready, sig_thread_stop;
static _Atomic pid_t sig_thread_tid;

static void* sig_thread(void* arg) {
  (void)arg;
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGUSR2);
  pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
  sig_thread_tid = gettid_();
  sig_thread_ready = 1;
  while (!sig_thread_stop) usleep(1000);
  return NULL;
}

static void test_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = record_handler;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);

  /* Process-directed: SIGUSR2 is blocked in main, open in the thread. */
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  pthread_t t;
  pthread_create(&t, NULL, sig_thread, NULL);
  while (!sig_thread_ready) usleep(1000);
  handler_runs = 0;
  CHECK_SYS("kill(getpid(), SIGUSR2)", kill(getpid(), SIGUSR2), 0);
  for (int i = 0; i < 5000 && !handler_runs; i++) usleep(1000);
  check_true("process signal handled by the thread not blocking it", handler_runs == 1 && handler_tid == sig_thread_tid);

  /* Thread-directed: pthread_kill (tgkill) to the thread, tgkill to main. */
  handler_runs = 0;
  CHECK_SYS("pthread_kill SIGUSR1", pthread_kill(t, SIGUSR1) == 0 ? 0 : -1, 0);
  for (int i = 0; i < 5000 && !handler_runs; i++) usleep(1000);
  check_true("pthread_kill: handler ran in the target thread", handler_runs == 1 && handler_tid == sig_thread_tid);
  handler_runs = 0;
  CHECK_SYS("tgkill to the main thread", syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1), 0);
  check_true("tgkill: handler ran in the main thread", handler_runs == 1 && handler_tid == main_pid);
  CHECK_SYS("tgkill with another tgid", syscall(SYS_tgkill, getpid() + 1000, sig_thread_tid, 0), ESRCH);
  CHECK_SYS("tgkill signal 0 to the thread", syscall(SYS_tgkill, getpid(), sig_thread_tid, 0), 0);
  CHECK_SYS("tkill signal 0 to the thread", syscall(SYS_tkill, sig_thread_tid, 0), 0);
  CHECK_SYS("tgkill with tid 0", syscall(SYS_tgkill, getpid(), 0, SIGUSR1), EINVAL);
  sig_thread_stop = 1;
  pthread_join(t, NULL);
  pthread_sigmask(SIG_UNBLOCK, &block, NULL);
}

/* ---- exits ----------------------------------------------------------------- */

static void* raw_exit_thread(void* arg) {
  (void)arg;
  syscall(SYS_exit, 7); /* this thread only */
  return (void*)1;
}

static void* group_exit_thread(void* arg) {
  usleep(10000);
  exit((int)(intptr_t)arg); /* glibc: exit_group */
}

static _Noreturn void* sleeper(void* arg) {
  (void)arg;
  for (;;) pause();
}

static void* abort_thread(void* arg) {
  (void)arg;
  abort();
}

static void* setpgid_thread(void* arg) {
  (void)arg;
  return (void*)(intptr_t)(setpgid(0, 0) == 0 && getpgid(0) == getpid());
}

static char self_exe[4096];

/* execve from a thread that is not the leader, while the leader sleeps. */
static void* exec_thread(void* arg) {
  char pid[16];
  snprintf(pid, sizeof pid, "%d", (int)(intptr_t)arg);
  char* argv[] = {self_exe, "exec-child", pid, NULL};
  execv(self_exe, argv);
  _exit(127);
}

/* The image a thread exec'd: it has the process's pid, is alone, and can
 * make threads of its own. */
static int exec_child(const char* pid) {
  pthread_t t;
  struct ids r;
  main_pid = getpid();
  main_ppid = getppid();
  int ok = atoi(pid) == getpid() && gettid_() == getpid() && pthread_create(&t, NULL, ids_thread, &r) == 0 &&
           pthread_join(t, NULL) == 0 && r.same_pid;
  return ok ? 42 : 1;
}

static int leader_pipe[2], go_pipe[2];
static pthread_t main_thread;

static void* outlive_main(void* arg) {
  (void)arg;
  pthread_join(main_thread, NULL); /* the leader's clear_child_tid wake */
  char c = 'x';
  (void)!write(leader_pipe[1], &c, 1);
  (void)!read(go_pipe[0], &c, 1);
  syscall(SYS_exit, 5); /* the last thread, not exit_group */
  return NULL;
}

static void test_exits(void) {
  pthread_t t;
  void* ret = (void*)2;
  pthread_create(&t, NULL, raw_exit_thread, NULL);
  check_true("exit(2) in a thread: joined", pthread_join(t, &ret) == 0);
  check_true("exit(2) in a thread: the process goes on", getpid() == main_pid);

  pid_t p = fork();
  if (p == 0) {
    pthread_t s[3];
    for (int i = 0; i < 3; i++) pthread_create(&s[i], NULL, sleeper, NULL);
    pthread_create(&t, NULL, group_exit_thread, (void*)3);
    for (;;) pause();
  }
  status_is("exit_group from a thread ends the process", reap(p), "exited 3");

  p = fork();
  if (p == 0) {
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, abort_thread, NULL);
    for (;;) pause();
  }
  status_is("abort() in a thread kills the process", reap(p), "killed by SIGABRT");

  p = fork();
  if (p == 0) {
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_kill(t, SIGKILL);
    for (;;) pause();
  }
  status_is("pthread_kill SIGKILL kills the process", reap(p), "killed by SIGKILL");

  p = fork();
  if (p == 0) {
    pthread_create(&t, NULL, sleeper, NULL);
    for (;;) pause();
  }
  usleep(20000);
  kill(p, SIGTERM);
  status_is("kill SIGTERM to a threaded process", reap(p), "killed by SIGTERM");

  /* Process groups are the process's: setpgid(0, 0) in a thread moves it
   * all, and the main thread sees the new group. */
  p = fork();
  if (p == 0) {
    void* ok = NULL;
    pthread_create(&t, NULL, setpgid_thread, NULL);
    pthread_join(t, &ok);
    _exit(ok && getpgrp() == getpid() ? 0 : 1);
  }
  status_is("setpgid(0, 0) in a thread: the process's group", reap(p), "exited 0");

  /* execve from a thread that is not the leader: the other threads go, the
   * new image takes over the process's pid. */
  p = fork();
  if (p == 0) {
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, exec_thread, (void*)(intptr_t)getpid());
    for (;;) pause();
  }
  status_is("execve from a thread: the new image has the process's pid", reap(p), "exited 42");

  /* The leader exits first (exit(2), 9); the process lives on in its other
   * thread and is not reapable until that one exits too (exit(2), 5). No
   * exit_group ended it, so wait4 reports the leader's own status. */
  pipe(leader_pipe);
  pipe(go_pipe);
  p = fork();
  if (p == 0) {
    main_thread = pthread_self();
    pthread_create(&t, NULL, outlive_main, NULL);
    syscall(SYS_exit, 9); /* the leader alone */
  }
  char c;
  check_true("leader exited, thread runs", read(leader_pipe[0], &c, 1) == 1);
  int st;
  check_eq("not reapable while a thread runs", waitpid(p, &st, WNOHANG), 0);
  (void)!write(go_pipe[1], &c, 1);
  status_is("reaped once the last thread exits: the leader's status", reap(p), "exited 9");
}

/* ---- futex ------------------------------------------------------------------ */

static uint32_t fword;
static atomic_int waiter_eintr, waiter_done;

static void* futex_waiter(void* arg) {
  int op = (int)(intptr_t)arg;
  while (__atomic_load_n(&fword, __ATOMIC_ACQUIRE) == 0) {
    long r = futex(&fword, op, 0, NULL, NULL, 1);
    if (r < 0 && errno == EINTR) atomic_fetch_add(&waiter_eintr, 1);
  }
  waiter_done = 1;
  return NULL;
}

static void* eintr_waiter(void* arg) {
  (void)arg;
  long r;
  do /* until a signal ends it: nobody wakes it, 0 would be spurious */
    r = futex(&fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  while (r == 0);
  waiter_eintr = r < 0 && errno == EINTR;
  waiter_done = 1;
  return NULL;
}

static void test_futex(void) {
  uint32_t w = 1;
  struct timespec ts = {0, 20 * 1000000};
  CHECK_SYS("FUTEX_WAIT, value differs", futex(&w, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0), EAGAIN);
  CHECK_SYS("FUTEX_WAIT, 20 ms timeout", futex(&w, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), ETIMEDOUT);
  CHECK_SYS("FUTEX_WAIT shared, 20 ms timeout", futex(&w, FUTEX_WAIT, 1, &ts, NULL, 0), ETIMEDOUT);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  CHECK_SYS("FUTEX_WAIT_BITSET, deadline passed", futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &now, NULL, ~0u), ETIMEDOUT);
  clock_gettime(CLOCK_REALTIME, &now);
  now.tv_nsec += 20000000;
  if (now.tv_nsec >= 1000000000) {
    now.tv_sec++;
    now.tv_nsec -= 1000000000;
  }
  CHECK_SYS("FUTEX_WAIT_BITSET | CLOCK_REALTIME, absolute", futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &now, NULL, ~0u), ETIMEDOUT);
  struct timespec before, after;
  clock_gettime(CLOCK_MONOTONIC, &before);
  ts.tv_nsec = 30 * 1000000;
  futex(&w, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
  clock_gettime(CLOCK_MONOTONIC, &after);
  long ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
  check_true("a 30 ms timeout waits at least 30 ms", ms >= 30);
  CHECK_SYS("FUTEX_WAIT | CLOCK_REALTIME", futex(&w, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &ts, NULL, 0), ENOSYS);
  CHECK_SYS("FUTEX_WAIT, misaligned", futex((char*)&w + 1, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), EINVAL);
  CHECK_SYS("FUTEX_WAKE, misaligned", futex((char*)&w + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), EINVAL);
  CHECK_SYS("FUTEX_WAIT, bad address", futex((void*)8, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), EFAULT);
  CHECK_SYS("FUTEX_WAIT, bad timeout pointer", futex(&w, FUTEX_WAIT_PRIVATE, 1, (void*)8, NULL, 0), EFAULT);
  struct timespec bad = {0, 1000000000};
  CHECK_SYS("FUTEX_WAIT, tv_nsec 1e9", futex(&w, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0), EINVAL);
  bad.tv_sec = -1;
  bad.tv_nsec = 0;
  CHECK_SYS("FUTEX_WAIT, negative tv_sec", futex(&w, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0), EINVAL);
  CHECK_SYS("FUTEX_WAIT_BITSET, bitset 0", futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &ts, NULL, 0), EINVAL);
  CHECK_SYS("FUTEX_WAKE_BITSET, bitset 0", futex(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL);
  CHECK_SYS("unknown futex op", futex(&w, 99, 1, NULL, NULL, 0), ENOSYS);
  check_eq("FUTEX_WAKE, nobody waiting", futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);

  /* One waiter, woken by FUTEX_WAKE once it sleeps (the wake says 1). */
  pthread_t t;
  fword = 0;
  waiter_done = 0;
  pthread_create(&t, NULL, futex_waiter, (void*)(intptr_t)FUTEX_WAIT_PRIVATE);
  long woken = 0;
  usleep(10000);
  __atomic_store_n(&fword, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 2000 && !waiter_done; i++) {
    woken += futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    usleep(1000);
  }
  pthread_join(t, NULL);
  check_true("FUTEX_WAKE wakes the waiter", waiter_done && woken <= 1);

  /* Bitsets: a wake for other bits leaves it asleep. */
  fword = 0;
  waiter_done = 0;
  pthread_create(&t, NULL, futex_waiter, (void*)(intptr_t)FUTEX_WAIT_BITSET_PRIVATE);
  usleep(20000);
  check_eq("FUTEX_WAKE_BITSET, other bits", futex(&fword, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 2), 0);
  check_true("the waiter still waits", !waiter_done);
  __atomic_store_n(&fword, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 2000 && !waiter_done; i++) {
    futex(&fword, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 1);
    usleep(1000);
  }
  pthread_join(t, NULL);
  check_true("FUTEX_WAKE_BITSET, its bit", waiter_done);

  /* A handler without SA_RESTART ends the wait with EINTR. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = record_handler;
  sigaction(SIGUSR1, &sa, NULL);
  fword = 0;
  waiter_done = 0;
  waiter_eintr = 0;
  pthread_create(&t, NULL, eintr_waiter, NULL);
  for (int i = 0; i < 2000 && !waiter_done; i++) {
    pthread_kill(t, SIGUSR1);
    usleep(2000);
  }
  pthread_join(t, NULL);
  check_true("FUTEX_WAIT interrupted by a handler: EINTR", waiter_eintr == 1);

  /* With SA_RESTART the wait goes on through the handler. */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  fword = 0;
  waiter_done = 0;
  waiter_eintr = 0;
  handler_runs = 0;
  pthread_create(&t, NULL, futex_waiter, (void*)(intptr_t)FUTEX_WAIT_PRIVATE);
  for (int i = 0; i < 5; i++) { /* one at a time: a second one pending would merge */
    usleep(5000);
    pthread_kill(t, SIGUSR1);
    for (int j = 0; j < 5000 && handler_runs <= i; j++) usleep(1000);
  }
  check_true("SA_RESTART: still waiting after the handlers", !waiter_done && handler_runs == 5);
  __atomic_store_n(&fword, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 2000 && !waiter_done; i++) {
    futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    usleep(1000);
  }
  pthread_join(t, NULL);
  check_true("SA_RESTART: woken, never EINTR", waiter_done && waiter_eintr == 0);

  /* FUTEX_CMP_REQUEUE: the value check. */
  uint32_t w2 = 0;
  CHECK_SYS("FUTEX_CMP_REQUEUE, value differs", futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)1, &w2, 5), EAGAIN);
  check_eq("FUTEX_CMP_REQUEUE, nobody waiting", futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)1, &w2, 1), 0);
}

/* ---- clone flags ------------------------------------------------------------ */

static void test_clone_flags(void) {
  CHECK_SYS("clone CLONE_THREAD without CLONE_SIGHAND",
            syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, NULL, 0, NULL), EINVAL);
  errno = 0;
  long r = syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, NULL, 0, NULL);
  if (r == 0) _exit(0); /* it must not fork; if it did, the child goes */
  if (r > 0) reap((pid_t)r);
  check_errno("clone CLONE_SIGHAND without CLONE_VM", r, errno, EINVAL);
}

int main(int argc, char** argv) {
  if (argc > 2 && !strcmp(argv[1], "exec-child")) return exec_child(argv[2]);
  ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
  if (n > 0) self_exe[n] = 0;
  else snprintf(self_exe, sizeof self_exe, "%s", argv[0]);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  test_ids();
  test_sync();
  test_signals();
  test_exits();
  test_futex();
  test_clone_flags();
  return check_summary("threads");
}
