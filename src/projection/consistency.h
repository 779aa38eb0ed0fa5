#pragma once
// Consistency of the read models (../shared/spec/operations.md "Consistency and repair"): a
// tenant's live read model compared with a fresh replay of its stored events up to the same
// store position, field by field (docs/consistency.md).
//
// What is compared: every series, keyed family and fact table per local day, reported per
// month of the tenant's calendar (a flow as the month's sum, a stock as its value at the
// month's end; a month whose values agree although some of its days differ is reported day
// by day), the data-quality counters, the data sources of each domain, the settings, the
// chart of accounts, the receivables book and the entity directories. Not compared: the
// wall-clock `last_updated` and the last hour's activity (they depend on when events were
// applied, not on which), and readside's own state (dashboards, report schedules).
//
// The comparison is exact: integers, money as the API prints it (Money::ToString), hours and
// leave days in millionths printed as exact decimals.
// Thread-safety: pure functions over immutable views; CheckTenant reads the store only.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "projection/tenant_view.h"

namespace readside::store { class EventStore; }

namespace readside::projection {

struct Difference {
  std::string domain;    // crm, hrm, finance, inventory, projects, data_quality, settings
  std::string period;    // "2024-03" (a month) or "2024-03-14" (a day); empty: not per period
  std::string field;     // "won_value", "pipeline_stages", "orphans", "employee", …
  std::string key;       // the family's, table's or directory's key; empty otherwise
  std::string live;      // the live value as JSON text ("null": absent)
  std::string replayed;  // the replayed value as JSON text ("null": absent)
  bool operator==(const Difference&) const = default;
};

struct ComparisonSummary {
  uint64_t differences = 0;  // all of them, also those past the limit
  size_t periods = 0;        // months holding data of a series in either view
};

// Compares two views of the same tenant; appends at most `max_differences` differences to
// *out, in a stable order (domain tables in their order, then keys, then periods).
ComparisonSummary CompareViews(const TenantView& live, const TenantView& replayed,
                               size_t max_differences, std::vector<Difference>* out);

struct CheckOptions {
  size_t max_differences = 1000;  // kept in the report; all are counted
  const std::atomic<bool>* cancel = nullptr;  // stops the replay early (Cancelled)
  int64_t now_micros = 0;
};

struct ConsistencyReport {
  std::string organization_id;
  uint64_t position = 0;         // both sides reflect every event up to here, none after
  uint64_t events_replayed = 0;  // the tenant's events up to `position`
  size_t periods_checked = 0;
  uint64_t differences_total = 0;
  std::vector<Difference> differences;  // the first CheckOptions::max_differences
};

// Replays `org`'s stored events up to `position` and compares the result with `live`, the
// tenant's live view. REQUIRES: `live` reflects exactly the events up to `position` (a view
// of the projector's snapshot at that position); null when that snapshot has no such tenant.
// NotFound when neither side has the tenant (no event of it up to `position`); the store's
// error when a read fails.
absl::StatusOr<ConsistencyReport> CheckTenant(const store::EventStore& store,
                                              const std::string& org,
                                              std::shared_ptr<const TenantView> live,
                                              uint64_t position, const CheckOptions& options);

// The exact decimal text of units / 10^decimals ("12.5", "-0.000001", "3"), a JSON number.
__extension__ typedef __int128 Int128;
std::string FormatScaled(Int128 units, int decimals);

}  // namespace readside::projection
