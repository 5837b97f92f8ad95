/* getrandom(2): lengths, flags and errnos as Linux gives them, and outputs
 * that look random (no two requests alike, bits balanced). The statistics
 * are bounds a generator fails only when broken (a repeat, a constant, a
 * stuck bit), not tests of cryptographic quality. */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw_getrandom(void* buf, size_t len, unsigned flags) { return syscall(SYS_getrandom, buf, len, flags); }

int main(void) {
  unsigned char a[64], b[64];
  check_eq("getrandom 64 bytes returns 64", raw_getrandom(a, sizeof a, 0), 64);
  check_eq("a second request returns 64", raw_getrandom(b, sizeof b, 0), 64);
  check_true("the two requests differ", memcmp(a, b, sizeof a) != 0);
  check_eq("length 0 returns 0", raw_getrandom(a, 0, 0), 0);
  check_eq("GRND_NONBLOCK returns 64", raw_getrandom(a, sizeof a, GRND_NONBLOCK), 64);
  check_eq("GRND_RANDOM returns 64", raw_getrandom(a, sizeof a, GRND_RANDOM), 64);
  check_eq("GRND_INSECURE returns 64", raw_getrandom(a, sizeof a, GRND_INSECURE), 64);
  CHECK_SYS("GRND_INSECURE | GRND_RANDOM", raw_getrandom(a, sizeof a, GRND_INSECURE | GRND_RANDOM), EINVAL);
  CHECK_SYS("an unknown flag", raw_getrandom(a, sizeof a, 0x40), EINVAL);
  CHECK_SYS("a NULL buffer", raw_getrandom(NULL, 16, 0), EFAULT);
  CHECK_SYS("a kernel address", raw_getrandom((void*)0xffffffff80000000ul, 16, 0), EFAULT);

  /* A buffer whose second page is unmapped: the first page is filled and
   * the count says so. */
  const long pg = sysconf(_SC_PAGESIZE);
  unsigned char* two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(two + pg, pg);
  memset(two, 0, pg);
  check_eq("a buffer running into an unmapped page gives the bytes before it", raw_getrandom(two + pg - 100, 200, 0), 100);
  munmap(two, pg);

  /* 64 KiB: every byte value turns up, bits are balanced within 1% (about
   * 14 standard deviations), and no 8-byte word repeats. */
  enum { N = 65536 };
  unsigned char* big = malloc(N);
  long got = 0;
  while (got < N) {
    long r = raw_getrandom(big + got, N - got, 0);
    if (r <= 0) break;
    got += r;
  }
  check_eq("64 KiB in requests of any size", got, N);
  unsigned counts[256] = {0};
  long ones = 0;
  for (int i = 0; i < N; i++) {
    counts[big[i]]++;
    ones += __builtin_popcount(big[i]);
  }
  int all_values = 1;
  double chi2 = 0;
  for (int v = 0; v < 256; v++) {
    all_values &= counts[v] > 0;
    const double d = counts[v] - N / 256.0;
    chi2 += d * d / (N / 256.0);
  }
  check_true("every byte value occurs in 64 KiB", all_values);
  check_true("one bits are 50% +- 1%", ones > N * 8 * 49 / 100 && ones < N * 8 * 51 / 100);
  /* 255 degrees of freedom: the 1e-9 tail starts near 420. */
  check_true("byte counts pass a chi-square bound", chi2 < 420);
  const uint64_t* w = (const uint64_t*)big;
  int repeat = 0;
  for (int i = 0; i < 64 && !repeat; i++)
    for (int j = i + 1; j < N / 8; j++)
      if (w[i] == w[j]) repeat = 1;
  check_true("no 8-byte word of the first 64 repeats", !repeat);
  free(big);
  return check_summary("getrandom");
}
