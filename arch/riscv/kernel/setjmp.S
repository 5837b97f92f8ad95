/*
 * Kernel setjmp/longjmp for probe_fault() (arch/riscv/kernel/traps.cc):
 * saves and restores ra, sp and s0-s11, the state a C++ caller expects to
 * survive a call. No FP state: the kernel is built without FP registers.
 *
 *   int kernel_setjmp(kernel_jmp_buf*)              returns 0, or v from longjmp
 *   [[noreturn]] void kernel_longjmp(kernel_jmp_buf*, int v)   (v != 0)
 */
#include <asm/asm-offsets.h>

	.text
	.globl	kernel_setjmp
kernel_setjmp:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	li	a0, 0
	ret

	.globl	kernel_longjmp
kernel_longjmp:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	ld	s0, 16(a0)
	ld	s1, 24(a0)
	ld	s2, 32(a0)
	ld	s3, 40(a0)
	ld	s4, 48(a0)
	ld	s5, 56(a0)
	ld	s6, 64(a0)
	ld	s7, 72(a0)
	ld	s8, 80(a0)
	ld	s9, 88(a0)
	ld	s10, 96(a0)
	ld	s11, 104(a0)
	seqz	a0, a1
	add	a0, a0, a1		/* never return 0 from longjmp */
	ret
