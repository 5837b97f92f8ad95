/*
 * [[noreturn]] void call_on_stack(uintptr_t sp, void (*fn)(void*), void* arg)
 *
 * Moves the calling CPU to another stack and calls fn(arg) there. The frame
 * chain starts afresh (fp = 0 ends every backtrace on the new stack).
 */
	.text
	.balign	4
	.globl	call_on_stack
call_on_stack:
	mv	sp, a0
	li	s0, 0
	li	ra, 0
	mv	a0, a2
	jalr	a1
1:	wfi
	j	1b
