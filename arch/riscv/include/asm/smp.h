/*
 * SMP: hart bring-up, CPU masks and cross-calls.
 *
 * Logical CPU ids are dense from 0; the boot hart (chosen by the firmware or
 * by head.S's lottery, often not hart 0) is CPU 0. Only harts whose device
 * tree node is enabled and has an mmu-type are brought up (the SiFive
 * monitor core, hart 0 on FU540/FU740, has none).
 */
#pragma once

#include <stdint.h>

#include <kernel/percpu.h>

using cpumask_t = uint64_t;  // bit n = logical CPU n

// Brings every usable hart online; returns the number of CPUs online.
unsigned smp_init();

unsigned num_online_cpus();
cpumask_t cpu_online_mask();
inline bool cpu_online(unsigned id) { return id < NR_CPUS && (cpu_online_mask() >> id) & 1; }

// The SBI hart mask (base 0) of a CPU mask.
uint64_t hart_mask_of(cpumask_t mask);

// Called from the trap handler on a supervisor software interrupt.
void handle_ipi();

// A bare IPI: each CPU in mask takes a software interrupt (handle_ipi with
// no call queued), which wakes it from wfi and lets RCU see it quiescent.
void smp_send_ipi_mask(cpumask_t mask);

// Runs fn(arg) on every CPU in mask except the caller, in interrupt context
// there; waits until all have finished when `wait`. The caller must have
// interrupts enabled (a CPU waiting for a cross-call must itself be able
// to take one). Returns the mask of CPUs that ran it.
cpumask_t smp_call_function_many(cpumask_t mask, void (*fn)(void*), void* arg, bool wait);
// fn(arg) on every online CPU, the caller included (locally with
// interrupts off, like the remote ones).
void on_each_cpu(void (*fn)(void*), void* arg);

// I-cache coherence after writing code: local fence.i, and the same on every
// other online hart through SBI. False when the firmware refused.
bool flush_icache_all();
// TLB shootdown: sfence.vma for [start, start + size) on every online hart
// (size ~0 = everything), local and remote through SBI RFENCE; under
// CIP-1200 every flush is a full one. False when the firmware refused.
bool flush_tlb_kernel_range(uintptr_t start, uintptr_t size);
