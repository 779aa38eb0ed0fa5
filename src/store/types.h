#pragma once
// The value types the store's parts share (the event store, its codec and its index writer):
// events going in, stored events and queries coming out, counts and dead letters.
// Thread-safety: value types.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trace/trace_context.h"

namespace readside::store {

// One validated event ready to be stored (built by ingest from event::Event).
struct EventToStore {
  std::string organization_id;
  std::string event_id;
  bool event_id_assigned = false;  // server-made UUID: no earlier event can share it
  std::string entity_id;
  std::string event_type;
  int64_t timestamp_micros = 0;
  std::string json;  // normalized event JSON (includes event_id)
};

// How far a source (a Kafka topic) has been consumed: the next offset of one partition.
struct SourceOffset {
  std::string source;  // "kafka:<topic>"
  int32_t partition = 0;
  int64_t next_offset = 0;  // the offset of the first message not yet stored
};

struct DeadLetter {
  uint64_t id = 0;
  int64_t received_micros = 0;
  std::string source;  // "kafka:topic/partition/offset", "file:…"
  std::string reason;
  std::string raw;     // the bytes as received (may be invalid UTF-8)
};

struct AppendRequest {
  std::vector<EventToStore> events;
  // Rejections attributable to a tenant, counted durably with the accepted events.
  std::vector<std::pair<std::string, uint64_t>> rejected_by_org;
  // Written in the same atomic, durable write as the events: the consumed position of each
  // partition these events came from (a consumer that seeks to them after a crash neither
  // loses nor re-applies a message), and the messages of the same batch that failed
  // validation (dead letters; their ids are assigned by the store).
  std::vector<SourceOffset> source_offsets;
  std::vector<DeadLetter> dead_letters;
  // The caller's span (tracing): the parent of the group commit's span, or linked from it.
  trace::SpanContext trace;
};

enum class Outcome : uint8_t { kAccepted, kDuplicate, kConflict };
struct AppendOutcome {
  Outcome outcome;
  uint64_t position;  // kAccepted: the new position; otherwise the original event's position
};

struct StoredEvent {
  uint64_t position = 0;
  std::string organization_id;
  std::string event_id;
  std::string entity_id;
  std::string event_type;
  int64_t timestamp_micros = 0;
  std::string json;
};

struct EventQuery {
  std::string organization_id;  // required
  std::string aggregate_id;     // optional: only events of this data.entity_id
  std::string event_type;       // optional
  int64_t from_micros = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_micros = std::numeric_limits<int64_t>::max();    // exclusive
  uint64_t after_position = 0;
  size_t limit = 100;
};

struct QueryPage {
  std::vector<StoredEvent> events;
  // The after_position of the following page; nullopt on the last page.
  std::optional<uint64_t> next;
};

struct TenantCounts {
  uint64_t rejected = 0;
  uint64_t duplicates = 0;
  uint64_t conflicts = 0;
};


}  // namespace readside::store
