/*
 * dt_parse_machine(): everything the kernel takes from the device tree, in
 * one place, as a pure function of the blob (see lib/dtinfo.h).
 */
#include <lib/dtinfo.h>

#include <lib/fdt.h>
#include <lib/string.h>

namespace {

void copy_string(char* dst, size_t size, const char* src) { strlcpy(dst, src ? src : "", size); }

const char* const kUartCompatibles[] = {"ns16550a", "ns16550", "snps,dw-apb-uart", "sifive,uart0"};
const char* const kPlicCompatibles[] = {"riscv,plic0", "sifive,plic-1.0.0"};

// Fills a DtDevice from node n, which matched `compat`.
void fill_device(const Fdt& fdt, FdtNode n, const char* compat, DtDevice* d) {
  *d = DtDevice{};
  uint64_t base = 0, size = 0;
  if (!fdt.reg(n, 0, &base, &size)) return;
  d->present = true;
  d->base = base;
  d->size = size;
  copy_string(d->compatible, sizeof(d->compatible), compat);
  d->reg_shift = fdt.prop_u32(n, "reg-shift", 0);
  d->reg_io_width = fdt.prop_u32(n, "reg-io-width", 1);
  d->clock_frequency = fdt.prop_u32(n, "clock-frequency", 0);
  d->current_speed = fdt.prop_u32(n, "current-speed", 0);
  d->interrupt = fdt.prop_u32(n, "interrupts", 0);
}

// Returns the first compatible string of `list` that n matches, or null.
template <size_t N>
const char* match_any(const Fdt& fdt, FdtNode n, const char* const (&list)[N]) {
  for (const char* c : list)
    if (fdt.is_compatible(n, c)) return c;
  return nullptr;
}

// First enabled node with a reg anywhere in the tree matching one of `list`.
template <size_t N>
FdtNode find_device(const Fdt& fdt, const char* const (&list)[N], DtDevice* d) {
  for (FdtNode n = fdt.root(); n.valid(); n = fdt.next_node(n)) {
    if (!fdt.is_enabled(n)) continue;
    if (const char* c = match_any(fdt, n, list)) {
      fill_device(fdt, n, c, d);
      if (d->present) return n;
    }
  }
  return {};
}

// Whole-word test for a multi-letter extension in a riscv,isa string
// ("rv64imafdc_zicsr_sstc"): `_sstc` must be followed by '_' or the end.
bool isa_has_extension(const char* isa, const char* ext) {
  const size_t len = strlen(ext);
  for (const char* p = strchr(isa, '_'); p; p = strchr(p + 1, '_')) {
    if (strncmp(p + 1, ext, len) == 0 && (p[1 + len] == '_' || p[1 + len] == '\0')) return true;
  }
  return false;
}

void parse_harts(const Fdt& fdt, FdtNode cpus, MachineInfo* m) {
  for (FdtNode c = fdt.first_child(cpus); c.valid() && m->nr_harts < DT_MAX_HARTS; c = fdt.next_sibling(c)) {
    const char* type = fdt.prop_string(c, "device_type");
    if (!type || strcmp(type, "cpu") != 0) continue;
    // /cpus has #size-cells = 0: reg is just the hart id (one or two cells).
    const FdtProp reg = fdt.prop(c, "reg");
    if (!reg.valid() || reg.len < 4) continue;
    const uint64_t hartid = reg.len >= 8 ? Fdt::be64(reg.data) : Fdt::be32(reg.data);
    DtHart& h = m->harts[m->nr_harts++];
    h = DtHart{};
    h.hartid = static_cast<uint32_t>(hartid);
    h.okay = fdt.is_enabled(c);
    const char* mmu = fdt.prop_string(c, "mmu-type");
    h.has_mmu = mmu && strncmp(mmu, "riscv,sv", 8) == 0;
    copy_string(h.mmu_type, sizeof(h.mmu_type), mmu);
    const char* isa = fdt.prop_string(c, "riscv,isa");
    copy_string(h.isa, sizeof(h.isa), isa);
    h.has_sstc = (isa && isa_has_extension(isa, "sstc")) || fdt.prop_has_string(c, "riscv,isa-extensions", "sstc");
    h.phandle = fdt.prop_u32(c, "phandle", 0);
    for (FdtNode k = fdt.first_child(c); k.valid(); k = fdt.next_sibling(k)) {
      if (fdt.prop(k, "interrupt-controller").valid()) h.intc_phandle = fdt.prop_u32(k, "phandle", 0);
    }
    if (m->timebase_frequency == 0) m->timebase_frequency = fdt.prop_u32(c, "timebase-frequency", 0);
    const uint32_t block = fdt.prop_u32(c, "riscv,cbom-block-size", fdt.prop_u32(c, "d-cache-block-size", 0));
    if (block && (block & (block - 1)) == 0 && block > m->cache_line_size) m->cache_line_size = block;
  }
}

void add_reserved(MachineInfo* m, uint64_t base, uint64_t size) {
  if (size == 0 || m->nr_reserved >= DT_MAX_RESERVED) return;
  m->reserved[m->nr_reserved++] = DtRange{base, size};
}

// stdout-path: "serial0", "serial0:115200n8", "/soc/serial@10000000".
FdtNode resolve_stdout(const Fdt& fdt, const char* path) {
  char buf[128];
  strlcpy(buf, path, sizeof(buf));
  if (char* colon = strchr(buf, ':')) *colon = '\0';
  return buf[0] == '/' ? fdt.find_path(buf) : fdt.resolve_alias(buf);
}

}  // namespace

const char* dt_error_string(DtError e) {
  switch (e) {
    case DtError::None: return "no error";
    case DtError::BadMagic: return "bad magic (not a device tree blob)";
    case DtError::Truncated: return "truncated (a block runs past the end of the blob)";
    case DtError::BadVersion: return "unsupported version";
    case DtError::BadStructure: return "malformed structure block";
    case DtError::BadStrings: return "property name outside the strings block";
    case DtError::NoMemory: return "no memory node";
    case DtError::NoCpus: return "no usable cpu node";
  }
  return "unknown error";
}

DtError fdt_validate(const void* blob, size_t size) {
  Fdt fdt;
  return Fdt::open(blob, size, &fdt);
}

DtError dt_parse_machine(const void* blob, size_t size, MachineInfo* m) {
  Fdt fdt;
  if (const DtError e = Fdt::open(blob, size, &fdt); e != DtError::None) return e;
  *m = MachineInfo{};
  m->cache_line_size = 64;
  m->bootargs = "";

  const FdtNode root = fdt.root();
  copy_string(m->model, sizeof(m->model), fdt.prop_string(root, "model"));
  copy_string(m->compatible, sizeof(m->compatible), fdt.prop_string(root, "compatible"));

  const FdtNode chosen = fdt.find_path("/chosen");
  if (chosen.valid()) {
    if (const char* args = fdt.prop_string(chosen, "bootargs")) m->bootargs = args;
    m->initrd_start = fdt.prop_cells_u64(chosen, "linux,initrd-start", 0);
    m->initrd_end = fdt.prop_cells_u64(chosen, "linux,initrd-end", 0);
    if (m->initrd_end < m->initrd_start) m->initrd_start = m->initrd_end = 0;
    if (const FdtProp seed = fdt.prop(chosen, "rng-seed"); seed.valid()) {
      m->rng_seed_len = seed.len < sizeof(m->rng_seed) ? seed.len : sizeof(m->rng_seed);
      memcpy(m->rng_seed, seed.data, m->rng_seed_len);
    }
    m->kaslr_seed = fdt.prop_cells_u64(chosen, "kaslr-seed", 0);
    const char* out = fdt.prop_string(chosen, "stdout-path");
    if (!out) out = fdt.prop_string(chosen, "linux,stdout-path");
    if (out) {
      const FdtNode uart = resolve_stdout(fdt, out);
      if (uart.valid()) {
        if (const char* c = match_any(fdt, uart, kUartCompatibles)) fill_device(fdt, uart, c, &m->console);
      }
    }
  }
  if (!m->console.present) find_device(fdt, kUartCompatibles, &m->console);

  if (const FdtNode plic = find_device(fdt, kPlicCompatibles, &m->plic); plic.valid())
    m->plic_ndev = fdt.prop_u32(plic, "riscv,ndev", 0);
  const char* const finisher[] = {"sifive,test0"};
  find_device(fdt, finisher, &m->finisher);
  const char* const rtc[] = {"google,goldfish-rtc"};
  find_device(fdt, rtc, &m->rtc);

  // Memory and harts last: when they are missing, the caller still has the
  // console, the finisher and bootargs to report the error through.
  for (FdtNode n = fdt.first_child(root); n.valid(); n = fdt.next_sibling(n)) {
    const char* type = fdt.prop_string(n, "device_type");
    if (!type || strcmp(type, "memory") != 0 || !fdt.is_enabled(n)) continue;
    uint64_t base, size_;
    for (unsigned i = 0; fdt.reg(n, i, &base, &size_) && m->nr_memory < DT_MAX_MEMORY; i++)
      if (size_) m->memory[m->nr_memory++] = DtRange{base, size_};
  }

  for (unsigned i = 0; i < fdt.memreserve_count(); i++) {
    uint64_t base, size_;
    fdt.memreserve(i, &base, &size_);
    add_reserved(m, base, size_);
  }
  const FdtNode resv = fdt.find_path("/reserved-memory");
  for (FdtNode n = fdt.first_child(resv); n.valid(); n = fdt.next_sibling(n)) {
    uint64_t base, size_;
    for (unsigned i = 0; fdt.reg(n, i, &base, &size_); i++) add_reserved(m, base, size_);
  }

  if (m->nr_memory == 0) return DtError::NoMemory;
  const FdtNode cpus = fdt.find_path("/cpus");
  if (!cpus.valid()) return DtError::NoCpus;
  m->timebase_frequency = fdt.prop_u32(cpus, "timebase-frequency", 0);
  parse_harts(fdt, cpus, m);
  bool usable = false;
  for (unsigned i = 0; i < m->nr_harts; i++) usable |= m->harts[i].okay && m->harts[i].has_mmu;
  if (!usable) return DtError::NoCpus;
  return DtError::None;
}
