// ELF64 riscv64 executable validation (see lib/elf.h). Every sum of two
// file-supplied values is checked for wrap-around before it is used; the
// order of the header checks follows Linux's load_elf_binary so that the
// same broken file gets the same errno.
#include <lib/elf.h>

#include <errno.h>

#include <lib/string.h>

namespace {

constexpr uint8_t kElfMag[4] = {0x7f, 'E', 'L', 'F'};
constexpr unsigned EI_CLASS = 4;
constexpr unsigned EI_DATA = 5;
constexpr unsigned EI_VERSION = 6;

Error enoexec(const char* msg) { return Error{-ENOEXEC, msg}; }
Error einval(const char* msg) { return Error{-EINVAL, msg}; }

bool is_pow2_or_none(uint64_t align) { return align <= 1 || (align & (align - 1)) == 0; }
uint64_t page_down(uint64_t a) { return a & ~(kElfPageSize - 1); }
// Callers guarantee a <= UINT64_MAX - page + 1 (user addresses are far below).
uint64_t page_up(uint64_t a) { return page_down(a + kElfPageSize - 1); }

// True when [start, start + len) does not wrap and ends at or below limit.
bool fits(uint64_t start, uint64_t len, uint64_t limit) { return start <= limit && len <= limit - start; }

Elf64_Phdr read_phdr(const void* table, unsigned i) {
  Elf64_Phdr ph;
  memcpy(&ph, static_cast<const uint8_t*>(table) + size_t{i} * sizeof(ph), sizeof(ph));
  return ph;
}

Result<void> check_load(const Elf64_Phdr& ph, uint64_t file_size) {
  if (ph.p_filesz > ph.p_memsz) return einval("PT_LOAD: p_filesz > p_memsz");
  if (!fits(ph.p_offset, ph.p_filesz, file_size)) return enoexec("PT_LOAD: p_offset + p_filesz is past the end of the file");
  if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr) return einval("PT_LOAD: p_vaddr + p_memsz wraps around");
  if (!is_pow2_or_none(ph.p_align)) return enoexec("PT_LOAD: p_align is not a power of two");
  // The loader maps file pages at page granularity, as mmap would.
  if ((ph.p_offset ^ ph.p_vaddr) & (kElfPageSize - 1)) return einval("PT_LOAD: p_offset and p_vaddr differ modulo the page size");
  if (ph.p_align > 1 && ((ph.p_offset ^ ph.p_vaddr) & (ph.p_align - 1)))
    return einval("PT_LOAD: p_offset and p_vaddr differ modulo p_align");
  return ok_result();
}

// Adds a checked, non-empty PT_LOAD after the previous ones.
Result<void> add_load(ElfInfo& info, const Elf64_Phdr& ph) {
  if (info.nr_loads > 0) {
    const ElfSegment& prev = info.loads[info.nr_loads - 1];
    const uint64_t prev_end = prev.vaddr + prev.memsz;
    if (ph.p_vaddr < prev.vaddr) return enoexec("PT_LOAD segments are not in ascending p_vaddr order");
    if (ph.p_vaddr < prev_end) return enoexec("PT_LOAD segments overlap");
    if (page_down(ph.p_vaddr) < page_up(prev_end)) return enoexec("PT_LOAD segments share a page");
  }
  if (info.nr_loads == kElfMaxLoads) return enoexec("too many PT_LOAD segments");
  info.loads[info.nr_loads++] = ElfSegment{ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_align,
                                           ph.p_flags & (PF_R | PF_W | PF_X)};
  return ok_result();
}

// The load segment whose memory holds [vaddr, vaddr + len), or null.
const ElfSegment* load_covering(const ElfInfo& info, uint64_t vaddr, uint64_t len) {
  for (unsigned i = 0; i < info.nr_loads; i++) {
    const ElfSegment& s = info.loads[i];
    if (vaddr >= s.vaddr && fits(vaddr - s.vaddr, len, s.memsz)) return &s;
  }
  return nullptr;
}

Result<void> check_tls(const Elf64_Phdr& ph, uint64_t file_size, uint64_t task_size) {
  if (ph.p_filesz > ph.p_memsz) return enoexec("PT_TLS: p_filesz > p_memsz");
  if (!fits(ph.p_offset, ph.p_filesz, file_size)) return enoexec("PT_TLS: p_offset + p_filesz is past the end of the file");
  if (!is_pow2_or_none(ph.p_align)) return enoexec("PT_TLS: p_align is not a power of two");
  if (ph.p_memsz > task_size || ph.p_align > task_size) return enoexec("PT_TLS: block larger than the address space");
  return ok_result();
}

}  // namespace

Result<ElfHeader> elf_check_header(const void* head, size_t head_len, uint64_t file_size) {
  if (head_len > file_size) head_len = static_cast<size_t>(file_size);
  const uint8_t* b = static_cast<const uint8_t*>(head);
  if (head_len < sizeof(kElfMag) || memcmp(b, kElfMag, sizeof(kElfMag)) != 0) return enoexec("not an ELF file (bad magic)");
  if (head_len < sizeof(Elf64_Ehdr)) return enoexec("truncated ELF header");
  Elf64_Ehdr eh;
  memcpy(&eh, b, sizeof(eh));
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) return enoexec("e_type is neither ET_EXEC nor ET_DYN");
  if (eh.e_machine != EM_RISCV) return enoexec("e_machine is not EM_RISCV");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return enoexec("not ELFCLASS64");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return enoexec("not little endian (ELFDATA2LSB)");
  if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT) return enoexec("ELF version is not EV_CURRENT");
  if (eh.e_ehsize != sizeof(Elf64_Ehdr)) return enoexec("e_ehsize is not 64");
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) return enoexec("e_phentsize is not sizeof(Elf64_Phdr)");
  if (eh.e_phnum == 0) return enoexec("no program headers");
  if (eh.e_phnum > kElfMaxPhdrs) return enoexec("too many program headers (more than a page)");
  ElfHeader h{eh.e_type, eh.e_flags, eh.e_entry, eh.e_phoff, eh.e_phnum, eh.e_phentsize};
  // Linux's load_elf_phdrs fails the short read with -EIO internally, but
  // load_elf_binary turns every failure of it into -ENOEXEC.
  if (!fits(h.phoff, h.phdrs_size(), file_size)) return enoexec("program headers are past the end of the file");
  return h;
}

Result<ElfInfo> elf_parse_phdrs(const ElfHeader& h, const void* phdrs, uint64_t file_size, uint64_t task_size) {
  ElfInfo info;
  memset(&info, 0, sizeof(info));
  info.type = h.type;
  info.e_flags = h.e_flags;
  info.entry = h.entry;
  info.phoff = h.phoff;
  info.phnum = h.phnum;
  info.phentsize = h.phentsize;

  bool has_phdr = false;
  uint64_t pt_phdr_vaddr = 0, pt_phdr_memsz = 0;
  for (unsigned i = 0; i < h.phnum; i++) {
    const Elf64_Phdr ph = read_phdr(phdrs, i);
    switch (ph.p_type) {
      case PT_INTERP:
        return enoexec("PT_INTERP: dynamically linked programs are not supported");
      case PT_LOAD:
        TRY(check_load(ph, file_size));
        if (ph.p_memsz) TRY(add_load(info, ph));
        break;
      case PT_PHDR:
        if (has_phdr) return enoexec("more than one PT_PHDR");
        has_phdr = true;
        pt_phdr_vaddr = ph.p_vaddr;
        pt_phdr_memsz = ph.p_memsz;
        break;
      case PT_TLS:
        if (info.has_tls) return enoexec("more than one PT_TLS");
        TRY(check_tls(ph, file_size, task_size));
        info.has_tls = true;
        info.tls = ElfTls{ph.p_vaddr, ph.p_filesz, ph.p_memsz, ph.p_align};
        break;
      case PT_GNU_STACK:  // the last one counts, as in Linux
        info.has_gnu_stack = true;
        info.stack_flags = ph.p_flags & (PF_R | PF_W | PF_X);
        break;
      default:
        break;
    }
  }
  if (info.nr_loads == 0) return enoexec("no loadable segment");

  const ElfSegment& first = info.loads[0];
  const ElfSegment& last = info.loads[info.nr_loads - 1];
  const uint64_t end = last.vaddr + last.memsz;  // no wrap: checked per segment
  // Linux checks each ET_EXEC segment against TASK_SIZE (EINVAL); ET_DYN
  // addresses are relative, but a span that does not fit cannot be placed.
  if (end > task_size) return einval("PT_LOAD ends beyond the user address space");
  info.lo = page_down(first.vaddr);
  info.hi = page_up(end);  // task_size is far below 2^64: no wrap
  if (h.type == ET_EXEC && info.lo == 0) return Error{-EPERM, "PT_LOAD maps page 0 (below mmap_min_addr)"};

  bool entry_ok = false;
  for (unsigned i = 0; i < info.nr_loads; i++) {
    const ElfSegment& s = info.loads[i];
    if ((s.flags & PF_X) && h.entry >= s.vaddr && h.entry - s.vaddr < s.memsz) entry_ok = true;
  }
  if (!entry_ok) return enoexec("entry point is not in an executable PT_LOAD segment");

  if (has_phdr && !load_covering(info, pt_phdr_vaddr, pt_phdr_memsz)) return enoexec("PT_PHDR is not inside a PT_LOAD segment");
  if (info.has_tls && !load_covering(info, info.tls.vaddr, info.tls.filesz))
    return enoexec("PT_TLS image is not inside a PT_LOAD segment");

  // AT_PHDR as Linux computes it: where the PT_LOAD whose file bytes hold
  // the table maps it; else what PT_PHDR says.
  for (unsigned i = 0; i < info.nr_loads && !info.has_phdr_vaddr; i++) {
    const ElfSegment& s = info.loads[i];
    if (h.phoff >= s.offset && fits(h.phoff - s.offset, h.phdrs_size(), s.filesz)) {
      info.phdr_vaddr = s.vaddr + (h.phoff - s.offset);
      info.has_phdr_vaddr = true;
    }
  }
  if (!info.has_phdr_vaddr && has_phdr) {
    info.phdr_vaddr = pt_phdr_vaddr;
    info.has_phdr_vaddr = true;
  }
  return info;
}

Result<ElfInfo> elf_parse(const void* image, size_t size, uint64_t task_size) {
  const ElfHeader h = TRY(elf_check_header(image, size, size));
  return elf_parse_phdrs(h, static_cast<const uint8_t*>(image) + h.phoff, size, task_size);
}
