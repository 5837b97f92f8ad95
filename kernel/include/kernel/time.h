// Time keeping and the per-hart timer tick.
#pragma once

#include <stdint.h>

// Called from the trap handler on a supervisor timer interrupt.
void handle_timer_interrupt();
