/*
 * Tiny user-mode programs for the `user` self-test suite
 * (tests/kernel/test_user.cc). Each is position independent, runs from a
 * copy in an anonymous user mapping, gets a pointer to a results area in
 * a0 and a seed in a1, and ends with exit(code). They sit between
 * user_prog_<name> and user_prog_<name>_end in .rodata.
 *
 * Linux riscv64 numbers: 93 exit, 124 sched_yield, 172 getpid,
 * 178 gettid, 160 uname, 113 clock_gettime, 220 clone, 260 wait4.
 */
#define SYS(nr) li a7, nr; ecall

/* Every GPR but sp, a0 and a7 (the system-call registers) gets a value of
 * its own from the seed in a1: x<n> = seed * 256 + n. */
	.macro	SET_GPRS
	mv	a7, a1
	slli	a7, a7, 8
	.irp	n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	addi	x\n, a7, \n
	.endr
	.endm

/* Exit with code n if x<n> lost its value (s11 = x27 is checked last, so
 * the seed is recovered from it: seed * 256 = x27 - 27). */
	.macro	CHECK_GPRS
	addi	a7, x27, -27
	.irp	n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	addi	a0, a7, \n
	beq	x\n, a0, 1f
	li	a0, \n
	SYS(93)
1:
	.endr
	.endm

	.section .rodata.user_progs, "a"
	.balign	4

/* ecall round trip: results[0..5] = getpid, gettid, two unknown numbers,
 * uname(1), clock_gettime(CLOCK_MONOTONIC, kernel address); exit 42. */
	.globl	user_prog_ecall, user_prog_ecall_end
user_prog_ecall:
	mv	s1, a0
	SYS(172)
	sd	a0, 0(s1)
	SYS(178)
	sd	a0, 8(s1)
	SYS(1000)
	sd	a0, 16(s1)
	SYS(-1)
	sd	a0, 24(s1)
	li	a0, 1
	SYS(160)
	sd	a0, 32(s1)
	li	a0, 1
	li	a1, 0xffffffd800000000
	SYS(113)
	sd	a0, 40(s1)
	li	a0, 42
	SYS(93)
user_prog_ecall_end:

/* Every register survives system calls, yields and preemption: set them,
 * then 50 times: sched_yield and a busy loop; check. Exit 0 or the
 * number of the first register that changed. */
	.globl	user_prog_regs, user_prog_regs_end
user_prog_regs:
	SET_GPRS
	li	a0, 50
	sd	a0, 0(sp)		/* rounds left, on the user stack */
2:	SYS(124)
	li	a0, 200000
3:	addi	a0, a0, -1
	bnez	a0, 3b
	ld	a0, 0(sp)
	addi	a0, a0, -1
	sd	a0, 0(sp)
	bnez	a0, 2b
	CHECK_GPRS
	li	a0, 0
	SYS(93)
user_prog_regs_end:

/* FP registers and fcsr survive yields and preemption: f<n> = seed * 64 + n
 * (as doubles), frm = seed & 3; 50 rounds of yield and busy loop; exit 0,
 * 1 + n for the first f<n> that changed, or 100 if fcsr did. */
	.globl	user_prog_fp, user_prog_fp_end
user_prog_fp:
	mv	s1, a1
	slli	s2, a1, 6
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	addi	t0, s2, \n
	fcvt.d.l f\n, t0
	.endr
	andi	t0, s1, 3
	fsrm	t0
	li	s3, 50
2:	SYS(124)
	li	a0, 200000
3:	addi	a0, a0, -1
	bnez	a0, 3b
	addi	s3, s3, -1
	bnez	s3, 2b
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fmv.x.d	t1, f\n
	addi	t0, s2, \n
	fcvt.d.l ft0, t0
	fmv.x.d	t2, ft0
	.if \n == 0
	fcvt.d.l f0, t0		/* ft0 is f0: restore the value it stood for */
	.endif
	li	a0, \n + 1
	beq	t1, t2, 1f
	SYS(93)
1:
	.endr
	frrm	t0
	andi	t1, s1, 3
	li	a0, 100
	bne	t0, t1, 4f
	li	a0, 0
4:	SYS(93)
user_prog_fp_end:

/* Faults: a load from address 0, from a kernel address, an illegal
 * instruction. Each must kill the program with its signal. */
	.globl	user_prog_null, user_prog_null_end
user_prog_null:
	ld	a0, 0(zero)
	SYS(93)
user_prog_null_end:

	.globl	user_prog_kaddr, user_prog_kaddr_end
user_prog_kaddr:
	li	t0, 0xffffffd800000000
	sd	t0, 0(t0)
	SYS(93)
user_prog_kaddr_end:

	.globl	user_prog_illegal, user_prog_illegal_end
user_prog_illegal:
	.word	0
	SYS(93)
user_prog_illegal_end:

/* fork + wait4: clone(SIGCHLD) (a1..a4 = 0); the child exits with 7 + its
 * getppid() == parent's pid ? 0 : 1; the parent stores the child's pid,
 * wait4(-1)'s answer and status, a second wait4's (-ECHILD) in results
 * [0..3] and exits 0. */
	.globl	user_prog_fork, user_prog_fork_end
user_prog_fork:
	mv	s1, a0
	SYS(172)
	mv	s2, a0			/* our pid */
	li	a0, 17			/* SIGCHLD */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	SYS(220)
	bnez	a0, 1f
	SYS(173)			/* child: getppid */
	li	t0, 7
	beq	a0, s2, 2f
	li	t0, 8
2:	mv	a0, t0
	SYS(93)
1:	sd	a0, 0(s1)
	li	a0, -1
	addi	a1, s1, 32		/* status */
	li	a2, 0
	li	a3, 0
	SYS(260)
	sd	a0, 8(s1)
	li	a0, -1
	li	a1, 0
	li	a2, 0
	li	a3, 0
	SYS(260)
	sd	a0, 16(s1)
	li	a0, 0
	SYS(93)
user_prog_fork_end:

/* vfork-style clone with every glibc tid/TLS flag: CLONE_VM | CLONE_VFORK |
 * CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID, SIGCHLD, on a
 * stack inside the results page. The child stores tp and a marker and
 * exits 5; the parent, resumed only after that, records the child's pid,
 * the marker as it finds it, then reaps: results[0] pid, [1] parent_tid,
 * [2] child_tid, [3] child's tp, [5] marker seen, [6] status, [7] wait4. */
	.globl	user_prog_vfork, user_prog_vfork_end
user_prog_vfork:
	mv	s1, a0
	li	a0, 0x1184111
	addi	a1, s1, 2032
	addi	a2, s1, 8
	li	a3, 0x12345
	addi	a4, s1, 16
	SYS(220)
	bnez	a0, 1f
	sd	tp, 24(s1)
	li	t0, 77
	sd	t0, 32(s1)
	li	a0, 5
	SYS(93)
1:	sd	a0, 0(s1)
	ld	t0, 32(s1)
	sd	t0, 40(s1)
	li	a0, -1
	addi	a1, s1, 48
	li	a2, 0
	li	a3, 0
	SYS(260)
	sd	a0, 56(s1)
	li	a0, 0
	SYS(93)
user_prog_vfork_end:

/* The image of the exec tests (tests/kernel/test_exec.cc), copied into an
 * ELF file: exit(argc + 100 if it runs above 16 MiB, i.e. with a load bias). */
	.globl	user_prog_exec, user_prog_exec_end
user_prog_exec:
	ld	a0, 0(sp)		/* argc */
	auipc	t0, 0
	li	t1, 0x1000000
	bltu	t0, t1, 1f
	addi	a0, a0, 100
1:	SYS(93)
user_prog_exec_end:
