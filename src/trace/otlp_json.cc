#include "trace/otlp_json.h"

#include <cmath>
#include <string_view>

#include "common/json_writer.h"

namespace readside::trace {
namespace {

// The length of the valid UTF-8 sequence at the front of `s` (1–4), or 0 when it is not one
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b = byte(0);
  if (b < 0x80) return 1;
  size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
  if (n == 0 || b > 0xF4 || s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  if (b == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
  if (b == 0xED && byte(1) > 0x9F) return 0;  // surrogate
  if (b == 0xF0 && byte(1) < 0x90) return 0;  // overlong
  if (b == 0xF4 && byte(1) > 0x8F) return 0;  // above U+10FFFF
  return n;
}

// `s` when it is valid UTF-8, else a copy in `scratch` with U+FFFD for each bad byte.
std::string_view ValidUtf8(std::string_view s, std::string* scratch) {
  size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;  // ASCII fast path
  if (i == s.size()) return s;
  scratch->assign(s.substr(0, i));
  while (i < s.size()) {
    size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) {
      scratch->append("\xEF\xBF\xBD");
      ++i;
    } else {
      scratch->append(s.substr(i, n));
      i += n;
    }
  }
  return *scratch;
}

class Encoder {
 public:
  void String(std::string_view s) { json_.String(ValidUtf8(s, &scratch_)); }
  void Key(std::string_view k) { json_.Key(ValidUtf8(k, &scratch_)); }
  void Int64(int64_t v) { json_.String(std::to_string(v)); }  // int64 is a JSON string
  JsonBuilder& json() { return json_; }

  // {"key":…,"value":{"stringValue":…}} and the like.
  void KeyValue(const Attribute& a) {
    json_.BeginObject();
    json_.Key("key");
    String(a.key);
    json_.Key("value").BeginObject();
    if (const auto* s = std::get_if<std::string>(&a.value)) {
      json_.Key("stringValue");
      String(*s);
    } else if (const auto* i = std::get_if<int64_t>(&a.value)) {
      json_.Key("intValue");
      Int64(*i);
    } else if (const auto* d = std::get_if<double>(&a.value)) {
      json_.Key("doubleValue");
      Double(*d);
    } else {
      json_.Key("boolValue").Bool(std::get<bool>(a.value));
    }
    json_.EndObject().EndObject();
  }

  void Span(const SpanData& s) {
    json_.BeginObject();
    json_.Key("traceId").String(s.context.trace_id.Hex());
    json_.Key("spanId").String(s.context.span_id.Hex());
    if (s.parent_span_id.valid()) json_.Key("parentSpanId").String(s.parent_span_id.Hex());
    json_.Key("name");
    String(s.name);
    json_.Key("kind").Int(static_cast<int>(s.kind));
    json_.Key("startTimeUnixNano");
    Int64(s.start_unix_nanos);
    json_.Key("endTimeUnixNano");
    Int64(s.end_unix_nanos);
    if (!s.attributes.empty()) {
      json_.Key("attributes").BeginArray();
      for (const Attribute& a : s.attributes) KeyValue(a);
      json_.EndArray();
    }
    if (s.dropped_attributes > 0) json_.Key("droppedAttributesCount").Int(s.dropped_attributes);
    if (!s.links.empty()) {
      json_.Key("links").BeginArray();
      for (const SpanContext& l : s.links) {
        json_.BeginObject();
        json_.Key("traceId").String(l.trace_id.Hex());
        json_.Key("spanId").String(l.span_id.Hex());
        json_.EndObject();
      }
      json_.EndArray();
    }
    if (s.dropped_links > 0) json_.Key("droppedLinksCount").Int(s.dropped_links);
    if (s.status != SpanStatus::kUnset) {
      json_.Key("status").BeginObject();
      json_.Key("code").Int(static_cast<int>(s.status));
      if (!s.status_message.empty()) {
        json_.Key("message");
        String(s.status_message);
      }
      json_.EndObject();
    }
    json_.EndObject();
  }

 private:
  // The protobuf JSON mapping spells non-finite doubles as strings.
  void Double(double v) {
    if (std::isnan(v)) {
      json_.String("NaN");
    } else if (std::isinf(v)) {
      json_.String(v > 0 ? "Infinity" : "-Infinity");
    } else {
      json_.Double(v);
    }
  }

  JsonBuilder json_;
  std::string scratch_;
};

}  // namespace

std::string EncodeOtlpJson(const std::vector<std::pair<std::string, std::string>>& resource,
                           std::span<const std::unique_ptr<SpanData>> spans) {
  Encoder e;
  JsonBuilder& j = e.json();
  j.BeginObject().Key("resourceSpans").BeginArray().BeginObject();
  j.Key("resource").BeginObject().Key("attributes").BeginArray();
  for (const auto& [key, value] : resource) e.KeyValue(Attribute{key, value});
  j.EndArray().EndObject();
  j.Key("scopeSpans").BeginArray().BeginObject();
  j.Key("scope").BeginObject().Key("name").String("readside").EndObject();
  j.Key("spans").BeginArray();
  for (const auto& span : spans) e.Span(*span);
  j.EndArray();
  j.EndObject().EndArray();  // scopeSpans
  j.EndObject().EndArray();  // resourceSpans
  j.EndObject();
  return j.Take();
}

}  // namespace readside::trace
