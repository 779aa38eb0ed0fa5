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

}  // namespace

void SpanData::Clear() {
  tracer = nullptr;
  context = {};
  parent_span_id = {};
  kind = SpanKind::kInternal;
  start_unix_nanos = end_unix_nanos = start_monotonic_nanos = 0;
  // A buffer grown by an unusual span is let go rather than kept for every later one.
  if (text.capacity() > 1024) {
    std::string().swap(text);
  } else {
    text.clear();
  }
  name_at = name_size = name_room = 0;
  if (attributes.capacity() > 16) {
    absl::InlinedVector<Attribute, 8>().swap(attributes);
  } else {
    attributes.clear();
  }
  dropped_attributes = 0;
  if (links.capacity() > 8) {
    std::vector<SpanContext>().swap(links);
  } else {
    links.clear();
  }
  dropped_links = 0;
  status = SpanStatus::kUnset;
  std::string().swap(status_message);
}

bool SpanData::Store(std::string_view s, uint32_t* at) {
  if (text.size() + s.size() > kMaxSpanTextBytes) return false;
  *at = static_cast<uint32_t>(text.size());
  text.append(s);
  return true;
}

void SpanData::SetName(std::string_view new_name) {
  new_name = Cut(new_name, kMaxStringValueBytes);
  if (new_name.size() <= name_room) {  // in place
    text.replace(name_at, new_name.size(), new_name);
  } else if (uint32_t at; Store(new_name, &at)) {
    name_at = at;
    name_room = static_cast<uint32_t>(new_name.size());
  } else {
    return;  // past the text bound: the name stays
  }
  name_size = static_cast<uint32_t>(new_name.size());
}

Attribute* SpanData::Slot(AttributeKey key, size_t value_bytes) {
  std::string_view k = key.view();
  uint32_t print = KeyPrint(k);
  for (Attribute& a : attributes) {
    if (a.key_print == print && (a.literal_key == k.data() || this->key(a) == k)) return &a;
  }
  size_t key_bytes = key.literal() ? 0 : k.size();
  if (attributes.size() >= kMaxAttributes ||
      text.size() + key_bytes + value_bytes > kMaxSpanTextBytes) {
    ++dropped_attributes;
    return nullptr;
  }
  Attribute& a = attributes.emplace_back();
  if (key.literal()) {
    a.literal_key = k.data();
  } else {
    Store(k, &a.key_at);  // fits: checked above
  }
  a.key_size = static_cast<uint32_t>(k.size());
  a.key_print = print;
  return &a;
}

void SpanData::SetString(AttributeKey key, std::string_view value) {
  value = Cut(value, kMaxStringValueBytes);
  Attribute* a = Slot(key, value.size());
  if (a == nullptr) return;
  if (a->type == Attribute::Type::kString && value.size() <= a->string_room) {
    text.replace(a->string_at, value.size(), value);  // a replaced value that fits: in place
  } else if (Store(value, &a->string_at)) {
    a->string_room = static_cast<uint32_t>(value.size());
  } else {
    ++dropped_attributes;  // a replaced value past the text bound: the old one stays
    return;
  }
  a->type = Attribute::Type::kString;
  a->string_size = static_cast<uint32_t>(value.size());
}

void SpanData::SetInt(AttributeKey key, int64_t value) {
  if (Attribute* a = Slot(key, 0)) {
    a->type = Attribute::Type::kInt;
    a->int_value = value;
  }
}

void SpanData::SetDouble(AttributeKey key, double value) {
  if (Attribute* a = Slot(key, 0)) {
    a->type = Attribute::Type::kDouble;
    a->double_value = value;
  }
}

void SpanData::SetBool(AttributeKey key, bool value) {
  if (Attribute* a = Slot(key, 0)) {
    a->type = Attribute::Type::kBool;
    a->int_value = value ? 1 : 0;
  }
}

void Span::SetNameSlow(std::string_view name) { data_->SetName(name); }
void Span::SetString(AttributeKey key, std::string_view value) { data_->SetString(key, value); }
void Span::SetInt(AttributeKey key, int64_t value) { data_->SetInt(key, value); }
void Span::SetDouble(AttributeKey key, double value) { data_->SetDouble(key, value); }
void Span::SetBool(AttributeKey key, bool value) { data_->SetBool(key, value); }

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
