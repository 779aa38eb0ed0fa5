#pragma once
// Minifying JSON that was already validated: white space outside strings is removed, nothing
// else changes. Producers mostly send compact JSON, so the common case is a 64-bytes-per-step
// check (quote/space bit masks, like simdjson's stage 1) and one copy.
// Thread-safety: pure function.

#include <string>
#include <string_view>

namespace readside::event {

// REQUIRES: `json` is valid JSON (escapes are not re-checked).
void MinifyValidated(std::string_view json, std::string* out);

}  // namespace readside::event
