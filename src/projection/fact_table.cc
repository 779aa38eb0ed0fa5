#include "projection/fact_table.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/strings/string_view.h"
#include "projection/cow.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

namespace fact_table_internal {

__extension__ typedef __int128 Wide;

struct Block {
  explicit Block(uint32_t n) : facts(new Fact[n]), capacity(n) {}
  std::unique_ptr<Fact[]> facts;
  const uint32_t capacity;
};

struct Sealed {
  std::vector<Fact> facts;  // Σ per (key, day) in order of first appearance, zeros dropped
  DayNumber min_day = 0, max_day = 0;
  std::vector<std::pair<uint32_t, Wide>> totals;  // per key with a non-zero total
};

}  // namespace fact_table_internal

namespace {

using fact_table_internal::Block;
using fact_table_internal::Fact;
using fact_table_internal::Sealed;
using fact_table_internal::Wide;

// Blocks start small (a table per breakdown per tenant: most tenants write little) and double.
constexpr uint32_t kFirstBlock = 256;
constexpr uint32_t kMaxBlock = 8192;

int64_t Clamp(Wide v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

}  // namespace

KeySums FactTableView::Sum(DayNumber from, DayNumber to) const {
  KeySums out;
  if (keys_ == nullptr || from >= to) return out;
  std::vector<Wide> acc(keys_->size());
  auto add = [&](const Fact& f) {
    if (f.day >= from && f.day < to) acc[f.key] += f.delta;
  };
  for (const auto& segment : *sealed_) {
    if (segment->max_day < from || segment->min_day >= to) continue;
    if (from <= segment->min_day && segment->max_day < to) {
      for (const auto& [key, total] : segment->totals) acc[key] += total;
    } else {
      for (const Fact& f : segment->facts) add(f);
    }
  }
  for (uint32_t i = 0; i < tail_size_; ++i) add(tail_->facts[i]);
  for (size_t key = 0; key < acc.size(); ++key) {
    if (acc[key] != 0) out.emplace((*keys_)[key], Clamp(acc[key]));
  }
  return out;
}

void FactTableView::ForEachKeyDay(
    const std::function<void(std::string_view, DayNumber, int64_t)>& fn) const {
  if (keys_ == nullptr) return;
  std::map<std::pair<std::string_view, DayNumber>, Wide> sums;
  auto add = [&](const Fact& f) { sums[{(*keys_)[f.key], f.day}] += f.delta; };
  for (const auto& segment : *sealed_) {
    for (const Fact& f : segment->facts) add(f);
  }
  for (uint32_t i = 0; i < tail_size_; ++i) add(tail_->facts[i]);
  for (const auto& [key_day, sum] : sums) {
    if (sum != 0) fn(key_day.first, key_day.second, Clamp(sum));
  }
}

bool FactTableView::empty() const {
  return keys_ == nullptr || (sealed_->empty() && tail_size_ == 0);
}

FactTable::FactTable()
    : keys_(std::make_shared<std::vector<std::string>>()),
      sealed_(std::make_shared<std::vector<std::shared_ptr<const Sealed>>>()) {}
FactTable::~FactTable() = default;
FactTable::FactTable(FactTable&&) noexcept = default;
FactTable& FactTable::operator=(FactTable&&) noexcept = default;

uint32_t FactTable::KeyId(std::string_view key) {
  // Debian's abseil has its own string_view type, the one its string hash takes.
  auto it = ids_.find(absl::string_view(key.data(), key.size()));
  if (it != ids_.end()) return it->second;
  if (!Exclusive(keys_)) keys_ = std::make_shared<std::vector<std::string>>(*keys_);
  uint32_t id = static_cast<uint32_t>(keys_->size());
  keys_->emplace_back(key);
  ids_.emplace(std::string(key), id);
  return id;
}

void FactTable::Add(std::string_view key, DayNumber day, int64_t delta) {
  if (delta == 0) return;
  uint32_t id = KeyId(key);
  if (tail_ == nullptr) {
    tail_ = std::make_shared<Block>(kFirstBlock);
  } else if (tail_size_ == tail_->capacity) {
    Seal();
  }
  tail_->facts[tail_size_++] = {id, day, delta};
}

// Replaces the full tail by its summed segment and starts a new block (views that read the
// old block keep it). O(facts + keys): a hash per fact, no sort.
void FactTable::Seal() {
  absl::flat_hash_map<uint64_t, uint32_t> where;  // (key, day) → index in `sums`
  where.reserve(tail_size_);
  struct Sum {
    uint32_t key;
    DayNumber day;
    Wide value;
  };
  std::vector<Sum> sums;
  sums.reserve(tail_size_);
  // Facts mostly come in day order: a key's latest sum is usually the one to add to, which
  // spares the hash lookup (`where` still holds every (key, day), so sums are unchanged).
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> latest(keys_->size(), kNone);  // key → index in `sums` of its last
  for (uint32_t i = 0; i < tail_size_; ++i) {
    const Fact& f = tail_->facts[i];
    uint32_t& last = latest[f.key];
    if (last != kNone && sums[last].day == f.day) {
      sums[last].value += f.delta;
      continue;
    }
    uint64_t key_day = (uint64_t{f.key} << 32) | static_cast<uint32_t>(f.day);
    auto [it, fresh] = where.try_emplace(key_day, static_cast<uint32_t>(sums.size()));
    if (fresh) sums.push_back({f.key, f.day, 0});
    last = it->second;
    sums[last].value += f.delta;
  }
  auto segment = std::make_shared<Sealed>();
  std::vector<Wide> totals(keys_->size());
  for (const Sum& sum : sums) {
    if (sum.value == 0) continue;
    if (segment->facts.empty()) segment->min_day = segment->max_day = sum.day;
    segment->min_day = std::min(segment->min_day, sum.day);
    segment->max_day = std::max(segment->max_day, sum.day);
    totals[sum.key] += sum.value;
    for (Wide rest = sum.value; rest != 0;) {  // a sum beyond int64 in exact parts
      int64_t part = Clamp(rest);
      segment->facts.push_back({sum.key, sum.day, part});
      rest -= part;
    }
  }
  for (uint32_t key = 0; key < totals.size(); ++key) {
    if (totals[key] != 0) segment->totals.emplace_back(key, totals[key]);
  }
  if (!segment->facts.empty()) {
    if (!Exclusive(sealed_)) {
      sealed_ = std::make_shared<std::vector<std::shared_ptr<const Sealed>>>(*sealed_);
    }
    sealed_->push_back(std::move(segment));
  }
  tail_ = std::make_shared<Block>(std::min(kMaxBlock, tail_->capacity * 2));
  tail_size_ = 0;
}

FactTableView FactTable::Publish() const {
  FactTableView v;
  v.keys_ = keys_;
  v.sealed_ = sealed_;
  v.tail_ = tail_;
  v.tail_size_ = tail_size_;
  return v;
}

void FactTable::Save(SnapshotWriter& w) const {
  std::vector<std::tuple<std::string_view, DayNumber, int64_t>> entries;
  Publish().ForEachKeyDay([&](std::string_view key, DayNumber day, int64_t value) {
    entries.emplace_back(key, day, value);
  });
  w.U64(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, day, value] = entries[i];
    bool new_key = i == 0 || key != std::get<0>(entries[i - 1]);  // keys are written once
    w.Bool(new_key);
    if (new_key) w.Str(key);
    w.I64(day);
    w.I64(value);
  }
}

bool FactTable::Load(SnapshotReader& r) {
  *this = FactTable();
  std::string key;
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    if (r.Bool()) key = r.Str();
    DayNumber day = static_cast<DayNumber>(r.I64());
    Add(key, day, r.I64());
  }
  return r.ok();
}

}  // namespace readside::projection
