// Local interrupt enable/disable (sstatus.SIE).
#pragma once

#include <asm/csr.h>

inline unsigned long arch_local_irq_save() { return csr_clear<Csr::Sstatus>(SR_SIE) & SR_SIE; }
inline void arch_local_irq_restore(unsigned long flags) { csr_set<Csr::Sstatus>(flags & SR_SIE); }
inline void local_irq_enable() { csr_set<Csr::Sstatus>(SR_SIE); }
inline void local_irq_disable() { csr_clear<Csr::Sstatus>(SR_SIE); }
inline bool irqs_disabled() { return !(csr_read<Csr::Sstatus>() & SR_SIE); }

// RAII: interrupts off for the guard's lifetime, previous state restored after.
class IrqSave {
 public:
  IrqSave() : flags_(arch_local_irq_save()) {}
  ~IrqSave() { arch_local_irq_restore(flags_); }
  IrqSave(const IrqSave&) = delete;
  IrqSave& operator=(const IrqSave&) = delete;

 private:
  unsigned long flags_;
};
