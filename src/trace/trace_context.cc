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

std::string_view CorrelationIdOfEventJson(std::string_view json) {
  constexpr std::string_view kKey = "\"correlation_id\":\"";
  size_t at = json.find(kKey);
  if (at == std::string_view::npos) return {};
  at += kKey.size();
  size_t end = json.find('"', at);
  if (end == std::string_view::npos) return {};
  return json.substr(at, end - at);
}

}  // namespace readside::trace
