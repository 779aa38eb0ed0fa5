#pragma once
// IANA time zones by name, as tenants name them. The one rule for which names are accepted:
// LocalCalendar (projection) loads its zone through it and the tenant settings service
// (own_state) validates with it, so a stored time zone setting always loads on replay.
// Thread-safety: safe from any thread (abseil caches loaded zones).

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace readside {

// Loads the IANA zone `name` (e.g. "Europe/Berlin", "UTC"). Fails with InvalidArgument naming
// the zone when it is empty, "localtime" (it would silently follow the host's configuration)
// or unknown to the installed tz database.
absl::StatusOr<absl::TimeZone> LoadIanaTimeZone(std::string_view name);

}  // namespace readside
