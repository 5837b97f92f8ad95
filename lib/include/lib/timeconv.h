// Seconds since the epoch to a civil date and time (UTC, proleptic
// Gregorian calendar), as Linux's time64_to_tm does; for the RTC's boot
// log and anything else that prints a date.
#pragma once

#include <stdint.h>

struct civil_time {
  int64_t year;
  unsigned month;   // 1..12
  unsigned day;     // 1..31
  unsigned hour, minute, second;
  unsigned wday;    // 0 = Sunday
  unsigned yday;    // 0..365
};

civil_time time64_to_civil(int64_t seconds);
