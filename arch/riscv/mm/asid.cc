// The ASID allocator (see asm/asid.h for the design).
#include <asm/asid.h>

namespace {

constexpr uint64_t bit_of(unsigned n) { return uint64_t{1} << (n % 64); }

}  // namespace

void AsidAllocator::init(unsigned hw_bits, unsigned nr_cpus) {
  MmLockGuard g{lock_};
  nr_cpus_ = nr_cpus < MM_MAX_CPUS ? nr_cpus : MM_MAX_CPUS;
  hw_bits = hw_bits < kMaxBits ? hw_bits : kMaxBits;
  hw_asids_ = 1u << hw_bits;
  enabled_ = hw_asids_ > 2 * nr_cpus_;
  limit_ = hw_asids_;
  for (uint64_t& w : map_) w = 0;
  map_[0] = 1;  // ASID 0: the kernel's
  cur_idx_ = 1;
}

void AsidAllocator::set_limit(unsigned nr) {
  MmLockGuard g{lock_};
  if (nr == 0 || nr > hw_asids_) nr = hw_asids_;
  if (nr < 2 * nr_cpus_ + 1) nr = 2 * nr_cpus_ + 1;
  limit_ = nr;
  if (cur_idx_ >= limit_) cur_idx_ = 1;
}

bool AsidAllocator::test_and_set_locked(unsigned asid) {
  uint64_t& w = map_[asid / 64];
  const bool was = w & bit_of(asid);
  w |= bit_of(asid);
  return was;
}

unsigned AsidAllocator::find_free_locked(unsigned from) const {
  for (unsigned a = from; a < limit_; a++) {
    if (a % 64 == 0 && map_[a / 64] == ~uint64_t{0}) {
      a += 63;  // a full word
      continue;
    }
    if (!(map_[a / 64] & bit_of(a))) return a;
  }
  return limit_;
}

void AsidAllocator::rollover_locked() {
  for (uint64_t& w : map_) w = 0;
  map_[0] = 1;
  for (unsigned c = 0; c < nr_cpus_; c++) {
    uint64_t id = active_[c].exchange(0, std::memory_order_relaxed);
    // A CPU that rolled over before and has not switched since still runs
    // the id reserved then.
    if (id == 0) id = reserved_[c];
    map_[asid_of(id) / 64] |= bit_of(asid_of(id));
    reserved_[c] = id;
  }
  flush_pending_ = nr_cpus_ >= 64 ? ~uint64_t{0} : (uint64_t{1} << nr_cpus_) - 1;
  rollovers_++;
}

bool AsidAllocator::update_reserved_locked(uint64_t old_id, uint64_t new_id) {
  bool hit = false;
  for (unsigned c = 0; c < nr_cpus_; c++) {
    if (reserved_[c] == old_id) {
      reserved_[c] = new_id;
      hit = true;
    }
  }
  return hit;
}

uint64_t AsidAllocator::new_context_locked(uint64_t id) {
  uint64_t version = version_.load(std::memory_order_relaxed);
  if (id != 0) {
    const unsigned asid = asid_of(id);
    const uint64_t renewed = version | asid;
    // Running somewhere across the rollover: its ASID was kept for it.
    if (update_reserved_locked(id, renewed)) return renewed;
    // Otherwise its old ASID, if nobody took it in this generation.
    if (asid < limit_ && !test_and_set_locked(asid)) return renewed;
  }
  unsigned asid = find_free_locked(cur_idx_);
  if (asid == limit_) {
    version = version_.fetch_add(uint64_t{1} << kGenShift, std::memory_order_relaxed) + (uint64_t{1} << kGenShift);
    rollover_locked();
    // At most one ASID per CPU is reserved and limit_ > 2 * CPUs.
    asid = find_free_locked(1);
  }
  test_and_set_locked(asid);
  cur_idx_ = asid;
  return version | asid;
}

AsidAllocator::Switch AsidAllocator::switch_to(unsigned cpu, mm_context_t& ctx) {
  if (!enabled_) return {0, true};
  uint64_t id = ctx.id.load(std::memory_order_relaxed);
  uint64_t old_active = active_[cpu].load(std::memory_order_relaxed);
  if (old_active != 0 && generation_of(id) == generation() &&
      active_[cpu].compare_exchange_strong(old_active, id, std::memory_order_relaxed))
    return {asid_of(id), false};

  MmLockGuard g{lock_};
  id = ctx.id.load(std::memory_order_relaxed);
  if (generation_of(id) != generation()) {
    id = new_context_locked(id);
    ctx.id.store(id, std::memory_order_relaxed);
  }
  const bool flush = flush_pending_ & (uint64_t{1} << cpu);
  flush_pending_ &= ~(uint64_t{1} << cpu);
  active_[cpu].store(id, std::memory_order_relaxed);
  return {asid_of(id), flush};
}
