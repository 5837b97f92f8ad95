// Placeholder: the timer tick arrives with SMP bring-up.
#include <kernel/time.h>

void handle_timer_interrupt() {}
