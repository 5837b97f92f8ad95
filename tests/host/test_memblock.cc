// Host tests for mm/memblock.cc.
#include <doctest/doctest.h>

#include <vector>

#include <kernel/errno.h>
#include <mm/memblock.h>

namespace {

std::vector<std::pair<uint64_t, uint64_t>> free_ranges(const Memblock& mb) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  mb.for_each_free_range([&](uint64_t b, uint64_t e) { out.emplace_back(b, e); });
  return out;
}

}  // namespace

TEST_SUITE("memblock") {
  TEST_CASE("add merges touching and overlapping regions, keeps them sorted") {
    MemblockType t;
    REQUIRE(t.add(0x3000, 0x1000) == 0);
    REQUIRE(t.add(0x1000, 0x1000) == 0);
    CHECK(t.count() == 2);
    REQUIRE(t.add(0x2000, 0x1000) == 0);  // touches both: one region
    REQUIRE(t.count() == 1);
    CHECK(t[0].base == 0x1000);
    CHECK(t[0].size == 0x3000);
    REQUIRE(t.add(0x800, 0x4000) == 0);  // overlaps and extends both ends
    CHECK(t.count() == 1);
    CHECK(t[0].base == 0x800);
    CHECK(t[0].end() == 0x4800);
    CHECK(t.add(~uint64_t{0} - 10, 100) == -EINVAL);
  }

  TEST_CASE("remove splits regions") {
    MemblockType t;
    REQUIRE(t.add(0x1000, 0x10000) == 0);
    REQUIRE(t.remove(0x4000, 0x2000) == 0);
    REQUIRE(t.count() == 2);
    CHECK(t[0].end() == 0x4000);
    CHECK(t[1].base == 0x6000);
    REQUIRE(t.remove(0, 0x2000) == 0);
    CHECK(t[0].base == 0x2000);
    CHECK(t.total() == 0x10000 - 0x2000 - 0x1000);
  }

  TEST_CASE("a full region array is an error, not corruption") {
    MemblockType t;
    for (unsigned i = 0; i < MEMBLOCK_MAX_REGIONS; i++) REQUIRE(t.add(uint64_t{i} * 0x2000, 0x1000) == 0);
    CHECK(t.add(0x10000000, 0x1000) == -ENOSPC);
    CHECK(t.count() == MEMBLOCK_MAX_REGIONS);
    CHECK(t.add(0x1000, 0x1000) == 0);  // merging two still fits
    CHECK(t.count() == MEMBLOCK_MAX_REGIONS - 1);
  }

  TEST_CASE("free ranges, several memory nodes, RAM above 4 GiB, top-down alloc") {
    Memblock mb;
    REQUIRE(mb.memory.add(0x80000000, 0x80000000) == 0);    // 2 GiB at 2 GiB
    REQUIRE(mb.memory.add(0x100000000, 0x40000000) == 0);   // touching: merged
    REQUIRE(mb.memory.add(0x200000000, 0x10000000) == 0);   // a second node
    REQUIRE(mb.reserved.add(0x80000000, 0x80000) == 0);     // firmware
    REQUIRE(mb.reserved.add(0x80200000, 0x100000) == 0);    // kernel
    const auto fr = free_ranges(mb);
    REQUIRE(fr.size() == 3);
    CHECK(fr[0] == std::make_pair<uint64_t, uint64_t>(0x80080000, 0x80200000));
    CHECK(fr[1] == std::make_pair<uint64_t, uint64_t>(0x80300000, 0x140000000));
    CHECK(fr[2] == std::make_pair<uint64_t, uint64_t>(0x200000000, 0x210000000));
    const uint64_t before = mb.free_bytes();
    const uint64_t a = mb.alloc(0x5000, 0x1000);
    CHECK(a == 0x210000000 - 0x5000);
    const uint64_t low = mb.alloc(0x1000, 0x1000, 0x100000000);  // below 4 GiB
    CHECK(low == 0x100000000 - 0x1000);
    CHECK(mb.free_bytes() == before - 0x6000);
    CHECK(mb.reserved.overlaps(a, 0x5000));
    CHECK(mb.alloc(0x1000, 3) == 0);            // bad alignment
    CHECK(mb.alloc(1ull << 40, 0x1000) == 0);   // does not fit
  }
}
