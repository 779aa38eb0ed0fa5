#pragma once
// Inside the auth library: abseil's string functions and string-keyed containers take
// absl::string_view, which in Debian's abseil build is a type of its own rather than
// std::string_view. View() bridges the two without copying.
// Thread-safety: pure function.

#include <string_view>

#include "absl/strings/string_view.h"

namespace readside::auth {

inline absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace readside::auth
