/*
 * Structure offsets used by assembly (entry.S, setjmp.S). Each is checked
 * against the C++ layout with static_assert in the header that owns the
 * structure (asm/ptrace.h, kernel/percpu.h).
 */
#pragma once

/* struct pt_regs */
#define PT_EPC 0
#define PT_RA 8
#define PT_SP 16
#define PT_GP 24
#define PT_TP 32
#define PT_T0 40
#define PT_T1 48
#define PT_T2 56
#define PT_S0 64
#define PT_S1 72
#define PT_A0 80
#define PT_A1 88
#define PT_A2 96
#define PT_A3 104
#define PT_A4 112
#define PT_A5 120
#define PT_A6 128
#define PT_A7 136
#define PT_S2 144
#define PT_S3 152
#define PT_S4 160
#define PT_S5 168
#define PT_S6 176
#define PT_S7 184
#define PT_S8 192
#define PT_S9 200
#define PT_S10 208
#define PT_S11 216
#define PT_T3 224
#define PT_T4 232
#define PT_T5 240
#define PT_T6 248
#define PT_STATUS 256
#define PT_BADADDR 264
#define PT_CAUSE 272
#define PT_ORIG_A0 280
#define PT_SIZE 288

/* struct cpu (kernel/percpu.h), reached through tp */
#define CPU_KERNEL_SP 0
#define CPU_USER_SP 8
#define CPU_OVERFLOW_SP 16

/* struct kernel_jmp_buf (asm/traps.h): ra, sp, s0-s11 */
#define JMP_BUF_SIZE 112

/* struct task_struct (kernel/sched.h): thread_struct first: ra, sp, s0-s11 */
#define TASK_THREAD_RA 0
#define TASK_THREAD_SP 8
#define TASK_THREAD_S0 16
