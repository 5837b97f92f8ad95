// Host tests for lib/fdt.cc and lib/dtinfo.cc over DTBs dumped from QEMU
// (tests/host/data) and the HiFive boards' trees (board/*/*.dts, compiled
// by the Makefile into HOST_BUILD_DIR/data).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <lib/dtinfo.h>
#include <lib/fdt.h>

namespace {

std::vector<uint8_t> load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "cannot open ", path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

std::vector<uint8_t> qemu_dtb(const char* name) { return load(std::string("tests/host/data/") + name); }
std::vector<uint8_t> board_dtb(const char* name) { return load(std::string(HOST_BUILD_DIR) + "/data/" + name); }

MachineInfo parse(const std::vector<uint8_t>& blob) {
  MachineInfo m;
  REQUIRE(dt_parse_machine(blob.data(), blob.size(), &m) == DtError::None);
  return m;
}

unsigned okay_mmu_harts(const MachineInfo& m) {
  unsigned n = 0;
  for (unsigned i = 0; i < m.nr_harts; i++) n += m.harts[i].okay && m.harts[i].has_mmu;
  return n;
}

const char* const kAllDtbs[] = {"qemu-virt-smp4-512m.dtb", "qemu-virt-smp1-256m.dtb", "qemu-virt-smp4-5g.dtb",
                                "qemu-sifive_u-smp5-2g.dtb", "qemu-sifive_u-smp5-8g.dtb"};

}  // namespace

TEST_SUITE("fdt") {
  TEST_CASE("QEMU virt, 4 harts, 512 MiB") {
    const MachineInfo m = parse(qemu_dtb("qemu-virt-smp4-512m.dtb"));
    CHECK(std::string(m.compatible) == "riscv-virtio");
    REQUIRE(m.nr_memory == 1);
    CHECK(m.memory[0].base == 0x80000000);
    CHECK(m.memory[0].size == 512ull << 20);
    CHECK(m.timebase_frequency == 10000000);
    REQUIRE(m.nr_harts == 4);
    for (unsigned i = 0; i < 4; i++) {
      CHECK(m.harts[i].hartid == i);
      CHECK(m.harts[i].okay);
      CHECK(m.harts[i].has_mmu);
      CHECK(m.harts[i].intc_phandle != 0);
    }
    CHECK(m.console.present);
    CHECK(std::string(m.console.compatible) == "ns16550a");
    CHECK(m.console.base == 0x10000000);
    CHECK(m.finisher.present);
    CHECK(m.finisher.base == 0x100000);
    CHECK(m.plic.present);
    CHECK(m.plic.base == 0xc000000);
    CHECK(m.plic_ndev > 0);
    CHECK(m.cache_line_size == 64);
    // /chosen/rng-seed: QEMU's 32 random bytes, copied in blob order.
    REQUIRE(m.rng_seed_len == 32);
    const uint8_t seed_start[] = {0x63, 0x71, 0xdd, 0x84, 0xac, 0x40, 0x97, 0x0d};
    const uint8_t seed_end[] = {0x84, 0x56, 0x6a, 0xa5, 0x72, 0xf1, 0x21, 0x93};
    CHECK(std::equal(std::begin(seed_start), std::end(seed_start), m.rng_seed));
    CHECK(std::equal(std::begin(seed_end), std::end(seed_end), m.rng_seed + 24));
    CHECK(m.kaslr_seed == 0);
    CHECK(m.rtc.present);
    CHECK(std::string(m.rtc.compatible) == "google,goldfish-rtc");
    CHECK(m.rtc.base == 0x101000);
  }

  TEST_CASE("QEMU virt with RAM above 4 GiB") {
    const MachineInfo m = parse(qemu_dtb("qemu-virt-smp4-5g.dtb"));
    REQUIRE(m.nr_memory == 1);
    CHECK(m.memory[0].base == 0x80000000);
    CHECK(m.memory[0].size == 5ull << 30);
  }

  TEST_CASE("QEMU virt, one hart") {
    const MachineInfo m = parse(qemu_dtb("qemu-virt-smp1-256m.dtb"));
    CHECK(m.nr_harts == 1);
    CHECK(okay_mmu_harts(m) == 1);
  }

  TEST_CASE("QEMU sifive_u: hart 0 has no MMU, console is sifive,uart0 via stdout-path") {
    for (const char* name : {"qemu-sifive_u-smp5-2g.dtb", "qemu-sifive_u-smp5-8g.dtb"}) {
      const MachineInfo m = parse(qemu_dtb(name));
      REQUIRE(m.nr_harts == 5);
      CHECK(m.harts[0].hartid == 0);
      CHECK_FALSE(m.harts[0].has_mmu);
      for (unsigned i = 1; i < 5; i++) CHECK(m.harts[i].has_mmu);
      CHECK(m.rng_seed_len == 0);  // sifive_u passes no seed and has no RTC
      CHECK_FALSE(m.rtc.present);
      CHECK(okay_mmu_harts(m) == 4);
      CHECK(m.timebase_frequency == 1000000);
      CHECK(std::string(m.console.compatible) == "sifive,uart0");
      CHECK(m.console.base == 0x10010000);
      CHECK_FALSE(m.finisher.present);
    }
    CHECK(parse(qemu_dtb("qemu-sifive_u-smp5-8g.dtb")).memory[0].size == 8ull << 30);
  }

  TEST_CASE("HiFive Unleashed and Unmatched trees") {
    struct Expect {
      const char* file;
      uint64_t ram;
      uint32_t ndev;
    };
    for (const Expect& e : {Expect{"unleashed/hifive-unleashed.dtb", 8ull << 30, 53},
                            Expect{"unmatched/hifive-unmatched.dtb", 16ull << 30, 69}}) {
      INFO(e.file);
      const auto blob = board_dtb(e.file);  // bootargs points into it
      const MachineInfo m = parse(blob);
      REQUIRE(m.nr_memory == 1);
      CHECK(m.memory[0].base == 0x80000000);
      CHECK(m.memory[0].size == e.ram);
      REQUIRE(m.nr_reserved == 1);
      CHECK(m.reserved[0].base == 0x80000000);
      CHECK(m.reserved[0].size == 0x40000);
      CHECK(m.timebase_frequency == 1000000);
      REQUIRE(m.nr_harts == 5);
      CHECK_FALSE(m.harts[0].okay);
      CHECK_FALSE(m.harts[0].has_mmu);
      for (unsigned i = 1; i < 5; i++) {
        CHECK(m.harts[i].okay);
        CHECK(m.harts[i].has_mmu);
        CHECK(std::string(m.harts[i].mmu_type) == "riscv,sv39");
        CHECK_FALSE(m.harts[i].has_sstc);
      }
      CHECK(std::string(m.console.compatible) == "sifive,uart0");
      CHECK(m.console.base == 0x10010000);  // serial0 alias, not uart1
      CHECK(m.plic.present);
      CHECK(m.plic_ndev == e.ndev);
      CHECK_FALSE(m.finisher.present);
      CHECK(std::string(m.bootargs) == "console=ttySIF0");
    }
  }

  TEST_CASE("a tree without memory is refused, but still names the finisher and console") {
    // QEMU virt's tree with the memory node removed (tests/host/data/README).
    const auto blob = qemu_dtb("qemu-virt-no-memory.dtb");
    MachineInfo m;
    CHECK(dt_parse_machine(blob.data(), blob.size(), &m) == DtError::NoMemory);
    CHECK(m.finisher.present);
    CHECK(m.finisher.base == 0x100000);
    CHECK(m.console.present);
  }

  TEST_CASE("paths, aliases, properties") {
    const auto blob = qemu_dtb("qemu-virt-smp4-512m.dtb");
    Fdt fdt;
    REQUIRE(Fdt::open(blob.data(), blob.size(), &fdt) == DtError::None);
    CHECK(fdt.find_path("/cpus").valid());
    CHECK(fdt.find_path("/cpus/cpu@2").valid());
    CHECK(std::string(fdt.name(fdt.find_path("/cpus/cpu"))) == "cpu@0");  // unit address optional
    CHECK_FALSE(fdt.find_path("/cpus/cpu@9").valid());
    CHECK_FALSE(fdt.find_path("cpus").valid());
    const FdtNode cpu2 = fdt.find_path("/cpus/cpu@2");
    CHECK(fdt.parent(cpu2) == fdt.find_path("/cpus"));
    CHECK_FALSE(fdt.parent(fdt.root()).valid());
    CHECK(fdt.is_compatible(cpu2, "riscv"));
    CHECK_FALSE(fdt.is_compatible(cpu2, "risc"));
    CHECK(fdt.prop_u32(cpu2, "reg", 99) == 2);
    CHECK(fdt.prop_u32(cpu2, "no-such-prop", 99) == 99);
    const FdtNode intc = fdt.first_child(cpu2);
    REQUIRE(intc.valid());
    CHECK(fdt.find_phandle(fdt.prop_u32(intc, "phandle", 0)) == intc);
    uint64_t base = 0, size = 0;
    REQUIRE(fdt.reg(fdt.find_path("/memory"), 0, &base, &size));
    CHECK(base == 0x80000000);
    CHECK_FALSE(fdt.reg(fdt.find_path("/memory"), 1, &base, &size));
    unsigned nodes = 0;
    for (FdtNode n = fdt.root(); n.valid(); n = fdt.next_node(n)) nodes++;
    CHECK(nodes > 20);
  }

  TEST_CASE("sstc is matched as a whole extension name") {
    // QEMU 7.2 virt lists sstc in riscv,isa.
    const MachineInfo m = parse(qemu_dtb("qemu-virt-smp4-512m.dtb"));
    const std::string isa = m.harts[0].isa;
    CHECK(m.harts[0].has_sstc == (isa.find("_sstc") != std::string::npos));
  }

  TEST_CASE("every truncation of a real DTB is rejected") {
    for (const char* name : kAllDtbs) {
      const auto blob = qemu_dtb(name);
      for (size_t len = 0; len < blob.size(); len++) {
        // A fresh copy of exactly len bytes so ASan sees any read past it.
        std::vector<uint8_t> part(blob.begin(), blob.begin() + static_cast<long>(len));
        MachineInfo m;
        REQUIRE(dt_parse_machine(part.data(), part.size(), &m) != DtError::None);
      }
    }
  }

  TEST_CASE("random corruption gives an error or a result, never a crash") {
    std::mt19937 rng(20261124);
    unsigned rejected = 0, accepted = 0;
    for (const char* name : kAllDtbs) {
      const auto blob = qemu_dtb(name);
      for (int round = 0; round < 400; round++) {
        auto copy = blob;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; i++) copy[rng() % copy.size()] = static_cast<uint8_t>(rng());
        MachineInfo m;
        if (dt_parse_machine(copy.data(), copy.size(), &m) == DtError::None) {
          accepted++;
          CHECK(m.nr_memory <= DT_MAX_MEMORY);
          CHECK(m.nr_harts <= DT_MAX_HARTS);
        } else {
          rejected++;
        }
      }
    }
    CHECK(rejected > 0);
    CHECK(accepted > 0);
  }

  TEST_CASE("header errors") {
    auto blob = qemu_dtb("qemu-virt-smp4-512m.dtb");
    MachineInfo m;
    auto bad = blob;
    bad[0] = 0;
    CHECK(dt_parse_machine(bad.data(), bad.size(), &m) == DtError::BadMagic);
    bad = blob;
    bad[23] = 15;  // version 15
    CHECK(dt_parse_machine(bad.data(), bad.size(), &m) == DtError::BadVersion);
    bad = blob;
    bad[35] = 0xff;  // size_dt_strings far past the end
    bad[34] = 0xff;
    CHECK(dt_parse_machine(bad.data(), bad.size(), &m) == DtError::Truncated);
    CHECK(dt_parse_machine(nullptr, 0, &m) == DtError::Truncated);
    CHECK(std::string(dt_error_string(DtError::Truncated)).find("truncated") != std::string::npos);
  }

  TEST_CASE("hand-made trees: property name outside strings, unbalanced nodes, missing memory") {
    // Build: header | rsvmap {0,0} | struct | strings
    auto make = [](const std::vector<uint32_t>& tokens, const std::string& strings) {
      std::vector<uint8_t> b(40 + 16);
      auto put32 = [&b](size_t at, uint32_t v) {
        b[at] = static_cast<uint8_t>(v >> 24);
        b[at + 1] = static_cast<uint8_t>(v >> 16);
        b[at + 2] = static_cast<uint8_t>(v >> 8);
        b[at + 3] = static_cast<uint8_t>(v);
      };
      const size_t off_struct = b.size();
      for (uint32_t t : tokens) {
        b.resize(b.size() + 4);
        put32(b.size() - 4, t);
      }
      const size_t off_strings = b.size();
      b.insert(b.end(), strings.begin(), strings.end());
      put32(0, 0xd00dfeed);
      put32(4, static_cast<uint32_t>(b.size()));
      put32(8, static_cast<uint32_t>(off_struct));
      put32(12, static_cast<uint32_t>(off_strings));
      put32(16, 40);
      put32(20, 17);
      put32(24, 16);
      put32(32, static_cast<uint32_t>(strings.size()));
      put32(36, static_cast<uint32_t>(off_strings - off_struct));
      return b;
    };
    MachineInfo m;
    // Root with an empty name, no properties: valid tree, but no memory.
    auto ok = make({1, 0, 2, 9}, "");
    CHECK(fdt_validate(ok.data(), ok.size()) == DtError::None);
    CHECK(dt_parse_machine(ok.data(), ok.size(), &m) == DtError::NoMemory);
    // PROP with nameoff 100 in a 4-byte strings block.
    auto badname = make({1, 0, 3, 0, 100, 2, 9}, "abc");
    CHECK(fdt_validate(badname.data(), badname.size()) == DtError::BadStrings);
    // END_NODE without BEGIN_NODE; missing END; two roots; unknown token.
    auto unbalanced = make({2, 9}, "");
    CHECK(fdt_validate(unbalanced.data(), unbalanced.size()) == DtError::BadStructure);
    auto noend = make({1, 0, 2}, "");
    CHECK(fdt_validate(noend.data(), noend.size()) == DtError::Truncated);
    auto tworoots = make({1, 0, 2, 1, 0, 2, 9}, "");
    CHECK(fdt_validate(tworoots.data(), tworoots.size()) == DtError::BadStructure);
    auto unknown = make({1, 0, 7, 2, 9}, "");
    CHECK(fdt_validate(unknown.data(), unknown.size()) == DtError::BadStructure);
    // A property whose length runs past the structure block.
    auto longprop = make({1, 0, 3, 0x1000, 0, 2, 9}, "a");
    CHECK(fdt_validate(longprop.data(), longprop.size()) == DtError::Truncated);
  }
}
