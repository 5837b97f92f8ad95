/*
 * Traps: scause decoding, the trap handler's entry points, and
 * probe_fault(), the recovery hook self-tests use to run an access that is
 * meant to fault and read back what the hardware reported.
 */
#pragma once

#include <stdint.h>

#include <asm/asm-offsets.h>
#include <asm/ptrace.h>
#include <kernel/signal_abi.h>

constexpr uint64_t SCAUSE_INTERRUPT = 1ull << 63;

// scause exception codes (interrupt bit clear).
enum class Scause : uint64_t {
  InstructionMisaligned = 0,
  InstructionAccessFault = 1,
  IllegalInstruction = 2,
  Breakpoint = 3,
  LoadMisaligned = 4,
  LoadAccessFault = 5,
  StoreMisaligned = 6,
  StoreAccessFault = 7,
  EcallFromU = 8,
  EcallFromS = 9,
  InstructionPageFault = 12,
  LoadPageFault = 13,
  StorePageFault = 15,
};

// scause interrupt codes (interrupt bit set).
enum class Interrupt : uint64_t {
  SupervisorSoftware = 1,
  SupervisorTimer = 5,
  SupervisorExternal = 9,
  CounterOverflow = 13,
};

inline bool scause_is_interrupt(uint64_t scause) { return scause & SCAUSE_INTERRUPT; }
inline Scause scause_exception(uint64_t scause) { return static_cast<Scause>(scause); }
inline Interrupt scause_interrupt(uint64_t scause) { return static_cast<Interrupt>(scause & ~SCAUSE_INTERRUPT); }
const char* scause_name(uint64_t scause);

// Installs the trap vector on the calling hart.
void trap_init();
extern "C" void do_trap(pt_regs* regs);

// Page and access faults (arch/riscv/mm/fault.cc).
void do_page_fault(pt_regs* regs);
// A page fault at a user address in mm (cause 12/13/15, from user mode or a
// uaccess helper): Resolved (retry the access), or the signal it earns.
struct mm_struct;
enum class UserFault { Resolved, SegvMapErr, SegvAccErr, BusAdrErr, OutOfMemory, Retry };
constexpr int user_fault_signo(UserFault f) { return f == UserFault::BusAdrErr ? SIGBUS : SIGSEGV; }
constexpr int user_fault_code(UserFault f) {
  return f == UserFault::SegvAccErr ? SEGV_ACCERR : f == UserFault::BusAdrErr ? BUS_ADRERR : SEGV_MAPERR;
}
// A user-mode fault the process cannot continue from: the signal
// (signo, si_code, fault address) goes to the current task.
void user_fault_signal(pt_regs* regs, int signo, int code, uintptr_t addr);
UserFault do_user_addr_fault(mm_struct* mm, uintptr_t addr, Scause cause, bool user);
// Sets A (and D for a store) on the kernel leaf mapping addr when that is
// all the access lacked; true when it did (the access can be retried).
bool repair_access_dirty(uintptr_t addr, Scause cause);

// Oops: report an unexpected kernel trap and stop (never returns).
[[noreturn]] void die(pt_regs* regs, const char* what);
// Prints the registers in Linux's layout.
void show_regs(const pt_regs* regs);
// Call trace from a frame pointer (regs may be null).
void dump_backtrace(uint64_t pc, uint64_t fp, const pt_regs* regs);
void dump_stack();

// ---- recovery hook -------------------------------------------------------
struct kernel_jmp_buf {
  uint64_t regs[JMP_BUF_SIZE / 8];
};
extern "C" int kernel_setjmp(kernel_jmp_buf* jb) __attribute__((returns_twice));
extern "C" [[noreturn]] void kernel_longjmp(kernel_jmp_buf* jb, int v);

struct TrapRecord {
  uint64_t scause;
  uint64_t sepc;
  uint64_t stval;
};

struct FaultCatch {
  kernel_jmp_buf jb;
  TrapRecord* record;
};

// Runs fn(arg). If it raises an exception, the trap is recorded in *rec
// instead of causing an Oops, fn is abandoned, and probe_fault returns
// true. Returns false when fn completed. The catch is the calling task's:
// fn may sleep, and other tasks on the CPU meanwhile are not covered.
bool probe_fault(void (*fn)(void*), void* arg, TrapRecord* rec);
