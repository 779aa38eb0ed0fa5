#include "event/parser.h"

#include <random>

#include "common/json_writer.h"
#include "common/time_util.h"
#include "event/json_walk.h"
#include "event/minify.h"
#include "event/payload.h"

namespace readside::event {

namespace od = internal::od;
using internal::PathNode;
using internal::WalkContext;

namespace {}  // namespace

bool IsValidOrganizationId(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

namespace {

bool IsVersion(std::string_view s) {  // "MAJOR.MINOR" with MAJOR == 1
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  }
  std::string_view major = s.substr(0, dot);
  while (major.size() > 1 && major.front() == '0') major.remove_prefix(1);
  return major == "1";
}

bool HasControlChars(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

// event_type: dot-separated segments of [a-z0-9_], at least two, ≤ 128 chars.
bool IsEventTypeName(std::string_view s) {
  if (s.empty() || s.size() > 128 || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
      ++dots;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
    prev = c;
  }
  return dots >= 1;
}

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

// Reads a string-valued known field. Returns false (with an error) on a wrong type.
bool ReadString(od::value v, const PathNode& path, std::string* dst, WalkContext& ctx) {
  od::json_type type;
  if (auto e = v.type().get(type)) return ctx.Fail(e, path);
  if (type != od::json_type::string) {
    ctx.Error(path, "must be a string");
    return false;
  }
  std::string_view s;
  if (auto e = v.get_string().get(s)) return ctx.Fail(e, path);
  dst->assign(s);
  return true;
}

class EnvelopeReader {
 public:
  EnvelopeReader(Event* ev, WalkContext& ctx) : ev_(ev), ctx_(ctx) {}

  // True when a known event_type came only after data.payload: the payload was walked without
  // its type's rules and must be read again (ReadEvent does, from the stored text).
  bool payload_needs_typing() const {
    return type_ != nullptr && !payload_typed_ && (seen_ & kPayload) != 0;
  }

  // Reads the whole event object. Returns false if rejected or broken (ctx.fatal).
  bool Read(od::object obj) {
    PathNode root;
    if (!ReadObject(obj, root, /*data=*/false)) ok_ = false;
    if (ctx_.fatal) return false;
    CheckRequired();
    return ok_ && ctx_.errors->empty();
  }

 private:
  // Returns false only when the JSON structure broke (ctx_.fatal); rejected fields clear ok_.
  bool ReadObject(od::object obj, const PathNode& path, bool data) {
    bool fields_ok = internal::ForEachField(
        obj, path, ctx_, [&](std::string_view key, od::value v, const PathNode& child) {
          return data ? ReadDataField(key, v, child) : ReadTopField(key, v, child);
        });
    if (!fields_ok) ok_ = false;
    return !ctx_.fatal;
  }

  bool ReadTopField(std::string_view key, od::value v, const PathNode& path) {
    if (key == "event_id") {
      seen_ |= kEventId;
      if (!ReadString(v, path, &ev_->event_id, ctx_)) return false;
      if (ev_->event_id.empty() || ev_->event_id.size() > 128 || HasControlChars(ev_->event_id)) {
        ctx_.Error(path, "must be 1 to 128 characters without control characters");
        return false;
      }
      return true;
    }
    if (key == "event_type") {
      seen_ |= kEventType;
      if (!ReadString(v, path, &ev_->event_type, ctx_)) return false;
      if (!IsEventTypeName(ev_->event_type)) {
        ctx_.Error(path, "must be dot-separated lower-case segments such as crm.lead.created");
        return false;
      }
      if (ev_->event_type.starts_with("readside.")) {
        ctx_.Error(path, "must not start with readside. (reserved for readside's own events)");
        return false;
      }
      const TypeSpec* spec = FindType(ev_->event_type);
      ev_->type = spec ? spec->type : EventType::kUnknown;
      type_ = spec;
      return true;
    }
    if (key == "organization_id") {
      seen_ |= kOrg;
      if (!ReadString(v, path, &ev_->organization_id, ctx_)) return false;
      if (!IsValidOrganizationId(ev_->organization_id)) {
        ctx_.Error(path, "must match ^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$");
        return false;
      }
      return true;
    }
    if (key == "timestamp") {
      seen_ |= kTimestamp;
      std::string text;
      if (!ReadString(v, path, &text, ctx_)) return false;
      if (!ParseRfc3339(text, &ev_->timestamp_micros)) {
        ctx_.Error(path, "must be an RFC 3339 date-time with Z or an offset");
        return false;
      }
      return true;
    }
    if (key == "version") {
      seen_ |= kVersion;
      std::string text;
      if (!ReadString(v, path, &text, ctx_)) return false;
      if (!IsVersion(text)) {
        ctx_.Error(path, "must be \"MAJOR.MINOR\" with MAJOR 1");
        return false;
      }
      return true;
    }
    if (key == "source_service") {
      seen_ |= kSource;
      if (!ReadString(v, path, &ev_->source_service, ctx_)) return false;
      if (ev_->source_service.empty()) {
        ctx_.Error(path, "must not be empty");
        return false;
      }
      return true;
    }
    if (key == "correlation_id" || key == "causation_id") {
      od::json_type type;
      if (auto e = v.type().get(type)) return ctx_.Fail(e, path);
      if (type == od::json_type::null) {
        return true;
      }
      std::string ignored;
      return ReadString(v, path, &ignored, ctx_);
    }
    if (key == "data") {
      seen_ |= kData;
      od::json_type type;
      if (auto e = v.type().get(type)) return ctx_.Fail(e, path);
      od::object obj;
      if (type != od::json_type::object) {
        ctx_.Error(path, "must be an object");
        return false;
      }
      if (auto e = v.get_object().get(obj)) return ctx_.Fail(e, path);
      return ReadObject(obj, path, /*data=*/true);
    }
    return internal::ValidateAny(v, 1, path, ctx_);
  }

  bool ReadDataField(std::string_view key, od::value v, const PathNode& path) {
    if (key == "entity_id") {
      seen_ |= kEntityId;
      if (!ReadString(v, path, &ev_->entity_id, ctx_)) return false;
      if (ev_->entity_id.empty() || ev_->entity_id.size() > 128 ||
          HasControlChars(ev_->entity_id)) {
        ctx_.Error(path, "must be 1 to 128 characters without control characters");
        return false;
      }
      return true;
    }
    if (key == "entity_type" || key == "action") {
      seen_ |= key == "action" ? kAction : kEntityType;
      std::string* dst = key == "action" ? &ev_->action : &ev_->entity_type;
      if (!ReadString(v, path, dst, ctx_)) return false;
      if (dst->empty()) {
        ctx_.Error(path, "must not be empty");
        return false;
      }
      return true;
    }
    if (key == "payload") {
      seen_ |= kPayload;
      od::json_type type;
      if (auto e = v.type().get(type)) return ctx_.Fail(e, path);
      if (type != od::json_type::object) {
        ctx_.Error(path, "must be an object");
        return false;
      }
      od::object obj;
      if (auto e = v.get_object().get(obj)) return ctx_.Fail(e, path);
      if (type_ != nullptr) {
        payload_typed_ = true;
        return internal::ReadPayload(obj, *type_, path, 3, ev_, ctx_);
      }
      return internal::ReadUnknownPayload(obj, path, 3, ev_, ctx_);
    }
    if (key == "metadata") {
      od::json_type type;
      if (auto e = v.type().get(type)) return ctx_.Fail(e, path);
      if (type != od::json_type::object && type != od::json_type::null) {
        ctx_.Error(path, "must be an object");
        return false;
      }
    }
    return internal::ValidateAny(v, 2, path, ctx_);
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

}  // namespace

struct EventParser::Impl {
  od::parser parser;
  od::parser retype;               // for the rare event whose event_type follows its data
  simdjson::padded_string buffer;  // a padded copy of the input, reused

  simdjson::padded_string_view Pad(std::string_view in) {
    if (buffer.size() < in.size()) buffer = simdjson::padded_string(in.size() + in.size() / 2);
    std::memcpy(buffer.data(), in.data(), in.size());
    return simdjson::padded_string_view(buffer.data(), in.size(),
                                        buffer.size() + simdjson::SIMDJSON_PADDING);
  }
};

EventParser::EventParser(ParserOptions options)
    : options_(options), impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;

namespace {

// Reads one event object; on success finishes event->json (event_id, size limit).
// Reads one event object; on success stores its minified text (from `raw_start` to the end
// of the object) in event->json, with event_id added when missing, and checks the size limit.
// `end_of` gives the first byte after the object once it has been read.
// Reads data.payload of `ev->json` again with the rules of `spec` (the rare event whose
// event_type follows its data), using `parser` (not the one iterating the body).
bool RetypePayload(od::parser* parser, const TypeSpec& spec, const ParserOptions& options,
                   Event* ev, std::vector<FieldError>* errors) {
  simdjson::padded_string padded(ev->json);
  od::document doc;
  od::object payload;
  if (parser->iterate(padded).get(doc) ||
      doc.find_field_unordered("data").find_field_unordered("payload").get_object().get(payload)) {
    errors->push_back({"data.payload", "could not be read again"});
    return false;
  }
  ResetPayload(ev);
  WalkContext ctx{errors, options.max_depth};
  PathNode root;
  PathNode data = root.Child("data");
  PathNode path = data.Child("payload");
  return internal::ReadPayload(payload, spec, path, 3, ev, ctx) && errors->empty();
}

bool ReadEvent(od::object obj, const char* raw_start, const std::function<const char*()>& end_of,
               const ParserOptions& options, od::parser* retype_parser, Event* ev,
               std::vector<FieldError>* errors, simdjson::error_code* fatal) {
  ResetEvent(ev);
  WalkContext ctx{errors, options.max_depth};
  EnvelopeReader reader(ev, ctx);
  bool ok = reader.Read(obj);
  *fatal = ctx.fatal;
  if (!ok || ctx.fatal) {
    if (errors->empty()) errors->push_back({"", "is not valid JSON"});
    return false;
  }
  // The event was validated: store the producer's own text, minified (unknown fields and
  // key order kept).
  const char* raw_end = end_of();
  if (raw_end == nullptr || raw_end <= raw_start) {
    errors->push_back({"", "is not valid JSON"});
    return false;
  }
  std::string_view raw(raw_start, static_cast<size_t>(raw_end - raw_start));
  while (!raw.empty() && raw.back() != '}') raw.remove_suffix(1);
  if (!options.keep_json && !reader.payload_needs_typing()) {
    ev->json.clear();  // a replay of stored (already normalized) text needs no copy
    return true;
  }
  MinifyValidated(raw, &ev->json);
  if (reader.payload_needs_typing() &&
      !RetypePayload(retype_parser, GetTypeSpec(ev->type), options, ev, errors)) {
    return false;
  }
  if (ev->event_id.empty() && options.assign_missing_event_id) {
    ev->event_id = NewUuid();
    ev->event_id_assigned = true;
    std::string prefix = "\"event_id\":";
    AppendJsonString(&prefix, ev->event_id);
    prefix.push_back(',');
    ev->json.insert(1, prefix);
  }
  if (ev->json.size() > options.max_event_bytes) {
    errors->push_back({"", "event is " + std::to_string(ev->json.size()) +
                               " bytes, more than the limit of " +
                               std::to_string(options.max_event_bytes)});
    return false;
  }
  return true;
}

}  // namespace

bool EventParser::ParseOne(std::string_view json, Event* event, std::vector<FieldError>* errors) {
  errors->clear();
  od::document doc;
  simdjson::padded_string_view padded = impl_->Pad(json);
  if (auto e = impl_->parser.iterate(padded).get(doc)) {
    errors->push_back({"", std::string("is not valid JSON: ") + simdjson::error_message(e)});
    return false;
  }
  od::object obj;
  const char* start = padded.data();
  while (start < padded.data() + json.size() && *start != '{') ++start;
  const char* end = padded.data() + json.size();
  if (auto e = doc.get_object().get(obj)) {
    errors->push_back({"", e == simdjson::INCORRECT_TYPE
                               ? std::string("must be a JSON object")
                               : std::string("is not valid JSON: ") + simdjson::error_message(e)});
    return false;
  }
  simdjson::error_code fatal;
  if (!ReadEvent(
          obj, start, [end] { return end; }, options_, &impl_->retype, event, errors, &fatal)) {
    if (fatal) {
      errors->clear();
      errors->push_back({"", std::string("is not valid JSON: ") + simdjson::error_message(fatal)});
    }
    return false;
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    errors->push_back({"", "is not valid JSON: unexpected content after the event"});
    return false;
  }
  return true;
}

}  // namespace readside::event

namespace readside::event {
namespace {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

void FillResult(bool ok, const Event& ev, std::vector<FieldError>* errors, ItemResult* r) {
  r->ok = ok;
  r->errors.clear();
  if (!ok) r->errors.swap(*errors);
  r->event_id = ev.event_id;
  r->organization_id = IsValidOrganizationId(ev.organization_id) ? ev.organization_id : "";
}

}  // namespace

std::string EventParser::ParseBody(
    std::string_view body, BodyFormat format,
    const std::function<void(size_t, Event&, const ItemResult&)>& on_event) {
  Event ev;
  std::vector<FieldError> errors;
  ItemResult result;
  const std::string too_many =
      "the batch holds more than " + std::to_string(options_.max_batch_events) + " events";
  if (format == BodyFormat::kNdjson) {
    size_t index = 0, pos = 0;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      if (nl == std::string_view::npos) nl = body.size();
      std::string_view line = TrimSpace(body.substr(pos, nl - pos));
      pos = nl + 1;
      if (line.empty()) continue;
      if (index >= options_.max_batch_events) return too_many;
      bool ok = ParseOne(line, &ev, &errors);
      FillResult(ok, ev, &errors, &result);
      on_event(index++, ev, result);
    }
    return index == 0 ? "the body holds no events" : "";
  }
  std::string_view trimmed = TrimSpace(body);
  if (trimmed.empty()) return "the body is empty";
  if (trimmed.front() == '{') {
    bool ok = ParseOne(trimmed, &ev, &errors);
    if (!ok && errors.size() == 1 && errors[0].field.empty() &&
        errors[0].message.starts_with("is not valid JSON")) {
      return "the body " + errors[0].message;
    }
    FillResult(ok, ev, &errors, &result);
    on_event(0, ev, result);
    return "";
  }
  if (trimmed.front() != '[') {
    return "the body must be a JSON object or an array of objects (or NDJSON sent as "
           "application/x-ndjson)";
  }
  od::document doc;
  od::array arr;
  if (auto e = impl_->parser.iterate(impl_->Pad(trimmed)).get(doc)) {
    return std::string("the body is not valid JSON: ") + simdjson::error_message(e);
  }
  if (auto e = doc.get_array().get(arr)) {
    return std::string("the body is not valid JSON: ") + simdjson::error_message(e);
  }
  size_t index = 0;
  for (auto element : arr) {
    od::value v;
    if (auto e = std::move(element).get(v)) {
      return std::string("the body is not valid JSON: ") + simdjson::error_message(e);
    }
    if (index >= options_.max_batch_events) return too_many;
    od::json_type type;
    if (auto e = v.type().get(type)) {
      return std::string("the body is not valid JSON: ") + simdjson::error_message(e);
    }
    bool ok = false;
    errors.clear();
    if (type != od::json_type::object) {
      ResetEvent(&ev);
      errors.push_back({"", "must be a JSON object"});
    } else {
      od::object obj;
      const char* start = v.raw_json_token().data();
      simdjson::error_code fatal = v.get_object().get(obj);
      // After the object, the iterator stands on the next ',' or ']'.
      auto end_of = [&doc]() -> const char* {
        const char* loc = nullptr;
        return doc.current_location().get(loc) == simdjson::SUCCESS ? loc : nullptr;
      };
      if (!fatal) {
        ok = ReadEvent(obj, start, end_of, options_, &impl_->retype, &ev, &errors, &fatal);
      }
      if (fatal) {
        return std::string("the body is not valid JSON: ") + simdjson::error_message(fatal) +
               " (in event " + std::to_string(index) + ")";
      }
    }
    FillResult(ok, ev, &errors, &result);
    on_event(index++, ev, result);
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return "the body is not valid JSON: unexpected content after the array";
  }
  return index == 0 ? "the body holds no events" : "";
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) ++pos;
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    s[static_cast<size_t>(pos++)] = kHex[(word >> shift) & 15];
  }
  return s;
}

}  // namespace readside::event
