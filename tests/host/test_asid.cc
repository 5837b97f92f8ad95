// Host tests for the ASID allocator (arch/riscv/mm/asid.cc): a model of
// every CPU's TLB checks that no CPU ever runs an address space under an
// ASID its TLB still holds entries of another address space for.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <asm/asid.h>

namespace {

struct Mm {
  explicit Mm(unsigned s) : serial(s) {}
  unsigned serial;  // unique for the life of the test, never reused
  mm_context_t ctx;
};

// What each CPU's TLB may hold: ASID -> serial of the address space that
// filled entries under it.
struct TlbModel {
  std::vector<std::map<uint16_t, unsigned>> cpu;
  unsigned stale = 0;

  explicit TlbModel(unsigned n) : cpu(n) {}
  void run(AsidAllocator& a, unsigned c, Mm& mm) {
    const AsidAllocator::Switch s = a.switch_to(c, mm.ctx);
    if (s.flush_tlb) cpu[c].clear();
    auto it = cpu[c].find(s.asid);
    if (it != cpu[c].end() && it->second != mm.serial) stale++;
    cpu[c][s.asid] = mm.serial;  // the address space now fills entries
  }
};

}  // namespace

TEST_CASE("asid: an address space keeps its ASID within a generation") {
  AsidAllocator a;
  a.init(16, 4);
  REQUIRE(a.enabled());
  Mm m1(1);
  Mm m2(2);
  const auto s1 = a.switch_to(0, m1.ctx);
  const auto s2 = a.switch_to(1, m2.ctx);
  CHECK(s1.asid != 0);
  CHECK(s2.asid != 0);
  CHECK(s1.asid != s2.asid);
  CHECK_FALSE(s1.flush_tlb);  // nothing rolled over yet
  for (unsigned i = 0; i < 10; i++) {
    CHECK(a.switch_to(i % 4, m1.ctx).asid == s1.asid);
    CHECK(a.switch_to((i + 1) % 4, m2.ctx).asid == s2.asid);
  }
  CHECK(a.rollovers() == 0);
}

TEST_CASE("asid: too few ASIDs for the CPUs disables them") {
  AsidAllocator a;
  a.init(0, 4);
  CHECK_FALSE(a.enabled());
  Mm m(1);
  const auto s = a.switch_to(0, m.ctx);
  CHECK(s.asid == 0);
  CHECK(s.flush_tlb);
  a.init(3, 4);  // 8 ASIDs, not more than 2 per CPU
  CHECK_FALSE(a.enabled());
  a.init(4, 4);
  CHECK(a.enabled());
}

TEST_CASE("asid: rollover bumps the generation, keeps active ASIDs and flushes each CPU once") {
  AsidAllocator a;
  a.init(16, 2);
  a.set_limit(8);  // ASIDs 1..7
  REQUIRE(a.limit() == 8);
  std::vector<std::unique_ptr<Mm>> mms;
  for (unsigned i = 0; i < 7; i++) mms.push_back(std::make_unique<Mm>(i));
  // CPU 0 runs mm 0, CPU 1 runs mm 1; the rest take the remaining ASIDs.
  std::set<uint16_t> seen;
  for (unsigned i = 0; i < 7; i++) seen.insert(a.switch_to(i == 1 ? 1 : 0, mms[i]->ctx).asid);
  CHECK(seen.size() == 7);
  CHECK(a.rollovers() == 0);
  const uint64_t gen = a.generation();
  // CPU 0 is now running mm 6, CPU 1 mm 1. An eighth address space rolls over.
  Mm extra(100);
  const auto s = a.switch_to(0, extra.ctx);
  CHECK(a.rollovers() == 1);
  CHECK(a.generation() == gen + 1);
  CHECK(s.flush_tlb);
  CHECK(s.asid != AsidAllocator::asid_of(mms[1]->ctx.id));  // CPU 1's is reserved
  CHECK(s.asid != AsidAllocator::asid_of(mms[6]->ctx.id));  // CPU 0's was, until now
  // CPU 1 keeps mm 1's ASID in the new generation, and flushes once.
  const uint16_t asid1 = AsidAllocator::asid_of(mms[1]->ctx.id);
  const auto s1 = a.switch_to(1, mms[1]->ctx);
  CHECK(s1.asid == asid1);
  CHECK(s1.flush_tlb);
  CHECK(AsidAllocator::generation_of(mms[1]->ctx.id) == gen + 1);
  CHECK_FALSE(a.switch_to(1, mms[1]->ctx).flush_tlb);
  CHECK_FALSE(a.switch_to(0, mms[6]->ctx).flush_tlb);
}

TEST_CASE("asid: randomized switching never reuses an ASID with stale entries") {
  for (unsigned seed = 1; seed <= 20; seed++) {
    std::mt19937 rng(seed);
    const unsigned ncpus = 1 + rng() % MM_MAX_CPUS;
    AsidAllocator a;
    a.init(16, ncpus);
    a.set_limit(2 * ncpus + 1 + rng() % 20);
    TlbModel tlb(ncpus);
    std::vector<std::unique_ptr<Mm>> mms;
    unsigned serial = 0;
    std::vector<Mm*> running(ncpus, nullptr);
    for (unsigned step = 0; step < 4000; step++) {
      const unsigned r = rng() % 100;
      if (r < 10 || mms.empty()) {
        mms.push_back(std::make_unique<Mm>(++serial));
      } else if (r < 15 && mms.size() > 1) {
        // An exit: only an address space no CPU runs can go away.
        const size_t i = rng() % mms.size();
        bool busy = false;
        for (Mm* m : running) busy |= m == mms[i].get();
        if (!busy) mms.erase(mms.begin() + static_cast<long>(i));
      } else {
        const unsigned c = rng() % ncpus;
        Mm* m = mms[rng() % mms.size()].get();
        const uint64_t id_before = m->ctx.id.load();
        const uint64_t gen_before = a.generation();
        tlb.run(a, c, *m);
        running[c] = m;
        // Same generation before and after: the ASID did not change.
        if (id_before != 0 && AsidAllocator::generation_of(id_before) == gen_before && a.generation() == gen_before)
          CHECK(m->ctx.id.load() == id_before);
      }
      // Address spaces of the current generation have distinct ASIDs.
      std::set<uint16_t> current;
      unsigned n = 0;
      for (auto& m : mms) {
        const uint64_t id = m->ctx.id.load();
        if (id && AsidAllocator::generation_of(id) == a.generation()) {
          current.insert(AsidAllocator::asid_of(id));
          n++;
          CHECK(AsidAllocator::asid_of(id) != 0);
        }
      }
      CHECK(current.size() == n);
    }
    CHECK(tlb.stale == 0);
    CHECK(a.rollovers() > 0);
  }
}
