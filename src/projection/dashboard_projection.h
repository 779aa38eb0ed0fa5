#pragma once
// The dashboards of a tenant, derived from readside's own readside.dashboard.* events
// (own_state/dashboard.h). A change applies only when the dashboard's version still equals
// the version the change replaced: the log order arbitrates concurrent writers the same way
// on every node and on every replay. The book remembers which event last changed each
// dashboard, so a writer learns whether its change is the one that took effect.
// Published in the TenantView as an immutable DashboardBook, cloned on the first change
// after a publication (dashboards themselves are shared, never modified in place).
// Thread-safety: DashboardProjection is NOT thread-safe (applier thread); a published
// DashboardBook is immutable.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "own_state/dashboard.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

struct DashboardBook {
  std::map<std::string, std::shared_ptr<const own_state::Dashboard>, std::less<>> dashboards;
  // Dashboard id → the event id of the change (saved or deleted) that took effect last.
  std::map<std::string, std::string, std::less<>> last_change;

  const own_state::Dashboard* Find(std::string_view id) const {
    auto it = dashboards.find(id);
    return it == dashboards.end() ? nullptr : it->second.get();
  }
};

class DashboardProjection {
 public:
  // Applies one stored readside.dashboard.* event (its JSON). Returns false when it does not
  // decode (the caller logs it; nothing changes). A change whose expected version is not the
  // current one is decoded and ignored (returns true).
  bool Apply(std::string_view event_json);

  std::shared_ptr<const DashboardBook> Book() const { return book_; }

  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  DashboardBook& Mutable();

  std::shared_ptr<DashboardBook> book_ = std::make_shared<DashboardBook>();
};

}  // namespace readside::projection
