#include "event/parser.h"

#include <algorithm>
#include <array>
#include <cstring>
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

namespace {

// Character classes of the envelope's identifiers, one table lookup per byte.
enum CharClass : uint8_t { kLowerOrDigit = 1, kHyphen = 2, kUnderscore = 4, kDot = 8 };
constexpr std::array<uint8_t, 256> kCharClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = kLowerOrDigit;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = kLowerOrDigit;
  t['-'] = kHyphen;
  t['_'] = kUnderscore;
  t['.'] = kDot;
  return t;
}();

inline uint8_t ClassOf(char c) { return kCharClass[static_cast<unsigned char>(c)]; }

}  // namespace

bool IsValidOrganizationId(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if ((ClassOf(c) & (kLowerOrDigit | kHyphen)) == 0) return false;
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
  // Eight bytes at a time: a byte b < 0x20 sets its high bit in (b - 0x20) & ~b.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  uint64_t found = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    found |= (w - 0x20 * kOnes) & ~w & (0x80 * kOnes);
  }
  for (; i < s.size(); ++i) found |= static_cast<unsigned char>(s[i]) < 0x20;
  return found != 0;
}

// event_type: dot-separated segments of [a-z0-9_], at least two, ≤ 128 chars.
bool IsEventTypeName(std::string_view s) {
  if (s.empty() || s.size() > 128 || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  uint8_t prev = 0;
  for (char c : s) {
    uint8_t cls = ClassOf(c);
    if (cls == kDot) {
      if (prev == kDot) return false;
      ++dots;
    } else if ((cls & (kLowerOrDigit | kUnderscore)) == 0) {
      return false;
    }
    prev = cls;
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
  // its type's rules and must be read again (ReadEvent does, from the stored text).
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
      if (ev_->event_id.empty() || ev_->event_id.size() > 128 || HasControlChars(ev_->event_id)) {
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
      if (ev_->event_type.starts_with("readside.")) {
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
      if (!ParseRfc3339(text, &ev_->timestamp_micros)) {
        ctx_.Error(path, "must be an RFC 3339 date-time with Z or an offset");
        return false;
      }
      return true;
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
    return internal::ValidateAny<J>(v, 1, path, ctx_);
  }

  bool ReadDataField(std::string_view key, Value& v, const PathNode& path) {
    if (key == "entity_id") {
      seen_ |= kEntityId;
      if (!ReadString<J>(v, path, &ev_->entity_id, ctx_)) return false;
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
      return internal::ReadPayload<J>(v, type_, path, 3, ev_, ctx_);
    }
    if (key == "metadata") {
      od::json_type type;
      if (auto e = J::Type(v, &type)) return ctx_.Fail(e, path);
      if (type != od::json_type::object && type != od::json_type::null) {
        ctx_.Error(path, "must be an object");
        return false;
      }
    }
    return internal::ValidateAny<J>(v, 2, path, ctx_);
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
  od::parser retype;                    // for the rare event whose event_type follows its data
  od::parser body_parser;               // splits JSON array bodies into events
  simdjson::dom::parser dom;            // the tape fast path
  simdjson::padded_string buffer;       // a padded copy of the event, reused
  simdjson::padded_string body_buffer;  // a padded copy of an array body, reused

  simdjson::padded_string_view Pad(std::string_view in) { return PadInto(in, &buffer); }
  simdjson::padded_string_view PadBody(std::string_view in) { return PadInto(in, &body_buffer); }

  // The padding is zeroed each time: On-Demand may look at the byte after a broken document,
  // and what an earlier input left there must not change the outcome.
  static simdjson::padded_string_view PadInto(std::string_view in, simdjson::padded_string* buf) {
    if (buf->data() == nullptr || buf->size() < in.size()) {
      *buf = simdjson::padded_string(std::max<size_t>(64, in.size() + in.size() / 2));
    }
    std::memcpy(buf->data(), in.data(), in.size());
    std::memset(buf->data() + in.size(), 0, simdjson::SIMDJSON_PADDING);
    return simdjson::padded_string_view(buf->data(), in.size(),
                                        buf->size() + simdjson::SIMDJSON_PADDING);
  }
};

EventParser::EventParser(ParserOptions options)
    : options_(options), impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;

namespace {

// Inputs up to this size try the tape first (its buffers grow to the largest input seen).
constexpr size_t kTapeMaxBytes = 1 << 20;

// Reads data.payload of `ev->json` again with the rules of `spec` (the rare event whose
// event_type follows its data), using `parser` (not the one iterating the body).
bool RetypePayload(od::parser* parser, const TypeSpec& spec, const ParserOptions& options,
                   Event* ev, std::vector<FieldError>* errors) {
  simdjson::padded_string padded(ev->json);
  od::document doc;
  od::value payload;
  if (parser->iterate(padded).get(doc) ||
      doc.find_field_unordered("data").find_field_unordered("payload").get(payload)) {
    errors->push_back({"data.payload", "could not be read again"});
    return false;
  }
  ResetPayload(ev);
  WalkContext ctx{errors, options.max_depth};
  PathNode root;
  PathNode data = root.Child("data");
  PathNode path = data.Child("payload");
  return internal::ReadPayload<internal::OdJson>(payload, &spec, path, 3, ev, ctx) &&
         errors->empty();
}

// Validates one event object with reader J. Returns false if it was rejected (errors filled)
// or its JSON structure broke (*fatal set).
template <typename J>
bool ValidateEvent(typename J::Value obj, const ParserOptions& options, Event* ev,
                   std::vector<FieldError>* errors, simdjson::error_code* fatal,
                   bool* needs_typing) {
  ResetEvent(ev);
  WalkContext ctx{errors, options.max_depth};
  EnvelopeReader<J> reader(ev, ctx);
  bool ok = reader.Read(obj);
  *fatal = ctx.fatal;
  *needs_typing = reader.payload_needs_typing();
  if (!ok || ctx.fatal) {
    if (errors->empty()) errors->push_back({"", "is not valid JSON"});
    return false;
  }
  return true;
}

// Finishes a validated event: stores the producer's own text `raw` (the event object),
// minified, with unknown fields and key order kept and event_id added when missing, and
// checks the size limit.
// `shape` is raw's when known (else nullptr).
bool FinishEvent(std::string_view raw, const TextShape* shape, bool needs_typing,
                 const ParserOptions& options, od::parser* retype_parser, Event* ev,
                 std::vector<FieldError>* errors) {
  if (!options.keep_json && !needs_typing) {
    ev->json.clear();  // a replay of stored (already normalized) text needs no copy
    return true;
  }
  if (shape != nullptr) {
    MinifyValidated(raw, *shape, &ev->json);
  } else {
    MinifyValidated(raw, &ev->json);
  }
  if (needs_typing && !RetypePayload(retype_parser, GetTypeSpec(ev->type), options, ev, errors)) {
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

// The event object's text: from the first '{' to the last '}'.
std::string_view ObjectText(std::string_view json) {
  size_t start = json.find('{');
  size_t end = json.rfind('}');
  if (start == std::string_view::npos || end == std::string_view::npos || end < start) return {};
  return json.substr(start, end + 1 - start);
}

// The tape fast path: true when it accepted the event (filled like the reference would);
// false when the reference must decide (errors and event are then meaningless).
bool ParseWithTape(simdjson::dom::parser* dom, simdjson::padded_string_view padded,
                   const ParserOptions& options, Event* ev, std::vector<FieldError>* errors) {
  std::string_view json(padded.data(), padded.length());
  if (json.size() > kTapeMaxBytes) return false;
  std::string_view raw = ObjectText(json);
  // Without a stored form to write (replays), only the backslash matters.
  TextShape shape;
  if (options.keep_json) {
    shape = ScanTextShape(raw);
  } else {
    shape.has_backslash = std::memchr(raw.data(), '\\', raw.size()) != nullptr;
  }
  if (shape.has_backslash) return false;
  if (dom->parse(reinterpret_cast<const uint8_t*>(json.data()), json.size(),
                 /*realloc_if_needed=*/false)
          .error()) {
    return false;
  }
  internal::TapeDoc doc(*dom, json);
  if (doc.tag(1) != '{') return false;
  simdjson::error_code fatal;
  bool needs_typing;
  if (!ValidateEvent<internal::TapeJson>({&doc, 1}, options, ev, errors, &fatal, &needs_typing) ||
      needs_typing) {
    return false;
  }
  return FinishEvent(raw, &shape, false, options, nullptr, ev, errors);
}

// The reference: On-Demand over the whole input. On a broken JSON structure, the one error
// says "is not valid JSON: …".
bool ParseWithOnDemand(od::parser* parser, od::parser* retype, simdjson::padded_string_view padded,
                       const ParserOptions& options, Event* ev, std::vector<FieldError>* errors) {
  std::string_view json(padded.data(), padded.length());
  auto not_json = [errors](simdjson::error_code e) {
    errors->clear();
    errors->push_back({"", std::string("is not valid JSON: ") + simdjson::error_message(e)});
    return false;
  };
  od::document doc;
  if (auto e = parser->iterate(padded).get(doc)) return not_json(e);
  od::json_type type;
  if (auto e = doc.type().get(type)) return not_json(e);
  if (type != od::json_type::object) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  od::value root;
  if (auto e = doc.get_value().get(root)) return not_json(e);
  simdjson::error_code fatal;
  bool needs_typing;
  if (!ValidateEvent<internal::OdJson>(root, options, ev, errors, &fatal, &needs_typing)) {
    if (fatal) return not_json(fatal);
    return false;
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    errors->push_back({"", "is not valid JSON: unexpected content after the event"});
    return false;
  }
  return FinishEvent(ObjectText(json), nullptr, needs_typing, options, retype, ev, errors);
}

}  // namespace

bool EventParser::ParseOne(std::string_view json, Event* event, std::vector<FieldError>* errors) {
  return Parse(json, 0, event, errors);
}

bool EventParser::Parse(std::string_view json, size_t readable_after, Event* event,
                        std::vector<FieldError>* errors) {
  errors->clear();
  simdjson::padded_string_view padded;
  bool copied = false;  // padded is our zero-padded copy
  if (options_.tape) {
    // The DOM parser reads, and ignores, up to SIMDJSON_PADDING bytes past the end.
    if (readable_after >= simdjson::SIMDJSON_PADDING) {
      padded = simdjson::padded_string_view(json.data(), json.size(), json.size() + readable_after);
    } else {
      padded = impl_->Pad(json);
      copied = true;
    }
    if (ParseWithTape(&impl_->dom, padded, options_, event, errors)) {
      ++tape_accepted_;
      return true;
    }
    errors->clear();
  }
  // On-Demand always reads a zero-padded copy (see PadInto).
  if (!copied) padded = impl_->Pad(json);
  return ParseWithOnDemand(&impl_->parser, &impl_->retype, padded, options_, event, errors);
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

// True when ParseOne rejected an event because its JSON text is broken (not for a rule).
bool IsBrokenJson(const std::vector<FieldError>& errors) {
  return errors.size() == 1 && errors[0].field.empty() &&
         errors[0].message.starts_with("is not valid JSON");
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
      // The rest of the body after a line lets the tape path parse the line in place.
      size_t after = static_cast<size_t>(body.data() + body.size() - (line.data() + line.size()));
      bool ok = Parse(line, after, &ev, &errors);
      FillResult(ok, ev, &errors, &result);
      on_event(index++, ev, result);
    }
    return index == 0 ? "the body holds no events" : "";
  }
  std::string_view trimmed = TrimSpace(body);
  if (trimmed.empty()) return "the body is empty";
  if (trimmed.front() == '{') {
    bool ok = ParseOne(trimmed, &ev, &errors);
    if (!ok && IsBrokenJson(errors)) return "the body " + errors[0].message;
    FillResult(ok, ev, &errors, &result);
    on_event(0, ev, result);
    return "";
  }
  if (trimmed.front() != '[') {
    return "the body must be a JSON object or an array of objects (or NDJSON sent as "
           "application/x-ndjson)";
  }
  // The array is only split here (each element's extent); each element is then parsed on
  // its own, as one event.
  od::document doc;
  od::array arr;
  auto broken = [](simdjson::error_code e) {
    return std::string("the body is not valid JSON: ") + simdjson::error_message(e);
  };
  if (auto e = impl_->body_parser.iterate(impl_->PadBody(trimmed)).get(doc)) return broken(e);
  if (auto e = doc.get_array().get(arr)) return broken(e);
  size_t index = 0;
  for (auto element : arr) {
    od::value v;
    if (auto e = std::move(element).get(v)) return broken(e);
    if (index >= options_.max_batch_events) return too_many;
    od::json_type type;
    if (auto e = v.type().get(type)) return broken(e);
    bool ok = false;
    errors.clear();
    if (type != od::json_type::object) {
      ResetEvent(&ev);
      errors.push_back({"", "must be a JSON object"});
    } else {
      od::object obj;
      std::string_view raw;
      if (auto e = v.get_object().get(obj)) return broken(e);
      if (auto e = obj.raw_json().get(raw)) return broken(e);
      // The element lies in the padded copy of the body: the tape path reads it in place.
      const char* body_end = impl_->body_buffer.data() + impl_->body_buffer.size();
      ok = Parse(
          raw,
          static_cast<size_t>(body_end - (raw.data() + raw.size())) + simdjson::SIMDJSON_PADDING,
          &ev, &errors);
      if (!ok && IsBrokenJson(errors)) {
        return "the body " + errors[0].message + " (in event " + std::to_string(index) + ")";
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
  // Seeded with 256 bits: one 32-bit seed per thread would make two threads (or processes)
  // that drew the same seed produce the same ids.
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
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
