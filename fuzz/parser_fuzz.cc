// libFuzzer target: the event parser must never crash, leak or misbehave on any bytes, and an
// accepted event's normalized JSON must parse again to the same normalized JSON.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "event/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static readside::event::EventParser parser;
  static readside::event::EventParser reparser(
      readside::event::ParserOptions{.assign_missing_event_id = false});
  std::string_view input(reinterpret_cast<const char*>(data), size);
  readside::event::Event event, again;
  std::vector<readside::event::FieldError> errors;
  if (parser.ParseOne(input, &event, &errors)) {
    if (!reparser.ParseOne(event.json, &again, &errors) || again.json != event.json) std::abort();
  }
  // The body paths too, both formats.
  parser.ParseBody(input, readside::event::BodyFormat::kNdjson,
                   [](size_t, readside::event::Event&, const readside::event::ItemResult&) {});
  parser.ParseBody(input, readside::event::BodyFormat::kJson,
                   [](size_t, readside::event::Event&, const readside::event::ItemResult&) {});
  return 0;
}
