// lib/elf.cc and lib/cpio.cc as the kernel runs them: freestanding, in
// S-mode, on inputs at odd alignments (an executable inside an initramfs
// is only 4-byte aligned). The host suites test_elf/test_cpio cover the
// checks themselves; this one proves the kernel build behaves the same.
#include <kernel/errno.h>
#include <kernel/ktest.h>

#include <lib/cpio.h>
#include <lib/elf.h>
#include <lib/string.h>

#include <new>

namespace {

constexpr uint64_t kTask = 1ull << 38;

// A two-segment ET_EXEC (text RX at 0x10000, data RW at 0x11000 with bss),
// written at buf + 1 so every multi-byte field is misaligned.
uint8_t elf_buf[0x2000 + 1];

const uint8_t* make_elf() {
  uint8_t* f = elf_buf + 1;
  memset(elf_buf, 0, sizeof elf_buf);
  Elf64_Ehdr eh;
  memset(&eh, 0, sizeof eh);
  const uint8_t ident[7] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
  memcpy(eh.e_ident, ident, sizeof ident);
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x10080;
  eh.e_phoff = sizeof eh;
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 2;
  memcpy(f, &eh, sizeof eh);
  const Elf64_Phdr ph[2] = {{PT_LOAD, PF_R | PF_X, 0, 0x10000, 0x10000, 0x1000, 0x1000, 0x1000},
                            {PT_LOAD, PF_R | PF_W, 0x1000, 0x11000, 0x11000, 0x800, 0x3000, 0x1000}};
  memcpy(f + sizeof eh, ph, sizeof ph);
  return f;
}

// newc: the header's 13 fields as 8 hex digits each.
size_t put_entry(char* out, const char* name, uint32_t mode, const char* data) {
  const size_t nlen = strlen(name) + 1, dlen = strlen(data);
  size_t n = static_cast<size_t>(snprintf(out, 200, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u,
                                          mode, 0u, 0u, 1u, 0u, static_cast<unsigned>(dlen), 0u, 0u, 0u, 0u,
                                          static_cast<unsigned>(nlen), 0u));
  memcpy(out + n, name, nlen);
  n += nlen;
  while (n % 4) out[n++] = 0;
  memcpy(out + n, data, dlen);
  n += dlen;
  while (n % 4) out[n++] = 0;
  return n;
}

char cpio_buf[1024];
// 4 KiB of name buffer: static, (re)built in place, never on the stack.
alignas(CpioReader) uint8_t reader_storage[sizeof(CpioReader)];

}  // namespace

KTEST(binfmt, elf_parse_misaligned_in_kernel) {
  const uint8_t* f = make_elf();
  const Result<ElfInfo> r = elf_parse(f, 0x2000, kTask);
  ASSERT_TRUE(r.ok());
  const ElfInfo& in = r.value();
  EXPECT_EQ(in.type, ET_EXEC);
  EXPECT_EQ(in.entry, 0x10080ull);
  ASSERT_EQ(in.nr_loads, 2u);
  EXPECT_EQ(in.loads[1].vaddr, 0x11000ull);
  EXPECT_EQ(in.loads[1].memsz, 0x3000ull);
  EXPECT_EQ(in.loads[1].flags, PF_R | PF_W);
  EXPECT_EQ(in.phdr_vaddr, 0x10040ull);
  EXPECT_EQ(in.hi, 0x14000ull);
  // One byte short of the data segment's file bytes: refused, not read past.
  const Result<ElfInfo> cut = elf_parse(f, 0x17ff, kTask);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().err, -ENOEXEC);
  // A segment ending beyond user space.
  const Result<ElfInfo> big = elf_parse(f, 0x2000, 0x12000);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().err, -EINVAL);
}

KTEST(binfmt, cpio_read_in_kernel) {
  size_t n = 0;
  n += put_entry(cpio_buf + n, ".", 0040755, "");
  n += put_entry(cpio_buf + n, "/bin/./init", 0100755, "#!init");
  n += put_entry(cpio_buf + n, "bin/sh", 0120777, "init");
  n += put_entry(cpio_buf + n, "TRAILER!!!", 0, "");
  CpioReader& cpio_reader = *new (reader_storage) CpioReader(cpio_buf, n);
  CpioEntry e;
  const char* const names[] = {"", "bin/init", "bin/sh"};
  const CpioType types[] = {CpioType::Directory, CpioType::Regular, CpioType::Symlink};
  for (unsigned i = 0; i < 3; i++) {
    const Result<bool> r = cpio_reader.next(&e);
    ASSERT_TRUE(r.ok() && r.value());
    EXPECT_EQ(strcmp(e.name, names[i]), 0);
    EXPECT_TRUE(e.type == types[i]);
  }
  EXPECT_EQ(e.size, 4u);
  EXPECT_EQ(memcmp(e.data, "init", 4), 0);
  const Result<bool> end = cpio_reader.next(&e);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end.value());
  // The same archive cut inside the symlink's entry.
  CpioReader& cut = *new (reader_storage) CpioReader(cpio_buf, n - 130);
  unsigned entries = 0;
  Result<bool> r = cut.next(&e);
  while (r.ok() && r.value()) {
    entries++;
    r = cut.next(&e);
  }
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error().err, -EINVAL);
  EXPECT_EQ(entries, 2u);
}
