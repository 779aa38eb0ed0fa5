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

// What one pass over JSON text found: a backslash anywhere (then `compact` is not computed),
// and whether there is white space outside strings.
struct TextShape {
  bool has_backslash = false;
  bool compact = true;
};
TextShape ScanTextShape(std::string_view json);

// MinifyValidated for text whose shape is known (REQUIRES: !shape.has_backslash).
void MinifyValidated(std::string_view json, const TextShape& shape, std::string* out);

}  // namespace readside::event
