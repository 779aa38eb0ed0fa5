#pragma once
// The dashboards of a tenant, derived from readside's own readside.dashboard.* events
// (own_state/dashboard.h). A change applies only when the dashboard's version still equals
// the version the change replaced: the log order arbitrates concurrent writers the same way
// on every node and on every replay. Applying a change sets the dashboard's version, and
// that of each widget the change touched (version 0 in the event), to the event's position.
// The book remembers the outcome (applied or lost) of the latest kOutcomesKept dashboard
// events, so a writer learns whether its change is the one that took effect.
// Published in the TenantView as an immutable DashboardBook, cloned on the first change
// after a publication (dashboards themselves are shared, never modified in place).
// Thread-safety: DashboardProjection is NOT thread-safe (applier thread); a published
// DashboardBook is immutable.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <optional>
#include <utility>

#include "own_state/dashboard.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

struct DashboardBook {
  static constexpr size_t kOutcomesKept = 1024;

  std::map<std::string, std::shared_ptr<const own_state::Dashboard>, std::less<>> dashboards;
  // (position, applied) of the latest kOutcomesKept dashboard events, oldest first.
  std::deque<std::pair<uint64_t, bool>> outcomes;

  const own_state::Dashboard* Find(std::string_view id) const {
    auto it = dashboards.find(id);
    return it == dashboards.end() ? nullptr : it->second.get();
  }
  // Whether the dashboard event at `position` took effect; nullopt when it is not among the
  // latest kOutcomesKept (or not a dashboard event).
  std::optional<bool> OutcomeAt(uint64_t position) const;
};

class DashboardProjection {
 public:
  // Applies one stored readside.dashboard.* event (its JSON, at `position`). Returns false when
  // it does not decode (the caller logs it; nothing changes). A change whose expected version
  // is not the current one is recorded as lost and otherwise ignored (returns true).
  bool Apply(std::string_view event_json, uint64_t position);

  std::shared_ptr<const DashboardBook> Book() const { return book_; }

  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  DashboardBook& Mutable();

  std::shared_ptr<DashboardBook> book_ = std::make_shared<DashboardBook>();
};

}  // namespace readside::projection
