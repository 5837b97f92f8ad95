/* Signals from faults, seen through the ucontext_t the handler gets: the
 * pc of the faulting instruction for SIGSEGV, SIGILL (ILL_ILLOPC) and
 * SIGTRAP (ebreak, TRAP_BRKPT); the integer and FP registers as they were
 * at the fault; a register or the pc changed by the handler is what the
 * program resumes with after rt_sigreturn; uc_sigmask is the mask from
 * before the handler; uc_stack says SS_DISABLE without an alternate
 * stack. (sigsegv.c checks siginfo and the ways out of a handler.) */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <unistd.h>

static volatile int got_sig, got_code;
static volatile unsigned long got_pc, got_addr, got_a5, got_fa0_bits, got_stack_flags;
static volatile int mask_has_usr1, mask_has_sig;

/* Records what the handler sees, sets a5 to 0x5555 and resumes after the
 * faulting 4-byte instruction. */
static void handler(int sig, siginfo_t* si, void* ctx) {
  ucontext_t* uc = ctx;
  got_sig = sig;
  got_code = si->si_code;
  got_addr = (unsigned long)si->si_addr;
  got_pc = uc->uc_mcontext.__gregs[REG_PC];
  got_a5 = uc->uc_mcontext.__gregs[15];
  memcpy((void*)&got_fa0_bits, &uc->uc_mcontext.__fpregs.__d.__f[10], sizeof got_fa0_bits);
  got_stack_flags = (unsigned long)uc->uc_stack.ss_flags;
  mask_has_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
  mask_has_sig = sigismember(&uc->uc_sigmask, sig);
  uc->uc_mcontext.__gregs[15] = 0x5555;
  uc->uc_mcontext.__gregs[REG_PC] += 4;
}

/* Runs one 4-byte faulting instruction with a5 = 0x1234abcd and fa0 = 1.5;
 * returns a5 after it, *pc the instruction's address. */
#define FAULT_WITH(insn, address, pc_out, a5_out)                                       \
  __asm__ volatile(".option push\n.option norvc\n"                                   \
                   "li a5, 0x1234abcd\n"                                             \
                   "la t0, 1f\n"                                                     \
                   "sd t0, 0(%[pc])\n"                                               \
                   "fld fa0, 0(%[onehalf])\n"                                        \
                   "1: " insn "\n"                                                   \
                   "mv %[a5], a5\n"                                                  \
                   ".option pop\n"                                                   \
                   : [a5] "=r"(a5_out)                                               \
                   : [pc] "r"(pc_out), [onehalf] "r"(&one_half), [addr] "r"(address) \
                   : "a5", "t0", "t1", "fa0", "memory")

static const double one_half = 1.5;

static void check_fault(const char* what, int want_sig, int want_code, const char* code_name, int addr_is_pc,
                        unsigned long pc, unsigned long a5_after, unsigned long addr) {
  char name[128], obs[64], exp[64];
  snprintf(name, sizeof name, "%s: signal and si_code", what);
  snprintf(obs, sizeof obs, "%s %s", got_sig ? sigabbrev_np(got_sig) : "none", got_code == want_code ? code_name : "other");
  snprintf(exp, sizeof exp, "%s %s", sigabbrev_np(want_sig), code_name);
  check_line(!strcmp(obs, exp), name, obs, exp);
  snprintf(name, sizeof name, "%s: uc pc is the faulting instruction", what);
  check_true(name, got_pc == pc);
  snprintf(name, sizeof name, "%s: si_addr is the %s", what, addr_is_pc ? "instruction" : "data address");
  check_true(name, got_addr == (addr_is_pc ? pc : addr));
  snprintf(name, sizeof name, "%s: uc a5 as set before", what);
  check_true(name, got_a5 == 0x1234abcd);
  double fa0;
  memcpy(&fa0, (void*)&got_fa0_bits, sizeof fa0);
  snprintf(name, sizeof name, "%s: uc fa0 as set before", what);
  check_true(name, fa0 == 1.5);
  snprintf(name, sizeof name, "%s: a5 changed by the handler is restored", what);
  check_true(name, a5_after == 0x5555);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  CHECK_SYS("sigaction SIGSEGV", sigaction(SIGSEGV, &sa, NULL), 0);
  CHECK_SYS("sigaction SIGILL", sigaction(SIGILL, &sa, NULL), 0);
  CHECK_SYS("sigaction SIGTRAP", sigaction(SIGTRAP, &sa, NULL), 0);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  CHECK_SYS("block SIGUSR1", sigprocmask(SIG_BLOCK, &usr1, NULL), 0);

  unsigned long pc = 0, a5 = 0;
  void* none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  got_sig = 0;
  FAULT_WITH("ld t1, 8(%[addr])", none, &pc, a5);
  check_fault("load from PROT_NONE", SIGSEGV, SEGV_ACCERR, "SEGV_ACCERR", 0, pc, a5, (unsigned long)none + 8);
  check_true("uc_sigmask is the mask before the handler (SIGUSR1 blocked, SIGSEGV not)", mask_has_usr1 && !mask_has_sig);
  check_eq("uc_stack.ss_flags without an alternate stack", (long)got_stack_flags, SS_DISABLE);

  got_sig = 0;
  FAULT_WITH("sd t0, 0(%[addr])", (void*)16, &pc, a5);
  check_fault("store to address 16", SIGSEGV, SEGV_MAPERR, "SEGV_MAPERR", 0, pc, a5, 16);

  got_sig = 0;
  FAULT_WITH(".4byte 0", NULL, &pc, a5);
  check_fault("illegal instruction", SIGILL, ILL_ILLOPC, "ILL_ILLOPC", 1, pc, a5, 0);

  got_sig = 0;
  FAULT_WITH("ebreak", NULL, &pc, a5);
  check_fault("ebreak", SIGTRAP, TRAP_BRKPT, "TRAP_BRKPT", 1, pc, a5, 0);
  return check_summary("ucontext");
}
