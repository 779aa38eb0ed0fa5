#pragma once
// What a recording Span holds, and what the exporter encodes once it has ended. Internal to
// src/trace (callers use trace.h).
// A span's name, attribute keys and string values live back to back in one buffer (`text`),
// reserved when the span starts, so a span with a few short attributes costs one allocation
// beyond the SpanData itself; the attributes index into it.
// Thread-safety: owned by one Span, then by the exporter's queue; never shared.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "trace/trace.h"

namespace readside::trace {

// Limits per span (OpenTelemetry's defaults): beyond them attributes and links are counted
// as dropped, and string values are cut. The text of one span (name, keys, string values,
// replaced values included) is bounded too: an attribute that would take it past
// kMaxSpanTextBytes is dropped, and a replacing value that would is counted as dropped while
// the attribute keeps its earlier value.
inline constexpr size_t kMaxAttributes = 128;
inline constexpr size_t kMaxLinks = 128;
inline constexpr size_t kMaxStringValueBytes = 4096;
inline constexpr size_t kMaxSpanTextBytes = 64 * 1024;

struct Attribute {
  enum class Type : uint8_t { kString, kInt, kDouble, kBool };
  const char* literal_key = nullptr;  // a literal key (AttributeKey), else the key is in text
  uint32_t key_at = 0;                // in SpanData::text
  uint32_t key_size = 0;
  uint32_t key_print = 0;  // KeyPrint(key): most keys that differ differ here
  Type type = Type::kInt;
  uint32_t string_at = 0;  // kString: the value in SpanData::text
  uint32_t string_size = 0;
  uint32_t string_room = 0;  // the bytes at string_at that are this value's, >= string_size
  int64_t int_value = 0;  // kInt, and kBool as 0 or 1
  double double_value = 0;
};

// The length and three bytes of an attribute key, so that looking a key up among a span's
// (each Set looks for the one it replaces) rarely compares whole keys.
inline uint32_t KeyPrint(std::string_view key) {
  if (key.empty()) return 0;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(key[i])); };
  return (static_cast<uint32_t>(key.size()) & 0xFF) | byte(0) << 8 | byte(key.size() / 2) << 16 |
         byte(key.size() - 1) << 24;
}

struct SpanData {
  Tracer* tracer = nullptr;  // where the span goes when it ends
  SpanContext context;
  SpanId parent_span_id;  // invalid for a root
  SpanKind kind = SpanKind::kInternal;
  int64_t start_unix_nanos = 0;
  int64_t end_unix_nanos = 0;
  // The monotonic clock at the start: the end is start_unix_nanos plus the monotonic
  // duration, so a wall-clock step during the span cannot make it negative.
  int64_t start_monotonic_nanos = 0;
  std::string text;  // the name, keys and string values (see the top of this file)
  uint32_t name_at = 0;
  uint32_t name_size = 0;
  uint32_t name_room = 0;  // as Attribute::string_room
  absl::InlinedVector<Attribute, 8> attributes;
  uint32_t dropped_attributes = 0;
  std::vector<SpanContext> links;
  uint32_t dropped_links = 0;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;

  std::string_view name() const { return Text(name_at, name_size); }
  std::string_view key(const Attribute& a) const {
    return a.literal_key != nullptr ? std::string_view(a.literal_key, a.key_size)
                                    : Text(a.key_at, a.key_size);
  }
  std::string_view string_value(const Attribute& a) const {
    return Text(a.string_at, a.string_size);
  }

  // Back to a default SpanData, keeping the capacity of small buffers (a SpanData is reused
  // for another span: BatchExporter::Acquire).
  void Clear();

  // The setters behind Span's, with the limits above.
  void SetName(std::string_view name);
  void SetString(AttributeKey key, std::string_view value);
  void SetInt(AttributeKey key, int64_t value);
  void SetDouble(AttributeKey key, double value);
  void SetBool(AttributeKey key, bool value);

 private:
  std::string_view Text(uint32_t at, uint32_t size) const {
    return std::string_view(text.data() + at, size);
  }
  // The attribute of `key`, added when new (its key stored); null when it is new and a
  // limit drops it (counted).
  Attribute* Slot(AttributeKey key, size_t value_bytes);
  // Appends `s` to text; false (nothing appended) past kMaxSpanTextBytes.
  bool Store(std::string_view s, uint32_t* at);
};

}  // namespace readside::trace
