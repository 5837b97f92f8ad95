/*
 * Kernel entry.
 *
 * OpenSBI (or U-Boot's booti) jumps to the first byte of the Image in S-mode
 * with the MMU off:  a0 = hart id, a1 = physical address of the device tree.
 * The Image starts with the 64-byte RISC-V Linux image header, so U-Boot's
 * booti accepts it and relocates it to text_offset from the start of RAM.
 *
 * Boot hart:
 *   1. mask interrupts, FPU off, early stvec (hang: nothing can print yet)
 *   2. hart lottery: where the firmware has no HSM every hart arrives here;
 *      the first one wins, the others wait in .Lsecondary_spin
 *   3. clear BSS, take init_stack, call setup_vm() (C++, still at the
 *      physical address, PC-relative code only) which builds early_pg_dir
 *   4. enable Sv39 and jump to the link address, then start_kernel()
 *
 * Secondary harts enter at secondary_start_sbi (SBI HSM hart_start, a1 =
 * stack pointer) or leave the spin loop once the boot hart publishes a stack
 * in __cpu_spinwait_sp[hartid]; both then turn on the same page table and
 * call secondary_start_kernel(hartid).
 */
#include <asm/layout.h>

#define SR_FS 0x6000
#define SATP_MODE_SV39 (8 << 60)

	.section .head.text, "ax"
	.option push
	.option norvc
	.globl _start
_start:
	j	.Lentry_pa		/* code0 */
	.word	0			/* code1 */
	.balign	8
	.dword	0x200000		/* text_offset */
	.dword	__image_size		/* image_size, BSS included */
	.dword	0			/* flags: little endian */
	.word	2			/* version 0.2 */
	.word	0			/* res1 */
	.dword	0			/* res2 */
	.ascii	"RISCV\0\0\0"		/* magic, 0x30 */
	.ascii	"RSC\x05"		/* magic2, 0x38 */
	.word	0			/* res3 */
	.option pop

.Lentry_pa:
	csrw	sie, zero
	csrw	sip, zero
	li	t0, SR_FS
	csrc	sstatus, t0
	lla	t0, .Lhang
	csrw	stvec, t0
	mv	s0, a0			/* hart id */
	mv	s1, a1			/* DTB physical address */

	/* Hart lottery. */
	lla	t0, hart_lottery
	li	t1, 1
	amoadd.w t1, t1, (t0)
	bnez	t1, .Lsecondary_spin

	/* Clear BSS (8-byte aligned both ends by the linker script). */
	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	lla	sp, init_stack_top
	mv	a0, s0
	mv	a1, s1
	call	setup_vm		/* returns the satp value */
	mv	s2, a0
	call	.Lva_pa_offset		/* s3 = link address - load address */

	lla	t0, .Lboot_va
	add	t0, t0, s3
	csrw	stvec, t0		/* if the fetch after satp faults, land there */
	sfence.vma
	csrw	satp, s2
	sfence.vma
	jr	t0

	.balign	4
.Lboot_va:
	lla	t0, early_trap_vector
	csrw	stvec, t0
	add	sp, sp, s3
	mv	a0, s0
	mv	a1, s1
	call	start_kernel
	j	.Lhang

/* s3 = KERNEL_LINK_ADDR-relative offset between where we run and where we are linked. */
.Lva_pa_offset:
	lla	t0, .Lstart_va
	ld	t0, 0(t0)
	lla	t1, _start
	sub	s3, t0, t1
	ret

/* Lottery losers: wait for the boot hart to hand out a stack. */
.Lsecondary_spin:
	li	t0, LAYOUT_MAX_HARTS
	bgeu	s0, t0, .Lhang
	lla	t0, __cpu_spinwait_sp
	slli	t1, s0, 3
	add	t0, t0, t1
3:	ld	sp, 0(t0)
	beqz	sp, 3b
	fence	r, rw
	j	.Lsecondary_common

/*
 * SBI HSM entry: a0 = hart id, a1 = opaque = kernel stack pointer (VA).
 */
	.globl secondary_start_sbi
secondary_start_sbi:
	csrw	sie, zero
	csrw	sip, zero
	li	t0, SR_FS
	csrc	sstatus, t0
	lla	t0, .Lhang
	csrw	stvec, t0
	mv	s0, a0
	mv	sp, a1
.Lsecondary_common:
	call	.Lva_pa_offset
	lla	t0, early_satp
	ld	s2, 0(t0)
	lla	t0, .Lsecondary_va
	add	t0, t0, s3
	csrw	stvec, t0
	sfence.vma
	csrw	satp, s2
	sfence.vma
	jr	t0

	.balign	4
.Lsecondary_va:
	lla	t0, early_trap_vector
	csrw	stvec, t0
	mv	a0, s0
	call	secondary_start_kernel
	j	.Lhang

	.balign	4
.Lhang:
	wfi
	j	.Lhang

/*
 * Trap vector used until trap_init() installs the real one: report through
 * the SBI console and stop this hart.
 */
	.balign	4
	.globl early_trap_vector
early_trap_vector:
	csrr	a0, scause
	csrr	a1, sepc
	csrr	a2, stval
	call	early_trap_report
	j	.Lhang

	.section .rodata
	.balign	8
.Lstart_va:
	.dword	_start

	.section .data
	.balign	8
	.globl hart_lottery
hart_lottery:
	.word	0
	.word	0
	/* Filled in by the boot hart, read with the MMU off: not BSS. */
	.globl __cpu_spinwait_sp
__cpu_spinwait_sp:
	.fill	LAYOUT_MAX_HARTS, 8, 0

	.section .bss
	.balign	16
	.globl init_stack
init_stack:
	.skip	LAYOUT_BOOT_STACK_SIZE
	.globl init_stack_top
init_stack_top:
