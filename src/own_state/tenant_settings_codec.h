#pragma once
// The `readside.tenant.configured` event: the one place its JSON is written (by
// TenantSettingsService, for PUT /admin/tenants/{org}) and read (by the projector's replays,
// projection/replay.cc). The payload holds the complete settings:
//   {"name": "…", "timezone": "Europe/Berlin", "currency": "EUR"}
// and the envelope's organization_id and data.entity_id are the tenant's organization.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "own_state/tenant_settings.h"

namespace readside::own_state {

// The event JSON storing `settings`, with the given event id and timestamp.
std::string EncodeTenantConfigured(const TenantSettings& settings, std::string_view event_id,
                                   int64_t timestamp_micros);

// The settings a stored event carries. A setting missing from the payload keeps its default
// (UTC, USD, no name); payload members that are not settings are ignored. Fails with
// InvalidArgument when `event_json` is not JSON, is not a readside.tenant.configured event,
// lacks a string organization_id or a data.payload object, or holds a setting that is not a
// string. Decoding does not validate the values (the service did before storing them).
absl::StatusOr<TenantSettings> DecodeTenantConfigured(std::string_view event_json);

}  // namespace readside::own_state
