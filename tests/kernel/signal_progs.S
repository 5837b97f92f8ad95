/*
 * User-mode programs for the `signal` self-tests (tests/kernel/test_signal.cc),
 * run like the `user` suite's (tests/kernel/user_progs.S): position
 * independent, results area in a0, a seed in a1, exit(code) at the end.
 * The process has the [vdso] trampoline, so a handler returns with `ret`.
 *
 * Linux riscv64 numbers: 93 exit, 101 nanosleep, 134 rt_sigaction,
 * 135 rt_sigprocmask, 220 clone, 260 wait4.
 */
#define SYS(nr) li a7, nr; ecall

	.section .rodata.signal_progs, "a"
	.balign	4

/* A SIGSEGV handler (SA_SIGINFO) sees the fault and skips the faulting
 * load by moving uc's pc; sigreturn puts back every register it changed.
 *   results[0]  rt_sigaction's return     [1] s2 after the handler
 *   [2] signo  [3] si_code  [4] si_addr  [5] uc pc  [6] uc_sigmask
 *   [7] the mask inside the handler      [8] the mask after it
 *   [10..12] the struct sigaction passed in */
	.globl	user_prog_sig_segv, user_prog_sig_segv_end
user_prog_sig_segv:
	mv	s1, a0
	lla	t0, 2f
	sd	t0, 80(s1)
	li	t0, 4			/* SA_SIGINFO */
	sd	t0, 88(s1)
	sd	zero, 96(s1)
	li	a0, 11			/* SIGSEGV */
	addi	a1, s1, 80
	li	a2, 0
	li	a3, 8
	SYS(134)
	sd	a0, 0(s1)
	li	s2, 0x5a5a
	.option	push
	.option	norvc
	ld	t1, 0(zero)		/* faults; the handler skips these 4 bytes */
	.option	pop
	sd	s2, 8(s1)
	li	a0, 0			/* SIG_BLOCK */
	li	a1, 0
	addi	a2, s1, 64
	li	a3, 8
	SYS(135)
	li	a0, 0
	SYS(93)
2:	sd	a0, 16(s1)
	lw	t0, 8(a1)		/* si_code */
	sd	t0, 24(s1)
	ld	t0, 16(a1)		/* si_addr */
	sd	t0, 32(s1)
	ld	t0, 176(a2)		/* uc_mcontext.sc_regs.pc */
	sd	t0, 40(s1)
	addi	t0, t0, 4
	sd	t0, 176(a2)
	ld	t0, 40(a2)		/* uc_sigmask */
	sd	t0, 48(s1)
	li	s2, 0			/* sigreturn restores it */
	li	a0, 0			/* SIG_BLOCK, no set: read the mask */
	li	a1, 0
	addi	a2, s1, 56
	li	a3, 8
	SYS(135)
	ret
user_prog_sig_segv_end:

/* wait4 interrupted by SIGUSR1 (sent by the test while the child sleeps
 * 300 ms): with SA_RESTART (seed 1) the call restarts and returns the
 * child; without, -EINTR and a second wait4 returns it.
 *   [0] child pid  [1] first wait4  [2] second wait4 (or 0)
 *   [3] handler runs  [4] status */
	.globl	user_prog_sig_restart, user_prog_sig_restart_end
user_prog_sig_restart:
	mv	s1, a0
	li	t0, 0x10000000		/* SA_RESTART */
	mul	t0, t0, a1
	sd	t0, 88(s1)
	lla	t0, 3f
	sd	t0, 80(s1)
	sd	zero, 96(s1)
	sd	zero, 24(s1)
	sd	zero, 16(s1)
	li	a0, 10			/* SIGUSR1 */
	addi	a1, s1, 80
	li	a2, 0
	li	a3, 8
	SYS(134)
	li	a0, 17			/* clone(SIGCHLD) */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	SYS(220)
	bnez	a0, 1f
	li	t0, 300000000		/* child: sleep 0.3 s, exit 5 */
	sd	zero, 104(s1)
	sd	t0, 112(s1)
	addi	a0, s1, 104
	li	a1, 0
	SYS(101)
	li	a0, 5
	SYS(93)
1:	sd	a0, 0(s1)
	li	a0, -1
	addi	a1, s1, 32
	li	a2, 0
	li	a3, 0
	SYS(260)
	sd	a0, 8(s1)
	bgtz	a0, 2f
	li	a0, -1
	addi	a1, s1, 32
	li	a2, 0
	li	a3, 0
	SYS(260)
	sd	a0, 16(s1)
2:	li	a0, 0
	SYS(93)
3:	ld	t0, 24(s1)
	addi	t0, t0, 1
	sd	t0, 24(s1)
	ret
user_prog_sig_restart_end:

/* kill(getpid(), SIGUSR1) with an SA_ONSTACK handler and an alternate
 * stack, in a forked child (a real process kill can find) that works in a
 * shared page: its upper half is the alternate stack, the first words the
 * results, which the parent copies out after wait4.
 *   [0] sigaltstack  [1] kill  [2] the handler's sp (page offset)
 *   [3] si_code  [4] si_pid  [5] ss_flags seen inside  [6] sigaltstack
 *   inside  [7] getpid */
	.globl	user_prog_sig_altstack, user_prog_sig_altstack_end
user_prog_sig_altstack:
	mv	s5, a0			/* the results area */
	li	a0, 0
	li	a1, 4096
	li	a2, 3			/* PROT_READ | PROT_WRITE */
	li	a3, 0x21		/* MAP_SHARED | MAP_ANONYMOUS */
	li	a4, -1
	li	a5, 0
	SYS(222)
	mv	s1, a0
	li	a0, 17			/* clone(SIGCHLD) */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	SYS(220)
	beqz	a0, 2f
	li	a0, -1			/* parent: wait, then copy 8 words out */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	SYS(260)
	li	t1, 8
3:	ld	t0, 0(s1)
	sd	t0, 0(s5)
	addi	s1, s1, 8
	addi	s5, s5, 8
	addi	t1, t1, -1
	bnez	t1, 3b
	li	a0, 0
	SYS(93)
2:	addi	t0, s1, 2047
	addi	t0, t0, 1
	sd	t0, 200(s1)		/* ss_sp = page + 2048 */
	sd	zero, 208(s1)		/* ss_flags */
	li	t0, 2048
	sd	t0, 216(s1)		/* ss_size = MINSIGSTKSZ */
	addi	a0, s1, 200
	li	a1, 0
	SYS(132)
	sd	a0, 0(s1)
	lla	t0, 1f
	sd	t0, 80(s1)
	li	t0, 0x08000004		/* SA_ONSTACK | SA_SIGINFO */
	sd	t0, 88(s1)
	sd	zero, 96(s1)
	li	a0, 10			/* SIGUSR1 */
	addi	a1, s1, 80
	li	a2, 0
	li	a3, 8
	SYS(134)
	SYS(172)
	sd	a0, 56(s1)
	li	a1, 10
	SYS(129)			/* kill(getpid(), SIGUSR1) */
	sd	a0, 8(s1)
	li	a0, 0
	SYS(93)
1:	sub	t0, sp, s1
	sd	t0, 16(s1)
	lw	t0, 8(a1)		/* si_code */
	sd	t0, 24(s1)
	lw	t0, 16(a1)		/* si_pid */
	sd	t0, 32(s1)
	li	a0, 0
	addi	a1, s1, 232
	SYS(132)			/* sigaltstack(NULL, &old) */
	lw	t0, 240(s1)		/* old.ss_flags */
	sd	t0, 40(s1)
	addi	a0, s1, 200
	li	a1, 0
	SYS(132)			/* a change while on it: -EPERM */
	sd	a0, 48(s1)
	ret
user_prog_sig_altstack_end:

/* ebreak with a SIGTRAP handler that steps over it.
 *   [0] the ebreak's address  [1] si_addr  [2] si_code  [3] uc pc */
	.globl	user_prog_sig_trap, user_prog_sig_trap_end
user_prog_sig_trap:
	mv	s1, a0
	lla	t0, 2f
	sd	t0, 80(s1)
	li	t0, 4			/* SA_SIGINFO */
	sd	t0, 88(s1)
	sd	zero, 96(s1)
	li	a0, 5			/* SIGTRAP */
	addi	a1, s1, 80
	li	a2, 0
	li	a3, 8
	SYS(134)
	.option	push
	.option	norvc
1:	ebreak
	.option	pop
	lla	t0, 1b
	sd	t0, 0(s1)
	li	a0, 0
	SYS(93)
2:	ld	t0, 16(a1)		/* si_addr */
	sd	t0, 8(s1)
	lw	t0, 8(a1)		/* si_code */
	sd	t0, 16(s1)
	ld	t0, 176(a2)		/* uc pc */
	sd	t0, 24(s1)
	addi	t0, t0, 4
	sd	t0, 176(a2)
	ret
user_prog_sig_trap_end:
