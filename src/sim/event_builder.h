// SimEvent (one generated event: its line, timestamp, entity and the entities it refers to)
// and EventBuilder, which writes the spec/events.md envelope around a payload that the
// domain simulators write through the returned JsonWriter.
//
// Thread-safety: not thread-safe; one builder per Generator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/event_catalog.h"
#include "sim/json_writer.h"
#include "sim/rng.h"

namespace readside::sim {

inline constexpr int kMaxRefs = 8;
// Pass as the user of End() when no employee acted (scheduled jobs).
inline constexpr int64_t kSystemUser = -1;

struct SimEvent {
  int64_t timestamp = 0;         // envelope timestamp in Unix micros, a whole millisecond
  uint64_t entity_key = 0;       // EntityKey of data.entity_id
  uint64_t refs[kMaxRefs] = {};  // EntityKeys of entities named in the payload
  int n_refs = 0;
  std::string line;  // the NDJSON line, no newline
};

class EventBuilder {
 public:
  // tenant_names are the organization ids, indexed by tenant number.
  EventBuilder(const std::vector<std::string>& tenant_names, Rng* rng);

  // Starts event `type` about entity `entity_num` of `tenant` at `timestamp` (ms-aligned) in
  // *ev: clears it, writes the envelope and opens data.payload. flow != 0 adds a
  // correlation_id derived from it. Returns the writer, positioned inside the payload.
  JsonWriter& Begin(SimEvent* ev, int tenant, EventType type, uint64_t entity_num,
                    int64_t timestamp, uint64_t flow);

  // Writes `"key":"<id of (kind, num)>"` into the payload and records the reference.
  void RefField(std::string_view key, EntityKind kind, uint64_t num);
  // Writes just the id string value (e.g. inside an array) and records the reference.
  void RefValue(EntityKind kind, uint64_t num);
  // Records a reference written in another form (account codes).
  void AddRef(EntityKind kind, uint64_t num);

  // Closes the payload, writes metadata (user_id = "emp-N", or "system" for kSystemUser)
  // and closes the event.
  void End(int64_t user_employee);

 private:
  Rng* rng_;
  SimEvent* ev_ = nullptr;
  int tenant_ = 0;
  JsonWriter writer_;
  // Precomputed envelope fragments: per (tenant, type) the part between event_id and
  // timestamp; per type the part after the timestamp and the part after the entity id.
  std::vector<std::string> type_org_fragments_;
  std::vector<std::string> service_fragments_;
  std::vector<std::string> entity_fragments_;
};

}  // namespace readside::sim
