// JsonWriter: a minimal streaming JSON writer that appends to a caller-owned std::string,
// with the value formats the simulator needs (money in cents, quarter hours, ids).
// It inserts commas itself; it does not validate nesting (the simulator's code is the only
// caller and writes well-formed documents by construction).
//
// Thread-safety: not thread-safe; one writer per output buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace readside::sim {

// Appends the decimal digits of v.
void AppendInt(int64_t v, std::string* out);
// Appends cents as a JSON number with at most 2 decimals and no trailing zeros: 123450 ->
// "1234.5", 100000 -> "1000", 9999 -> "99.99".
void AppendMoneyNumber(int64_t cents, std::string* out);
// Appends cents as a JSON decimal string with exactly 2 decimals: 125000 -> "\"1250.00\"".
void AppendMoneyText(int64_t cents, std::string* out);

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(std::string* out) : out_(out) {}

  // Continues writing into out; need_comma tells whether a value precedes the next one.
  void Reset(std::string* out, bool need_comma) {
    out_ = out;
    need_comma_ = need_comma;
  }
  std::string* out() { return out_; }

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // Writes `"name":`. name must not need escaping.
  void Key(std::string_view name);

  // Values (each may follow a Key or be an array element).
  void String(std::string_view value);  // escapes as needed
  void Int(int64_t value);
  void Bool(bool value);
  void Money(int64_t cents, bool as_text);
  void QuarterHours(int64_t quarters);  // 6 -> 1.5
  void HalfUnits(int64_t halves);       // 3 -> 1.5
  // Starts a string value whose raw characters the caller appends to out(); EndString closes.
  void BeginString();
  void EndString() { out_->push_back('"'); }

 private:
  void Separate() {
    if (need_comma_) out_->push_back(',');
    need_comma_ = true;
  }
  void Open(char c) {
    Separate();
    out_->push_back(c);
    need_comma_ = false;
  }
  void Close(char c) {
    out_->push_back(c);
    need_comma_ = true;
  }

  std::string* out_ = nullptr;
  bool need_comma_ = false;
};

}  // namespace readside::sim
