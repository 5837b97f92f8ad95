// A riscv64 program with no C library: the Makefile links it both as a
// static ET_EXEC and as a static PIE (ET_DYN with PT_DYNAMIC, no
// PT_INTERP), which Debian's cross glibc cannot produce (no rcrt1.o). It
// uses only PC-relative addressing, so the PIE needs no relocation.
static long syscall3(long n, long a, long b, long c) {
  register long a7 __asm__("a7") = n;
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
  return a0;
}

static const char msg[] = "nolibc ok\n";
static char bss[8192];  // a bss tail: p_memsz > p_filesz

__attribute__((noreturn)) void _start(void) {
  bss[sizeof bss - 1] = 0;
  syscall3(64 /* write */, 1, (long)msg, sizeof msg - 1);
  for (;;) syscall3(93 /* exit */, bss[sizeof bss - 1], 0, 0);
}
