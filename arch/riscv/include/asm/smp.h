// SMP: hart bring-up and inter-processor interrupts.
#pragma once

// Called from the trap handler on a supervisor software interrupt.
void handle_ipi();
