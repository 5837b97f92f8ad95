/*
 * Boot-time device tree handling. The firmware's DTB may live anywhere in
 * RAM, including memory the page allocator will later hand out, so the used
 * part of it (header through the last block, without the free space QEMU
 * and OpenSBI leave at the end) is copied into a buffer in the kernel image
 * first. Everything later reads the copy.
 */
#include <kernel/devicetree.h>

#include <asm/page.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <lib/cmdline.h>
#include <lib/fdt.h>
#include <lib/string.h>

namespace {

constexpr size_t kMaxDtbSize = 256 * 1024;
alignas(8) uint8_t dtb_copy[kMaxDtbSize];
MachineInfo machine_info;

constexpr int kExitBadDtb = 3;

[[noreturn]] void fail(uintptr_t dtb_pa, const char* why) {
  pr_emerg("devicetree: cannot use the device tree at physical 0x%lx: %s\n", dtb_pa, why);
  pr_emerg("devicetree: the firmware must pass a valid DTB in a1; stopping\n");
  machine_exit(kExitBadDtb);
}

// Bytes from the start of the blob to the end of its last block.
uint32_t used_size(const uint8_t* hdr) {
  auto end = [hdr](unsigned off_field, unsigned size_field) {
    return Fdt::be32(hdr + off_field) + Fdt::be32(hdr + size_field);
  };
  uint32_t used = end(8, 36);  // struct block
  const uint32_t strings = end(12, 32);
  if (strings > used) used = strings;
  return used;
}

// Where machine_exit() sends the verdict: exit=semihosting, else the DT's
// sifive,test0 finisher, else SBI.
void configure_exit() {
  char method[32];
  const bool semihosting =
      cmdline_get(machine_info.bootargs, "exit", method, sizeof(method)) && strcmp(method, "semihosting") == 0;
  power_init(machine_info.finisher.present ? machine_info.finisher.base : 0, semihosting);
}

void log_machine(const MachineInfo& m) {
  pr_info("Machine model: %s\n", m.model[0] ? m.model : m.compatible);
  for (unsigned i = 0; i < m.nr_memory; i++)
    pr_info("  memory   [0x%016lx-0x%016lx] %lu MiB\n", m.memory[i].base, m.memory[i].base + m.memory[i].size - 1,
            m.memory[i].size >> 20);
  for (unsigned i = 0; i < m.nr_reserved; i++)
    pr_info("  reserved [0x%016lx-0x%016lx]\n", m.reserved[i].base, m.reserved[i].base + m.reserved[i].size - 1);
  for (unsigned i = 0; i < m.nr_harts; i++) {
    const DtHart& h = m.harts[i];
    pr_info("  hart %u: %s, %s%s, isa %s\n", h.hartid, h.okay ? "okay" : "disabled",
            h.has_mmu ? h.mmu_type : "no MMU", h.has_sstc ? ", sstc" : "", h.isa);
  }
  pr_info("  timebase %lu Hz, cache line %u bytes\n", m.timebase_frequency, m.cache_line_size);
  if (m.console.present) pr_info("  console %s at 0x%lx\n", m.console.compatible, m.console.base);
  if (m.finisher.present) pr_info("  test finisher at 0x%lx\n", m.finisher.base);
  if (m.initrd_start) pr_info("  initrd [0x%lx-0x%lx]\n", m.initrd_start, m.initrd_end);
  pr_info("Kernel command line: %s\n", m.bootargs);
}

}  // namespace

void setup_devicetree(uintptr_t dtb_pa) {
  if (dtb_pa == 0 || (dtb_pa & 7)) fail(dtb_pa, "no DTB address, or not 8-byte aligned");
  // The early page table maps the DTB's gigabyte (and the next) at __va().
  const auto* hdr = static_cast<const uint8_t*>(__va(dtb_pa));
  if (Fdt::be32(hdr) != 0xd00dfeed) fail(dtb_pa, dt_error_string(DtError::BadMagic));
  const uint32_t total = Fdt::be32(hdr + 4);
  const uint32_t used = used_size(hdr);
  if (used > total || used < 40) fail(dtb_pa, dt_error_string(DtError::Truncated));
  if (used > kMaxDtbSize) fail(dtb_pa, "larger than the kernel's 256 KiB copy buffer");
  memcpy(dtb_copy, hdr, used);
  // The copy drops the free space at the end: its totalsize is what was copied.
  dtb_copy[4] = static_cast<uint8_t>(used >> 24);
  dtb_copy[5] = static_cast<uint8_t>(used >> 16);
  dtb_copy[6] = static_cast<uint8_t>(used >> 8);
  dtb_copy[7] = static_cast<uint8_t>(used);

  const DtError e = dt_parse_machine(dtb_copy, used, &machine_info);
  if (e == DtError::NoMemory || e == DtError::NoCpus) configure_exit();  // report through the finisher
  if (e != DtError::None) fail(dtb_pa, dt_error_string(e));
  configure_exit();

  printk_set_timebase(machine_info.timebase_frequency);
  if (cmdline_flag("quiet")) printk_set_loglevel(static_cast<int>(LogLevel::Warning));
  unsigned long level;
  if (cmdline_get_ulong(machine_info.bootargs, "loglevel", &level) && level <= 8)
    printk_set_loglevel(static_cast<int>(level));

  log_machine(machine_info);
}

const MachineInfo& machine() { return machine_info; }
const void* devicetree_blob() { return dtb_copy; }

bool cmdline_param(const char* key, char* out, unsigned long outlen) {
  return cmdline_get(machine_info.bootargs, key, out, outlen);
}

bool cmdline_flag(const char* key) { return cmdline_has(machine_info.bootargs, key); }
