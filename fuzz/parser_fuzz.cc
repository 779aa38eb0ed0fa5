// libFuzzer target: the event parser must never crash, leak or misbehave on any bytes; an
// accepted event's normalized JSON must parse again to the same normalized JSON; and the tape
// fast path must give exactly the On-Demand reference's outcome (the same event, or the same
// errors).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "event/event_diff.h"
#include "event/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using readside::event::EventParser;
  using readside::event::ParserOptions;
  static EventParser parser(ParserOptions{.assign_missing_event_id = false});
  static EventParser reference(ParserOptions{.assign_missing_event_id = false, .tape = false});
  static EventParser reparser(ParserOptions{.assign_missing_event_id = false});
  std::string_view input(reinterpret_cast<const char*>(data), size);
  readside::event::Event event, ref, again;
  std::vector<readside::event::FieldError> errors, ref_errors;
  bool ok = parser.ParseOne(input, &event, &errors);
  bool ref_ok = reference.ParseOne(input, &ref, &ref_errors);
  if (ok != ref_ok) {
    std::fprintf(stderr, "tape %d, reference %d\n", ok, ref_ok);
    std::abort();
  }
  if (ok) {
    std::string diff = readside::event::EventDiff(event, ref);
    if (!diff.empty()) {
      std::fprintf(stderr, "tape and reference differ: %s\n", diff.c_str());
      std::abort();
    }
    if (!reparser.ParseOne(event.json, &again, &errors) || again.json != event.json) std::abort();
  } else {
    bool same = errors.size() == ref_errors.size();
    for (size_t i = 0; same && i < errors.size(); ++i) {
      same = errors[i].field == ref_errors[i].field && errors[i].message == ref_errors[i].message;
    }
    if (!same) {
      for (const auto& e : errors)
        std::fprintf(stderr, "tape: %s: %s\n", e.field.c_str(), e.message.c_str());
      for (const auto& e : ref_errors)
        std::fprintf(stderr, "reference: %s: %s\n", e.field.c_str(), e.message.c_str());
      std::abort();
    }
  }
  // The body paths too, both formats.
  parser.ParseBody(input, readside::event::BodyFormat::kNdjson,
                   [](size_t, readside::event::Event&, const readside::event::ItemResult&) {});
  parser.ParseBody(input, readside::event::BodyFormat::kJson,
                   [](size_t, readside::event::Event&, const readside::event::ItemResult&) {});
  return 0;
}
