// The Supervisor Binary Interface: calls into OpenSBI (or any SBI firmware).
#pragma once

#include <stdint.h>

enum class SbiExt : uint64_t {
  LegacySetTimer = 0x00,
  LegacyPutchar = 0x01,
  LegacyGetchar = 0x02,
  LegacyShutdown = 0x08,
  Base = 0x10,
  Time = 0x54494D45,  // "TIME"
  Ipi = 0x735049,     // "sPI"
  Rfence = 0x52464E43,  // "RFNC"
  Hsm = 0x48534D,     // "HSM"
  Srst = 0x53525354,  // "SRST"
};

enum class SbiError : int64_t {
  Success = 0,
  Failed = -1,
  NotSupported = -2,
  InvalidParam = -3,
  Denied = -4,
  InvalidAddress = -5,
  AlreadyAvailable = -6,
  AlreadyStarted = -7,
  AlreadyStopped = -8,
};

struct SbiRet {
  SbiError error;
  int64_t value;
  bool ok() const { return error == SbiError::Success; }
};

SbiRet sbi_ecall(SbiExt ext, uint64_t fid, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                 uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0);

// What sbi_init() found.
struct SbiInfo {
  uint64_t spec_version;  // major << 24 | minor
  uint64_t impl_id;
  uint64_t impl_version;
  uint64_t mvendorid, marchid, mimpid;
  bool has_time, has_ipi, has_rfence, has_hsm, has_srst;
};
extern SbiInfo sbi_info;

void sbi_init();

// Console: legacy putchar (the only SBI console on SBI < 2.0).
void sbi_console_putchar(int ch);
int sbi_console_getchar();

void sbi_set_timer(uint64_t stime_value);
// hart_mask is a bitmask of harts relative to hart_mask_base (mask_base = -1 means all).
SbiRet sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base);
SbiRet sbi_remote_fence_i(uint64_t hart_mask, uint64_t hart_mask_base);
SbiRet sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t hart_mask_base, uint64_t start, uint64_t size);
SbiRet sbi_remote_sfence_vma_asid(uint64_t hart_mask, uint64_t hart_mask_base, uint64_t start,
                                  uint64_t size, uint64_t asid);

enum class SbiHartState : int64_t {
  Started = 0,
  Stopped = 1,
  StartPending = 2,
  StopPending = 3,
  Suspended = 4,
  SuspendPending = 5,
  ResumePending = 6,
};
SbiRet sbi_hart_start(uint64_t hartid, uint64_t start_pa, uint64_t opaque);
SbiRet sbi_hart_stop();
SbiRet sbi_hart_get_status(uint64_t hartid);

enum class SbiResetType : uint32_t { Shutdown = 0, ColdReboot = 1, WarmReboot = 2 };
enum class SbiResetReason : uint32_t { None = 0, SystemFailure = 1 };
SbiRet sbi_system_reset(SbiResetType type, SbiResetReason reason);
// Legacy shutdown (SBI v0.1); does not return when supported.
void sbi_legacy_shutdown();

const char* sbi_error_name(SbiError e);
