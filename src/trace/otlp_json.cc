#include "trace/otlp_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

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

// True when none of the 8 bytes in `v` is a control character, '"', '\\' or above 0x7F: they
// can be copied into a JSON string as they are (SWAR "has zero byte" tricks).
inline bool Plain8(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
  bool control = ((v - 0x2020202020202020ULL) & ~v & kHigh) != 0;
  return !control && (v & kHigh) == 0 && !has_zero(v ^ (kOnes * '"')) &&
         !has_zero(v ^ (kOnes * '\\'));
}


// The body being written: a buffer grown ahead of each piece (Room) and written through a
// pointer, cut to what was written by Take. Spans are small and many; the JsonBuilder's
// per-call bookkeeping cost more than the bytes (bench/RESULTS.md, tracing).
class Writer {
 public:
  // Writes into `buffer` from its front.
  Writer(OtlpBuffer* buffer, size_t expected) : out_(*buffer) {
    p_ = out_.data();
    end_ = p_ + out_.capacity();
    Room(expected);
  }

  // Makes room for `n` more bytes.
  [[gnu::always_inline]] void Room(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) [[unlikely]] Grow(n);
  }
  // Writers of pieces whose room was made.
  template <size_t N>
  void Lit(const char (&s)[N]) {
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  void Char(char c) { *p_++ = c; }
  void Raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Hex(uint64_t v, int digits) { p_ = WriteHex64(v, digits, p_); }
  // Up to 20 digits and a sign; writes 20 bytes past the sign whatever the length (room made).
  void Digits(int64_t v) {
    static constexpr auto kPairs = [] {
      std::array<char, 200> t{};
      for (int i = 0; i < 100; ++i) {
        t[2 * i] = static_cast<char>('0' + i / 10);
        t[2 * i + 1] = static_cast<char>('0' + i % 10);
      }
      return t;
    }();
    uint64_t u = static_cast<uint64_t>(v);
    if (v < 0) {
      Char('-');
      u = 0 - u;
    }
    char buf[40];
    char* end = buf + 20;
    char* q = end;
    while (u >= 100) {
      q -= 2;
      std::memcpy(q, &kPairs[2 * (u % 100)], 2);
      u /= 100;
    }
    if (u >= 10) {
      q -= 2;
      std::memcpy(q, &kPairs[2 * u], 2);
    } else {
      *--q = static_cast<char>('0' + u);
    }
    std::memcpy(p_, q, 20);  // a fixed size: no call; only end - q of it counts
    p_ += end - q;
  }
  void Real(double v) { p_ = std::to_chars(p_, p_ + 32, v).ptr; }

  // A JSON string, room included: invalid UTF-8 gets U+FFFD for each bad byte (a collector
  // rejects the whole request otherwise), and what JSON requires is escaped.
  void String(std::string_view s) {
    // Nearly always plain (names, routes, ids): checked and copied 8 bytes at a time in one
    // pass; at the first byte that is not, start again on the careful path.
    Room(s.size() + 2);
    const char* src = s.data();
    size_t n = s.size(), i = 0;
    char* out = p_ + 1;
    for (; i + 8 <= n; i += 8) {
      uint64_t v;
      std::memcpy(&v, src + i, 8);
      if (!Plain8(v)) break;
      std::memcpy(out + i, &v, 8);
    }
    if (i < n && i >= 8 && i + 8 > n) {  // the tail: the last 8 bytes, overlapping the done ones
      uint64_t v;
      std::memcpy(&v, src + n - 8, 8);
      if (Plain8(v)) {
        std::memcpy(out + n - 8, &v, 8);
        i = n;
      }
    }
    for (; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(src[i]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      out[i] = static_cast<char>(c);
    }
    if (i == n) {
      *p_ = '"';
      out[n] = '"';
      p_ = out + n + 1;
      return;
    }
    Room(s.size() * 6 + 2);  // \u00XX for every byte at worst; U+FFFD (3) for one is less
    Char('"');
    i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        size_t len = Utf8SequenceLength(s.substr(i));
        if (len == 0) {
          Lit("\xEF\xBF\xBD");
          ++i;
        } else {
          std::memcpy(p_, s.data() + i, len);
          p_ += len;
          i += len;
        }
        continue;
      }
      ++i;
      switch (c) {
        case '"': Lit("\\\""); break;
        case '\\': Lit("\\\\"); break;
        case '\n': Lit("\\n"); break;
        case '\r': Lit("\\r"); break;
        case '\t': Lit("\\t"); break;
        case '\b': Lit("\\b"); break;
        case '\f': Lit("\\f"); break;
        default:
          if (c < 0x20) {
            Lit("\\u00");
            Hex(c, 2);
          } else {
            Char(static_cast<char>(c));
          }
      }
    }
    Char('"');
  }

  std::string_view Written() const {
    return std::string_view(out_.data(), static_cast<size_t>(p_ - out_.data()));
  }

 private:
  [[gnu::noinline]] void Grow(size_t n) {
    size_t used = static_cast<size_t>(p_ - out_.data());
    out_.Reserve(std::max(out_.capacity() * 2, used + n), used);
    p_ = out_.data() + used;
    end_ = out_.data() + out_.capacity();
  }

  OtlpBuffer& out_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

// Room for everything of a span but its strings (which make their own).
constexpr size_t kSpanFixedBytes = 400;
constexpr size_t kAttributeFixedBytes = 80;
constexpr size_t kLinkBytes = 96;

// {"key":…,"value":{"stringValue":…}}, and likewise intValue (a string: int64), doubleValue
// (non-finite ones spelt as strings, as the protobuf JSON mapping does) and boolValue.
// `a.literal_key`: a literal AttributeKey, checked when compiling to need no escaping.
void WriteAttribute(Writer& w, std::string_view key, const Attribute& a, std::string_view text) {
  if (a.literal_key != nullptr) {
    w.Room(kAttributeFixedBytes + key.size());
    w.Lit("{\"key\":\"");
    w.Raw(key);
    w.Char('"');
  } else {
    w.Room(kAttributeFixedBytes);
    w.Lit("{\"key\":");
    w.String(key);
    w.Room(kAttributeFixedBytes);
  }
  switch (a.type) {
    case Attribute::Type::kString:
      w.Lit(",\"value\":{\"stringValue\":");
      w.String(text);
      w.Room(2);
      break;
    case Attribute::Type::kInt:
      w.Lit(",\"value\":{\"intValue\":\"");
      w.Digits(a.int_value);
      w.Char('"');
      break;
    case Attribute::Type::kDouble:
      w.Lit(",\"value\":{\"doubleValue\":");
      if (std::isnan(a.double_value)) {
        w.Lit("\"NaN\"");
      } else if (std::isinf(a.double_value)) {
        if (a.double_value > 0) {
          w.Lit("\"Infinity\"");
        } else {
          w.Lit("\"-Infinity\"");
        }
      } else {
        w.Real(a.double_value);
      }
      break;
    case Attribute::Type::kBool:
      if (a.int_value != 0) {
        w.Lit(",\"value\":{\"boolValue\":true");
      } else {
        w.Lit(",\"value\":{\"boolValue\":false");
      }
      break;
  }
  w.Lit("}}");
}

void WriteSpan(Writer& w, const SpanData& s) {
  w.Room(kSpanFixedBytes);
  w.Lit("{\"traceId\":\"");
  w.Hex(s.context.trace_id.hi, 16);
  w.Hex(s.context.trace_id.lo, 16);
  w.Lit("\",\"spanId\":\"");
  w.Hex(s.context.span_id.value, 16);
  w.Char('"');
  if (s.parent_span_id.valid()) {
    w.Lit(",\"parentSpanId\":\"");
    w.Hex(s.parent_span_id.value, 16);
    w.Char('"');
  }
  w.Lit(",\"name\":");
  w.String(s.name());
  w.Room(kSpanFixedBytes);
  w.Lit(",\"kind\":");
  w.Digits(static_cast<int>(s.kind));
  w.Lit(",\"startTimeUnixNano\":\"");
  w.Digits(s.start_unix_nanos);
  w.Lit("\",\"endTimeUnixNano\":\"");
  w.Digits(s.end_unix_nanos);
  w.Char('"');
  if (!s.attributes.empty()) {
    w.Lit(",\"attributes\":[");
    bool first = true;
    for (const Attribute& a : s.attributes) {
      w.Room(1);
      if (!first) w.Char(',');
      first = false;
      WriteAttribute(w, s.key(a), a, s.string_value(a));
    }
    w.Room(kSpanFixedBytes);
    w.Char(']');
  }
  if (s.dropped_attributes > 0) {
    w.Lit(",\"droppedAttributesCount\":");
    w.Digits(s.dropped_attributes);
  }
  if (!s.links.empty()) {
    w.Lit(",\"links\":[");
    bool first = true;
    for (const SpanContext& l : s.links) {
      w.Room(kLinkBytes);
      if (!first) w.Char(',');
      first = false;
      w.Lit("{\"traceId\":\"");
      w.Hex(l.trace_id.hi, 16);
      w.Hex(l.trace_id.lo, 16);
      w.Lit("\",\"spanId\":\"");
      w.Hex(l.span_id.value, 16);
      w.Lit("\"}");
    }
    w.Room(kSpanFixedBytes);
    w.Char(']');
  }
  if (s.dropped_links > 0) {
    w.Lit(",\"droppedLinksCount\":");
    w.Digits(s.dropped_links);
  }
  if (s.status != SpanStatus::kUnset) {
    w.Lit(",\"status\":{\"code\":");
    w.Digits(static_cast<int>(s.status));
    if (!s.status_message.empty()) {
      w.Lit(",\"message\":");
      w.String(s.status_message);
      w.Room(1);
    }
    w.Char('}');
  }
  w.Room(1);
  w.Char('}');
}

}  // namespace

void OtlpBuffer::Reserve(size_t n, size_t keep) {
  if (n <= capacity_) return;
  std::unique_ptr<char[]> grown(new char[n]);  // default-initialised: not zeroed
  if (keep > 0) std::memcpy(grown.get(), data_.get(), std::min(keep, capacity_));
  data_ = std::move(grown);
  capacity_ = n;
}

std::string EncodeOtlpJson(const std::vector<std::pair<std::string, std::string>>& resource,
                           std::span<const std::unique_ptr<SpanData>> spans) {
  OtlpBuffer buffer;
  return std::string(EncodeOtlpJson(resource, spans, &buffer));
}

std::string_view EncodeOtlpJson(const std::vector<std::pair<std::string, std::string>>& resource,
                                std::span<const std::unique_ptr<SpanData>> spans,
                                OtlpBuffer* buffer) {
  Writer w(buffer, 1024 + spans.size() * 700);
  w.Room(128);
  w.Lit("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  bool first = true;
  for (const auto& [key, value] : resource) {
    w.Room(1);
    if (!first) w.Char(',');
    first = false;
    Attribute a;
    a.type = Attribute::Type::kString;
    WriteAttribute(w, key, a, value);
  }
  w.Room(128);
  w.Lit("]},\"scopeSpans\":[{\"scope\":{\"name\":\"readside\"},\"spans\":[");
  first = true;
  for (const auto& span : spans) {
    w.Room(1);
    if (!first) w.Char(',');
    first = false;
    WriteSpan(w, *span);
  }
  w.Room(16);
  w.Lit("]}]}]}");
  return w.Written();
}

}  // namespace readside::trace
