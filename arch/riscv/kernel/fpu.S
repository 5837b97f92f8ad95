/*
 * User FP state (F/D): save and restore f0-f31 and fcsr.
 *
 * The kernel is built without F/D and runs with sstatus.FS = Off, so these
 * two routines turn FS on around their accesses and off again. Whether a
 * task's registers need saving is decided by the FS field of its user
 * pt_regs (asm/fpu.h); this file only moves the bits. It is assembled with
 * the D extension enabled (the Makefile adds it for this object only).
 *
 *   void __fstate_save(struct __riscv_d_ext_state *state)
 *   void __fstate_restore(const struct __riscv_d_ext_state *state)
 */
#define SR_FS 0x6000
#define FCSR_OFF (32 * 8)

	.macro	FP_ALL op
	\op	f0, 0*8(a0)
	\op	f1, 1*8(a0)
	\op	f2, 2*8(a0)
	\op	f3, 3*8(a0)
	\op	f4, 4*8(a0)
	\op	f5, 5*8(a0)
	\op	f6, 6*8(a0)
	\op	f7, 7*8(a0)
	\op	f8, 8*8(a0)
	\op	f9, 9*8(a0)
	\op	f10, 10*8(a0)
	\op	f11, 11*8(a0)
	\op	f12, 12*8(a0)
	\op	f13, 13*8(a0)
	\op	f14, 14*8(a0)
	\op	f15, 15*8(a0)
	\op	f16, 16*8(a0)
	\op	f17, 17*8(a0)
	\op	f18, 18*8(a0)
	\op	f19, 19*8(a0)
	\op	f20, 20*8(a0)
	\op	f21, 21*8(a0)
	\op	f22, 22*8(a0)
	\op	f23, 23*8(a0)
	\op	f24, 24*8(a0)
	\op	f25, 25*8(a0)
	\op	f26, 26*8(a0)
	\op	f27, 27*8(a0)
	\op	f28, 28*8(a0)
	\op	f29, 29*8(a0)
	\op	f30, 30*8(a0)
	\op	f31, 31*8(a0)
	.endm

	.text
	.balign	4
	.globl	__fstate_save
__fstate_save:
	li	t1, SR_FS
	csrs	sstatus, t1
	FP_ALL	fsd
	frcsr	t0
	sw	t0, FCSR_OFF(a0)
	csrc	sstatus, t1
	ret

	.balign	4
	.globl	__fstate_restore
__fstate_restore:
	li	t1, SR_FS
	csrs	sstatus, t1
	FP_ALL	fld
	lw	t0, FCSR_OFF(a0)
	fscsr	t0
	csrc	sstatus, t1
	ret
