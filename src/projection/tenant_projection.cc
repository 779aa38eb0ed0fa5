#include "projection/tenant_projection.h"

namespace readside::projection {

using event::Domain;
using event::EventType;

TenantProjection::TenantProjection(TenantSettings settings, LocalCalendar calendar)
    : model_(std::move(settings), std::move(calendar)) {}

std::unique_ptr<TenantProjection> TenantProjection::WithDefaults(
    const std::string& organization_id) {
  TenantSettings settings;
  settings.organization_id = organization_id;
  return std::make_unique<TenantProjection>(std::move(settings), LocalCalendar::Utc());
}

void TenantProjection::Apply(const event::Event& e, uint64_t position, int64_t now_micros) {
  QualityCounts& quality = model_.quality();
  ++quality.events_total;
  if (e.type == EventType::kUnknown) {
    ++quality.unknown_type;
    model_.Touch(Domain::kNone, e.source_service, e.timestamp_micros, now_micros);
    return;
  }
  if (!e.currency.empty() && e.currency != model_.settings().currency) {
    ++quality.currency_mismatch;
    return;
  }
  const event::TypeSpec& spec = event::GetTypeSpec(e.type);
  model_.Touch(spec.domain, e.source_service, e.timestamp_micros, now_micros);
  ApplyContext c{e, position, model_.DayOf(e.timestamp_micros), model_};
  switch (spec.domain) {
    case Domain::kCrm:
      return crm_.Apply(c);
    case Domain::kHrm:
      return hrm_.Apply(c);
    case Domain::kFinance:
      if (e.type == EventType::kFinanceAccountCreated ||
          e.type == EventType::kFinanceTransactionPosted) {
        return ledger_.Apply(c);
      }
      return invoices_.Apply(c);
    case Domain::kInventory:
      return inventory_.Apply(c);
    case Domain::kProjects:
      return projects_.Apply(c);
    case Domain::kNone:
      return;
  }
}

void TenantProjection::Save(SnapshotWriter& w) const {
  const TenantSettings& t = model_.settings();
  for (const std::string* s : {&t.organization_id, &t.name, &t.timezone, &t.currency}) w.Str(*s);
  model_.Save(w);
  crm_.Save(w);
  hrm_.Save(w);
  invoices_.Save(w);
  ledger_.Save(w);
  inventory_.Save(w);
  projects_.Save(w);
  schedules_.Save(w);
  dashboards_.Save(w);
}

bool TenantProjection::ApplyOwnEvent(std::string_view event_type, std::string_view event_json,
                                     uint64_t position) {
  if (event_type.starts_with(own_state::kReportEventPrefix)) return ApplyReportEvent(event_json);
  if (event_type.starts_with(own_state::kDashboardEventPrefix)) {
    return ApplyDashboardEvent(event_json, position);
  }
  return false;
}

std::unique_ptr<TenantProjection> TenantProjection::Load(SnapshotReader& r) {
  TenantSettings t;
  for (std::string* s : {&t.organization_id, &t.name, &t.timezone, &t.currency}) *s = r.Str();
  absl::StatusOr<LocalCalendar> calendar = LocalCalendar::Create(t.timezone);
  if (!r.ok() || !calendar.ok()) return nullptr;
  auto tenant = std::make_unique<TenantProjection>(std::move(t), *std::move(calendar));
  bool ok = tenant->model_.Load(r) && tenant->crm_.Load(r) && tenant->hrm_.Load(r) &&
            tenant->invoices_.Load(r) && tenant->ledger_.Load(r) &&
            tenant->inventory_.Load(r) && tenant->projects_.Load(r) &&
            tenant->schedules_.Load(r) && tenant->dashboards_.Load(r);
  return ok ? std::move(tenant) : nullptr;
}

}  // namespace readside::projection
