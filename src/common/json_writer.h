#pragma once
// Appending JSON text to a std::string: string escaping and numbers formatted exactly once.
// (Boost.JSON 1.81 prints 1.5 as 1.5E0; responses are written with these helpers instead.)
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace readside {

// Appends `s` as a quoted JSON string. `s` must be valid UTF-8; control characters, '"' and
// '\\' are escaped, everything else is copied.
void AppendJsonString(std::string* out, std::string_view s);
void AppendJsonInt(std::string* out, int64_t v);
// Shortest round-trip representation; non-finite values are written as null.
void AppendJsonDouble(std::string* out, double v);

// A tiny streaming builder for response bodies: handles commas, not nesting validity.
class JsonBuilder {
 public:
  JsonBuilder& BeginObject();
  JsonBuilder& EndObject();
  JsonBuilder& BeginArray();
  JsonBuilder& EndArray();
  JsonBuilder& Key(std::string_view k);
  JsonBuilder& String(std::string_view v);
  JsonBuilder& Int(int64_t v);
  JsonBuilder& Double(double v);
  JsonBuilder& Bool(bool v);
  JsonBuilder& Null();
  // Inserts already-serialized JSON as one value.
  JsonBuilder& Raw(std::string_view json);

  std::string& str() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  bool need_comma_ = false;
};

}  // namespace readside
