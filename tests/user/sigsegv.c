/* SIGSEGV from page faults: si_signo/si_code/si_addr for an unmapped
 * address (SEGV_MAPERR) and for accesses the protection forbids
 * (SEGV_ACCERR: write to read-only, read of PROT_NONE, execute of data),
 * leaving the handler with siglongjmp, a handler that fixes the mapping
 * with mprotect and returns to retry, and a handler on an alternate stack. */
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL

static sigjmp_buf jb;
static volatile int got_signo, got_code, got_errno, calls;
static void* volatile got_addr;
static void* volatile fix_page;  /* when set, the handler mprotects it RW and returns */
static char* volatile alt_lo;
static volatile int on_alt;

static void handler(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  char here;
  calls++;
  got_signo = si->si_signo;
  got_code = si->si_code;
  got_errno = si->si_errno;
  got_addr = si->si_addr;
  on_alt = alt_lo && &here >= alt_lo && &here < alt_lo + SIGSTKSZ * 4;
  if (fix_page) {
    mprotect(fix_page, PG, PROT_READ | PROT_WRITE);
    fix_page = NULL;
    return;
  }
  (void)sig;
  siglongjmp(jb, 1);
}

static const char* code_name(int c) {
  return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
}

/* Runs one faulting access and prints what the handler saw. */
static void expect_fault(const char* what, void (*access)(void*), void* addr, int code) {
  char name[128];
  calls = 0;
  got_addr = NULL;
  if (sigsetjmp(jb, 1) == 0) {
    access(addr);
    snprintf(name, sizeof name, "%s: faults", what);
    check_true(name, 0);
    return;
  }
  snprintf(name, sizeof name, "%s: si_signo", what);
  check_eq(name, got_signo, SIGSEGV);
  snprintf(name, sizeof name, "%s: si_code", what);
  check_line(got_code == code, name, code_name(got_code), code_name(code));
  snprintf(name, sizeof name, "%s: si_addr is the faulting address", what);
  check_true(name, got_addr == addr);
  snprintf(name, sizeof name, "%s: si_errno", what);
  check_eq(name, got_errno, 0);
}

static void do_read(void* p) { (void)*(volatile char*)p; }
static void do_write(void* p) { *(volatile char*)p = 1; }
static void do_exec(void* p) { ((void (*)(void))p)(); }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  CHECK_SYS("sigaction SA_SIGINFO", sigaction(SIGSEGV, &sa, NULL), 0);

  char* m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return check_summary("sigsegv");
  munmap(m + 3 * PG, PG);
  mprotect(m + PG, PG, PROT_READ);
  mprotect(m + 2 * PG, PG, PROT_NONE);

  expect_fault("read of an unmapped page", do_read, m + 3 * PG + 0x10, SEGV_MAPERR);
  expect_fault("write to an unmapped page", do_write, m + 3 * PG + 0x7ff, SEGV_MAPERR);
  expect_fault("read of address 0", do_read, NULL, SEGV_MAPERR);
  expect_fault("write to a read-only page", do_write, m + PG + 0x20, SEGV_ACCERR);
  expect_fault("read of a PROT_NONE page", do_read, m + 2 * PG + 8, SEGV_ACCERR);
  expect_fault("write to program text", do_write, (void*)&main, SEGV_ACCERR);
  m[16] = 0;
  expect_fault("execute of a data page", do_exec, m + 16, SEGV_ACCERR);
  expect_fault("address beyond user space", do_read, (void*)(1UL << 63), SEGV_MAPERR);

  /* Fix the protection in the handler and return: the write is retried. */
  calls = 0;
  fix_page = m + PG;
  if (sigsetjmp(jb, 1) == 0) m[PG + 5] = 42;
  check_eq("handler made the page writable; retried write stored", m[PG + 5], 42);
  check_eq("handler ran once", calls, 1);
  check_line(got_code == SEGV_ACCERR, "retried fault si_code", code_name(got_code), "SEGV_ACCERR");

  /* The same handler on an alternate stack. */
  stack_t ss;
  memset(&ss, 0, sizeof ss);
  ss.ss_sp = malloc(SIGSTKSZ * 4);
  ss.ss_size = SIGSTKSZ * 4;
  alt_lo = ss.ss_sp;
  CHECK_SYS("sigaltstack", sigaltstack(&ss, NULL), 0);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  CHECK_SYS("sigaction SA_ONSTACK", sigaction(SIGSEGV, &sa, NULL), 0);
  expect_fault("fault handled on the alternate stack", do_read, m + 3 * PG, SEGV_MAPERR);
  check_true("handler ran on the alternate stack", on_alt);
  stack_t old;
  CHECK_SYS("sigaltstack query", sigaltstack(NULL, &old), 0);
  check_true("alternate stack not in use after the handler", !(old.ss_flags & SS_ONSTACK));

  /* SIGSEGV stays blocked inside the handler only for its duration. */
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  check_true("SIGSEGV unblocked after siglongjmp", !sigismember(&cur, SIGSEGV));
  return check_summary("sigsegv");
}
