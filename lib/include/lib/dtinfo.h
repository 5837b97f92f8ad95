/*
 * What the kernel takes from the device tree, extracted in one pass by
 * dt_parse_machine() from a validated FDT blob. Pure function of the blob:
 * host tests run it on DTBs dumped from QEMU and on the HiFive boards' trees.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct DtRange {
  uint64_t base;
  uint64_t size;
};

struct DtHart {
  uint32_t hartid;       // reg
  bool okay;             // status absent or "okay"
  bool has_mmu;          // mmu-type present and "riscv,sv*"
  bool has_sstc;         // riscv,isa (or riscv,isa-extensions) lists sstc
  char mmu_type[16];     // e.g. "riscv,sv39"
  char isa[64];          // riscv,isa, truncated
  uint32_t phandle;
  uint32_t intc_phandle; // its interrupt-controller child
};

struct DtDevice {
  bool present;
  uint64_t base;
  uint64_t size;
  char compatible[32];   // the compatible string that matched
  uint32_t reg_shift;    // ns16550a: reg-shift (default 0)
  uint32_t reg_io_width; // ns16550a: reg-io-width (default 1)
  uint32_t clock_frequency;
  uint32_t current_speed;
  uint32_t interrupt;    // first interrupt specifier cell, 0 if none
};

constexpr unsigned DT_MAX_MEMORY = 16;
constexpr unsigned DT_MAX_RESERVED = 32;
constexpr unsigned DT_MAX_HARTS = 64;

struct MachineInfo {
  char model[64];
  char compatible[64];                 // root compatible, first string

  DtRange memory[DT_MAX_MEMORY];       // every /memory node's reg entries
  unsigned nr_memory;
  DtRange reserved[DT_MAX_RESERVED];   // /reserved-memory children + /memreserve/
  unsigned nr_reserved;

  uint64_t timebase_frequency;         // /cpus/timebase-frequency (or per-cpu)
  uint32_t cache_line_size;            // d-cache-block-size / riscv,cbom-block-size, else 64
  DtHart harts[DT_MAX_HARTS];          // every /cpus/cpu@* node, in DT order
  unsigned nr_harts;

  const char* bootargs;                // /chosen/bootargs inside the blob, "" if none
  uint64_t initrd_start, initrd_end;   // /chosen/linux,initrd-*, 0 if none
  // /chosen/rng-seed (QEMU virt passes 32 random bytes; boot loaders may),
  // copied: the kernel mixes it into its entropy pool (kernel/random.cc).
  uint8_t rng_seed[64];
  uint32_t rng_seed_len;               // bytes copied (a longer seed is cut)
  uint64_t kaslr_seed;                 // /chosen/kaslr-seed, 0 if none

  DtDevice console;                    // UART named by /chosen/stdout-path (aliases resolved),
                                       // else the first ns16550a / sifive,uart0 with status okay
  DtDevice plic;                       // riscv,plic0 / sifive,plic-1.0.0
  uint32_t plic_ndev;                  // riscv,ndev
  DtDevice finisher;                   // sifive,test0
  DtDevice rtc;                        // google,goldfish-rtc (QEMU virt)
};

enum class DtError {
  None,
  BadMagic,
  Truncated,          // totalsize larger than the buffer, or a block past totalsize
  BadVersion,
  BadStructure,       // malformed token stream
  BadStrings,         // property name offset outside the strings block
  NoMemory,           // no /memory node
  NoCpus,             // no /cpus node or no cpu with a usable hart
};

const char* dt_error_string(DtError e);

// Checks the header and the whole structure block; `size` is how many bytes
// are known to be readable at blob (the header's totalsize must fit).
DtError fdt_validate(const void* blob, size_t size);

// Fills *out; strings such as bootargs point into the blob. On NoMemory and
// NoCpus the other fields (console, finisher, bootargs) are still filled in,
// so the caller can report the error and exit through them.
DtError dt_parse_machine(const void* blob, size_t size, MachineInfo* out);
