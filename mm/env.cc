// The mm/ environment seam (see mm/include/mm/env.h): warnings go to the
// kernel log, or to stderr in host tests.
#include <mm/env.h>

#include <stdarg.h>

#ifdef HOST_TEST
#include <cstdio>

void mm_warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
}
#else
#include <kernel/printk.h>

void mm_warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintk(LogLevel::Warning, fmt, ap);
  va_end(ap);
}
#endif
