/*
 * free: memory use from /proc/meminfo, in the layout of procps-ng 4's free.
 *
 *   free [-k|-m|-b]     units: KiB (default), MiB, bytes
 *
 *   total      MemTotal
 *   free       MemFree
 *   shared     Shmem
 *   buff/cache Buffers + Cached + SReclaimable
 *   available  MemAvailable (MemFree when the kernel has no such line)
 *   used       total - available, as procps-ng 4 computes it
 *
 * MemTotal and MemFree are required; the others count as 0 when missing
 * (a small kernel may not report them), and the Swap: line shows
 * SwapTotal/SwapFree.
 */
#include "util.h"

struct field {
  const char* name;
  long long kib;
  int seen;
};

enum { TOTAL, FREE, AVAIL, BUFFERS, CACHED, SRECL, SHMEM, SWAPT, SWAPF, NFIELDS };
static struct field fields[NFIELDS] = {
    [TOTAL] = {"MemTotal"}, [FREE] = {"MemFree"},   [AVAIL] = {"MemAvailable"}, [BUFFERS] = {"Buffers"},
    [CACHED] = {"Cached"},  [SRECL] = {"SReclaimable"}, [SHMEM] = {"Shmem"}, [SWAPT] = {"SwapTotal"},
    [SWAPF] = {"SwapFree"},
};

static long long shift_bytes;  /* KiB -> unit: multiply by 1024 then divide by this */

static long long unit(long long kib) { return kib * 1024 / shift_bytes; }

int main(int argc, char** argv) {
  shift_bytes = 1024;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-k")) shift_bytes = 1024;
    else if (!strcmp(argv[i], "-m")) shift_bytes = 1024 * 1024;
    else if (!strcmp(argv[i], "-b")) shift_bytes = 1;
    else die("usage: free [-k|-m|-b]");
  }
  static char buf[16384];
  if (read_file("/proc/meminfo", buf, sizeof buf) < 0) die_errno("/proc/meminfo");
  for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char name[64];
    long long v;
    char suffix[8] = "";
    if (sscanf(line, "%63[^:]: %lld %7s", name, &v, suffix) < 2) continue;
    for (int f = 0; f < NFIELDS; f++) {
      if (strcmp(name, fields[f].name)) continue;
      if (strcmp(suffix, "kB")) die("/proc/meminfo: %s is not in kB: %s", name, line);
      fields[f].kib = v;
      fields[f].seen = 1;
    }
  }
  if (!fields[TOTAL].seen || !fields[FREE].seen) die("/proc/meminfo has no MemTotal or MemFree line");
  long long total = fields[TOTAL].kib;
  long long avail = fields[AVAIL].seen ? fields[AVAIL].kib : fields[FREE].kib;
  long long cache = fields[BUFFERS].kib + fields[CACHED].kib + fields[SRECL].kib;
  long long used = total - avail;
  if (used < 0) used = total - fields[FREE].kib;
  printf("%-9s%11s %11s %11s %11s %11s %11s\n", "", "total", "used", "free", "shared", "buff/cache", "available");
  printf("%-9s%11lld %11lld %11lld %11lld %11lld %11lld\n", "Mem:", unit(total), unit(used), unit(fields[FREE].kib),
         unit(fields[SHMEM].kib), unit(cache), unit(avail));
  printf("%-9s%11lld %11lld %11lld\n", "Swap:", unit(fields[SWAPT].kib), unit(fields[SWAPT].kib - fields[SWAPF].kib),
         unit(fields[SWAPF].kib));
  return finish(0);
}
