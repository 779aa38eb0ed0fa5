#pragma once
// The applier's side of a tenant's read model: the mutable series the domain projections add
// to, and Publish(), which freezes the current state into an immutable TenantView. Series
// are shared with published views and cloned on the first write after a publication
// (copy-on-write at series and at chunk level), so a publication costs O(#series) pointer
// copies, not a copy of the data.
// Thread-safety: NOT thread-safe; owned by the applier thread. Published views are immutable.

#include <bitset>
#include <memory>
#include <string_view>

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
  const DaySeries& Get(S s) const { return *series_[static_cast<size_t>(s)]; }

  QualityCounts& quality() { return quality_; }
  // Records that `domain` applied an event from `source` at wall-clock `now_micros`, and
  // counts the event in the live activity of the minute of its timestamp.
  void Touch(event::Domain domain, std::string_view source, int64_t event_micros,
             int64_t now_micros);

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

  TenantSettings settings_;
  LocalCalendar calendar_;
  std::array<std::shared_ptr<DaySeries>, kSeriesCount> series_;
  std::bitset<kSeriesCount> exclusive_;  // series_[i] is not shared since the last Publish
  std::array<std::shared_ptr<KeyedSeries>, kKeyedCount> keyed_;
  QualityCounts quality_;
  std::array<DomainInfo, kDomainCount> domains_;
  std::array<std::string, kDomainCount> last_source_;  // Touch's fast path
  LiveActivity live_;
};

}  // namespace readside::projection
