// The real-time clock (kernel/drivers/rtc_goldfish.cc): read once at boot
// to set the wall clock, as Linux's rtc_hctosys does.
#pragma once

#include <stdint.h>

struct DtDevice;

// Maps the RTC the device tree names (m.rtc) and sets CLOCK_REALTIME from
// it; logs the time. Returns false (and leaves the wall clock at the epoch)
// when there is none or it reads as nonsense.
bool rtc_hctosys(const DtDevice& rtc);

// The RTC's time in ns since the epoch; false when no RTC was found.
bool rtc_read_ns(uint64_t* ns);
