#include <utility>

#include "trace/span_data.h"
#include "trace/trace.h"

namespace readside::trace {
namespace {

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view Cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

template <typename V>
void Set(SpanData* d, std::string_view key, V&& value) {
  for (Attribute& a : d->attributes) {
    if (a.key == key) {
      a.value = std::forward<V>(value);
      return;
    }
  }
  if (d->attributes.size() >= kMaxAttributes) {
    ++d->dropped_attributes;
    return;
  }
  d->attributes.push_back(Attribute{std::string(key), std::forward<V>(value)});
}

}  // namespace

void Span::SetString(std::string_view key, std::string_view value) {
  Set(data_, key, std::string(Cut(value, kMaxStringValueBytes)));
}
void Span::SetInt(std::string_view key, int64_t value) { Set(data_, key, value); }
void Span::SetDouble(std::string_view key, double value) { Set(data_, key, value); }
void Span::SetBool(std::string_view key, bool value) { Set(data_, key, value); }

void Span::AddLinkSlow(const SpanContext& linked) {
  if (data_->links.size() >= kMaxLinks) {
    ++data_->dropped_links;
    return;
  }
  data_->links.push_back(linked);
}

void Span::SetStatusSlow(SpanStatus status, std::string_view message) {
  data_->status = status;
  data_->status_message =
      status == SpanStatus::kError ? std::string(Cut(message, kMaxStringValueBytes)) : "";
}

void Span::SetStatusSlow(const absl::Status& status) {
  if (status.ok()) {
    SetStatusSlow(SpanStatus::kOk, {});
  } else {
    SetStatusSlow(SpanStatus::kError, status.ToString());
  }
}

void Span::Finish() {
  SpanData* d = std::exchange(data_, nullptr);
  d->tracer->Export(d);
}

}  // namespace readside::trace
