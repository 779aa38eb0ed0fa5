#pragma once
// Internal to the event component: EventParser's state (simdjson's reusable parsers and
// padded buffers), shared by parser.cc (one event) and parser_body.cc (request bodies).
// Thread-safety: as EventParser, not thread-safe.

#include <algorithm>
#include <cstring>
#include <string_view>

#include "event/json_walk.h"
#include "event/parser.h"

namespace readside::event {

struct EventParser::Impl {
  internal::od::parser parser;
  internal::od::parser retype;          // for the rare event whose event_type follows its data
  internal::od::parser body_parser;     // splits JSON array bodies into events
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

}  // namespace readside::event
