/*
 * SBI calls. Every extension is probed with BASE.probe_extension before it
 * is used: real boards may run SBI v0.3 firmware without SRST, or legacy-only
 * firmware. Where an extension is missing we fall back to the legacy call
 * when one exists (set_timer, send_ipi, remote fences, shutdown).
 */
#include <asm/sbi.h>
#include <kernel/printk.h>

SbiInfo sbi_info;

namespace {

enum BaseFid : uint64_t {
  GetSpecVersion = 0,
  GetImplId = 1,
  GetImplVersion = 2,
  ProbeExtension = 3,
  GetMvendorid = 4,
  GetMarchid = 5,
  GetMimpid = 6,
};

// Legacy extension ids for IPI and remote fences (v0.1).
constexpr uint64_t kLegacySendIpi = 0x04;
constexpr uint64_t kLegacyRemoteFenceI = 0x05;
constexpr uint64_t kLegacyRemoteSfenceVma = 0x06;

// The v0.1 calls take one absolute hart mask; a base of -1 means every hart.
uint64_t legacy_hart_mask(uint64_t hart_mask, uint64_t hart_mask_base) {
  return hart_mask_base == ~0ull ? ~0ull : hart_mask << hart_mask_base;
}

bool probe(SbiExt ext) {
  SbiRet r = sbi_ecall(SbiExt::Base, ProbeExtension, static_cast<uint64_t>(ext));
  return r.ok() && r.value != 0;
}

const char* impl_name(uint64_t id) {
  switch (id) {
    case 0: return "Berkeley Boot Loader";
    case 1: return "OpenSBI";
    case 2: return "Xvisor";
    case 3: return "KVM";
    case 4: return "RustSBI";
    case 5: return "Diosix";
    default: return "unknown";
  }
}

}  // namespace

SbiRet sbi_ecall(SbiExt ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                 uint64_t a4, uint64_t a5) {
  register uint64_t r_a0 asm("a0") = a0;
  register uint64_t r_a1 asm("a1") = a1;
  register uint64_t r_a2 asm("a2") = a2;
  register uint64_t r_a3 asm("a3") = a3;
  register uint64_t r_a4 asm("a4") = a4;
  register uint64_t r_a5 asm("a5") = a5;
  register uint64_t r_a6 asm("a6") = fid;
  register uint64_t r_a7 asm("a7") = static_cast<uint64_t>(ext);
  asm volatile("ecall"
               : "+r"(r_a0), "+r"(r_a1)
               : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a6), "r"(r_a7)
               : "memory");
  return {static_cast<SbiError>(r_a0), static_cast<int64_t>(r_a1)};
}

void sbi_console_putchar(int ch) { sbi_ecall(SbiExt::LegacyPutchar, 0, static_cast<uint64_t>(ch)); }

int sbi_console_getchar() {
  return static_cast<int>(static_cast<int64_t>(sbi_ecall(SbiExt::LegacyGetchar, 0).error));
}

void sbi_init() {
  SbiRet ver = sbi_ecall(SbiExt::Base, GetSpecVersion);
  if (!ver.ok()) {
    // Pre-0.2 firmware has no BASE extension: legacy calls only.
    sbi_info.spec_version = 1;  // 0.1
    pr_info("SBI specification v0.1 (legacy), no extensions\n");
    return;
  }
  sbi_info.spec_version = static_cast<uint64_t>(ver.value);
  sbi_info.impl_id = static_cast<uint64_t>(sbi_ecall(SbiExt::Base, GetImplId).value);
  sbi_info.impl_version = static_cast<uint64_t>(sbi_ecall(SbiExt::Base, GetImplVersion).value);
  sbi_info.mvendorid = static_cast<uint64_t>(sbi_ecall(SbiExt::Base, GetMvendorid).value);
  sbi_info.marchid = static_cast<uint64_t>(sbi_ecall(SbiExt::Base, GetMarchid).value);
  sbi_info.mimpid = static_cast<uint64_t>(sbi_ecall(SbiExt::Base, GetMimpid).value);
  sbi_info.has_time = probe(SbiExt::Time);
  sbi_info.has_ipi = probe(SbiExt::Ipi);
  sbi_info.has_rfence = probe(SbiExt::Rfence);
  sbi_info.has_hsm = probe(SbiExt::Hsm);
  sbi_info.has_srst = probe(SbiExt::Srst);

  const uint64_t major = (sbi_info.spec_version >> 24) & 0x7f;
  const uint64_t minor = sbi_info.spec_version & 0xffffff;
  pr_info("SBI specification v%lu.%lu, implementation %s v%lu.%lu\n", major, minor,
          impl_name(sbi_info.impl_id), sbi_info.impl_version >> 16, sbi_info.impl_version & 0xffff);
  pr_info("SBI extensions:%s%s%s%s%s\n", sbi_info.has_time ? " TIME" : "",
          sbi_info.has_ipi ? " IPI" : "", sbi_info.has_rfence ? " RFNC" : "",
          sbi_info.has_hsm ? " HSM" : "", sbi_info.has_srst ? " SRST" : "");
  pr_info("SBI mvendorid 0x%lx marchid 0x%lx mimpid 0x%lx\n", sbi_info.mvendorid, sbi_info.marchid,
          sbi_info.mimpid);
}

void sbi_set_timer(uint64_t stime_value) {
  if (sbi_info.has_time)
    sbi_ecall(SbiExt::Time, 0, stime_value);
  else
    sbi_ecall(SbiExt::LegacySetTimer, 0, stime_value);
}

// Legacy IPI/fence calls take a pointer to an unsigned long hart mask, read
// by the firmware with the MMU on in the caller's address space.
SbiRet sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base) {
  if (sbi_info.has_ipi) return sbi_ecall(SbiExt::Ipi, 0, hart_mask, hart_mask_base);
  uint64_t mask = legacy_hart_mask(hart_mask, hart_mask_base);
  return sbi_ecall(static_cast<SbiExt>(kLegacySendIpi), 0, reinterpret_cast<uint64_t>(&mask));
}

SbiRet sbi_remote_fence_i(uint64_t hart_mask, uint64_t hart_mask_base) {
  if (sbi_info.has_rfence) return sbi_ecall(SbiExt::Rfence, 0, hart_mask, hart_mask_base);
  uint64_t mask = legacy_hart_mask(hart_mask, hart_mask_base);
  return sbi_ecall(static_cast<SbiExt>(kLegacyRemoteFenceI), 0, reinterpret_cast<uint64_t>(&mask));
}

SbiRet sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t hart_mask_base, uint64_t start, uint64_t size) {
  if (sbi_info.has_rfence) return sbi_ecall(SbiExt::Rfence, 1, hart_mask, hart_mask_base, start, size);
  uint64_t mask = legacy_hart_mask(hart_mask, hart_mask_base);
  return sbi_ecall(static_cast<SbiExt>(kLegacyRemoteSfenceVma), 0, reinterpret_cast<uint64_t>(&mask),
                   start, size);
}

SbiRet sbi_remote_sfence_vma_asid(uint64_t hart_mask, uint64_t hart_mask_base, uint64_t start,
                                  uint64_t size, uint64_t asid) {
  if (sbi_info.has_rfence) return sbi_ecall(SbiExt::Rfence, 2, hart_mask, hart_mask_base, start, size, asid);
  // The legacy interface has no ASID form: flush the range for every ASID.
  return sbi_remote_sfence_vma(hart_mask, hart_mask_base, start, size);
}

SbiRet sbi_hart_start(uint64_t hartid, uint64_t start_pa, uint64_t opaque) {
  if (!sbi_info.has_hsm) return {SbiError::NotSupported, 0};
  return sbi_ecall(SbiExt::Hsm, 0, hartid, start_pa, opaque);
}

SbiRet sbi_hart_stop() {
  if (!sbi_info.has_hsm) return {SbiError::NotSupported, 0};
  return sbi_ecall(SbiExt::Hsm, 1);
}

SbiRet sbi_hart_get_status(uint64_t hartid) {
  if (!sbi_info.has_hsm) return {SbiError::NotSupported, 0};
  return sbi_ecall(SbiExt::Hsm, 2, hartid);
}

SbiRet sbi_system_reset(SbiResetType type, SbiResetReason reason) {
  if (!sbi_info.has_srst) return {SbiError::NotSupported, 0};
  return sbi_ecall(SbiExt::Srst, 0, static_cast<uint64_t>(type), static_cast<uint64_t>(reason));
}

void sbi_legacy_shutdown() { sbi_ecall(SbiExt::LegacyShutdown, 0); }

const char* sbi_error_name(SbiError e) {
  switch (e) {
    case SbiError::Success: return "success";
    case SbiError::Failed: return "failed";
    case SbiError::NotSupported: return "not supported";
    case SbiError::InvalidParam: return "invalid parameter";
    case SbiError::Denied: return "denied";
    case SbiError::InvalidAddress: return "invalid address";
    case SbiError::AlreadyAvailable: return "already available";
    case SbiError::AlreadyStarted: return "already started";
    case SbiError::AlreadyStopped: return "already stopped";
  }
  return "unknown error";
}
