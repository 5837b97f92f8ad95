/*
 * Signal delivery on riscv64: the handler's frame (asm/sigframe.h),
 * rt_sigreturn, system-call restart, the sigreturn trampoline page and the
 * signals user-mode traps earn.
 *
 * Delivery happens on the way back to user mode: exit_to_user_mode calls
 * arch_do_signal_or_restart while a signal is pending. For a system call
 * (scause 8) an -ERESTART* result first rewinds sepc to the ecall and puts
 * orig_a0 back in a0; if a handler then runs, the table in
 * syscall_restart_action decides between keeping that restart and -EINTR.
 * scause is then set to -1 so a second pass (another signal, or the
 * sigreturn) never restarts again.
 *
 * The handler returns into the trampoline: `li a7, 139; ecall`
 * (rt_sigreturn), the instruction pair Linux's vDSO has and libgcc's
 * unwinder recognises. It lives in one kernel page mapped read+exec into
 * every process at exec, a shared VMA shown as [vdso]; glibc on riscv
 * passes no SA_RESTORER, so this page is the only way back. The ELF auxv
 * gets no AT_SYSINFO_EHDR: the page is code, not an ELF image.
 */
#include <kernel/signal.h>

#include <asm/fpu.h>
#include <asm/processor.h>
#include <asm/sigframe.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <asm/unistd.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <lib/string.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>
#include <mm/shmem.h>

namespace {

// user_regs_struct is pt_regs' first 32 words (pc = epc).
static_assert(offsetof(pt_regs, epc) == offsetof(user_regs_struct, pc));
static_assert(offsetof(pt_regs, t6) == offsetof(user_regs_struct, t6));

constexpr uint32_t TRAMPOLINE[] = {
    0x08b00893,  // li a7, 139 (__NR_rt_sigreturn)
    0x00000073,  // ecall
};
static_assert(__NR_rt_sigreturn == 139);

shmem_object* vdso_object;

void save_sigcontext(sigcontext* sc, const pt_regs* regs) {
  memcpy(&sc->sc_regs, regs, sizeof(sc->sc_regs));
  fstate_save_current();  // the live registers, if the task changed them
  sc->sc_fpregs.d = get_current()->fstate;
}

bool restore_sigcontext(pt_regs* regs, const sigcontext* sc) {
  // The Q variant's reserved words must be 0 (future extension state).
  static_assert(FP_STATE_Q_RESERVED + 12 <= sizeof(__riscv_fp_state));
  const uint8_t* fp = reinterpret_cast<const uint8_t*>(&sc->sc_fpregs);
  for (size_t i = FP_STATE_Q_RESERVED; i < FP_STATE_Q_RESERVED + 12; i++)
    if (fp[i]) return false;
  memcpy(regs, &sc->sc_regs, sizeof(sc->sc_regs));
  task_struct* t = get_current();
  IrqSave irq;  // a context switch in between would save the old values over these
  t->fstate = sc->sc_fpregs.d;
  if ((regs->status & SR_FS) != SR_FS_OFF) {
    __fstate_restore(&t->fstate);
    regs->status = (regs->status & ~SR_FS) | SR_FS_CLEAN;
  }
  return true;
}

uint64_t sigreturn_trampoline() {
  mm_struct* mm = get_current()->mm;
  return mm ? mm->context.vdso : 0;
}

bool setup_rt_frame(ksignal* ksig, const kernel_sigset_t* set, pt_regs* regs) {
  task_struct* t = get_current();
  const uint64_t sp = regs->sp;
  // On the alternate stack already and no room left there: fail (SIGSEGV)
  // rather than run off its end.
  if (on_sig_stack(t->sas, sp) && !on_sig_stack(t->sas, sp - sizeof(rt_sigframe))) return false;
  const uint64_t frame_addr = (sigsp(t->sas, sp, ksig->ka.sa.sa_flags) - sizeof(rt_sigframe)) & ~uint64_t{15};
  rt_sigframe frame;
  memset(&frame, 0, sizeof(frame));
  frame.info.k = ksig->info;
  frame.uc.uc_stack.ss_sp = t->sas.sp;
  frame.uc.uc_stack.ss_size = t->sas.size;
  frame.uc.uc_stack.ss_flags = static_cast<int>(sas_ss_flags(t->sas, sp) | (t->sas.flags & SS_FLAG_BITS));
  frame.uc.uc_sigmask = *set;
  save_sigcontext(&frame.uc.uc_mcontext, regs);
  if (copy_to_user(frame_addr, &frame, sizeof(frame))) return false;
  if (t->sas.flags & SS_AUTODISARM) t->sas = {};
  regs->ra = sigreturn_trampoline();
  regs->epc = ksig->ka.sa.sa_handler;
  regs->sp = frame_addr;
  regs->a0 = static_cast<uint64_t>(ksig->sig);
  regs->a1 = frame_addr + offsetof(rt_sigframe, info);
  regs->a2 = frame_addr + offsetof(rt_sigframe, uc);
  return true;
}

void handle_signal(ksignal* ksig, pt_regs* regs) {
  const bool ok = setup_rt_frame(ksig, sigmask_to_save(), regs);
  signal_setup_done(!ok, ksig);
}

}  // namespace

bool arch_do_signal_or_restart(pt_regs* regs) {
  const bool syscall = regs->cause == static_cast<uint64_t>(Scause::EcallFromU);
  uint64_t continue_addr = 0, restart_addr = 0;
  long retval = 0;
  if (syscall) {
    continue_addr = regs->epc;
    restart_addr = continue_addr - 4;
    retval = static_cast<long>(regs->a0);
    regs->cause = ~uint64_t{0};  // restart decided once
    if (syscall_restart_action(retval, false, 0) != SyscallRestart::None) {
      regs->a0 = regs->orig_a0;
      regs->epc = restart_addr;
    }
  }
  ksignal ksig;
  if (get_signal(&ksig)) {
    if (syscall && regs->epc == restart_addr &&
        syscall_restart_action(retval, true, ksig.ka.sa.sa_flags) == SyscallRestart::Eintr) {
      regs->a0 = static_cast<uint64_t>(-EINTR);
      regs->epc = continue_addr;
    }
    handle_signal(&ksig, regs);
    return true;
  }
  if (syscall && regs->epc == restart_addr &&
      syscall_restart_action(retval, false, 0) == SyscallRestart::RestartBlock)
    regs->a7 = __NR_restart_syscall;
  restore_saved_sigmask();
  return false;
}

long sys_rt_sigreturn() {
  pt_regs* regs = current_pt_regs();
  task_struct* t = get_current();
  t->restart_block.fn = nullptr;  // a restart pending from before the handler is void
  rt_sigframe frame;
  if (copy_from_user(&frame, regs->sp, sizeof(frame))) {
    force_sig(SIGSEGV);
    return 0;
  }
  set_current_blocked(&frame.uc.uc_sigmask);
  if (!restore_sigcontext(regs, &frame.uc.uc_mcontext)) {
    force_sig(SIGSEGV);
    return 0;
  }
  // The alternate stack as the frame recorded it (refused, as sigaltstack
  // would, while the restored sp is on the current one).
  do_sigaltstack(&t->sas, &frame.uc.uc_stack, nullptr, regs->sp);
  regs->cause = ~uint64_t{0};  // no restart of rt_sigreturn itself
  return static_cast<long>(regs->a0);
}

// ---- the trampoline page --------------------------------------------------------

void vdso_init() {
  vdso_object = shmem_create(1, 0, 0);
  page* pg = vdso_object ? shmem_get_page(vdso_object, 0) : nullptr;
  if (!pg) panic("vdso: no memory for the sigreturn trampoline");
  memcpy(page_address(pg), TRAMPOLINE, sizeof(TRAMPOLINE));
  asm volatile("fence.i" ::: "memory");
  put_page(pg);  // the object keeps its own reference
}

int arch_setup_additional_pages(mm_struct* mm) {
  MmapWriteGuard g{mm};
  const unsigned long addr = get_unmapped_area(mm, 0, PAGE_SIZE, 0, 0);
  if (IS_ERR_VALUE(addr)) return static_cast<int>(addr);
  vm_area_struct* vma = vm_area_alloc(mm);
  if (!vma) return -ENOMEM;
  vma->vm_start = addr;
  vma->vm_end = addr + PAGE_SIZE;
  // VM_SHARED: every process maps the object's one page (faults take it
  // from vm_object, fork copies no page). Never writable: no VM_MAYWRITE,
  // so mprotect cannot make it so. No VM_MAYSHARE: to user space it is a
  // private mapping ("r-xp ... [vdso]"), as Linux's is.
  vma->vm_flags = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYEXEC | VM_SHARED | VM_DONTEXPAND;
  vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
  vma->vm_pgoff = 0;
  shmem_get(vdso_object);
  vma->vm_object = vdso_object;
  if (const int err = insert_vm_struct(mm, vma)) {
    shmem_put(vdso_object);
    vm_area_free(vma);
    return err;
  }
  mm->context.vdso = addr;
  return 0;
}

const char* arch_vma_name(const vm_area_struct* vma) {
  return vdso_object && vma->vm_object == vdso_object ? "[vdso]" : nullptr;
}

// ---- signals from user-mode traps -------------------------------------------------

// Linux's riscv do_trap: a fault the program does not handle is logged
// (show_unhandled_signals; KERN_INFO, so `quiet` hides it) with the VMA of
// the pc, then the signal is forced on it.
void user_fault_signal(pt_regs* regs, int signo, int code, uintptr_t addr) {
  task_struct* t = get_current();
  if (unhandled_signal(t, signo)) {
    char where[64] = "";
    if (mm_struct* mm = t->mm) {
      MmapReadGuard g{mm};
      const vm_area_struct* vma = find_vma(mm, regs->epc);
      if (vma && vma->vm_start <= regs->epc && vma->vm_file)
        snprintf(where, sizeof(where), " in %s[%lx+%lx]", t->comm, vma->vm_start, vma->vm_end - vma->vm_start);
    }
    pr_info("%s[%d]: unhandled signal %d code 0x%x at 0x%016lx%s\n", t->comm, t->pid, signo, code, addr, where);
  }
  // A user task is given signal state when it execs; one that never did
  // (a kernel test's hand-made process) cannot take the signal: it dies
  // with it, which is the default action anyway.
  if (force_sig_fault(signo, code, addr) == -ESRCH) do_group_exit(exit_status_signaled(signo));
}
