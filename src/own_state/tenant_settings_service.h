#pragma once
// Tenant settings (../shared/spec/api.md "Tenants"): reads the settings in force and stores
// changes as `readside.tenant.configured` events (tenant_settings_codec.h) holding the
// complete settings. The read side applies a change to the tenant's whole history (the
// projector rebuilds the tenant), so a change is visible once its position is applied.
// Thread-safety: safe for concurrent calls; the service keeps no mutable state. Concurrent
// changes of one tenant: the last stored wins as a whole.

#include "store/event_store.h"
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.h"
#include "common/problem.h"
#include "own_state/tenant_settings.h"

namespace readside::store {
class EventStore;
}

namespace readside::own_state {

// Settings and the store position they belong to.
struct TenantSettingsAt {
  TenantSettings settings;
  uint64_t position = 0;
};

class TenantSettingsService {
 public:
  // Where changes are written (store::Appender); unset: the store. Set before serving.
  void SetAppender(store::Appender appender) { appender_ = std::move(appender); }
  // The settings in force for an organization and the read-model position they were read at
  // (in the server: the projector's published view; defaults for a tenant never configured).
  using AppliedSettings = std::function<TenantSettingsAt(const std::string& organization_id)>;

  TenantSettingsService(store::EventStore* store, AppliedSettings applied,
                        const Clock* clock = &SystemClock::Get());

  // The settings in force for `organization_id` and the position they reflect.
  TenantSettingsAt Get(const std::string& organization_id) const;

  // The answer to Put: the complete new settings and the stored event's position, or why not.
  using PutReply = std::variant<TenantSettingsAt, Problem>;

  // Merges `patch` into the settings in force and stores the result as one event. `patch` is
  // a JSON object whose members, all optional and all strings, are "timezone" (an IANA zone,
  // common/time_zone.h), "currency" (an ISO 4217 code) and "name" (≤ 200 characters).
  // Calls `done` exactly once: with a 400 Problem naming the first bad member (in the
  // patch's order) on the calling thread, nothing stored; with a 503 Problem when the store
  // fails, nothing stored; otherwise with the new settings once they are durable. The last
  // two run on the store's writer thread: `done` must hand off quickly.
  void Put(const std::string& organization_id, std::string_view patch,
           std::function<void(PutReply)> done) const;

 private:
  store::EventStore* store_;
  store::Appender appender_;
  AppliedSettings applied_;
  const Clock* clock_;
};

}  // namespace readside::own_state
