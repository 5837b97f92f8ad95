/*
 * Faults a check provokes on purpose (mmap_file, mmap_shared): SIGBUS and
 * SIGSEGV are caught with their siginfo, and the access jumps back.
 *
 *   check_catch_faults();
 *   const char* r = check_access(p, 0);   // "ok", "SIGBUS BUS_ADRERR", ...
 */
#pragma once
#include "check.h"

#include <setjmp.h>
#include <signal.h>

static sigjmp_buf check_fault_jb;
static volatile int check_fault_sig, check_fault_code;
static void* volatile check_fault_addr;

static inline void check_fault_handler(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  check_fault_sig = sig;
  check_fault_code = si->si_code;
  check_fault_addr = si->si_addr;
  siglongjmp(check_fault_jb, 1);
}

/* Catches SIGBUS and SIGSEGV from here on. */
static inline void check_catch_faults(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = check_fault_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
}

/* A one-byte load (a store of 'S' when store) at p: "ok", or the signal it
   raised ("SIGBUS BUS_ADRERR", "SIGBUS other", "SIGSEGV"); the faulting
   address is then in check_fault_addr. */
static inline const char* check_access(volatile char* p, int store) {
  check_fault_sig = 0;
  if (sigsetjmp(check_fault_jb, 1) == 0) {
    if (store) *p = 'S';
    else (void)*p;
  }
  if (!check_fault_sig) return "ok";
  if (check_fault_sig == SIGBUS) return check_fault_code == BUS_ADRERR ? "SIGBUS BUS_ADRERR" : "SIGBUS other";
  return check_fault_sig == SIGSEGV ? "SIGSEGV" : "another signal";
}
