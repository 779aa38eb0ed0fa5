#pragma once
// A JSON document read for strict validation of request bodies: numbers keep the text they
// were written with (Boost.JSON's DOM keeps a double, and money must be read exactly from its
// decimal text), objects keep their members in order with duplicates (so a validator can
// reject them). Built on Boost.JSON's SAX parser (only exact_json.cc includes it).
// Thread-safety: value types and a pure function.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::http {

struct JsonNode {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // kString: the value; kNumber: the number as written
  std::vector<JsonNode> items;     // kArray: elements; kObject: member values
  std::vector<std::string> keys;   // kObject: member keys, parallel to items

  // The value of member `key` (the first one), or nullptr.
  const JsonNode* Find(std::string_view key) const;
  static std::string_view KindName(Kind k);  // "null", "boolean", "number", …
};

// Parses `text` (one JSON value; nesting at most `max_depth`). InvalidArgument naming the
// error and its byte offset when it is not JSON.
absl::StatusOr<JsonNode> ParseExactJson(std::string_view text, size_t max_depth = 32);

}  // namespace readside::http
