#pragma once
// One tenant's read model on the applier side: routes each stored event of the tenant to its
// domain projection (one file per domain), counts data quality, and publishes immutable
// TenantViews.
//
// Events must be applied in store-position order (arrival order). Events whose currency
// differs from the tenant's are left out entirely and counted as currency_mismatch; unknown
// types are counted as unknown_type. Settings events (`readside.tenant.configured`) are not
// applied here: a settings change rebuilds the tenant (see Projector), because time zone and
// currency apply to the tenant's whole history.
// Thread-safety: NOT thread-safe; owned by the applier thread.

#include <memory>

#include "event/event.h"
#include "projection/crm_projection.h"
#include "projection/hrm_projection.h"
#include "projection/inventory_projection.h"
#include "projection/invoice_projection.h"
#include "projection/ledger_projection.h"
#include "projection/model_builder.h"
#include "projection/projects_projection.h"

namespace readside::projection {

namespace testing { class ProjectorPeer; }

// The event type of tenant settings (own_state/tenant_settings.h), written by
// PUT /admin/tenants/{org}.
using own_state::kTenantConfiguredType;

class TenantProjection {
 public:
  // `calendar` must be the calendar of settings.timezone.
  TenantProjection(TenantSettings settings, LocalCalendar calendar);
  // A tenant that was never configured: UTC, USD.
  static std::unique_ptr<TenantProjection> WithDefaults(const std::string& organization_id);

  // Applies one stored event of this tenant. `position` is its store position;
  // `now_micros` the wall-clock time (for last_updated only).
  void Apply(const event::Event& e, uint64_t position, int64_t now_micros);
  // Applies one of readside's own readside.report.* events (its stored JSON); false when it
  // does not decode.
  bool ApplyReportEvent(std::string_view event_json) { return schedules_.Apply(event_json); }
  // Applies one of readside's own readside.dashboard.* events (stored at `position`); false
  // when it does not decode.
  bool ApplyDashboardEvent(std::string_view event_json, uint64_t position) {
    return dashboards_.Apply(event_json, position);
  }
  // Applies any of readside's own events but the tenant settings (readside.report.*,
  // readside.dashboard.*); false when it does not decode or its kind is unknown.
  bool ApplyOwnEvent(std::string_view event_type, std::string_view event_json, uint64_t position);

  std::shared_ptr<const TenantView> Publish(uint64_t position) {
    std::shared_ptr<TenantView> view = model_.Publish(position);
    view->accounts = ledger_.Chart();
    view->receivables = invoices_.Book();
    view->schedules = schedules_.Book();
    view->dashboards = dashboards_.Book();
    return view;
  }
  const TenantSettings& settings() const { return model_.settings(); }

  // Snapshot encoding of the whole tenant (settings, series, entity state).
  void Save(SnapshotWriter& w) const;
  // A tenant restored from Save's bytes, or nullptr when they are malformed.
  static std::unique_ptr<TenantProjection> Load(SnapshotReader& r);

 private:
  ModelBuilder model_;
  CrmProjection crm_;
  HrmProjection hrm_;
  InvoiceProjection invoices_;
  LedgerProjection ledger_;
  InventoryProjection inventory_;
  ProjectsProjection projects_;
  ScheduleProjection schedules_;
  DashboardProjection dashboards_;
  friend class testing::ProjectorPeer;  // test builds only: injects drift (projector_testing.h)
};

}  // namespace readside::projection
