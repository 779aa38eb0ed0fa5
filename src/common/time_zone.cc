#include "common/time_zone.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace readside {
namespace {

// An IANA name: components of letters, digits, '_', '-', '+' and '.' joined by '/', none
// starting with '.' ("Europe/Berlin", "Etc/GMT+5", "America/Port-au-Prince"). absl opens any
// other text as a file path ("/dev/stdin", "../../etc/…", "file:…"), and reading a pipe or
// a FIFO there blocks the thread that asked forever.
bool IsIanaShaped(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  bool component_start = true;
  for (char c : name) {
    if (c == '/') {
      if (component_start) return false;  // leading '/' or "//"
      component_start = true;
      continue;
    }
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '+' || (c == '.' && !component_start);
    if (!ok) return false;
    component_start = false;
  }
  return !component_start;  // no trailing '/'
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadIanaTimeZone(std::string_view name) {
  absl::TimeZone tz;
  if (!IsIanaShaped(name) || name == "localtime" || !absl::LoadTimeZone(std::string(name), &tz)) {
    // Untrusted text made printable. (absl::string_view is not std::string_view in this
    // abseil build, hence the explicit conversion.)
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone \"", absl::CHexEscape({name.data(), name.size()}),
                     "\"; expected an IANA time zone name such as \"Europe/Berlin\" or \"UTC\""));
  }
  return tz;
}

}  // namespace readside
