/*
 * uint64_t semihosting_call(uint64_t op, uint64_t arg)
 *
 * RISC-V semihosting trap: QEMU recognises an ebreak only between these two
 * exact uncompressed instructions, all three in one page (the 16-byte
 * alignment guarantees that). Only executed when the command line asked for
 * semihosting; without a debugger/QEMU behind it the ebreak traps.
 */
	.text
	.option push
	.option norvc
	.balign	16
	.globl	semihosting_call
semihosting_call:
	slli	zero, zero, 0x1f
	ebreak
	srai	zero, zero, 7
	ret
	.option pop
