/*
 * demo-segv: a SIGSEGV caught and survived.
 *
 * With a SA_SIGINFO handler installed, the program reads address 0
 * (SEGV_MAPERR) and a PROT_NONE page (SEGV_ACCERR) and leaves the handler
 * with siglongjmp; then it writes to a read-only page whose handler makes
 * the page writable with mprotect and returns, so the write is retried and
 * lands. Last, a child without a handler dereferences NULL and dies: the
 * parent sees SIGSEGV in its wait status (the kernel logs the unhandled
 * fault on the console). Exits 1 if anything differs from that.
 */
#include "util.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define PG 4096UL

static sigjmp_buf jump_back;
static volatile int caught, caught_code;
static void* volatile caught_addr;
static void* volatile fix_page;  /* when set, the handler makes it writable and returns */

static void on_segv(int sig, siginfo_t* si, void* ucontext) {
  (void)sig;
  (void)ucontext;
  caught++;
  caught_code = si->si_code;
  caught_addr = si->si_addr;
  if (fix_page) {
    /* mprotect is async-signal-safe (a system call); the faulting store is retried. */
    if (mprotect(fix_page, PG, PROT_READ | PROT_WRITE) < 0) _exit(3);
    fix_page = NULL;
    return;
  }
  siglongjmp(jump_back, 1);
}

static const char* code_name(int code) {
  return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : "another code";
}

/* Reads addr expecting a SIGSEGV with code; returns 0 when it came as expected. */
static int expect_segv(const char* what, volatile char* addr, int code) {
  int before = caught;
  if (sigsetjmp(jump_back, 1) == 0) {
    (void)*addr;
    printf("  %s: no fault!\n", what);
    return 1;
  }
  int ok = caught == before + 1 && caught_code == code && caught_addr == (void*)addr;
  printf("  %s: caught SIGSEGV, %s at %p: %s\n", what, code_name(caught_code), caught_addr, ok ? "as expected" : "WRONG");
  return !ok;
}

int main(void) {
  int bad = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGSEGV, &sa, NULL) < 0) die_errno("sigaction");
  printf("demo-segv: SIGSEGV handler installed\n");

  bad |= expect_segv("read of address 0", (volatile char*)0, SEGV_MAPERR);
  char* none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (none == MAP_FAILED) die_errno("mmap PROT_NONE");
  bad |= expect_segv("read of a PROT_NONE page", none, SEGV_ACCERR);

  volatile char* ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ro == MAP_FAILED) die_errno("mmap PROT_READ");
  fix_page = (void*)ro;
  int before = caught;
  ro[100] = 42;  /* faults once; the handler mprotects and returns; the store is retried */
  int fixed = caught == before + 1 && ro[100] == 42 && caught_code == SEGV_ACCERR;
  printf("  write to a read-only page: handler fixed it with mprotect, the retried write landed: %s\n",
         fixed ? "yes" : "NO");
  bad |= !fixed;

  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) die_errno("fork");
  if (pid == 0) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSEGV, SIG_DFL);
    *(volatile int*)0 = 1;
    _exit(0);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) die_errno("waitpid");
  int killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
  printf("  a child without a handler writing to address 0: %s\n", killed ? "killed by SIGSEGV" : "NOT killed by SIGSEGV");
  bad |= !killed;

  printf("demo-segv: %d faults caught, the process survived: %s\n", caught, bad ? "FAILED" : "ok");
  return finish(bad);
}
