#pragma once
// Reads the members of an own event's payload object (Boost.JSON), remembering the first
// error as InvalidArgument "not a <what> event: payload.<member> <why>". Internal to the
// own_state .cc files (Boost.JSON stays out of the public headers).
// Thread-safety: one reader per thread.

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/time_util.h"

namespace readside::own_state {

namespace json = boost::json;

// Reads members of a payload object, remembering the first error.
class PayloadReader {
 public:
  PayloadReader(const json::object& o, std::string_view what) : o_(o), what_(what) {}
  std::string Str(std::string_view key, bool required = true) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) {
      if (required) Fail(key, "is missing");
      return {};
    }
    if (!v->is_string()) return Fail(key, "is not a string"), std::string();
    return std::string(v->as_string().data(), v->as_string().size());
  }
  int64_t Int(std::string_view key, bool required = true) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) {
      if (required) Fail(key, "is missing");
      return 0;
    }
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      return static_cast<int64_t>(v->as_uint64());
    }
    return Fail(key, "is not an integer"), 0;
  }
  int64_t Time(std::string_view key, bool required = true) {
    std::string text = Str(key, required);
    if (text.empty()) return 0;
    int64_t micros = 0;
    if (!ParseRfc3339(text, &micros)) Fail(key, "is not an RFC 3339 time");
    return micros;
  }
  std::vector<std::string> Strings(std::string_view key, bool required = true) {
    std::vector<std::string> out;
    const json::value* v = o_.if_contains(key);
    if (v == nullptr && !required) return out;
    if (v == nullptr || !v->is_array()) return Fail(key, "is not an array"), out;
    for (const json::value& e : v->as_array()) {
      if (!e.is_string()) return Fail(key, "holds a non-string"), out;
      out.emplace_back(e.as_string().data(), e.as_string().size());
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> Pairs(std::string_view key) {
    std::vector<std::pair<std::string, std::string>> out;
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return out;
    if (!v->is_object()) return Fail(key, "is not an object"), out;
    for (const auto& [k, e] : v->as_object()) {
      if (!e.is_string()) return Fail(key, "holds a non-string"), out;
      out.emplace_back(std::string(k), std::string(e.as_string().data(), e.as_string().size()));
    }
    return out;
  }
  // Fails with `why` about `key` (the first failure is kept).
  void Fail(std::string_view key, std::string_view why) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError("not a " + std::string(what_) + " event: payload." +
                                           std::string(key) + " " + std::string(why));
    }
  }
  absl::Status status() const { return status_; }

 private:
  const json::object& o_;
  std::string_view what_;
  absl::Status status_;
};

}  // namespace readside::own_state
