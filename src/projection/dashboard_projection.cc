#include "projection/dashboard_projection.h"

#include <variant>

#include "common/json_writer.h"

namespace readside::projection {

std::optional<bool> DashboardBook::OutcomeAt(uint64_t position) const {
  for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) {
    if (it->first == position) return it->second;
    if (it->first < position) break;  // positions grow along the deque
  }
  return std::nullopt;
}

DashboardBook& DashboardProjection::Mutable() {
  if (book_.use_count() > 1) book_ = std::make_shared<DashboardBook>(*book_);
  return *book_;
}

bool DashboardProjection::Apply(std::string_view event_json, uint64_t position) {
  absl::StatusOr<own_state::DashboardEvent> decoded = own_state::DecodeDashboardEvent(event_json);
  if (!decoded.ok()) return false;
  DashboardBook& b = Mutable();
  bool applied = false;
  if (auto* saved = std::get_if<own_state::DashboardSaved>(&*decoded)) {
    const own_state::Dashboard* current = b.Find(saved->dashboard.id);
    if ((current ? current->version : 0) == saved->expected_version) {
      own_state::Dashboard& d = saved->dashboard;
      d.version = static_cast<int64_t>(position);
      for (own_state::Widget& w : d.widgets) {
        if (w.version == 0) w.version = d.version;
      }
      std::string id = d.id;
      b.dashboards[id] = std::make_shared<const own_state::Dashboard>(std::move(d));
      applied = true;
    }
  } else {
    auto& deleted = std::get<own_state::DashboardDeleted>(*decoded);
    const own_state::Dashboard* current = b.Find(deleted.dashboard_id);
    if (current != nullptr && current->version == deleted.expected_version) {
      b.dashboards.erase(deleted.dashboard_id);
      applied = true;
    }
  }
  b.outcomes.emplace_back(position, applied);
  if (b.outcomes.size() > DashboardBook::kOutcomesKept) b.outcomes.pop_front();
  return true;
}

void DashboardProjection::Save(SnapshotWriter& w) const {
  w.U64(book_->dashboards.size());
  for (const auto& [id, d] : book_->dashboards) {
    JsonBuilder j;
    own_state::WriteDashboard(*d, j);
    w.Str(j.str());
  }
  w.U64(book_->outcomes.size());
  for (const auto& [position, applied] : book_->outcomes) {
    w.U64(position);
    w.Bool(applied);
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
    uint64_t position = r.U64();
    b.outcomes.emplace_back(position, r.Bool());
  }
  return r.ok();
}

}  // namespace readside::projection
