#pragma once
// What a recording Span holds, and what the exporter encodes once it has ended. Internal to
// src/trace (callers use trace.h).
// Thread-safety: owned by one Span, then by the exporter's queue; never shared.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "trace/trace.h"

namespace readside::trace {

// Limits per span (OpenTelemetry's defaults): beyond them attributes and links are counted
// as dropped, and string values are cut.
inline constexpr size_t kMaxAttributes = 128;
inline constexpr size_t kMaxLinks = 128;
inline constexpr size_t kMaxStringValueBytes = 4096;

struct Attribute {
  std::string key;
  std::variant<std::string, int64_t, double, bool> value;
};

struct SpanData {
  Tracer* tracer = nullptr;  // where the span goes when it ends
  SpanContext context;
  SpanId parent_span_id;  // invalid for a root
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  int64_t start_unix_nanos = 0;
  int64_t end_unix_nanos = 0;
  // The monotonic clock at the start: the end is start_unix_nanos plus the monotonic
  // duration, so a wall-clock step during the span cannot make it negative.
  int64_t start_monotonic_nanos = 0;
  std::vector<Attribute> attributes;
  uint32_t dropped_attributes = 0;
  std::vector<SpanContext> links;
  uint32_t dropped_links = 0;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;
};

}  // namespace readside::trace
