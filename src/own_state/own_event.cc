#include "own_state/own_event.h"

#include "common/time_util.h"

namespace readside::own_state {

std::string EncodeOwnEvent(const OwnEventHeader& h,
                           const std::function<void(JsonBuilder&)>& write_payload) {
  JsonBuilder b;
  b.BeginObject().Key("event_id").String(h.event_id);
  b.Key("event_type").String(h.event_type).Key("organization_id").String(h.organization_id);
  b.Key("timestamp").String(FormatRfc3339(h.timestamp_micros)).Key("version").String("1.0");
  b.Key("source_service").String("readside").Key("data").BeginObject();
  b.Key("entity_id").String(h.entity_id).Key("entity_type").String(h.entity_type);
  b.Key("action").String(h.action).Key("payload").BeginObject();
  write_payload(b);
  b.EndObject().EndObject().EndObject();
  return b.Take();
}

}  // namespace readside::own_state
