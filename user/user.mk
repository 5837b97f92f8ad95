# User programs for the Linux riscv64 ABI, included from the Makefile.
#
#   user/*.c        -> $(BUILD)/user/<name>        programs for the initramfs (/bin;
#                                                  user/init.c is /init, pid 1)
#   tests/user/*.c  -> $(BUILD)/user/tests/<name>  ABI conformance programs (/tests)
#
# Static, against Debian's cross glibc (libc6-dev-riscv64-cross, pulled in
# by g++-riscv64-linux-gnu); Debian ships no rcrt1.o for it, so glibc
# programs are ET_EXEC, not static PIE. `make initramfs` packs both sets
# into $(BUILD)/initramfs.cpio with tools/mkinitramfs. `make check-user`
# runs the tests under qemu-riscv64 (the host Linux kernel answers) and
# keeps their output as the reference in $(BUILD)/user/ref/qemu-user/;
# `make check-programs` runs the shell, the tools and the demos under
# qemu-riscv64 (tools/test-programs).

USER_CC     := riscv64-linux-gnu-gcc
USER_CFLAGS := -static -O2 -g -std=gnu11 -Wall -Wextra -Werror
USER_PROGS  := $(patsubst user/%.c,$(BUILD)/user/%,$(wildcard user/*.c))
GUEST_BENCH := $(BUILD)/user/bench/guest-bench
USER_TESTS  := $(patsubst tests/user/%.c,$(BUILD)/user/tests/%,$(wildcard tests/user/*.c))

$(BUILD)/user/%: user/%.c $(wildcard user/*.h)
	@mkdir -p $(dir $@)
	$(quiet) USERCC $<
	$(Q)$(USER_CC) $(USER_CFLAGS) -o $@ $<

# glibc 2.36 has libpthread in libc: -pthread only sets _REENTRANT, and the
# static link needs nothing more.
$(BUILD)/user/tests/threads: USER_CFLAGS += -pthread

$(BUILD)/user/tests/%: tests/user/%.c $(wildcard tests/user/*.h)
	@mkdir -p $(dir $@)
	$(quiet) USERCC $<
	$(Q)$(USER_CC) $(USER_CFLAGS) -o $@ $<

INITRAMFS_ROOT := $(BUILD)/initramfs-root
$(BUILD)/initramfs.cpio: $(USER_PROGS) $(USER_TESTS) tools/mkinitramfs
	$(quiet) CPIO $@
	$(Q)rm -rf $(INITRAMFS_ROOT) && mkdir -p $(INITRAMFS_ROOT)/bin $(INITRAMFS_ROOT)/tests
	$(Q)cp $(BUILD)/user/init $(INITRAMFS_ROOT)/init
	$(Q)cp $(filter-out $(BUILD)/user/init,$(USER_PROGS)) $(INITRAMFS_ROOT)/bin/
	$(Q)$(if $(USER_TESTS),cp $(USER_TESTS) $(INITRAMFS_ROOT)/tests/)
	$(Q)tools/mkinitramfs $(INITRAMFS_ROOT) $@

.PHONY: user initramfs check-user check-programs
user: $(USER_PROGS) $(USER_TESTS) $(GUEST_BENCH)
initramfs: $(BUILD)/initramfs.cpio

check-user: deps
	@$(MAKE) --no-print-directory user
	@tools/test-user $(BUILD) $(BUILD)/results

check-programs: deps
	@$(MAKE) --no-print-directory user
	@tools/test-programs $(BUILD) $(BUILD)/results

# The in-guest benchmarks (tests/bench/guest/bench.c) as /init of their own
# initramfs, for `make bench-linux` (tools/bench-linux boots it on Linux 6.1
# and on our kernel).
$(GUEST_BENCH): tests/bench/guest/bench.c
	@mkdir -p $(dir $@)
	$(quiet) USERCC $<
	$(Q)$(USER_CC) $(USER_CFLAGS) -o $@ $< -lm

$(BUILD)/bench/guest-initramfs.cpio: $(GUEST_BENCH) tools/mkinitramfs
	$(quiet) CPIO $@
	$(Q)rm -rf $(BUILD)/bench/guest-root && mkdir -p $(BUILD)/bench/guest-root
	$(Q)cp $(GUEST_BENCH) $(BUILD)/bench/guest-root/init
	$(Q)tools/mkinitramfs $(BUILD)/bench/guest-root $@
