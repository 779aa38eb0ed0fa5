#pragma once
// The envelope of the events readside writes about its own state (tenant settings today;
// report definitions, dashboards and schedules later). They carry the event contract's
// envelope (../shared/spec/events.md) with source_service "readside" and a type under
// "readside.", so the store, its indexes and replays treat them like any other event, and
// producers cannot forge them: ingest rejects every type under that prefix.
// Thread-safety: pure functions.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/json_writer.h"

namespace readside::own_state {

inline constexpr std::string_view kOwnEventTypePrefix = "readside.";

struct OwnEventHeader {
  std::string_view event_id;
  std::string_view event_type;  // under kOwnEventTypePrefix, e.g. "readside.tenant.configured"
  std::string_view organization_id;
  int64_t timestamp_micros = 0;
  std::string_view entity_id;
  std::string_view entity_type;  // "tenant"
  std::string_view action;       // "configured"
};

// The event's JSON: the envelope of `header`, version "1.0", and a payload object whose
// members `write_payload` writes (keys and values, between the object's braces).
std::string EncodeOwnEvent(const OwnEventHeader& header,
                           const std::function<void(JsonBuilder&)>& write_payload);

}  // namespace readside::own_state
