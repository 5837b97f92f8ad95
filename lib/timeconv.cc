// Seconds since the epoch to a civil date (see lib/timeconv.h).
//
// Days are counted in 400-year eras of 146097 days that start on a 1 March,
// so the leap day is the last day of each counted year and the month
// lengths from March on follow (153 * m + 2) / 5.
#include <lib/timeconv.h>

civil_time time64_to_civil(int64_t seconds) {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  civil_time t;
  t.wday = static_cast<unsigned>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  days += 719468;  // from 0000-03-01 to 1970-01-01
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;                                    // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365], from 1 March
  const int64_t mp = (5 * doy + 2) / 153;                                     // 0 = March
  t.day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2);
  const bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
  // Day of the year from 1 January: March 1 is day 59 (60 in a leap year).
  t.yday = static_cast<unsigned>(t.month >= 3 ? doy + 59 + leap : doy - 306);
  t.hour = static_cast<unsigned>(rem / 3600);
  t.minute = static_cast<unsigned>(rem / 60 % 60);
  t.second = static_cast<unsigned>(rem % 60);
  return t;
}
