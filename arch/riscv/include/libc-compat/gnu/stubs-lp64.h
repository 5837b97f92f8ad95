/*
 * Empty on purpose. Debian's cross libstdc++ headers include glibc's
 * <features.h>, which names the stub header of the ABI being compiled.
 * The kernel builds for lp64 (no FP registers in kernel code), an ABI for
 * which Debian ships no glibc; the kernel uses no glibc declarations, so an
 * empty stub list is exact.
 */
