#include "common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace readside {

namespace {

// True if any byte of the 8 in `v` is < 0x20, '"' or '\\' (SWAR: "has zero byte" tricks).
inline bool NeedsEscape8(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
  bool control = ((v - 0x2020202020202020ULL) & ~v & kHigh) != 0;
  return control || has_zero(v ^ (kOnes * '"')) || has_zero(v ^ (kOnes * '\\'));
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Most strings need no escaping: test 8 bytes at a time (the tail padded with 'a') and copy
  // the whole string at once.
  size_t i = 0;
  bool clean = true;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, s.data() + i, 8);
    if (NeedsEscape8(v)) {
      clean = false;
      break;
    }
  }
  if (clean && i < s.size()) {
    uint64_t v = 0x6161616161616161ULL;
    std::memcpy(&v, s.data() + i, s.size() - i);
    clean = !NeedsEscape8(v);
  }
  if (clean) {
    size_t old = out->size();
    out->resize(old + s.size() + 2);
    char* p = out->data() + old;
    p[0] = '"';
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    return;
  }
  out->push_back('"');
  size_t run = 0;
  for (i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendJsonInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendJsonDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void JsonBuilder::Separate() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}
JsonBuilder& JsonBuilder::BeginObject() {
  Separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}
JsonBuilder& JsonBuilder::EndObject() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}
JsonBuilder& JsonBuilder::BeginArray() {
  Separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}
JsonBuilder& JsonBuilder::EndArray() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}
JsonBuilder& JsonBuilder::Key(std::string_view k) {
  Separate();
  AppendJsonString(&out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}
JsonBuilder& JsonBuilder::String(std::string_view v) {
  Separate();
  AppendJsonString(&out_, v);
  return *this;
}
JsonBuilder& JsonBuilder::Int(int64_t v) {
  Separate();
  AppendJsonInt(&out_, v);
  return *this;
}
JsonBuilder& JsonBuilder::Double(double v) {
  Separate();
  AppendJsonDouble(&out_, v);
  return *this;
}
JsonBuilder& JsonBuilder::Bool(bool v) {
  Separate();
  out_.append(v ? "true" : "false");
  return *this;
}
JsonBuilder& JsonBuilder::Null() {
  Separate();
  out_.append("null");
  return *this;
}
JsonBuilder& JsonBuilder::Raw(std::string_view json) {
  Separate();
  out_.append(json);
  return *this;
}

}  // namespace readside
