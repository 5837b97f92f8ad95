// The kernel's copy of the device tree and what it says about the machine.
#pragma once

#include <stdint.h>

#include <lib/dtinfo.h>

// Copies the firmware's DTB into the kernel image (before anything can
// allocate over it), validates and parses it. On a missing, truncated or
// corrupt DTB: a clear message on the boot console and machine_exit(),
// never a silent hang.
void setup_devicetree(uintptr_t dtb_pa);

const MachineInfo& machine();
// The kernel's copy of the blob (valid after setup_devicetree()).
const void* devicetree_blob();

// Command-line helpers over machine().bootargs.
bool cmdline_param(const char* key, char* out, unsigned long outlen);
bool cmdline_flag(const char* key);
