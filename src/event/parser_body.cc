// EventParser::ParseBody: splits a request body — one event object, a JSON array of events, or
// NDJSON — into events, each parsed on its own by EventParser::Parse (parser.cc). Only the
// array needs a JSON parser to find its elements' extents; each element is then read in place
// in the padded copy of the body.

#include <string>
#include <string_view>
#include <vector>

#include "event/envelope_reader.h"
#include "event/envelope_rules.h"
#include "event/parser.h"
#include "event/parser_impl.h"

namespace readside::event {

namespace od = internal::od;

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
      internal::ResetEvent(&ev);
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

}  // namespace readside::event
