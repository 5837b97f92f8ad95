/*
 * ELF64 executables for riscv64: the checks execve makes before it maps
 * anything, as a pure function over bytes.
 *
 * Accepted: ELFCLASS64, little endian, EV_CURRENT, EM_RISCV, ET_EXEC or
 * ET_DYN (static PIE), no PT_INTERP (only static programs run here). The
 * result lists the PT_LOAD segments in file order with everything a loader
 * needs, the entry point, where the program headers appear in memory
 * (AT_PHDR), PT_GNU_STACK and PT_TLS.
 *
 * Addresses are the file's own (unbiased); for ET_DYN the loader adds its
 * load bias. Every field is checked against the file size and against the
 * user address space [0, task_size): a segment whose file bytes run past the
 * end, whose end wraps or leaves user space, whose p_offset and p_vaddr
 * differ modulo the page size or its p_align, PT_LOAD segments out of
 * order, overlapping or sharing a page, an entry point outside every
 * executable segment, PT_PHDR/PT_TLS outside the loaded image. Each refusal
 * is an Error carrying the errno Linux's execve returns for that case
 * (-ENOEXEC for a malformed file, program headers past its end included;
 * -EINVAL where Linux's load_elf_binary or its mmap says EINVAL; -EPERM
 * for an ET_EXEC segment in page 0, below mmap_min_addr) and a message
 * naming the problem.
 *
 * Deliberate restrictions beyond Linux, all -ENOEXEC (a static-only loader
 * with one VMA per segment wants them; Linux would load such a file and let
 * it crash or SIGBUS later): at most kElfMaxLoads PT_LOAD segments, in
 * ascending p_vaddr order (the ELF specification requires it), never two in
 * one page, a non-empty PT_LOAD set, segment bytes inside the file, the
 * entry point in an executable segment, PT_PHDR and the PT_TLS image inside
 * a segment, and the e_ident/e_version/e_ehsize fields Linux ignores.
 *
 * The parser reads the header and the program-header table through memcpy,
 * so neither needs any alignment: an executable straight out of a cpio
 * archive (4-byte aligned) is fine.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lib/result.h>

// On-disk structures (ELF-64 Object File Format, version 1.5).
struct Elf64_Ehdr {
  uint8_t e_ident[16];
  uint16_t e_type;
  uint16_t e_machine;
  uint32_t e_version;
  uint64_t e_entry;
  uint64_t e_phoff;
  uint64_t e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize;
  uint16_t e_phentsize;
  uint16_t e_phnum;
  uint16_t e_shentsize;
  uint16_t e_shnum;
  uint16_t e_shstrndx;
};
static_assert(sizeof(Elf64_Ehdr) == 64);

struct Elf64_Phdr {
  uint32_t p_type;
  uint32_t p_flags;
  uint64_t p_offset;
  uint64_t p_vaddr;
  uint64_t p_paddr;
  uint64_t p_filesz;
  uint64_t p_memsz;
  uint64_t p_align;
};
static_assert(sizeof(Elf64_Phdr) == 56);

inline constexpr uint8_t ELFCLASS64 = 2;
inline constexpr uint8_t ELFDATA2LSB = 1;
inline constexpr uint8_t EV_CURRENT = 1;
inline constexpr uint16_t ET_EXEC = 2;
inline constexpr uint16_t ET_DYN = 3;
inline constexpr uint16_t EM_RISCV = 243;

inline constexpr uint32_t PT_NULL = 0;
inline constexpr uint32_t PT_LOAD = 1;
inline constexpr uint32_t PT_DYNAMIC = 2;
inline constexpr uint32_t PT_INTERP = 3;
inline constexpr uint32_t PT_NOTE = 4;
inline constexpr uint32_t PT_PHDR = 6;
inline constexpr uint32_t PT_TLS = 7;
inline constexpr uint32_t PT_GNU_STACK = 0x6474e551;

inline constexpr uint32_t PF_X = 1;
inline constexpr uint32_t PF_W = 2;
inline constexpr uint32_t PF_R = 4;

// Linux reads at most one page of program headers (ELF_MIN_ALIGN): 73.
inline constexpr unsigned kElfMaxPhdrs = 4096 / sizeof(Elf64_Phdr);
inline constexpr unsigned kElfMaxLoads = 16;
inline constexpr uint64_t kElfPageSize = 4096;

struct ElfSegment {
  uint64_t vaddr;   // p_vaddr (unbiased)
  uint64_t memsz;   // bytes in memory; [vaddr+filesz, vaddr+memsz) is zero (bss)
  uint64_t offset;  // p_offset in the file
  uint64_t filesz;  // bytes from the file, <= memsz
  uint64_t align;   // p_align (0 or 1: none), a power of two
  uint32_t flags;   // PF_R | PF_W | PF_X
};

struct ElfTls {
  uint64_t vaddr;   // the initialisation image (.tdata) in the loaded image
  uint64_t filesz;  // .tdata
  uint64_t memsz;   // .tdata + .tbss
  uint64_t align;   // power of two (0 or 1: none)
};

struct ElfInfo {
  uint16_t type;     // ET_EXEC or ET_DYN
  uint32_t e_flags;  // EF_RISCV_* (float ABI, RVC)
  uint64_t entry;    // e_entry (unbiased)
  // AT_PHDR (unbiased) / AT_PHENT / AT_PHNUM. phdr_vaddr is the PT_PHDR
  // address, else where the PT_LOAD holding e_phoff maps it (as Linux since
  // 5.18), else 0 when no segment loads the table (has_phdr_vaddr false).
  uint64_t phdr_vaddr;
  bool has_phdr_vaddr;
  uint64_t phoff;
  uint16_t phnum;
  uint16_t phentsize;
  // PT_LOAD segments with memsz > 0, ascending vaddr.
  ElfSegment loads[kElfMaxLoads];
  unsigned nr_loads;
  // Page-aligned span of the loads: [lo, hi). For ET_DYN the loader picks
  // a bias b with b + lo page aligned and b + hi <= task_size.
  uint64_t lo;
  uint64_t hi;
  // PT_GNU_STACK: present and its flags (an absent one means the default).
  bool has_gnu_stack;
  uint32_t stack_flags;
  bool has_tls;
  ElfTls tls;
};

/*
 * Two steps, so a kernel that reads a file through a page cache can fetch
 * only what it needs: elf_check_header() looks at the first bytes (at least
 * sizeof(Elf64_Ehdr) of them, `head` may be shorter when the file is) and
 * says where the program headers are; elf_parse_phdrs() checks the table
 * (phnum * phentsize bytes read from e_phoff) against the file.
 */
struct ElfHeader {
  uint16_t type;
  uint32_t e_flags;
  uint64_t entry;
  uint64_t phoff;
  uint16_t phnum;
  uint16_t phentsize;
  // Bytes of program headers to read from phoff.
  size_t phdrs_size() const { return size_t{phnum} * phentsize; }
};

Result<ElfHeader> elf_check_header(const void* head, size_t head_len, uint64_t file_size);
Result<ElfInfo> elf_parse_phdrs(const ElfHeader& h, const void* phdrs, uint64_t file_size, uint64_t task_size);

// Both steps over a whole file in memory.
Result<ElfInfo> elf_parse(const void* image, size_t size, uint64_t task_size);
