#pragma once
// A tenant's settings (../shared/spec/api.md "Tenants"): the IANA time zone its periods are
// cut in, the ISO 4217 currency its money metrics count, and a display name. They are
// readside's own state, stored as `readside.tenant.configured` events holding the complete
// settings (tenant_settings_codec.h), so a replay rebuilds them; TenantSettingsService
// validates and stores changes.
// Thread-safety: value type.

#include <string>
#include <string_view>

namespace readside::own_state {

// The event type of tenant settings. Producers may not send types under "readside."
// (ingest rejects them; see own_event.h).
inline constexpr std::string_view kTenantConfiguredType = "readside.tenant.configured";

struct TenantSettings {
  std::string organization_id;
  std::string name;
  std::string timezone = "UTC";
  std::string currency = "USD";

  bool operator==(const TenantSettings&) const = default;
};

}  // namespace readside::own_state
