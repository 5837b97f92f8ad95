// Host tests for lib/elf.cc: real riscv64 executables built by the
// Makefile (HOST_BUILD_DIR/data/elf, checked against readelf), every
// truncation of them, random byte flips and field mutations (the seed is
// printed), and one hand-made header per check the parser makes.
#include <doctest/doctest.h>

#include <stdio.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <lib/elf.h>

namespace {

constexpr uint64_t kTask = 1ull << 38;  // Sv39 user space: 256 GiB
constexpr uint64_t kPage = 4096;

std::vector<uint8_t> load(const std::string& name) {
  const std::string path = std::string(HOST_BUILD_DIR) + "/data/elf/" + name;
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "cannot open ", path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Parses the first len bytes from an allocation of exactly len bytes, so
// ASan reports any read past them.
Result<ElfInfo> parse(const uint8_t* data, size_t len, uint64_t task = kTask) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len ? len : 1]);
  if (len) std::memcpy(copy.get(), data, len);
  return elf_parse(copy.get(), len, task);
}
Result<ElfInfo> parse(const std::vector<uint8_t>& v) { return parse(v.data(), v.size()); }

// The two-step interface over exact copies of only the bytes it is given.
Result<ElfInfo> parse_two_step(const uint8_t* data, uint64_t file_size) {
  const size_t head_len = std::min<uint64_t>(file_size, sizeof(Elf64_Ehdr));
  std::unique_ptr<uint8_t[]> head(new uint8_t[head_len ? head_len : 1]);
  if (head_len) std::memcpy(head.get(), data, head_len);
  Result<ElfHeader> h = elf_check_header(head.get(), head_len, file_size);
  if (!h) return h.error();
  const size_t n = h.value().phdrs_size();
  std::unique_ptr<uint8_t[]> ph(new uint8_t[n]);
  std::memcpy(ph.get(), data + h.value().phoff, n);
  return elf_parse_phdrs(h.value(), ph.get(), file_size, kTask);
}

bool fits(uint64_t start, uint64_t len, uint64_t limit) { return start <= limit && len <= limit - start; }

// What any accepted file must satisfy; what any refusal must look like.
void check_outcome(const Result<ElfInfo>& r, uint64_t file_size) {
  if (!r) {
    const int e = r.error().err;
    CHECK((e == -ENOEXEC || e == -EINVAL || e == -EPERM));
    REQUIRE(r.error().msg != nullptr);
    CHECK(std::strlen(r.error().msg) > 0);
    return;
  }
  const ElfInfo& in = r.value();
  CHECK((in.type == ET_EXEC || in.type == ET_DYN));
  REQUIRE(in.nr_loads >= 1);
  REQUIRE(in.nr_loads <= kElfMaxLoads);
  bool entry_ok = false;
  for (unsigned i = 0; i < in.nr_loads; i++) {
    const ElfSegment& s = in.loads[i];
    CHECK(s.memsz > 0);
    CHECK(s.filesz <= s.memsz);
    CHECK(fits(s.offset, s.filesz, file_size));
    CHECK(fits(s.vaddr, s.memsz, kTask));
    CHECK((s.offset - s.vaddr) % kPage == 0);
    CHECK((s.align <= 1 || (s.align & (s.align - 1)) == 0));
    CHECK((s.flags & ~(PF_R | PF_W | PF_X)) == 0);
    if (i) {
      const ElfSegment& p = in.loads[i - 1];
      CHECK((s.vaddr & ~(kPage - 1)) >= ((p.vaddr + p.memsz + kPage - 1) & ~(kPage - 1)));
    }
    if ((s.flags & PF_X) && in.entry >= s.vaddr && in.entry - s.vaddr < s.memsz) entry_ok = true;
  }
  CHECK(entry_ok);
  CHECK(in.lo % kPage == 0);
  CHECK(in.hi % kPage == 0);
  CHECK(in.lo <= in.loads[0].vaddr);
  CHECK(in.hi <= kTask);
  CHECK(in.hi >= in.loads[in.nr_loads - 1].vaddr + in.loads[in.nr_loads - 1].memsz);
  if (in.type == ET_EXEC) CHECK(in.lo > 0);
  if (in.has_tls) {
    CHECK(in.tls.filesz <= in.tls.memsz);
    CHECK(in.tls.memsz <= kTask);
  }
  CHECK(in.phentsize == sizeof(Elf64_Phdr));
  CHECK(in.phnum >= 1);
  CHECK(in.phnum <= kElfMaxPhdrs);
  CHECK(fits(in.phoff, uint64_t{in.phnum} * in.phentsize, file_size));
}

bool same(const ElfSegment& a, const ElfSegment& b) {
  return a.vaddr == b.vaddr && a.memsz == b.memsz && a.offset == b.offset && a.filesz == b.filesz &&
         a.align == b.align && a.flags == b.flags;
}
bool same(const ElfInfo& a, const ElfInfo& b) {
  bool eq = a.type == b.type && a.e_flags == b.e_flags && a.entry == b.entry && a.phdr_vaddr == b.phdr_vaddr &&
            a.has_phdr_vaddr == b.has_phdr_vaddr && a.phoff == b.phoff && a.phnum == b.phnum &&
            a.phentsize == b.phentsize && a.nr_loads == b.nr_loads && a.lo == b.lo && a.hi == b.hi &&
            a.has_gnu_stack == b.has_gnu_stack && a.stack_flags == b.stack_flags && a.has_tls == b.has_tls &&
            a.tls.vaddr == b.tls.vaddr && a.tls.filesz == b.tls.filesz && a.tls.memsz == b.tls.memsz &&
            a.tls.align == b.tls.align;
  for (unsigned i = 0; eq && i < a.nr_loads; i++) eq = same(a.loads[i], b.loads[i]);
  return eq;
}

// The bytes a successful parse needs: header, table, segment and TLS data.
uint64_t bytes_needed(const ElfInfo& in) {
  uint64_t need = std::max<uint64_t>(sizeof(Elf64_Ehdr), in.phoff + uint64_t{in.phnum} * in.phentsize);
  for (unsigned i = 0; i < in.nr_loads; i++) need = std::max(need, in.loads[i].offset + in.loads[i].filesz);
  return need;
}

// readelf's view of a file: the independent reference.
struct ReadelfLoad {
  uint64_t offset, vaddr, filesz, memsz, align;
  uint32_t flags;
};
struct Readelf {
  std::string type;
  uint64_t entry = 0;
  std::vector<ReadelfLoad> loads;
  bool tls = false;
  ReadelfLoad tls_seg{};
  bool stack = false;
  uint32_t stack_flags = 0;
};

uint32_t readelf_flags(const std::string& f) {
  return (f.find('R') != std::string::npos ? PF_R : 0) | (f.find('W') != std::string::npos ? PF_W : 0) |
         (f.find('E') != std::string::npos ? PF_X : 0);
}

Readelf run_readelf(const std::string& name) {
  const std::string cmd = "riscv64-linux-gnu-readelf -lhW " + std::string(HOST_BUILD_DIR) + "/data/elf/" + name;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  Readelf re;
  char line[512];
  while (fgets(line, sizeof line, p)) {
    std::istringstream ls(line);
    std::string w;
    ls >> w;
    if (w == "Type:") {
      ls >> re.type;
    } else if (w == "Entry") {
      std::string point, address, hex;
      ls >> point >> address >> hex;
      re.entry = std::stoull(hex, nullptr, 16);
    } else if (w == "LOAD" || w == "TLS" || w == "GNU_STACK") {
      // Offset VirtAddr PhysAddr FileSiz MemSiz Flg(1-3 words) Align
      std::string off, va, pa, fs, ms, rest, tok;
      ls >> off >> va >> pa >> fs >> ms;
      std::vector<std::string> tail;
      while (ls >> tok) tail.push_back(tok);
      REQUIRE(tail.size() >= 2);
      std::string flg;
      for (size_t i = 0; i + 1 < tail.size(); i++) flg += tail[i];
      const ReadelfLoad s{std::stoull(off, nullptr, 16), std::stoull(va, nullptr, 16), std::stoull(fs, nullptr, 16),
                          std::stoull(ms, nullptr, 16), std::stoull(tail.back(), nullptr, 16), readelf_flags(flg)};
      if (w == "LOAD") re.loads.push_back(s);
      if (w == "TLS") re.tls = true, re.tls_seg = s;
      if (w == "GNU_STACK") re.stack = true, re.stack_flags = s.flags;
    }
  }
  pclose(p);
  return re;
}

void check_against_readelf(const std::string& name, uint16_t type) {
  const std::vector<uint8_t> f = load(name);
  const Result<ElfInfo> r = parse(f);
  REQUIRE_MESSAGE(r.ok(), name, ": ", std::string(r.ok() ? "" : r.error().msg));
  const ElfInfo& in = r.value();
  const Readelf re = run_readelf(name);
  CHECK(in.type == type);
  CHECK(re.type == (type == ET_EXEC ? "EXEC" : "DYN"));
  CHECK(in.entry == re.entry);
  REQUIRE(in.nr_loads == re.loads.size());
  for (unsigned i = 0; i < in.nr_loads; i++) {
    CHECK(in.loads[i].offset == re.loads[i].offset);
    CHECK(in.loads[i].vaddr == re.loads[i].vaddr);
    CHECK(in.loads[i].filesz == re.loads[i].filesz);
    CHECK(in.loads[i].memsz == re.loads[i].memsz);
    CHECK(in.loads[i].align == re.loads[i].align);
    CHECK(in.loads[i].flags == re.loads[i].flags);
  }
  CHECK(in.has_tls == re.tls);
  if (re.tls) {
    CHECK(in.tls.vaddr == re.tls_seg.vaddr);
    CHECK(in.tls.filesz == re.tls_seg.filesz);
    CHECK(in.tls.memsz == re.tls_seg.memsz);
    CHECK(in.tls.align == re.tls_seg.align);
  }
  CHECK(in.has_gnu_stack == re.stack);
  CHECK(in.stack_flags == re.stack_flags);
  // Each of these programs loads its headers with the first segment (offset 0).
  REQUIRE(in.has_phdr_vaddr);
  CHECK(in.phdr_vaddr == re.loads[0].vaddr + in.phoff);
  check_outcome(r, f.size());
}

// A small valid ET_EXEC to break one field at a time: text RX at 0x10000
// (file 0..0x1000), data RW at 0x11000 (file 0x1000..0x1800, bss to
// 0x13000), GNU_STACK RW; the file is 0x2000 bytes.
struct Builder {
  Elf64_Ehdr eh{};
  std::vector<Elf64_Phdr> ph;
  size_t file_size = 0x2000;

  Builder() {
    static const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
    std::memcpy(eh.e_ident, ident, sizeof ident);
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_RISCV;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x10100;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_flags = 5;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    ph.push_back(load(0, 0x10000, 0x1000, 0x1000, PF_R | PF_X));
    ph.push_back(load(0x1000, 0x11000, 0x800, 0x2000, PF_R | PF_W));
    ph.push_back(Elf64_Phdr{PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16});
  }
  static Elf64_Phdr load(uint64_t off, uint64_t va, uint64_t fs, uint64_t ms, uint32_t flags) {
    return Elf64_Phdr{PT_LOAD, flags, off, va, va, fs, ms, 0x1000};
  }
  std::vector<uint8_t> bytes() const {
    Elf64_Ehdr h = eh;
    if (h.e_phnum == 0 && !keep_phnum) h.e_phnum = static_cast<uint16_t>(ph.size());
    std::vector<uint8_t> out(std::max(file_size, sizeof(h)), 0xcc);
    std::memcpy(out.data(), &h, sizeof h);
    for (size_t i = 0; i < ph.size(); i++) {
      // Whatever of the table fits in the file (e_phoff may be hostile).
      const uint64_t rel = (i + 1) * sizeof(Elf64_Phdr);
      if (h.e_phoff < out.size() && rel <= out.size() - h.e_phoff)
        std::memcpy(out.data() + h.e_phoff + i * sizeof(Elf64_Phdr), &ph[i], sizeof(Elf64_Phdr));
    }
    return out;
  }
  Result<ElfInfo> parse() const { return ::parse(bytes()); }
  bool keep_phnum = false;  // write e_phnum as set, even 0
};

// Expects the built file to be refused with err and a message containing what.
void refused(const Builder& b, int err, const char* what) {
  const Result<ElfInfo> r = b.parse();
  REQUIRE_MESSAGE(!r.ok(), "accepted; expected: ", std::string(what));
  const std::string msg = r.error().msg;
  CHECK_MESSAGE(r.error().err == err, std::string(what), ": got ", r.error().err, " (", msg, ")");
  CHECK_MESSAGE(msg.find(what) != std::string::npos, "message '", msg, "' does not mention '", std::string(what), "'");
}

// The builder's file with one edit.
template <typename Edit>
Builder with(Edit edit) {
  Builder x;
  edit(x);
  return x;
}

// ... plus one PT_TLS (.tdata 0x10 bytes at the data segment's start) with an edit.
template <typename Edit>
Builder with_tls(Edit edit) {
  return with([&](Builder& x) {
    Elf64_Phdr t{PT_TLS, PF_R, 0x1000, 0x11000, 0x11000, 0x10, 0x40, 8};
    edit(t);
    x.ph.push_back(t);
  });
}

std::mt19937_64 seeded_rng(const char* what) {
  const uint64_t seed = 0x5eed0e1fULL;
  MESSAGE(std::string(what), ": seed ", seed);
  printf("[elf] %s: random seed %#llx\n", what, static_cast<unsigned long long>(seed));
  return std::mt19937_64(seed);
}

}  // namespace

TEST_SUITE("elf") {
  TEST_CASE("real programs agree with readelf") {
    check_against_readelf("hello-static", ET_EXEC);
    check_against_readelf("nolibc-static", ET_EXEC);
    check_against_readelf("nolibc-static-pie", ET_DYN);
  }

  TEST_CASE("glibc static program: TLS, stack, span") {
    const std::vector<uint8_t> f = load("hello-static");
    const Result<ElfInfo> r = parse(f);
    REQUIRE(r.ok());
    const ElfInfo& in = r.value();
    CHECK(in.has_tls);
    CHECK(in.tls.filesz < in.tls.memsz);  // .tdata then .tbss
    CHECK(in.has_gnu_stack);
    CHECK(in.stack_flags == (PF_R | PF_W));  // no executable stack
    CHECK(in.lo == 0x10000);
    CHECK(in.hi == ((in.loads[1].vaddr + in.loads[1].memsz + kPage - 1) & ~(kPage - 1)));
    CHECK(in.loads[1].filesz < in.loads[1].memsz);  // bss
  }

  TEST_CASE("static PIE: ET_DYN from address 0") {
    const Result<ElfInfo> r = parse(load("nolibc-static-pie"));
    REQUIRE(r.ok());
    CHECK(r.value().type == ET_DYN);
    CHECK(r.value().lo == 0);
    CHECK(!r.value().has_tls);
  }

  TEST_CASE("a dynamically linked program is refused for its PT_INTERP") {
    const Result<ElfInfo> r = parse(load("hello-dynamic"));
    REQUIRE(!r.ok());
    CHECK(r.error().err == -ENOEXEC);
    CHECK(std::string(r.error().msg).find("PT_INTERP") != std::string::npos);
  }

  TEST_CASE("the two-step interface gives the same answer from the header and table alone") {
    for (const char* name : {"hello-static", "nolibc-static", "nolibc-static-pie", "hello-dynamic"}) {
      const std::vector<uint8_t> f = load(name);
      const Result<ElfInfo> a = parse(f);
      const Result<ElfInfo> b = parse_two_step(f.data(), f.size());
      REQUIRE(a.ok() == b.ok());
      if (a.ok()) CHECK(same(a.value(), b.value()));
      else CHECK(a.error().err == b.error().err);
    }
  }

  TEST_CASE("every truncation of a real program is refused with the right errno, the full file accepted") {
    for (const char* name : {"nolibc-static", "nolibc-static-pie", "hello-static"}) {
      const std::vector<uint8_t> f = load(name);
      const Result<ElfInfo> full = parse(f);
      REQUIRE(full.ok());
      const uint64_t need = bytes_needed(full.value());
      const uint64_t table_end = full.value().phoff + uint64_t{full.value().phnum} * sizeof(Elf64_Phdr);
      const bool big = f.size() > 16384;
      for (size_t len = 0; len <= f.size(); len++) {
        // The whole-buffer parse copies len bytes: every length for the
        // small files, the interesting ones for the 500 KB glibc program.
        const bool whole = !big || len < 16384 || (len + 64 > need && len < need + 64) || len + 64 > f.size();
        const Result<ElfInfo> r = parse_two_step(f.data(), len);
        check_outcome(r, len);
        INFO(std::string(name), " truncated to ", len);
        REQUIRE(r.ok() == (len >= need));
        if (!r.ok()) {
          const int e = r.error().err;
          CHECK(e == -ENOEXEC);
          const std::string msg = r.error().msg;
          if (len < 4) CHECK(msg.find("bad magic") != std::string::npos);
          else if (len < sizeof(Elf64_Ehdr)) CHECK(msg.find("truncated ELF header") != std::string::npos);
          else if (len < table_end) CHECK(msg.find("program headers are past the end") != std::string::npos);
          else CHECK(msg.find("past the end of the file") != std::string::npos);
        }
        if (whole) {
          const Result<ElfInfo> w = parse(f.data(), len);
          REQUIRE(w.ok() == r.ok());
          if (!w.ok()) CHECK(w.error().err == r.error().err);
        }
      }
    }
  }

  TEST_CASE("random byte flips never crash and never yield a bad result") {
    std::mt19937_64 rng = seeded_rng("byte flips");
    for (const char* name : {"nolibc-static", "nolibc-static-pie", "hello-static", "hello-dynamic"}) {
      const std::vector<uint8_t> f = load(name);
      // The bytes the parser reads: header and program headers.
      const size_t hot = std::min<size_t>(f.size(), 64 + 56 * 16);
      std::vector<uint8_t> m = f;
      unsigned accepted = 0;
      for (int iter = 0; iter < 3000; iter++) {
        size_t at[4];
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; i++) {
          // Mostly where the parser looks, sometimes anywhere.
          at[i] = rng() % 4 ? rng() % hot : rng() % m.size();
          m[at[i]] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
        const Result<ElfInfo> r = parse_two_step(m.data(), m.size());
        check_outcome(r, m.size());
        accepted += r.ok();
        for (int i = 0; i < flips; i++) m[at[i]] = f[at[i]];
      }
      MESSAGE(std::string(name), ": ", accepted, " of 3000 mutants accepted");
    }
  }

  TEST_CASE("random field mutations of program headers never crash") {
    std::mt19937_64 rng = seeded_rng("field mutations");
    const uint64_t interesting[] = {0,       1,           2,          0xfff,          0x1000,         0x1001,
                                    0x10000, 0x2000,      kTask - 1,  kTask,          kTask + 0x1000, 1ull << 63,
                                    ~0ull,   ~0ull - 0xfff, 0x7fffffff, 0x100000000ull};
    unsigned accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
      Builder b;
      // Add a PT_TLS and a PT_PHDR now and then to mutate them too.
      if (rng() % 2) b.ph.push_back(Elf64_Phdr{PT_TLS, PF_R, 0x1000, 0x11000, 0x11000, 0x10, 0x40, 8});
      if (rng() % 2) b.ph.insert(b.ph.begin(), Elf64_Phdr{PT_PHDR, PF_R, 64, 0x10040, 0x10040, 0xa8, 0xa8, 8});
      const int muts = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < muts; i++) {
        Elf64_Phdr& p = b.ph[rng() % b.ph.size()];
        uint64_t v = interesting[rng() % std::size(interesting)];
        if (rng() % 2) v += rng() % 0x3000;
        switch (rng() % 8) {
          case 0: p.p_offset = v; break;
          case 1: p.p_vaddr = v; break;
          case 2: p.p_filesz = v; break;
          case 3: p.p_memsz = v; break;
          case 4: p.p_align = v; break;
          case 5: p.p_flags = static_cast<uint32_t>(v); break;
          case 6: p.p_type = static_cast<uint32_t>(rng() % 8); break;
          default: b.eh.e_entry = v; break;
        }
      }
      const std::vector<uint8_t> bytes = b.bytes();
      const Result<ElfInfo> r = parse(bytes);
      check_outcome(r, bytes.size());
      accepted += r.ok();
    }
    MESSAGE(accepted, " of 20000 mutants accepted");
  }

  TEST_CASE("the builder's file is valid") {
    const Result<ElfInfo> r = Builder().parse();
    REQUIRE_MESSAGE(r.ok(), std::string(r.ok() ? "" : r.error().msg));
    CHECK(r.value().nr_loads == 2);
    CHECK(r.value().phdr_vaddr == 0x10040);
    CHECK(r.value().lo == 0x10000);
    CHECK(r.value().hi == 0x13000);
    check_outcome(r, 0x2000);
  }

  TEST_CASE("malicious ELF headers") {
    Builder b;
    {
      Builder x = b;
      x.eh.e_ident[1] = 'X';
      refused(x, -ENOEXEC, "magic");
    }
    {
      const std::vector<uint8_t> v = b.bytes();
      for (size_t len : {0, 1, 3}) CHECK(parse(v.data(), len).error().err == -ENOEXEC);
      const Result<ElfInfo> r = parse(v.data(), 40);
      CHECK(r.error().err == -ENOEXEC);
      CHECK(std::string(r.error().msg).find("truncated ELF header") != std::string::npos);
    }
    {
      Builder x = b;
      x.eh.e_type = 1;  // ET_REL
      refused(x, -ENOEXEC, "e_type");
      x.eh.e_type = 4;  // ET_CORE
      refused(x, -ENOEXEC, "e_type");
    }
    {
      Builder x = b;
      x.eh.e_machine = 62;  // EM_X86_64
      refused(x, -ENOEXEC, "EM_RISCV");
    }
    {
      Builder x = b;
      x.eh.e_ident[4] = 1;  // ELFCLASS32
      refused(x, -ENOEXEC, "ELFCLASS64");
    }
    {
      Builder x = b;
      x.eh.e_ident[5] = 2;  // big endian
      refused(x, -ENOEXEC, "little endian");
    }
    {
      Builder x = b;
      x.eh.e_ident[6] = 0;
      refused(x, -ENOEXEC, "EV_CURRENT");
      x = b;
      x.eh.e_version = 2;
      refused(x, -ENOEXEC, "EV_CURRENT");
    }
    {
      Builder x = b;
      x.eh.e_ehsize = 52;
      refused(x, -ENOEXEC, "e_ehsize");
    }
    {
      Builder x = b;
      x.eh.e_phentsize = 32;
      refused(x, -ENOEXEC, "e_phentsize");
    }
    {
      Builder x = b;
      x.keep_phnum = true;
      refused(x, -ENOEXEC, "no program headers");
    }
    {
      Builder x = b;
      x.file_size = 0x10000;
      while (x.ph.size() < kElfMaxPhdrs) x.ph.push_back(Elf64_Phdr{PT_NOTE, 0, 0, 0, 0, 0, 0, 4});
      CHECK(x.parse().ok());  // 73 headers: one page, accepted
      x.ph.push_back(Elf64_Phdr{PT_NOTE, 0, 0, 0, 0, 0, 0, 4});
      refused(x, -ENOEXEC, "too many program headers");
      x.eh.e_phnum = 0xffff;  // PN_XNUM: extended numbering is not for executables
      refused(x, -ENOEXEC, "too many program headers");
    }
    {
      Builder x = b;
      x.eh.e_phoff = 0x2000 - 100;  // table runs past the end
      refused(x, -ENOEXEC, "past the end");
      x.eh.e_phoff = ~0ull - 16;  // offset + size wraps
      refused(x, -ENOEXEC, "past the end");
      x.eh.e_phoff = 0x2000;
      refused(x, -ENOEXEC, "past the end");
    }
  }

  TEST_CASE("malicious program headers") {
    refused(with([](Builder& x) { x.ph.push_back(Elf64_Phdr{PT_INTERP, PF_R, 0x1800, 0, 0, 10, 10, 1}); }), -ENOEXEC,
            "PT_INTERP");
    refused(with([](Builder& x) { x.ph[1].p_filesz = 0x2001; }), -EINVAL, "p_filesz > p_memsz");
    refused(with([](Builder& x) { x.ph[1].p_filesz = 0x1001; }), -ENOEXEC, "past the end of the file");
    refused(with([](Builder& x) {
              x.ph[1].p_offset = ~0ull - 0xfff;  // page-congruent; offset + filesz wraps
              x.ph[1].p_filesz = 0x2000;
            }),
            -ENOEXEC, "past the end of the file");
    refused(with([](Builder& x) {
              x.ph[1].p_vaddr = ~0ull - 0xfff;
              x.ph[1].p_offset = 0x1000;
            }),
            -EINVAL, "wraps");
    refused(with([](Builder& x) {
              x.ph[1].p_vaddr = kTask - 0x1000;
              x.ph[1].p_memsz = 0x2000;
            }),
            -EINVAL, "beyond the user address space");
    CHECK(with([](Builder& x) {
            x.ph[1].p_vaddr = kTask - 0x2000;
            x.ph[1].p_memsz = 0x1ff8;  // ends just below the top: fine
          }).parse().ok());
    refused(with([](Builder& x) { x.ph[1].p_align = 0x3000; }), -ENOEXEC, "not a power of two");
    refused(with([](Builder& x) { x.ph[1].p_vaddr = 0x11010; }), -EINVAL, "modulo the page size");
    refused(with([](Builder& x) {
              x.ph[1].p_vaddr = 0x12000;  // file 0x1000: congruent modulo the page, not modulo 8 KiB
              x.ph[1].p_align = 0x2000;
            }),
            -EINVAL, "modulo p_align");
    refused(with([](Builder& x) { std::swap(x.ph[0], x.ph[1]); }), -ENOEXEC, "ascending");
    refused(with([](Builder& x) { x.ph[1].p_vaddr = 0x10000; }), -ENOEXEC, "overlap");  // starts with the text
    refused(with([](Builder& x) {
              x.ph[0].p_memsz = 0x800;
              x.ph[0].p_filesz = 0x800;
              x.ph[1].p_vaddr = 0x10000 + 0xc00;  // same page as the text's end
              x.ph[1].p_offset = 0xc00;
            }),
            -ENOEXEC, "share a page");
    refused(with([](Builder& x) {
              x.file_size = 0x20000;
              x.ph.resize(1);
              for (uint64_t i = 1; i <= kElfMaxLoads; i++)
                x.ph.push_back(Builder::load(0x1000, 0x10000 + i * 0x2000 + 0x1000, 0x10, 0x10, PF_R));
            }),
            -ENOEXEC, "too many PT_LOAD");
    refused(with([](Builder& x) { x.ph.erase(x.ph.begin(), x.ph.begin() + 2); }), -ENOEXEC, "no loadable segment");
    refused(with([](Builder& x) { x.eh.e_entry = 0x11100; }), -ENOEXEC, "entry point");
    refused(with([](Builder& x) { x.eh.e_entry = 0x11000 + 0x2000; }), -ENOEXEC, "entry point");
    refused(with([](Builder& x) { x.ph[0].p_flags = PF_R; }), -ENOEXEC, "entry point");
    refused(with([](Builder& x) {
              x.ph[0].p_vaddr = 0;
              x.eh.e_entry = 0x100;
            }),
            -EPERM, "page 0");
    CHECK(with([](Builder& x) {
            x.eh.e_type = ET_DYN;  // a PIE may start at 0
            x.ph[0].p_vaddr = 0;
            x.ph[1].p_vaddr = 0x1000;
            x.eh.e_entry = 0x100;
          }).parse().ok());
    refused(with([](Builder& x) {
              x.eh.e_type = ET_DYN;
              x.ph[0].p_vaddr = 0;
              x.eh.e_entry = 0x100;
              x.ph[1].p_vaddr = kTask;  // span beyond user space
            }),
            -EINVAL, "user address space");
    // A zero-sized PT_LOAD maps nothing and is skipped, as Linux does.
    const Result<ElfInfo> empty = with([](Builder& x) { x.ph.push_back(Builder::load(0, 0x5000, 0, 0, PF_R)); }).parse();
    REQUIRE(empty.ok());
    CHECK(empty.value().nr_loads == 2);
  }

  TEST_CASE("PT_PHDR, PT_TLS and PT_GNU_STACK") {
    const Builder b;
    const Elf64_Phdr phdr{PT_PHDR, PF_R, 64, 0x10040, 0x10040, 0xa8, 0xa8, 8};
    const Elf64_Phdr tls{PT_TLS, PF_R, 0x1000, 0x11000, 0x11000, 0x10, 0x40, 8};
    const Result<ElfInfo> ok = with([&](Builder& x) {
                                 x.ph.insert(x.ph.begin(), phdr);
                                 x.ph.push_back(tls);
                               }).parse();
    REQUIRE(ok.ok());
    CHECK(ok.value().has_tls);
    CHECK(ok.value().tls.vaddr == 0x11000);
    CHECK(ok.value().tls.memsz == 0x40);
    CHECK(ok.value().phdr_vaddr == 0x10040);

    refused(with([&](Builder& x) { x.ph.insert(x.ph.begin(), {phdr, phdr}); }), -ENOEXEC, "more than one PT_PHDR");
    refused(with([&](Builder& x) {
              Elf64_Phdr p = phdr;
              p.p_vaddr = 0x20000;
              x.ph.insert(x.ph.begin(), p);
            }),
            -ENOEXEC, "PT_PHDR is not inside");
    refused(with([&](Builder& x) { x.ph.insert(x.ph.end(), {tls, tls}); }), -ENOEXEC, "more than one PT_TLS");
    refused(with_tls([](Elf64_Phdr& t) { t.p_filesz = 0x41; }), -ENOEXEC, "PT_TLS: p_filesz > p_memsz");
    refused(with_tls([](Elf64_Phdr& t) { t.p_offset = 0x1ff8; }), -ENOEXEC, "PT_TLS: p_offset + p_filesz");
    refused(with_tls([](Elf64_Phdr& t) { t.p_align = 24; }), -ENOEXEC, "PT_TLS: p_align");
    refused(with_tls([](Elf64_Phdr& t) { t.p_memsz = 1ull << 40; }), -ENOEXEC, "PT_TLS: block larger");
    // The image runs off the data segment's end (0x13000).
    refused(with_tls([](Elf64_Phdr& t) { t.p_vaddr = 0x12ff8; }), -ENOEXEC, "PT_TLS image is not inside");

    // Where no PT_LOAD holds the table, AT_PHDR comes from PT_PHDR; with
    // neither there is none.
    Builder noload = b;
    noload.ph[0].p_offset = 0x1000;  // text now comes from file 0x1000: no load holds bytes 64..232
    noload.ph[0].p_filesz = 0x800;
    noload.ph[1].p_offset = 0x1800;
    noload.ph[1].p_vaddr = 0x11800;
    noload.ph[1].p_filesz = 0x800;
    noload.eh.e_entry = 0x10100;
    const Result<ElfInfo> none = noload.parse();
    REQUIRE_MESSAGE(none.ok(), std::string(none.ok() ? "" : none.error().msg));
    CHECK(!none.value().has_phdr_vaddr);
    Elf64_Phdr p = phdr;
    p.p_vaddr = 0x10080;
    noload.ph.insert(noload.ph.begin(), p);
    const Result<ElfInfo> from_phdr = noload.parse();
    REQUIRE(from_phdr.ok());
    CHECK(from_phdr.value().has_phdr_vaddr);
    CHECK(from_phdr.value().phdr_vaddr == 0x10080);

    // PT_GNU_STACK: absent, executable, the last one wins.
    const Result<ElfInfo> nostack = with([](Builder& x) { x.ph.pop_back(); }).parse();
    REQUIRE(nostack.ok());
    CHECK(!nostack.value().has_gnu_stack);
    const Result<ElfInfo> xstack = with([](Builder& x) {
                                     x.ph.push_back(Elf64_Phdr{PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 0, 16});
                                   }).parse();
    REQUIRE(xstack.ok());
    CHECK(xstack.value().stack_flags == (PF_R | PF_W | PF_X));
  }
}
