#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): trace and span ids, the
// `traceparent` header's parsing and formatting, and fast random ids.
// Thread-safety: value types and pure functions; NewTraceId/NewSpanId use a thread-local
// generator and may be called from any thread.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace readside::trace {

// 16 bytes, `hi` holding the first 8 of the hex form. All zero is invalid.
struct TraceId {
  uint64_t hi = 0;
  uint64_t lo = 0;

  bool valid() const { return (hi | lo) != 0; }
  // 32 lowercase hex digits.
  std::string Hex() const;
  // 32 lowercase hex digits, not all zero; nullopt otherwise.
  static std::optional<TraceId> FromHex(std::string_view hex);
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

// 8 bytes. Zero is invalid.
struct SpanId {
  uint64_t value = 0;

  bool valid() const { return value != 0; }
  // 16 lowercase hex digits.
  std::string Hex() const;
  // 16 lowercase hex digits, not all zero; nullopt otherwise.
  static std::optional<SpanId> FromHex(std::string_view hex);
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

namespace internal {
// The two lowercase hex digits of each byte value.
inline constexpr auto kHexPairs = [] {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> t{};
  for (int b = 0; b < 256; ++b) {
    t[2 * b] = kDigits[b >> 4];
    t[2 * b + 1] = kDigits[b & 0xF];
  }
  return t;
}();
}  // namespace internal

// Writes the `digits` (<= 16) low hex digits of `v`, lowercase, at `out`; returns the end.
// Inline: ids are written for every span and every traced answer.
inline char* WriteHex64(uint64_t v, int digits, char* out) {
  int i = digits;
  for (; i >= 2; i -= 2, v >>= 8) std::memcpy(out + i - 2, &internal::kHexPairs[2 * (v & 0xFF)], 2);
  if (i == 1) out[0] = internal::kHexPairs[2 * (v & 0xF) + 1];
  return out + digits;
}

// What crosses process boundaries: the trace, the span that is the parent of whatever the
// receiver does next, and the trace flags. A default-constructed context is invalid and
// means "no parent".
struct SpanContext {
  static constexpr uint8_t kSampledFlag = 0x01;

  TraceId trace_id;
  SpanId span_id;
  uint8_t flags = 0;

  bool valid() const { return trace_id.valid() && span_id.valid(); }
  bool sampled() const { return (flags & kSampledFlag) != 0; }
  friend bool operator==(const SpanContext&, const SpanContext&) = default;
};

// Parses a `traceparent` header value strictly as the specification says:
//   version "-" trace-id "-" parent-id "-" trace-flags
// with lowercase hex only, trace-id and parent-id not all zero, and version `ff` invalid.
// Version 00 must be exactly 55 characters. A higher version is parsed as version 00 where
// its fields line up: at least 55 characters, and anything after the flags must start with
// "-" (future fields are ignored). Returns nullopt for anything else; the caller then starts
// a new trace (and ignores `tracestate`). Leading/trailing blanks (OWS) are not accepted:
// trim the header first if your HTTP layer keeps them.
std::optional<SpanContext> ParseTraceparent(std::string_view header);

// "00-<trace-id>-<span-id>-<flags>" (kTraceparentSize characters). REQUIRES: context.valid().
inline constexpr size_t kTraceparentSize = 55;  // "vv-" + 32 + "-" + 16 + "-" + 2
std::string FormatTraceparent(const SpanContext& context);
// The same into `out` (kTraceparentSize bytes, not terminated), allocating nothing.
void WriteTraceparent(const SpanContext& context, char* out);

// Random, never invalid ids from a per-thread generator (SplitMix64 seeded once per thread
// from std::random_device): ~1 ns, unique in practice, not for secrets.
TraceId NewTraceId();
SpanId NewSpanId();

// The trace context an event's `correlation_id` points at, for a link from the spans that
// process the event: a valid traceparent value (e.g. the producer's span that emitted it).
// Anything else (a UUID, a bare 32-hex trace id: an OTLP link needs a span id too) gives
// nullopt; record the correlation_id as an attribute instead.
std::optional<SpanContext> ContextFromCorrelationId(std::string_view correlation_id);

// The correlation_id of a stored event's normalized JSON (readside writes it without
// whitespace and escapes nothing in a traceparent), empty when it has none. Only called while
// a span records: it scans the text.
std::string_view CorrelationIdOfEventJson(std::string_view json);

}  // namespace readside::trace
