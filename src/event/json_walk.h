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

// A JSON path built on the stack while walking and rendered ("data.payload.lines[0].debit")
// only when an error needs it, so valid events pay nothing for paths.
struct PathNode {
  const PathNode* parent = nullptr;
  std::string_view key;  // empty for an array element or the root
  size_t index = 0;
  bool is_index = false;

  PathNode Child(std::string_view k) const { return PathNode{this, k, 0, false}; }
  PathNode Element(size_t i) const { return PathNode{this, {}, i, true}; }
  std::string Render() const;
};

struct WalkContext {
  std::vector<FieldError>* errors;  // validation errors of the current event
  int max_depth = 64;
  // A structural JSON error: the iteration cannot continue past it.
  simdjson::error_code fatal = simdjson::SUCCESS;

  void Error(const PathNode& field, std::string message) {
    if (errors->size() < 32) errors->push_back({field.Render(), std::move(message)});
  }
  // Records a simdjson error; returns false so callers can `return ctx.Fail(e, path)`.
  bool Fail(simdjson::error_code e, const PathNode& path);
};

// Remembers the keys of one object to reject duplicates (JSON value equality, the basis of
// conflict detection, is undefined for objects with repeated keys). Keys are views into the
// parser's string buffer, valid for the whole document.
class KeySet {
 public:
  // True if `key` was new; false if it was seen before in this object.
  bool Insert(std::string_view key);

 private:
  static constexpr size_t kInline = 16;
  // Deliberately uninitialized (only [0, size_) is read): this object lives on the stack of
  // every object walk, and zeroing it showed up in profiles.
  const char* data_[kInline];
  size_t length_[kInline];
  size_t size_ = 0;
  std::vector<std::string_view> more_;
};

// The key of `field` as written (a view into the input, without quotes). Keys with escape
// sequences are rejected (recorded in ctx, returns false): no producer needs them, and taking
// keys verbatim spares copying every key (they are compared and stored as written).
bool PlainKey(od::field& field, const PathNode& path, std::string_view* key, WalkContext& ctx);

// Iterates the fields of `obj`: takes each key as written (PlainKey), rejects duplicate keys,
// and calls fn(key, value, child_path), which returns false when it rejected the field.
// Returns false if any field was rejected or the JSON structure broke (then ctx.fatal is set
// and iteration stopped).
template <typename Fn>
bool ForEachField(od::object obj, const PathNode& path, WalkContext& ctx, Fn&& fn) {
  KeySet keys;
  bool ok = true;
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return ctx.Fail(e, path);
    std::string_view key;
    if (!PlainKey(field, path, &key, ctx)) {
      ok = false;
      continue;
    }
    PathNode child = path.Child(key);
    if (!keys.Insert(key)) {
      ctx.Error(child, "duplicate key");
      ok = false;
    }
    if (!fn(key, field.value(), child)) {
      if (ctx.fatal) return false;
      ok = false;
    }
  }
  return ok;
}

// True if `t` follows the JSON number grammar exactly.
bool IsJsonNumber(std::string_view t);
// The raw text of a scalar token without trailing white space.
std::string_view TrimmedToken(od::value& v);

// Validates any JSON value (objects, arrays and scalars, recursively).
// Returns false after a validation error (recorded) or a structural one (ctx.fatal).
bool ValidateAny(od::value v, int depth, const PathNode& path, WalkContext& ctx);

}  // namespace readside::event::internal
