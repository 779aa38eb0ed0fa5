#pragma once
// Internal to the event component: the simdjson On-Demand walking helpers shared by the
// envelope parser, the payload reader and JSON value equality. Not included outside src/event.
// Thread-safety: stateless functions over a caller-owned WalkContext.

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"

namespace readside::event::internal {

namespace od = simdjson::ondemand;

struct WalkContext {
  std::string* out;                  // normalized JSON being written
  std::vector<FieldError>* errors;   // validation errors of the current event
  int max_depth = 64;
  // A structural JSON error: the iteration cannot continue past it.
  simdjson::error_code fatal = simdjson::SUCCESS;

  void Error(std::string field, std::string message) {
    if (errors->size() < 32) errors->push_back({std::move(field), std::move(message)});
  }
  // Records a simdjson error; returns false so callers can `return ctx.Fail(e, path)`.
  bool Fail(simdjson::error_code e, std::string_view path);
};

// Remembers the keys of one object to reject duplicates (JSON value equality, the basis of
// conflict detection, is undefined for objects with repeated keys).
class KeySet {
 public:
  // True if `key` was new; false if it was seen before in this object.
  bool Insert(std::string_view key);

 private:
  std::vector<std::string> keys_;
};

// Joins a path: Path("data", "payload") == "data.payload"; Path("", "x") == "x".
std::string Path(std::string_view parent, std::string_view child);
std::string IndexPath(std::string_view parent, size_t index);

// True if `t` follows the JSON number grammar exactly.
bool IsJsonNumber(std::string_view t);
// The raw text of a scalar token without trailing white space.
std::string_view TrimmedToken(od::value& v);

// Validates and writes any JSON value (objects, arrays and scalars, recursively) to ctx.out.
// Returns false after a validation error (recorded) or a structural one (ctx.fatal).
bool WriteAny(od::value v, int depth, std::string_view path, WalkContext& ctx);

}  // namespace readside::event::internal
