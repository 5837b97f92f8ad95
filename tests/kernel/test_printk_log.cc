// The kernel log (kernel/printk_log.cc): every printk is kept with its
// level whatever the console shows, and so is the KTAP text. The ring's
// arithmetic has a randomised host test (tests/host/test_logbuf.cc);
// syslog(2)'s errnos and permissions are checked against Linux by
// tests/user/syslog.c.
#include <kernel/ktest.h>

#include <kernel/printk.h>
#include <kernel/random.h>
#include <lib/string.h>
#include <mm/slab.h>

namespace {

bool contains(const char* s, const char* part) {
  const size_t n = strlen(part);
  for (; *s; s++)
    if (strncmp(s, part, n) == 0) return true;
  return false;
}

// True when the log's newest 16 KiB hold a line "<level>..." containing marker.
bool logged(int level, const char* marker) {
  constexpr size_t kLen = 16384;
  char* buf = static_cast<char*>(kmalloc(kLen + 1, GFP_KERNEL));
  if (!buf) return false;
  const size_t n = log_read_all(buf, kLen);
  buf[n] = '\0';
  bool found = false;
  for (char* line = buf; line && *line && !found;) {
    char* end = strchr(line, '\n');
    if (end) *end = '\0';
    found = line[0] == '<' && line[1] == '0' + level && line[2] == '>' && contains(line, marker);
    line = end ? end + 1 : nullptr;
  }
  kfree(buf);
  return found;
}

}  // namespace

KTEST(printk_log, messages_kept_with_their_level_even_when_the_console_skips_them) {
  char marker[32];
  snprintf(marker, sizeof(marker), "log-marker-%lx", get_random_u64());
  const int saved = printk_get_loglevel();
  printk_set_loglevel(1);  // the console shows emergencies only
  pr_debug("%s debug\n", marker);
  pr_err("%s err\n", marker);
  printk_set_loglevel(saved);
  EXPECT_TRUE(logged(7, marker));
  EXPECT_TRUE(logged(3, marker));
  EXPECT_FALSE(logged(5, marker));
}

KTEST(printk_log, continuations_and_console_text) {
  char marker[32];
  snprintf(marker, sizeof(marker), "cont-marker-%lx", get_random_u64());
  const int saved = printk_get_loglevel();
  printk_set_loglevel(1);
  pr_warn("%s begins", marker);
  printk_set_loglevel(saved);
  pr_cont(" and ends\n");
  EXPECT_TRUE(logged(4, "begins and ends"));
  // KTAP and Oops text goes through console_printf, kept as level 6.
  console_printf("# %s from console_printf\n", marker);
  EXPECT_TRUE(logged(6, marker));
}
