#pragma once
// The immutable, published read model of one tenant: what every analytics query reads.
// The applier (TenantProjection) builds a new TenantView after each batch of events, sharing
// every series it did not touch with the previous view (copy-on-write DaySeries chunks), and
// publishes it by swapping a shared_ptr; readers hold their view for as long as they like
// and never lock against the applier.
// Thread-safety: a TenantView is never modified after publication; share it freely.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "event/catalog.h"
#include "own_state/tenant_settings.h"
#include "projection/fact_table.h"
#include "projection/finance_view.h"
#include "projection/dashboard_projection.h"
#include "projection/schedule_projection.h"
#include "projection/period.h"
#include "projection/series.h"

namespace readside::projection {

// Per-tenant settings, kept as `readside.tenant.configured` events so a replay rebuilds them
// (own_state/tenant_settings_codec.h).
using own_state::TenantSettings;

// All-time data-quality counts derived from the stored events (store-side counts of
// duplicates, conflicts and rejections are added by the query layer).
struct QualityCounts {
  int64_t events_total = 0;
  int64_t unknown_type = 0;
  int64_t orphans = 0;
  int64_t currency_mismatch = 0;
  int64_t unclassified_ledger_lines = 0;
};

inline constexpr size_t kDomainCount = 5;  // event::Domain kCrm..kProjects

struct DomainInfo {
  int64_t last_updated_micros = 0;   // wall-clock time the domain last applied an event
  std::vector<std::string> sources;  // source_service values seen, sorted
};

// Events applied per wall-clock minute over the last hour, by domain (+1 slot: other).
struct LiveActivity {
  static constexpr int kMinutes = 60;
  std::array<int64_t, kMinutes> minute{};  // unix minute each slot holds (slot = minute % 60)
  std::array<std::array<int64_t, kDomainCount + 1>, kMinutes> counts{};
};

// Directories: the display attributes of entities (names, reorder points, status, …) that
// reports show next to the series' keys, by entity id. Each entry holds the latest values of
// its entity's own events (applied in arrival order, so independent of how other entities'
// events interleave); an id appears once its creation event is applied. Written by the
// domain projections through ModelBuilder, shared with views like series (a change after a
// publication copies only the chunk of ids it touches, cow_map.h).
struct EmployeeInfo {  // HrmProjection: hrm.employee.created / updated / terminated
  std::string name, department, role;
  bool active = true;
};
struct ProductInfo {  // InventoryProjection: inventory.product.created
  std::string sku, name, category;
  int64_t unit_cost = 0, unit_price = 0;  // Money units
  int64_t reorder_point = 0;
};
struct ProjectInfo {  // ProjectsProjection: project.created / updated
  std::string name, status;
};
template <typename Info>
using Directory = CowMap<Info>;  // by entity id (cow_map.h)
using EmployeeDirectory = Directory<EmployeeInfo>;
using ProductDirectory = Directory<ProductInfo>;
using ProjectDirectory = Directory<ProjectInfo>;

// The one empty directory of each kind (a view's directories are never null).
template <typename Info>
const std::shared_ptr<const Directory<Info>>& EmptyDirectory() {
  static const auto* empty =
      new std::shared_ptr<const Directory<Info>>(std::make_shared<const Directory<Info>>());
  return *empty;
}

struct TenantView {
  TenantSettings settings;
  LocalCalendar calendar = LocalCalendar::Utc();  // copy before calling DayOf (it caches)
  uint64_t position = 0;  // the global store position this view reflects
  std::array<std::shared_ptr<const DaySeries>, kSeriesCount> series;
  std::array<std::shared_ptr<const KeyedSeries>, kKeyedCount> keyed;
  std::array<FactTableView, kFactCount> facts;
  QualityCounts quality;
  std::array<DomainInfo, kDomainCount> domains;
  LiveActivity live;
  // Finance documents for the financial statements (finance_view.h); never null.
  std::shared_ptr<const AccountChart> accounts = EmptyAccountChart();
  std::shared_ptr<const ReceivablesBook> receivables = EmptyReceivablesBook();
  // Report schedules and runs (schedule_projection.h); never null.
  std::shared_ptr<const ScheduleBook> schedules = std::make_shared<const ScheduleBook>();
  // Dashboards (dashboard_projection.h); never null.
  std::shared_ptr<const DashboardBook> dashboards = std::make_shared<const DashboardBook>();
  // Entity directories for the operational reports (above); never null.
  std::shared_ptr<const EmployeeDirectory> employees = EmptyDirectory<EmployeeInfo>();
  std::shared_ptr<const ProductDirectory> products = EmptyDirectory<ProductInfo>();
  std::shared_ptr<const ProjectDirectory> projects = EmptyDirectory<ProjectInfo>();

  const DaySeries& Get(S s) const { return *series[static_cast<size_t>(s)]; }
  const KeyedSeries& Get(K k) const { return *keyed[static_cast<size_t>(k)]; }
  const FactTableView& Get(F f) const { return facts[static_cast<size_t>(f)]; }
};

}  // namespace readside::projection
