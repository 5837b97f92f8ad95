/*
 * start_kernel: the boot hart's path from head.S to the self-tests.
 * Reads as a table of contents, one call per subsystem in order.
 */
#include <asm/csr.h>
#include <asm/errata.h>
#include <asm/irqflags.h>
#include <asm/kstack.h>
#include <asm/mmu.h>
#include <asm/mmu_context.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/sbi.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <fs/binfmts.h>
#include <fs/initramfs.h>
#include <kernel/console.h>
#include <kernel/devicetree.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/random.h>
#include <kernel/rtc.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/time.h>
#include <lib/cmdline.h>
#include <mm/init.h>

extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace {

void run_constructors() {
  for (auto fn = __init_array_start; fn != __init_array_end; fn++) (*fn)();
}

// Runs the self-tests selected by ktest= (all by default) and returns the
// exit code for QEMU: 0 when everything passed.
int run_selftests() {
  static char filter[256];
  const bool given = cmdline_param("ktest", filter, sizeof(filter));
  const KTestTotals t = ktest_run(given ? filter : nullptr);
  return t.failed ? 1 : 0;
}

// The kernel's own command-line parameters (read where they act: exit,
// quiet and loglevel in kernel/devicetree.cc, slab_debug and slab_nomerge
// in mm/slab_common.cc, ktest and init here), and Linux parameters a boot
// loader or a Linux habit puts on the line that mean nothing here: none of
// them is init's (Linux's unknown_bootoption passes only the others).
const char* const kKernelParams[] = {
    "exit", "quiet", "loglevel", "ktest", "init", "slab_debug", "slab_nomerge",
    "console", "earlycon", "earlyprintk", "root", "rootfstype", "rootwait", "ro", "rw", "rdinit", "initrd",
    "noinitrd", "panic", "debug", "ignore_loglevel", "nokaslr", "mem", "maxcpus", "nosmp", nullptr,
};

// Runs init=<path> (default /init) in this task, which becomes pid 1 with
// fds 0/1/2 on the console, the unknown bare words before `--` and the
// words after it as argv[1..] (Linux's argv_init) and the unknown `k=v`
// words in its environment after HOME=/ and TERM=linux (envp_init); init's
// exit powers the machine off with its status (kernel/exit.cc). Returns
// only when there is no default /init to run: the self-test verdict then
// stays the exit status.
void run_init(int selftest_verdict) {
  constexpr size_t MAX_INIT_ARGS = 32;  // Linux's CONFIG_INIT_ENV_ARG_LIMIT, for each of argv and envp
  static char path[256] = "/init";
  static char arg_buf[1024];  // COMMAND_LINE_SIZE on riscv
  const bool given = cmdline_param("init", path, sizeof(path));
  task_struct* self = get_current();
  console_on_rootfs();
  {
    // The boot path ran pinned to CPU 0; init runs anywhere.
    SpinLockIrqSaveGuard g{self->pi_lock};
    self->cpus_allowed = ~cpumask_t{0};
  }
  static const char* argv[MAX_INIT_ARGS + 2] = {path};
  static const char* envp[MAX_INIT_ARGS + 1] = {"HOME=/", "TERM=linux"};
  InitArgs args{argv + 1, MAX_INIT_ARGS, 0, envp, MAX_INIT_ARGS, 2, 0};
  cmdline_init_args(machine().bootargs, kKernelParams, arg_buf, sizeof(arg_buf), &args);
  argv[args.argc + 1] = nullptr;
  envp[args.envc] = nullptr;
  // Linux panics on too many; init gets the first ones here.
  if (args.dropped) pr_warn("init: %zu arguments or environment words left out (at most %zu each)\n", args.dropped, MAX_INIT_ARGS);
  reaper_init();
  const int err = kernel_execve(path, argv, envp);
  if (err == -ENOENT && !given) {
    pr_info("No %s in the root file system: the self-test verdict is the exit status\n", path);
    return;
  }
  if (err) {
    pr_err("Failed to execute %s (error %d)\n", path, err);
    machine_exit(selftest_verdict ? selftest_verdict : 1);
  }
  // init takes only the signals it handles (SIGNAL_UNKILLABLE).
  {
    TaskSighandLock l{self};
    self->signal->flags |= SIGNAL_UNKILLABLE;
  }
  pr_info("Run %s as init process\n", path);
  ret_to_user(current_pt_regs());
}

// The rest of boot, on CPU 0's guarded boot stack.
[[noreturn]] void start_kernel_on_stack(void*) {
  console_init(machine().console);
  trap_init();
  sbi_init();
  errata_init();
  sched_init();  // this path becomes task "boot" on CPU 0
  signals_init();
  vdso_init();
  time_init();
  rtc_hctosys(machine().rtc);
  random_init(machine());
  local_irq_enable();
  smp_init();
  populate_rootfs();
  const int verdict = run_selftests();
  run_init(verdict);
  machine_exit(verdict);
}

}  // namespace

extern "C" [[noreturn]] void start_kernel(unsigned long hartid, uintptr_t dtb_pa) {
  set_this_cpu(&cpus[0]);
  cpus[0].hartid = hartid;
  run_constructors();
  pr_notice("Booting on hart %lu, device tree at 0x%lx\n", hartid, dtb_pa);
  setup_devicetree(dtb_pa);
  paging_init();
  asid_init();
  mm_init();
  kstack_init();
  // Leave head.S's stack (BSS, no guard page) for one with a guard below.
  // The top pt_regs stays free: the boot task becomes init (asm/processor.h).
  call_on_stack(cpu_stack_top(0) - sizeof(pt_regs), start_kernel_on_stack, nullptr);
}
