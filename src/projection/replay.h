#pragma once
// Building tenants' read models from the stored events: the full rebuild behind
// `POST /admin/rebuild`, the re-bucketing after a settings change, and start-up without a
// snapshot all use it. Tenant settings apply to the whole history, so a tenant is built
// with the settings of its latest `readside.tenant.configured` event up to `until`.
// Thread-safety: reads the store only; safe from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "projection/tenant_projection.h"

namespace readside::store {
class EventStore;
struct StoredEvent;
}  // namespace readside::store

namespace readside::projection {

using TenantMap = absl::flat_hash_map<std::string, std::unique_ptr<TenantProjection>>;

struct ReplayOptions {
  uint64_t until = 0;  // replay events with position <= until
  // Only this tenant (read through the organization index); all tenants when empty.
  std::string organization_id;
  // Use these settings instead of the latest stored ones (a settings event being applied).
  std::optional<TenantSettings> settings;
  std::atomic<uint64_t>* events_read = nullptr;  // progress, optional
  // Set, once known (after the pass that finds each tenant's settings), to the number of
  // events the replay reads; optional. Not set when `settings` is given (no such pass).
  std::atomic<uint64_t>* events_total = nullptr;
  const std::atomic<bool>* cancel = nullptr;     // stops early (Cancelled) when set
  int64_t now_micros = 0;                        // for last_updated
};

absl::StatusOr<TenantMap> ReplayTenants(const store::EventStore& store,
                                        const ReplayOptions& options);

// The settings a readside.tenant.configured event carries (the defaults, logged, when the
// event cannot be decoded).
TenantSettings SettingsFromEvent(const store::StoredEvent& stored);
// The calendar of the settings' time zone (UTC, logged, if the zone is unknown).
LocalCalendar CalendarOf(const TenantSettings& settings);

}  // namespace readside::projection
