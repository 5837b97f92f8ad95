# Top-level build. `make` builds build/kernel.elf and build/Image; see README.md.
#
# Variables a user may set:
#   CROSS_COMPILE  toolchain prefix (probed: riscv64-linux-gnu-, riscv64-unknown-elf-)
#   CXX            kernel C++ compiler (default $(CROSS_COMPILE)g++; clang++ works)
#   HOSTCXX        compiler for host tests and benchmarks (default g++)
#   BUILD          output directory (default build)
#   BOARD SMP MEM  QEMU machine for `make run` (virt|sifive_u, hart count, RAM)
#   APPEND         extra kernel command line for `make run`
#   KTEST          test glob for `make run` (e.g. KTEST=sbi.*)
#   INITRAMFS      a cpio newc archive to link into the image (default none:
#                  `make run` hands build/initramfs.cpio to QEMU as the initrd)
#   BOARD SPL ITB  for `make image`: unmatched|unleashed|qemu-virt, and the
#                  board's U-Boot SPL / ITB files for the SD-card image

BUILD ?= build

# Quiet build lines ("  CXX  file"); V=1 prints the full commands.
ifeq ($(V),1)
  Q :=
  quiet = @true
else
  Q := @
  quiet = @printf '  %-7s %s\n'
endif
BOARD ?= virt
SMP ?= 4
MEM ?= 512M
APPEND ?=
KTEST ?=
SPL ?=
ITB ?=
# `make image BOARD=...` names boards by their board/ folder; `make run`
# BOARD names a QEMU machine.
IMAGE_BOARD = $(if $(filter virt,$(BOARD)),qemu-virt,$(BOARD))
comma := ,

# ---- toolchain probe -------------------------------------------------------
ifeq ($(origin CROSS_COMPILE),undefined)
  CROSS_COMPILE := $(shell tools/probe-cross)
endif
ifeq ($(origin CXX),default)
  CXX := $(CROSS_COMPILE)g++
endif
LD      := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
NM      := $(CROSS_COMPILE)nm
HOSTCXX ?= g++

IS_CLANG := $(if $(findstring clang,$(notdir $(CXX))),1,)
ifeq ($(IS_CLANG),1)
  ARCHFLAGS := --target=riscv64-linux-gnu -march=rv64imac -mabi=lp64 -mno-relax
else
  ARCHFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -fno-tree-loop-distribute-patterns
endif

INCLUDES := -Iarch/riscv/include -Ikernel/include -Imm/include -Ilib/include -Ifs/include \
            -Iarch/riscv/include/libc-compat

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter

CXXFLAGS_KERNEL := -std=c++20 $(ARCHFLAGS) -mcmodel=medany -O2 -g \
  -ffreestanding -fno-exceptions -fno-rtti -fno-pie -fno-pic -nostdlib \
  -fno-stack-protector -fno-threadsafe-statics -fno-use-cxa-atexit \
  -fno-omit-frame-pointer -fno-builtin -fno-strict-aliasing \
  -fno-asynchronous-unwind-tables -fno-unwind-tables \
  -D__KERNEL__ $(INCLUDES) $(WARNINGS) -MMD -MP
ASFLAGS_KERNEL := $(ARCHFLAGS) -mcmodel=medany -D__ASSEMBLY__ -D__KERNEL__ \
  $(INCLUDES) -MMD -MP -g
# The only code that touches FP registers (user FP state, and the user-mode
# self-test programs) is assembly that may use F/D; the C++ never does.
FP_MARCH := $(if $(IS_CLANG),-march=rv64imafdc,-march=rv64imafdc_zicsr_zifencei)
FP_ASM_OBJS := $(BUILD)/obj/arch/riscv/kernel/fpu.o $(BUILD)/obj/tests/kernel/user_progs.o
$(FP_ASM_OBJS): ASFLAGS_KERNEL += $(FP_MARCH)

# ---- kernel sources ----------------------------------------------------------
KERNEL_DIRS := arch/riscv/boot arch/riscv/kernel arch/riscv/mm kernel kernel/drivers mm lib fs fs/proc tests/kernel
KERNEL_CC   := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.cc))
KERNEL_S    := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.S))
KERNEL_OBJS := $(patsubst %.cc,$(BUILD)/obj/%.o,$(KERNEL_CC)) \
               $(patsubst %.S,$(BUILD)/obj/%.o,$(KERNEL_S))
LDSCRIPT    := arch/riscv/kernel/vmlinux.lds

# The built-in initramfs (INITRAMFS=path): .incbin'ed into .init.ramfs.
# The generated .S is rewritten only when the path changes, and the object
# depends on the archive, so a new archive relinks the kernel.
INITRAMFS ?=
INITRAMFS_OBJ := $(BUILD)/obj/initramfs_data.o
KERNEL_OBJS += $(INITRAMFS_OBJ)
$(BUILD)/obj/initramfs_data.S: FORCE
	@mkdir -p $(dir $@)
	@printf '.section .init.ramfs, "a"\n%s\n' '$(if $(INITRAMFS),.incbin "$(abspath $(INITRAMFS))",)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(INITRAMFS_OBJ): $(BUILD)/obj/initramfs_data.S $(INITRAMFS)
	$(quiet) AS $@
	$(Q)$(CXX) $(ASFLAGS_KERNEL) -c $< -o $@
.PHONY: FORCE
FORCE:

.PHONY: all kernel run test check-host check-qemu gdb clean deps bench bench-linux check-user-linux image
all: kernel
kernel: $(BUILD)/kernel.elf $(BUILD)/Image

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(quiet) CXX $<
	$(Q)$(CXX) $(CXXFLAGS_KERNEL) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(quiet) AS $<
	$(Q)$(CXX) $(ASFLAGS_KERNEL) -c $< -o $@

# Two-pass link for the embedded symbol table (Oops backtraces): the table
# lives in .ksyms after all code and data, so filling it in cannot move any
# text symbol that it names.
KSYMS_EMPTY := $(BUILD)/obj/ksyms-empty.o
$(KSYMS_EMPTY): tools/gen-ksyms
	@mkdir -p $(dir $@)
	$(Q)tools/gen-ksyms < /dev/null > $(@:.o=.S)
	$(Q)$(CXX) $(ASFLAGS_KERNEL) -c $(@:.o=.S) -o $@

LDFLAGS_KERNEL := -T $(LDSCRIPT) --build-id=none -static -nostdlib --no-dynamic-linker -z noexecstack

$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(LDSCRIPT) $(KSYMS_EMPTY)
	$(quiet) LD $@
	$(Q)$(LD) $(LDFLAGS_KERNEL) -o $@.pass1 $(KERNEL_OBJS) $(KSYMS_EMPTY)
	$(Q)$(NM) -n -C $@.pass1 | tools/gen-ksyms > $(BUILD)/obj/ksyms.S
	$(Q)$(CXX) $(ASFLAGS_KERNEL) -c $(BUILD)/obj/ksyms.S -o $(BUILD)/obj/ksyms.o
	$(Q)$(LD) $(LDFLAGS_KERNEL) -o $@ $(KERNEL_OBJS) $(BUILD)/obj/ksyms.o
	@rm -f $@.pass1

$(BUILD)/Image: $(BUILD)/kernel.elf
	$(quiet) OBJCOPY $@
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(KERNEL_OBJS:.o=.d)

# ---- user programs, ABI tests, initramfs ------------------------------------
include user/user.mk

# ---- host tests (doctest, ASan+UBSan) ---------------------------------------
HOST_CXXFLAGS := -std=c++20 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -DHOST_TEST $(WARNINGS) -Ilib/include -Imm/include -Iarch/riscv/include -Ikernel/include -Ifs/include \
  -Itests/host -MMD -MP -DHOST_BUILD_DIR='"$(BUILD)/host"'
# Host-buildable kernel code: everything in lib/, the arch-neutral page-table
# editor, the ASID allocator, and the mm files listed by mm/host-sources.mk.
HOST_LIB_CC  := $(wildcard lib/*.cc) arch/riscv/mm/pgtable.cc arch/riscv/mm/asid.cc
-include mm/host-sources.mk
-include fs/host-sources.mk
-include kernel/host-sources.mk
HOST_TEST_CC := $(wildcard tests/host/*.cc)
HOST_OBJS    := $(patsubst %.cc,$(BUILD)/host/obj/%.o,$(HOST_LIB_CC) $(HOST_MM_CC) $(HOST_FS_CC) $(HOST_KERNEL_CC) $(HOST_TEST_CC))

$(BUILD)/host/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(quiet) HOSTCXX $<
	$(Q)$(HOSTCXX) $(HOST_CXXFLAGS) -c $< -o $@

# Device trees of the real boards, compiled for the host tests.
BOARD_DTS  := $(wildcard board/*/*.dts)
BOARD_DTBS := $(patsubst board/%.dts,$(BUILD)/host/data/%.dtb,$(BOARD_DTS))
$(BUILD)/host/data/%.dtb: board/%.dts
	@mkdir -p $(dir $@)
	$(quiet) DTC $<
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# riscv64 executables and cpio archives for the ELF and cpio host tests
# (sources and generator in tests/host/inputs/).
HOST_ELF_DATA := $(addprefix $(BUILD)/host/data/elf/,hello-static hello-dynamic nolibc-static nolibc-static-pie)
$(BUILD)/host/data/elf/hello-%: tests/host/inputs/hello.c
	@mkdir -p $(dir $@)
	$(quiet) USERCC $@
	$(Q)$(USER_CC) $(if $(filter static,$*),-static,) -O2 -o $@ $<
$(BUILD)/host/data/elf/nolibc-%: tests/host/inputs/nolibc.c
	@mkdir -p $(dir $@)
	$(quiet) USERCC $@
	$(Q)$(USER_CC) $(if $(filter static-pie,$*),-static-pie -fPIE -Wl$(comma)--no-dynamic-linker,-static -fno-pie) \
	  -nostdlib -ffreestanding -O2 -o $@ $<
HOST_CPIO_STAMP := $(BUILD)/host/data/cpio/stamp
$(HOST_CPIO_STAMP): tests/host/inputs/gen-cpio tools/mkinitramfs
	$(quiet) GEN $(dir $@)
	$(Q)tests/host/inputs/gen-cpio $(dir $@)
	@touch $@

$(BUILD)/host/unit-tests: $(HOST_OBJS) | $(BOARD_DTBS) $(HOST_ELF_DATA) $(HOST_CPIO_STAMP)
	$(quiet) HOSTLD $@
	$(Q)$(HOSTCXX) -fsanitize=address,undefined -o $@ $^

-include $(HOST_OBJS:.o=.d)

# ---- benchmarks (Google Benchmark, host build of the real code) -------------
BENCH_CXXFLAGS := -std=c++20 -O2 -g -DHOST_TEST -DNDEBUG $(WARNINGS) -Ilib/include -Imm/include \
  -Iarch/riscv/include -Ikernel/include -MMD -MP
BENCH_SRC  := $(HOST_LIB_CC) $(HOST_MM_CC) $(wildcard tests/bench/*.cc)
BENCH_OBJS := $(patsubst %.cc,$(BUILD)/host/bench-obj/%.o,$(BENCH_SRC))

$(BUILD)/host/bench-obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(quiet) BENCHCXX $<
	$(Q)$(HOSTCXX) $(BENCH_CXXFLAGS) -c $< -o $@

$(BUILD)/host/bench/mm_bench: $(BENCH_OBJS)
	@mkdir -p $(dir $@)
	$(quiet) HOSTLD $@
	$(Q)$(HOSTCXX) -o $@ $^ -lbenchmark -lpthread -ldl

-include $(BENCH_OBJS:.o=.d)

# ---- user-facing targets ---------------------------------------------------
deps:
	@tools/install-deps

# Host doctest suites under ASan+UBSan.
check-host: deps
	@$(MAKE) --no-print-directory $(BUILD)/host/unit-tests
	@tools/run-host-tests $(BUILD)/host/unit-tests $(BUILD)/results/host.txt

# In-kernel self-tests on every QEMU configuration.
check-qemu: deps
	@$(MAKE) --no-print-directory kernel
	@tools/test-qemu $(BUILD) $(BUILD)/results

# Everything; ends with "N passed, N failed" and fails when anything did.
test: deps
	@$(MAKE) --no-print-directory kernel $(BUILD)/host/unit-tests user initramfs
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	@echo "== kernel built with clang++ (warnings are errors with both compilers)"
	@if $(MAKE) --no-print-directory BUILD=$(BUILD)/clang CXX=clang++ kernel > $(BUILD)/results/build-clang.log 2>&1; \
	  then echo "1 0 0" > $(BUILD)/results/build-clang.txt; \
	  else echo "0 1 0" > $(BUILD)/results/build-clang.txt; rm -f $(BUILD)/clang/Image; \
	    echo "   FAILED"; grep -E 'error|warning' $(BUILD)/results/build-clang.log | head -20; fi
	@echo "== host tests (doctest, ASan+UBSan)"
	@tools/run-host-tests $(BUILD)/host/unit-tests $(BUILD)/results/host.txt > $(BUILD)/results/host.log 2>&1 || \
	  { echo "   FAILED; log: $(BUILD)/results/host.log"; tail -n 30 $(BUILD)/results/host.log; }
	@tools/test-user $(BUILD) $(BUILD)/results || true
	@tools/test-programs $(BUILD) $(BUILD)/results || true
	@tools/test-user-kernel $(BUILD) $(BUILD)/results || true
	@tools/test-qemu $(BUILD) $(BUILD)/results $(BUILD)/clang/Image || true
	@tools/summarize $(BUILD)/results

# Benchmarks (never part of `make test`): every allocator and the peers in
# one run, medians of 3 repetitions in build/bench/mm_bench.json; then the
# instruction count of the hot pairs under callgrind, the ratio table against
# the targets and the plot build/bench/slab.png. BENCH_FILTER=regex runs a subset.
BENCH_FILTER ?=
BENCH_INSTR  := slab/64 kmalloc/64 kmalloc_const64/64 mimalloc/64 glibc/64 jemalloc/64 tcmalloc/64
bench:
	@tools/install-deps bench
	@$(MAKE) --no-print-directory $(BUILD)/host/bench/mm_bench
	@mkdir -p $(BUILD)/bench
	$(BUILD)/host/bench/mm_bench --benchmark_out=$(BUILD)/bench/mm_bench.json --benchmark_out_format=json \
	  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_min_time=0.25 \
	  $(if $(BENCH_FILTER),--benchmark_filter='$(BENCH_FILTER)')
	@echo "== instructions per hot pair (callgrind)"
	@tools/bench-instructions $(BUILD)/host/bench/mm_bench $(BUILD)/bench/instructions.json $(BENCH_INSTR)
	@echo "== ratios"
	@tools/bench-report $(BUILD)/bench/mm_bench.json $(BUILD)/bench/instructions.json \
	  --plot $(BUILD)/bench/slab.png | tee $(BUILD)/bench/ratios.txt

# The in-guest benchmarks on Linux 6.1 (built once from Debian's
# linux-source-6.1, cached in build/linux/) and on our kernel, same QEMU,
# same initramfs: build/bench/{linux,ours}.json and linux-ratios.txt.
bench-linux: deps
	@tools/install-deps linux
	@$(MAKE) --no-print-directory kernel $(BUILD)/bench/guest-initramfs.cpio
	@tools/bench-linux $(BUILD)

# The ABI programs on Linux 6.1 itself, compared with the references that
# make check-user derives (the same Linux build as bench-linux).
check-user-linux: deps
	@tools/install-deps linux
	@$(MAKE) --no-print-directory check-user
	@tools/test-user-linux $(BUILD)

run: deps
	@$(MAKE) --no-print-directory kernel initramfs
	tools/run-qemu --board $(BOARD) --smp $(SMP) --mem $(MEM) --image $(BUILD)/Image \
	  --initrd $(BUILD)/initramfs.cpio --append "$(strip $(if $(KTEST),ktest=$(KTEST)) $(APPEND))" --interactive

# Boot media for a board: build/<board>/{boot.scr,boot.img,sdcard.img}.
image: deps
	@$(MAKE) --no-print-directory kernel
	@tools/mkimage-board $(IMAGE_BOARD) $(BUILD)/Image $(BUILD) $(SPL) $(ITB)

gdb: deps
	@$(MAKE) --no-print-directory kernel
	tools/gdb-qemu --board $(BOARD) --smp $(SMP) --mem $(MEM) --build $(BUILD) --append "$(APPEND)"

clean:
	rm -rf $(BUILD)
