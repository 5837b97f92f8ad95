/*
 * task_struct *__switch_to(task_struct *prev, task_struct *next)
 *
 * The context switch proper: saves prev's callee-saved registers (ra, sp,
 * s0-s11) in prev->thread and loads next's; everything else is either
 * caller-saved (the C++ caller of __switch_to spilled what it needs) or
 * per-CPU rather than per-task: tp keeps pointing at this CPU's struct cpu
 * (a task resumed here must see this CPU's, not the one it last ran on),
 * and sscratch is 0 in the kernel on every CPU. Returns prev in a0, which
 * is what next finds when it resumes, in __schedule or in ret_from_kthread.
 *
 * A new task's thread.ra is ret_from_kthread: it finishes the switch
 * (schedule_tail(prev): run queue unlocked, interrupts on) and runs the
 * thread function through kthread_main(), which never returns. s0 = 0
 * ends backtraces there.
 */
#include <asm/asm-offsets.h>

	.text
	.balign	4
	.globl	__switch_to
__switch_to:
	sd	ra, TASK_THREAD_RA(a0)
	sd	sp, TASK_THREAD_SP(a0)
	sd	s0, TASK_THREAD_S0+0*8(a0)
	sd	s1, TASK_THREAD_S0+1*8(a0)
	sd	s2, TASK_THREAD_S0+2*8(a0)
	sd	s3, TASK_THREAD_S0+3*8(a0)
	sd	s4, TASK_THREAD_S0+4*8(a0)
	sd	s5, TASK_THREAD_S0+5*8(a0)
	sd	s6, TASK_THREAD_S0+6*8(a0)
	sd	s7, TASK_THREAD_S0+7*8(a0)
	sd	s8, TASK_THREAD_S0+8*8(a0)
	sd	s9, TASK_THREAD_S0+9*8(a0)
	sd	s10, TASK_THREAD_S0+10*8(a0)
	sd	s11, TASK_THREAD_S0+11*8(a0)
	ld	ra, TASK_THREAD_RA(a1)
	ld	sp, TASK_THREAD_SP(a1)
	ld	s0, TASK_THREAD_S0+0*8(a1)
	ld	s1, TASK_THREAD_S0+1*8(a1)
	ld	s2, TASK_THREAD_S0+2*8(a1)
	ld	s3, TASK_THREAD_S0+3*8(a1)
	ld	s4, TASK_THREAD_S0+4*8(a1)
	ld	s5, TASK_THREAD_S0+5*8(a1)
	ld	s6, TASK_THREAD_S0+6*8(a1)
	ld	s7, TASK_THREAD_S0+7*8(a1)
	ld	s8, TASK_THREAD_S0+8*8(a1)
	ld	s9, TASK_THREAD_S0+9*8(a1)
	ld	s10, TASK_THREAD_S0+10*8(a1)
	ld	s11, TASK_THREAD_S0+11*8(a1)
	ret

	.balign	4
	.globl	ret_from_kthread
ret_from_kthread:
	li	s0, 0
	call	schedule_tail		/* a0 = prev */
	call	kthread_main
1:	wfi
	j	1b
