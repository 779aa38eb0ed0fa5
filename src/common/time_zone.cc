#include "common/time_zone.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace readside {

absl::StatusOr<absl::TimeZone> LoadIanaTimeZone(std::string_view name) {
  absl::TimeZone tz;
  if (name.empty() || name == "localtime" || !absl::LoadTimeZone(std::string(name), &tz)) {
    // Untrusted text made printable. (absl::string_view is not std::string_view in this
    // abseil build, hence the explicit conversion.)
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone \"", absl::CHexEscape({name.data(), name.size()}),
                     "\"; expected an IANA time zone name such as \"Europe/Berlin\" or \"UTC\""));
  }
  return tz;
}

}  // namespace readside
