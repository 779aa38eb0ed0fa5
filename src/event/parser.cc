// EventParser: one event through the tape fast path, falling back to the On-Demand reference
// (see parser.h), and the stored form of an accepted event. The rules themselves are in
// envelope_reader.cc and payload.cc; request bodies are split in parser_body.cc.

#include "event/parser.h"

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "event/envelope_reader.h"
#include "event/json_walk.h"
#include "event/minify.h"
#include "event/parser_impl.h"
#include "event/payload.h"
#include "event/uuid.h"

namespace readside::event {

namespace od = internal::od;
using internal::PathNode;
using internal::WalkContext;

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
  internal::ResetPayload(ev);
  WalkContext ctx{errors, options.max_depth, options.stored_input};
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
  internal::ResetEvent(ev);
  WalkContext ctx{errors, options.max_depth, options.stored_input};
  ctx.own_events = options.own_events;
  bool ok = internal::ReadEnvelope<J>(obj, ev, ctx, needs_typing);
  *fatal = ctx.fatal;
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
