#include "trace/trace_context.h"

#include <random>

namespace readside::trace {
namespace {

// Lowercase hex only: the specification's HEXDIGLC.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads exactly `digits` (<= 16) lowercase hex digits from the front of `hex`.
bool ParseHex64(std::string_view hex, size_t digits, uint64_t* out) {
  if (hex.size() < digits) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    int d = HexValue(hex[i]);
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}


// SplitMix64 over a per-thread counter: a bijection of the counter, so one thread never
// repeats a value; threads start at independent random points.
uint64_t NextRandom() {
  thread_local uint64_t state = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
  }();
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}


}  // namespace


std::string TraceId::Hex() const {
  char out[32];
  WriteHex64(lo, 16, WriteHex64(hi, 16, out));
  return std::string(out, 32);
}

std::optional<TraceId> TraceId::FromHex(std::string_view hex) {
  TraceId id;
  if (hex.size() != 32 || !ParseHex64(hex, 16, &id.hi) || !ParseHex64(hex.substr(16), 16, &id.lo) ||
      !id.valid()) {
    return std::nullopt;
  }
  return id;
}

std::string SpanId::Hex() const {
  char out[16];
  WriteHex64(value, 16, out);
  return std::string(out, 16);
}

std::optional<SpanId> SpanId::FromHex(std::string_view hex) {
  SpanId id;
  if (hex.size() != 16 || !ParseHex64(hex, 16, &id.value) || !id.valid()) return std::nullopt;
  return id;
}

std::optional<SpanContext> ParseTraceparent(std::string_view h) {
  uint64_t version = 0;
  if (h.size() < kTraceparentSize || !ParseHex64(h, 2, &version) || version == 0xFF) {
    return std::nullopt;
  }
  // Version 00 has exactly these fields. A later version may append fields, each after a
  // dash; what it means by them is unknown here, so they are skipped.
  if (version == 0 ? h.size() != kTraceparentSize : h.size() > kTraceparentSize && h[55] != '-') {
    return std::nullopt;
  }
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  SpanContext c;
  uint64_t flags = 0;
  if (!ParseHex64(h.substr(3), 16, &c.trace_id.hi) ||
      !ParseHex64(h.substr(19), 16, &c.trace_id.lo) ||
      !ParseHex64(h.substr(36), 16, &c.span_id.value) || !ParseHex64(h.substr(53), 2, &flags) ||
      !c.valid()) {
    return std::nullopt;
  }
  // Of a later version's flags only the sampled bit is known to mean what it means in 00.
  c.flags = static_cast<uint8_t>(version == 0 ? flags : flags & SpanContext::kSampledFlag);
  return c;
}

std::string FormatTraceparent(const SpanContext& c) {
  char out[kTraceparentSize];
  WriteTraceparent(c, out);
  return std::string(out, kTraceparentSize);
}

void WriteTraceparent(const SpanContext& c, char* out) {
  char* p = out;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = WriteHex64(c.trace_id.hi, 16, p);
  p = WriteHex64(c.trace_id.lo, 16, p);
  *p++ = '-';
  p = WriteHex64(c.span_id.value, 16, p);
  *p++ = '-';
  WriteHex64(c.flags, 2, p);
}

TraceId NewTraceId() {
  TraceId id;
  while (!id.valid()) id = TraceId{NextRandom(), NextRandom()};
  return id;
}

SpanId NewSpanId() {
  SpanId id;
  while (!id.valid()) id.value = NextRandom();
  return id;
}

std::optional<SpanContext> ContextFromCorrelationId(std::string_view correlation_id) {
  return ParseTraceparent(correlation_id);
}

// Only the envelope's member counts: keys are looked at on the top level alone, so that an
// event whose data has a "correlation_id" of its own (before the envelope's, or with none in
// the envelope) is never linked through it. The text is a validated event's; whitespace
// between tokens is allowed. A value with escapes is no traceparent: it is returned as empty.
std::string_view CorrelationIdOfEventJson(std::string_view json) {
  size_t n = json.size(), i = 0;
  int depth = 0;
  bool key_next = false;  // the next string on the top level is a key
  auto skip_space = [&](size_t j) {
    while (j < n && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n' || json[j] == '\r')) ++j;
    return j;
  };
  // From the opening quote at `j`: the end of the string (its closing quote), or n.
  auto string_end = [&](size_t j) {
    for (++j; j < n; ++j) {
      if (json[j] == '\\') {
        ++j;
      } else if (json[j] == '"') {
        return j;
      }
    }
    return n;
  };
  while (i < n) {
    char c = json[i];
    if (c == '"') {
      size_t end = string_end(i);
      if (end == n) return {};
      if (depth == 1 && key_next) {
        key_next = false;
        std::string_view key = json.substr(i + 1, end - i - 1);
        size_t colon = skip_space(end + 1);
        if (colon < n && json[colon] == ':' && key == "correlation_id") {
          size_t value = skip_space(colon + 1);
          if (value >= n || json[value] != '"') return {};  // null
          size_t value_end = string_end(value);
          if (value_end == n) return {};
          std::string_view id = json.substr(value + 1, value_end - value - 1);
          return id.find('\\') == std::string_view::npos ? id : std::string_view();
        }
      }
      i = end + 1;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      key_next = depth == 1 && c == '{';
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      key_next = true;
    }
    ++i;
  }
  return {};
}

}  // namespace readside::trace
