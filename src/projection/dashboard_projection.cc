#include "projection/dashboard_projection.h"

#include <variant>

#include "common/json_writer.h"

namespace readside::projection {

DashboardBook& DashboardProjection::Mutable() {
  if (book_.use_count() > 1) book_ = std::make_shared<DashboardBook>(*book_);
  return *book_;
}

bool DashboardProjection::Apply(std::string_view event_json) {
  absl::StatusOr<own_state::DashboardEvent> decoded = own_state::DecodeDashboardEvent(event_json);
  if (!decoded.ok()) return false;
  if (auto* saved = std::get_if<own_state::DashboardSaved>(&*decoded)) {
    const own_state::Dashboard* current = book_->Find(saved->dashboard.id);
    int64_t version = current ? current->version : 0;
    if (version != saved->expected_version) return true;  // lost to an earlier change
    DashboardBook& b = Mutable();
    std::string id = saved->dashboard.id;
    b.last_change[id] = saved->event_id;
    b.dashboards[id] = std::make_shared<const own_state::Dashboard>(std::move(saved->dashboard));
    return true;
  }
  auto& deleted = std::get<own_state::DashboardDeleted>(*decoded);
  const own_state::Dashboard* current = book_->Find(deleted.dashboard_id);
  if (current == nullptr || current->version != deleted.expected_version) return true;
  DashboardBook& b = Mutable();
  b.dashboards.erase(deleted.dashboard_id);
  b.last_change[deleted.dashboard_id] = deleted.event_id;
  return true;
}

void DashboardProjection::Save(SnapshotWriter& w) const {
  w.U64(book_->dashboards.size());
  for (const auto& [id, d] : book_->dashboards) {
    JsonBuilder j;
    own_state::WriteDashboard(*d, j);
    w.Str(j.str());
  }
  w.U64(book_->last_change.size());
  for (const auto& [id, event_id] : book_->last_change) {
    w.Str(id);
    w.Str(event_id);
  }
}

bool DashboardProjection::Load(SnapshotReader& r) {
  DashboardBook& b = Mutable();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    absl::StatusOr<own_state::Dashboard> d = own_state::DecodeDashboard(r.Str());
    if (!d.ok()) return r.Fail(), false;
    std::string id = d->id;
    b.dashboards[id] = std::make_shared<const own_state::Dashboard>(*std::move(d));
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    b.last_change[id] = r.Str();
  }
  return r.ok();
}

}  // namespace readside::projection
