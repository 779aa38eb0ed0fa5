#include "projection/fact_table.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

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
  if (sealed_ == nullptr || from >= to) return out;
  std::vector<Wide> acc(keys_.size());
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
    if (acc[key] != 0) out.emplace(keys_[static_cast<uint32_t>(key)], Clamp(acc[key]));
  }
  return out;
}

void FactTableView::ForEachKeyDay(
    const std::function<void(std::string_view, DayNumber, int64_t)>& fn) const {
  if (sealed_ == nullptr) return;
  std::map<std::pair<std::string_view, DayNumber>, Wide> sums;
  auto add = [&](const Fact& f) { sums[{keys_[f.key], f.day}] += f.delta; };
  for (const auto& segment : *sealed_) {
    for (const Fact& f : segment->facts) add(f);
  }
  for (uint32_t i = 0; i < tail_size_; ++i) add(tail_->facts[i]);
  for (const auto& [key_day, sum] : sums) {
    if (sum != 0) fn(key_day.first, key_day.second, Clamp(sum));
  }
}

bool FactTableView::empty() const {
  return sealed_ == nullptr || (sealed_->empty() && tail_size_ == 0);
}

KeyPool::KeyPool() : chunks_(std::make_shared<fact_table_internal::KeyChunks>()) {}

uint32_t KeyPool::Add(std::string_view key, uint64_t hash) {
  using fact_table_internal::kKeyChunk;
  const uint32_t id = count_;
  if (id % kKeyChunk == 0) {  // a new chunk: views may share the chunk list, not the chunks
    if (!Exclusive(chunks_)) chunks_ = std::make_shared<fact_table_internal::KeyChunks>(*chunks_);
    chunks_->emplace_back(new std::string[kKeyChunk]);
  }
  (*chunks_)[id / kKeyChunk][id % kKeyChunk] = key;  // past every published count
  ++count_;
  index_.Add(hash);
  return id;
}

KeyPoolView KeyPool::Publish() const {
  KeyPoolView v;
  v.chunks_ = chunks_;
  v.count_ = count_;
  return v;
}

FactTable::FactTable() : FactTable(std::make_shared<KeyPool>()) {}
FactTable::FactTable(std::shared_ptr<KeyPool> pool)
    : pool_(std::move(pool)),
      sealed_(std::make_shared<std::vector<std::shared_ptr<const Sealed>>>()) {}
FactTable::~FactTable() = default;
FactTable::FactTable(FactTable&&) noexcept = default;
FactTable& FactTable::operator=(FactTable&&) noexcept = default;

void FactTable::NextBlock() {
  if (tail_ == nullptr) {
    tail_ = std::make_shared<Block>(kFirstBlock);
  } else {
    Seal();
  }
  tail_facts_ = tail_->facts.get();
  tail_capacity_ = tail_->capacity;
}

// Replaces the full tail by its summed segment and starts a new block (views that read the
// old block keep it). O(facts): no hash and no sort. Per key, scratch arrays indexed by key id
// (one set per applier thread, sized to the largest pool, reset for the keys touched) hold
// the key's sums as a chain, newest first. Facts mostly come in day order, so a fact adds to
// the key's last sum or starts a new one after its latest day; only a late fact walks the
// chain (a key has at most a few dozen days in a block).
void FactTable::Seal() {
  struct Sum {
    uint32_t key;
    uint32_t prev;  // the key's previous sum, or kNone
    DayNumber day;
    Wide value;
  };
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  struct Scratch {
    std::vector<Sum> sums;       // of this block, in order of first appearance
    std::vector<uint32_t> head;  // key → its newest sum, kNone when untouched
    std::vector<uint32_t> last;  // key → the sum added to last
    std::vector<DayNumber> max_day;
    std::vector<Wide> total;
    std::vector<uint32_t> touched;
  };
  thread_local Scratch scratch;
  Scratch& x = scratch;
  if (x.head.size() < pool_->size()) {
    x.head.resize(pool_->size(), kNone);
    x.last.resize(pool_->size(), kNone);
    x.max_day.resize(pool_->size());
    x.total.resize(pool_->size());
  }
  std::vector<Sum>& sums = x.sums;
  sums.clear();
  for (uint32_t i = 0; i < tail_size_; ++i) {
    const Fact& f = tail_->facts[i];
    uint32_t& last = x.last[f.key];
    if (last != kNone && sums[last].day == f.day) {
      sums[last].value += f.delta;
      continue;
    }
    uint32_t& head = x.head[f.key];
    uint32_t found = kNone;
    if (head == kNone) {
      x.touched.push_back(f.key);
    } else if (f.day <= x.max_day[f.key]) {  // a late fact: the day may have a sum already
      for (uint32_t j = head; j != kNone; j = sums[j].prev) {
        if (sums[j].day == f.day) {
          found = j;
          break;
        }
      }
    }
    if (found == kNone) {
      if (head == kNone || f.day > x.max_day[f.key]) x.max_day[f.key] = f.day;
      found = static_cast<uint32_t>(sums.size());
      sums.push_back({f.key, head, f.day, 0});
      head = found;
    }
    last = found;
    sums[found].value += f.delta;
  }
  auto segment = std::make_shared<Sealed>();
  segment->facts.reserve(sums.size());
  segment->totals.reserve(x.touched.size());
  for (const Sum& sum : sums) {
    if (sum.value == 0) continue;
    if (segment->facts.empty()) segment->min_day = segment->max_day = sum.day;
    segment->min_day = std::min(segment->min_day, sum.day);
    segment->max_day = std::max(segment->max_day, sum.day);
    x.total[sum.key] += sum.value;
    for (Wide rest = sum.value; rest != 0;) {  // a sum beyond int64 in exact parts
      int64_t part = Clamp(rest);
      segment->facts.push_back({sum.key, sum.day, part});
      rest -= part;
    }
  }
  for (uint32_t key : x.touched) {
    if (x.total[key] != 0) segment->totals.emplace_back(key, x.total[key]);
    x.head[key] = x.last[key] = kNone;
    x.total[key] = 0;
  }
  x.touched.clear();
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
  v.keys_ = pool_->Publish();
  v.sealed_ = sealed_;
  v.tail_ = tail_;
  v.tail_size_ = tail_size_;
  return v;
}

// The summed (key, day) values by key id then day: a sort of the segments' facts (already
// summed per block) and a merge. (ForEachKeyDay's map of strings cost a node per entry: a
// snapshot of ten million events spent seconds in it, on the applier's thread.)
void FactTable::Save(SnapshotWriter& w) const {
  struct Entry {
    uint32_t key;
    DayNumber day;
    Wide value;
  };
  std::vector<Entry> all;
  size_t n = tail_size_;
  for (const auto& segment : *sealed_) n += segment->facts.size();
  all.reserve(n);
  for (const auto& segment : *sealed_) {
    for (const Fact& f : segment->facts) all.push_back({f.key, f.day, f.delta});
  }
  for (uint32_t i = 0; i < tail_size_; ++i) {
    const Fact& f = tail_->facts[i];
    all.push_back({f.key, f.day, f.delta});
  }
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : a.day < b.day;
  });
  size_t out = 0;  // merge equal (key, day) in place, dropping zeros
  for (size_t i = 0; i < all.size();) {
    Entry sum = all[i];
    for (++i; i < all.size() && all[i].key == sum.key && all[i].day == sum.day; ++i) {
      sum.value += all[i].value;
    }
    if (sum.value != 0) all[out++] = sum;
  }
  all.resize(out);
  w.U64(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    bool new_key = i == 0 || all[i].key != all[i - 1].key;  // keys are written once
    w.Bool(new_key);
    if (new_key) w.Str((*pool_)[all[i].key]);
    w.I64(all[i].day);
    w.I64(Clamp(all[i].value));
  }
}

bool FactTable::Load(SnapshotReader& r) {
  *this = FactTable(std::move(pool_));
  uint32_t key = KeyPool::kNone;
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    if (r.Bool()) key = pool_->Intern(r.Str());
    DayNumber day = static_cast<DayNumber>(r.I64());
    int64_t value = r.I64();
    if (key == KeyPool::kNone) return r.Fail(), false;  // a value before any key
    AddId(key, day, value);
  }
  return r.ok();
}

}  // namespace readside::projection
