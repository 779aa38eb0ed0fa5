#pragma once
// The applier's side of a tenant's read model: the mutable series the domain projections add
// to, the directories they keep current (tenant_view.h), and Publish(), which freezes the
// current state into an immutable TenantView. Fact tables publish in O(1) (fact_table.h).
// Series are shared with published views and
// cloned on the first write after a publication (copy-on-write at series and at chunk level),
// so a publication costs O(#series) pointer copies, not a copy of the data.
// Thread-safety: NOT thread-safe; owned by the applier thread. Published views are immutable.

#include <algorithm>
#include <bitset>
#include <memory>
#include <string_view>

#include "projection/key_hash.h"
#include "projection/string_index.h"
#include "projection/snapshot_codec.h"
#include "projection/tenant_view.h"

namespace readside::projection {

class ModelBuilder {
 public:
  explicit ModelBuilder(TenantSettings settings, LocalCalendar calendar);

  // The local day of an instant in the tenant's time zone.
  DayNumber DayOf(int64_t unix_micros) { return calendar_.DayOf(unix_micros); }

  void Add(S s, DayNumber day, int64_t delta) {
    if (delta != 0) Mutable(s).Add(day, delta);
  }
  void AddAt(S s, int64_t unix_micros, int64_t delta);  // keeps the exact instant too
  void AddKeyed(K k, std::string_view key, DayNumber day, int64_t delta);
  void AddFact(F f, std::string_view key, DayNumber day, int64_t delta) {
    if (delta != 0) facts_[static_cast<size_t>(f)].AddId(keys_->Intern(key), day, delta);
  }
  // The same by key id (KeyOf): an event writing several tables under one key, or an entity
  // that keeps its key's id, looks the key up once or never.
  void AddFact(F f, uint32_t key, DayNumber day, int64_t delta) {
    facts_[static_cast<size_t>(f)].AddId(key, day, delta);
  }
  uint32_t KeyOf(std::string_view key) { return keys_->Intern(key); }
  // KeyOf(key) once, then the id cached in *id (KeyPool::kNone until then). Ids are valid
  // for this builder's life; Load starts a new pool, so it expects fresh projections.
  uint32_t KeyOf(uint32_t* id, std::string_view key) { return keys_->Intern(id, key); }
  const DaySeries& Get(S s) const { return *series_[static_cast<size_t>(s)]; }

  // The directories (tenant_view.h): each is copied on its first change after a
  // publication, so call these only for an actual change (creations, updates).
  EmployeeDirectory& MutableEmployees();
  ProductDirectory& MutableProducts();
  ProjectDirectory& MutableProjects();
  const EmployeeDirectory& employees() const { return *employees_; }
  const ProductDirectory& products() const { return *products_; }
  const ProjectDirectory& projects() const { return *projects_; }

  QualityCounts& quality() { return quality_; }
  // Records that `domain` applied an event from `source` at wall-clock `now_micros`, and
  // counts the event in the live activity of the minute of its timestamp.
  // Inline: once per event; a new source of the domain takes NewSource.
  void Touch(event::Domain domain, std::string_view source, int64_t event_micros,
             int64_t now_micros) {
    const size_t d = static_cast<size_t>(domain);
    if (d < kDomainCount) {
      domains_[d].last_updated_micros = now_micros;
      // a domain's events mostly come from one service
      if (!EqualKeys(last_source_[d], source)) NewSource(d, source);
    }
    if (event_micros < 0) return;
    const int64_t minute = event_micros / 60'000'000;
    const size_t slot = static_cast<size_t>(minute % LiveActivity::kMinutes);  // minute >= 0
    if (live_.minute[slot] > minute) return;  // older than the hour this slot now holds
    if (live_.minute[slot] != minute) {
      live_.minute[slot] = minute;
      live_.counts[slot].fill(0);
    }
    ++live_.counts[slot][std::min(d, kDomainCount)];
  }

  const TenantSettings& settings() const { return settings_; }
  const LocalCalendar& calendar() const { return calendar_; }

  // Freezes the current state; every series is shared with the view until its next write.
  // (Mutable until returned: TenantProjection adds its entity documents.)
  std::shared_ptr<TenantView> Publish(uint64_t position);

  // Snapshot encoding of everything but the settings (snapshot_codec.h).
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  DaySeries& Mutable(S s) {
    size_t i = static_cast<size_t>(s);
    return exclusive_[i] ? *series_[i] : Unshare(i);
  }
  DaySeries& Unshare(size_t i);
  KeyedSeries& MutableKeyed(K k);
  template <typename T>
  static T& MutableDirectory(std::shared_ptr<T>& p);

  TenantSettings settings_;
  LocalCalendar calendar_;
  std::array<std::shared_ptr<DaySeries>, kSeriesCount> series_;
  std::bitset<kSeriesCount> exclusive_;  // series_[i] is not shared since the last Publish
  std::array<std::shared_ptr<KeyedSeries>, kKeyedCount> keyed_;
  // AddKeyed's fast path: per family, key → its series as made writable since the last
  // publication (epoch_). A std::map lookup compares strings at every level; this is one
  // StringIndex probe. Entries of an older epoch may point at series a view now shares.
  struct KeyedSlot {
    std::string key;
    DaySeries* series = nullptr;
    uint64_t epoch = 0;
  };
  struct KeyedSlots {
    StringIndex index;  // key → index in `slots`
    std::vector<KeyedSlot> slots;
  };
  std::array<KeyedSlots, kKeyedCount> keyed_slots_;
  uint64_t epoch_ = 1;  // +1 on every Publish and Load
  std::shared_ptr<KeyPool> keys_;  // shared by facts_
  std::array<FactTable, kFactCount> facts_;
  QualityCounts quality_;
  std::array<DomainInfo, kDomainCount> domains_;
  std::array<std::string, kDomainCount> last_source_;  // Touch's fast path
  void NewSource(size_t d, std::string_view source);
  LiveActivity live_;
  std::shared_ptr<EmployeeDirectory> employees_;
  std::shared_ptr<ProductDirectory> products_;
  std::shared_ptr<ProjectDirectory> projects_;
};

}  // namespace readside::projection
