/*
 * Trap entry and exit (stvec = handle_exception, direct mode).
 *
 * sscratch convention (as Linux): while a hart runs kernel code sscratch is
 * 0 and tp points at its struct cpu; while it runs user code sscratch holds
 * that pointer and tp belongs to the user. So on entry
 *
 *   csrrw tp, sscratch, tp   ->  tp != 0: came from user, tp = struct cpu
 *                                tp == 0: came from the kernel; the old tp
 *                                         (struct cpu) is back in sscratch
 *
 * From the kernel the frame goes on the current stack; from user mode on
 * cpu->kernel_sp. The full pt_regs is saved, sstatus.SUM and FS are cleared
 * for the handler, and do_trap(regs) runs with interrupts still off. A
 * frame record {fp = sp + PT_SIZE, ra = epc} is pushed below pt_regs so a
 * backtrace walks from the handler into the interrupted code.
 *
 * Stack overflow (asm/kstack.h): from the kernel, before anything is
 * pushed, the entry checks whether the frame would reach into the guard of
 * a kernel stack slot. If so it saves pt_regs on this CPU's overflow stack
 * instead and calls handle_bad_stack(), which never returns. Only sp and
 * the two scratch words of struct cpu are free at that point: the
 * interrupted sp is in cpu->kernel_sp and t0 is parked in cpu->user_sp.
 */
#include <asm/asm-offsets.h>
#include <asm/layout.h>

#define SR_SUM 0x40000
#define SR_FS 0x6000
#define SR_SPP 0x100

/* Saves every GPR but sp (x2) and tp (x4) into the pt_regs at sp. */
	.macro	SAVE_GPRS
	sd	x1, PT_RA(sp)
	sd	x3, PT_GP(sp)
	sd	x5, PT_T0(sp)
	sd	x6, PT_T1(sp)
	sd	x7, PT_T2(sp)
	sd	x8, PT_S0(sp)
	sd	x9, PT_S1(sp)
	sd	x10, PT_A0(sp)
	sd	x11, PT_A1(sp)
	sd	x12, PT_A2(sp)
	sd	x13, PT_A3(sp)
	sd	x14, PT_A4(sp)
	sd	x15, PT_A5(sp)
	sd	x16, PT_A6(sp)
	sd	x17, PT_A7(sp)
	sd	x18, PT_S2(sp)
	sd	x19, PT_S3(sp)
	sd	x20, PT_S4(sp)
	sd	x21, PT_S5(sp)
	sd	x22, PT_S6(sp)
	sd	x23, PT_S7(sp)
	sd	x24, PT_S8(sp)
	sd	x25, PT_S9(sp)
	sd	x26, PT_S10(sp)
	sd	x27, PT_S11(sp)
	sd	x28, PT_T3(sp)
	sd	x29, PT_T4(sp)
	sd	x30, PT_T5(sp)
	sd	x31, PT_T6(sp)

	.endm

	.text
	.balign	4
	.globl	handle_exception
handle_exception:
	csrrw	tp, sscratch, tp
	bnez	tp, .Lsave_context
	/* From the kernel: recover tp, keep using the current stack. */
	csrr	tp, sscratch
	sd	sp, CPU_KERNEL_SP(tp)
	/* Would the frame land in a stack guard? (sp is the scratch.) */
	sd	t0, CPU_USER_SP(tp)
	addi	sp, sp, -(PT_SIZE + 16)
	li	t0, LAYOUT_KSTACK_BASE
	sub	sp, sp, t0
	li	t0, LAYOUT_KSTACK_AREA_SIZE
	bgeu	sp, t0, .Lstack_ok		/* not in the kernel-stack area */
	li	t0, LAYOUT_KSTACK_SLOT_SIZE - 1
	and	sp, sp, t0
	li	t0, LAYOUT_KSTACK_GUARD_SIZE
	bltu	sp, t0, handle_kernel_stack_overflow
.Lstack_ok:
	ld	t0, CPU_USER_SP(tp)
	ld	sp, CPU_KERNEL_SP(tp)
.Lsave_context:
	sd	sp, CPU_USER_SP(tp)
	ld	sp, CPU_KERNEL_SP(tp)
	addi	sp, sp, -PT_SIZE
	SAVE_GPRS

	/* The handler runs with user memory access and the FPU off. */
	li	t0, SR_SUM | SR_FS
	ld	s0, CPU_USER_SP(tp)
	csrrc	s1, sstatus, t0
	csrr	s2, sepc
	csrr	s3, stval
	csrr	s4, scause
	csrr	s5, sscratch
	sd	s0, PT_SP(sp)
	sd	s1, PT_STATUS(sp)
	sd	s2, PT_EPC(sp)
	sd	s3, PT_BADADDR(sp)
	sd	s4, PT_CAUSE(sp)
	sd	s5, PT_TP(sp)
	sd	x10, PT_ORIG_A0(sp)
	csrw	sscratch, zero		/* in the kernel now */

	/* Frame record for backtraces: caller = the interrupted pc. */
	addi	sp, sp, -16
	ld	t0, PT_S0+16(sp)	/* previous frame pointer: interrupted s0 */
	sd	t0, 0(sp)
	sd	s2, 8(sp)		/* return address: interrupted epc */
	addi	s0, sp, 16		/* s0 = fp = struct pt_regs * */

	mv	a0, s0			/* struct pt_regs * */
	call	do_trap
	addi	sp, sp, 16

	.globl	ret_from_exception
ret_from_exception:
	ld	s0, PT_STATUS(sp)
	andi	s0, s0, SR_SPP
	bnez	s0, .Lrestore_all
	/* Back to user mode: next trap finds struct cpu in sscratch and uses
	 * this (empty) kernel stack; tp becomes the user's. */
	addi	s0, sp, PT_SIZE
	sd	s0, CPU_KERNEL_SP(tp)
	csrw	sscratch, tp
	ld	x4, PT_TP(sp)
.Lrestore_all:
	/* Back to the kernel, tp stays: it is the CPU running the code now,
	 * which need not be the one that took the trap (the task may have
	 * slept in the handler and been woken on another). */
	ld	a0, PT_STATUS(sp)
	ld	a2, PT_EPC(sp)
	csrw	sstatus, a0
	csrw	sepc, a2
	ld	x1, PT_RA(sp)
	ld	x3, PT_GP(sp)
	ld	x5, PT_T0(sp)
	ld	x6, PT_T1(sp)
	ld	x7, PT_T2(sp)
	ld	x8, PT_S0(sp)
	ld	x9, PT_S1(sp)
	ld	x10, PT_A0(sp)
	ld	x11, PT_A1(sp)
	ld	x12, PT_A2(sp)
	ld	x13, PT_A3(sp)
	ld	x14, PT_A4(sp)
	ld	x15, PT_A5(sp)
	ld	x16, PT_A6(sp)
	ld	x17, PT_A7(sp)
	ld	x18, PT_S2(sp)
	ld	x19, PT_S3(sp)
	ld	x20, PT_S4(sp)
	ld	x21, PT_S5(sp)
	ld	x22, PT_S6(sp)
	ld	x23, PT_S7(sp)
	ld	x24, PT_S8(sp)
	ld	x25, PT_S9(sp)
	ld	x26, PT_S10(sp)
	ld	x27, PT_S11(sp)
	ld	x28, PT_T3(sp)
	ld	x29, PT_T4(sp)
	ld	x30, PT_T5(sp)
	ld	x31, PT_T6(sp)
	ld	x2, PT_SP(sp)
	sret

/*
 * A new user task's first switch lands here (copy_thread: sp = its user
 * pt_regs): finish the switch, do the return-to-user work, return to user
 * mode. s0 = 0 ends backtraces.
 */
	.balign	4
	.globl	ret_from_fork
ret_from_fork:
	li	s0, 0
	call	schedule_tail		/* a0 = prev */
	mv	a0, sp
	call	fork_child_return	/* returns with interrupts off */
	j	ret_from_exception

/*
 * void ret_to_user(struct pt_regs *regs): a kernel thread becomes a user
 * process (regs = task_pt_regs(current), set by start_thread).
 */
	.balign	4
	.globl	ret_to_user
ret_to_user:
	mv	sp, a0
	li	s0, 0
	call	exit_to_user_mode
	j	ret_from_exception

/*
 * The kernel stack overflowed into its guard: report from this CPU's
 * overflow stack. The interrupted sp is in cpu->kernel_sp, t0 in
 * cpu->user_sp; sscratch still holds tp (we came from the kernel).
 */
	.balign	4
handle_kernel_stack_overflow:
	ld	t0, CPU_USER_SP(tp)
	ld	sp, CPU_OVERFLOW_SP(tp)
	addi	sp, sp, -PT_SIZE
	SAVE_GPRS
	ld	s0, CPU_KERNEL_SP(tp)
	csrr	s1, sstatus
	csrr	s2, sepc
	csrr	s3, stval
	csrr	s4, scause
	sd	s0, PT_SP(sp)
	sd	s1, PT_STATUS(sp)
	sd	s2, PT_EPC(sp)
	sd	s3, PT_BADADDR(sp)
	sd	s4, PT_CAUSE(sp)
	sd	tp, PT_TP(sp)
	sd	x10, PT_ORIG_A0(sp)
	csrw	sscratch, zero
	li	t0, SR_SUM | SR_FS
	csrc	sstatus, t0
	ld	s0, PT_S0(sp)		/* backtrace from the interrupted frame */
	mv	a0, sp
	call	handle_bad_stack
1:	wfi
	j	1b
