#include "event/envelope_reader.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "event/envelope_rules.h"
#include "event/payload.h"

namespace readside::event::internal {
namespace {

enum EnvelopeField : uint32_t {
  kEventId = 1 << 0,
  kEventType = 1 << 1,
  kOrg = 1 << 2,
  kTimestamp = 1 << 3,
  kVersion = 1 << 4,
  kSource = 1 << 5,
  kData = 1 << 6,
  kEntityId = 1 << 7,
  kEntityType = 1 << 8,
  kAction = 1 << 9,
  kPayload = 1 << 10,
};

// Reads a string-valued known field (a view valid for the document). Returns false (with an
// error) on a wrong type.
template <typename J>
bool ReadString(typename J::Value& v, const PathNode& path, std::string_view* dst,
                WalkContext& ctx) {
  od::json_type type;
  if (auto e = J::Type(v, &type)) return ctx.Fail(e, path);
  if (type != od::json_type::string) {
    ctx.Error(path, "must be a string");
    return false;
  }
  if (auto e = J::String(v, dst)) return ctx.Fail(e, path);
  return true;
}

template <typename J>
bool ReadString(typename J::Value& v, const PathNode& path, std::string* dst, WalkContext& ctx) {
  std::string_view s;
  if (!ReadString<J>(v, path, &s, ctx)) return false;
  dst->assign(s);
  return true;
}

// Reads the envelope of one event with reader J (json_walk.h).
template <typename J>
class EnvelopeReader {
 public:
  using Value = typename J::Value;

  EnvelopeReader(Event* ev, WalkContext& ctx) : ev_(ev), ctx_(ctx) {}

  // True when a known event_type came only after data.payload: the payload was walked without
  // its type's rules and must be read again (the parser does, from the stored text).
  bool payload_needs_typing() const {
    return type_ != nullptr && !payload_typed_ && (seen_ & kPayload) != 0;
  }

  // Reads the whole event object. Returns false if rejected or broken (ctx.fatal).
  bool Read(Value obj) {
    PathNode root;
    if (!ReadObject(obj, root, /*data=*/false)) ok_ = false;
    if (ctx_.fatal) return false;
    CheckRequired();
    return ok_ && ctx_.errors->empty();
  }

 private:
  // Returns false only when the JSON structure broke (ctx_.fatal); rejected fields clear ok_.
  bool ReadObject(Value& obj, const PathNode& path, bool data) {
    bool fields_ok =
        J::Fields(obj, path, ctx_, [&](std::string_view key, Value v, const PathNode& child) {
          return data ? ReadDataField(key, v, child) : ReadTopField(key, v, child);
        });
    if (!fields_ok) ok_ = false;
    return !ctx_.fatal;
  }

  bool ReadTopField(std::string_view key, Value& v, const PathNode& path) {
    if (key == "event_id") {
      seen_ |= kEventId;
      if (!ReadString<J>(v, path, &ev_->event_id, ctx_)) return false;
      if (!IsValidId(ev_->event_id)) {
        ctx_.Error(path, "must be 1 to 128 characters without control characters");
        return false;
      }
      return true;
    }
    if (key == "event_type") {
      seen_ |= kEventType;
      if (!ReadString<J>(v, path, &ev_->event_type, ctx_)) return false;
      const TypeSpec* spec = FindType(ev_->event_type);
      ev_->type = spec ? spec->type : EventType::kUnknown;
      type_ = spec;
      if (spec != nullptr) return true;  // the catalog's names are well-formed
      if (!IsEventTypeName(ev_->event_type)) {
        ctx_.Error(path, "must be dot-separated lower-case segments such as crm.lead.created");
        return false;
      }
      if (ev_->event_type.starts_with("readside.") && !ctx_.own_events) {
        ctx_.Error(path, "must not start with readside. (reserved for readside's own events)");
        return false;
      }
      return true;
    }
    if (key == "organization_id") {
      seen_ |= kOrg;
      if (!ReadString<J>(v, path, &ev_->organization_id, ctx_)) return false;
      if (!IsValidOrganizationId(ev_->organization_id)) {
        ctx_.Error(path, "must match ^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$");
        return false;
      }
      return true;
    }
    if (key == "timestamp") {
      seen_ |= kTimestamp;
      std::string_view text;
      if (!ReadString<J>(v, path, &text, ctx_)) return false;
      return ReadDateTime(text, path, "must be an RFC 3339 date-time with Z or an offset",
                          &ev_->timestamp_micros, ctx_);
    }
    if (key == "version") {
      seen_ |= kVersion;
      std::string_view text;
      if (!ReadString<J>(v, path, &text, ctx_)) return false;
      if (!IsVersion(text)) {
        ctx_.Error(path, "must be \"MAJOR.MINOR\" with MAJOR 1");
        return false;
      }
      return true;
    }
    if (key == "source_service") {
      seen_ |= kSource;
      if (!ReadString<J>(v, path, &ev_->source_service, ctx_)) return false;
      if (ev_->source_service.empty()) {
        ctx_.Error(path, "must not be empty");
        return false;
      }
      return true;
    }
    if (key == "correlation_id" || key == "causation_id") {
      od::json_type type;
      if (auto e = J::Type(v, &type)) return ctx_.Fail(e, path);
      if (type == od::json_type::null) {
        if (auto e = J::CheckNull(v)) return ctx_.Fail(e, path);  // type() peeks one letter
        return true;
      }
      std::string_view ignored;
      return ReadString<J>(v, path, &ignored, ctx_);
    }
    if (key == "data") {
      seen_ |= kData;
      od::json_type type;
      if (auto e = J::Type(v, &type)) return ctx_.Fail(e, path);
      if (type != od::json_type::object) {
        ctx_.Error(path, "must be an object");
        return false;
      }
      return ReadObject(v, path, /*data=*/true);
    }
    return ValidateAny<J>(v, 1, path, ctx_);
  }

  bool ReadDataField(std::string_view key, Value& v, const PathNode& path) {
    if (key == "entity_id") {
      seen_ |= kEntityId;
      if (!ReadString<J>(v, path, &ev_->entity_id, ctx_)) return false;
      if (!IsValidId(ev_->entity_id)) {
        ctx_.Error(path, "must be 1 to 128 characters without control characters");
        return false;
      }
      return true;
    }
    if (key == "entity_type" || key == "action") {
      seen_ |= key == "action" ? kAction : kEntityType;
      std::string* dst = key == "action" ? &ev_->action : &ev_->entity_type;
      if (!ReadString<J>(v, path, dst, ctx_)) return false;
      if (dst->empty()) {
        ctx_.Error(path, "must not be empty");
        return false;
      }
      return true;
    }
    if (key == "payload") {
      seen_ |= kPayload;
      od::json_type type;
      if (auto e = J::Type(v, &type)) return ctx_.Fail(e, path);
      if (type != od::json_type::object) {
        ctx_.Error(path, "must be an object");
        return false;
      }
      payload_typed_ = type_ != nullptr;
      return ReadPayload<J>(v, type_, path, 3, ev_, ctx_);
    }
    if (key == "metadata") {
      od::json_type type;
      if (auto e = J::Type(v, &type)) return ctx_.Fail(e, path);
      if (type != od::json_type::object && type != od::json_type::null) {
        ctx_.Error(path, "must be an object");
        return false;
      }
    }
    return ValidateAny<J>(v, 2, path, ctx_);
  }

  void CheckRequired() {
    static constexpr std::pair<uint32_t, std::string_view> kRequired[] = {
        {kEventType, "event_type"}, {kOrg, "organization_id"},   {kTimestamp, "timestamp"},
        {kVersion, "version"},      {kSource, "source_service"}, {kData, "data"}};
    for (auto [bit, name] : kRequired) {
      if ((seen_ & bit) == 0) ctx_.errors->push_back({std::string(name), "is required"});
    }
    if ((seen_ & kData) != 0) {
      static constexpr std::pair<uint32_t, std::string_view> kDataRequired[] = {
          {kEntityId, "data.entity_id"},
          {kEntityType, "data.entity_type"},
          {kAction, "data.action"},
          {kPayload, "data.payload"}};
      for (auto [bit, name] : kDataRequired) {
        if ((seen_ & bit) == 0) ctx_.errors->push_back({std::string(name), "is required"});
      }
    }
  }

  Event* ev_;
  WalkContext& ctx_;
  const TypeSpec* type_ = nullptr;  // set when event_type is read; nullptr when unknown
  uint32_t seen_ = 0;
  bool ok_ = true;
  bool payload_typed_ = false;
};

}  // namespace

void ResetPayload(Event* ev) {
  ev->currency.clear();
  for (FieldValue& f : ev->fields) {
    f.present = false;
    f.is_date = false;
  }
  ev->ledger_lines.clear();
  ev->order_lines.clear();
}

void ResetEvent(Event* ev) {
  ev->event_id.clear();
  ev->event_id_assigned = false;
  ev->type = EventType::kUnknown;
  ev->event_type.clear();
  ev->organization_id.clear();
  ev->timestamp_micros = 0;
  ev->source_service.clear();
  ev->entity_id.clear();
  ev->entity_type.clear();
  ev->action.clear();
  ResetPayload(ev);
  ev->json.clear();
}

template <typename J>
bool ReadEnvelope(typename J::Value obj, Event* event, WalkContext& ctx,
                  bool* payload_needs_typing) {
  EnvelopeReader<J> reader(event, ctx);
  bool ok = reader.Read(obj);
  *payload_needs_typing = reader.payload_needs_typing();
  return ok;
}

template bool ReadEnvelope<OdJson>(OdJson::Value, Event*, WalkContext&, bool*);
template bool ReadEnvelope<TapeJson>(TapeJson::Value, Event*, WalkContext&, bool*);

}  // namespace readside::event::internal
