#pragma once
// Ingest: turns a request body (one event, a JSON array, or NDJSON) into durable events and
// the per-event answer of ../shared/spec/api.md (accepted, duplicates, conflicts, rejected,
// position). Parsing happens on the calling thread; the answer is produced after the store's
// group commit made the accepted events durable.
// Thread-safety: Ingest may be called concurrently from any number of threads.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "trace/trace.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/problem.h"
#include "event/parser.h"
#include "ingest/external.h"
#include "store/event_store.h"

namespace readside::ingest {

// The answer of POST /events: its JSON and the counts callers act on.
struct IngestAnswer {
  std::string json;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  // With a bus on: the partitions and last offsets written ("0:17,3:5"), for the
  // X-Readside-Offsets header and min_offsets.
  std::string offsets;
};
// The answer, or why the request as a whole failed.
using IngestReply = std::variant<IngestAnswer, Problem>;

struct IngestCounters {
  Counter requests, accepted, duplicates, conflicts, rejected;
};

// One message of a bus (Kafka) as consumed.
struct SourceMessage {
  std::string_view value;    // the raw bytes (one JSON event)
  // Where it came from, kept with a dead letter as "<source>/<partition>/<offset>"
  // ("kafka:erp/3/1017").
  std::string_view source;
  int32_t partition = 0;
  int64_t offset = 0;
  bool own = false;          // from the own-state topic: readside.* event types allowed
  // The message's key, which the contract says is the organization_id (events.md); nullopt
  // when the source has none.
  std::optional<std::string_view> key;
};

class IngestService {
 public:
  IngestService(store::EventStore* store, event::ParserOptions options,
                const Clock* clock = &SystemClock::Get());

  // Parses and validates `body`, stores its valid events and calls `done` exactly once with
  // the answer (possibly on the store's writer thread: `done` must hand off quickly).
  // `body` is only read during this call. When `may_write` is given, a valid event whose
  // organization it refuses is rejected (field organization_id) and counted nowhere: the
  // caller may not write, or learn anything about, that tenant.
  // `parent` is the caller's span (tracing): the "ingest" span is its child.
  void Ingest(std::string_view body, event::BodyFormat format,
              std::function<void(IngestReply)> done,
              const std::function<bool(std::string_view organization_id)>& may_write = {},
              const trace::SpanContext& parent = {});

  // Spans of POST /events ("ingest"); unset: none. Set before serving.
  void SetTracer(trace::Tracer* tracer) { tracer_ = tracer; }

  // For sources with no caller to answer (the demo's simulator, later Kafka): each NDJSON
  // line stands alone, and a rejected line goes to the dead-letter store with its raw bytes,
  // the source and the reason, where it can be listed and re-submitted. `done` gets the
  // number of lines stored as dead letters, or the store's error.
  void IngestUnattended(std::string_view ndjson, std::string source,
                        std::function<void(absl::StatusOr<size_t>)> done);

  // With a bus on, POST /events validates and then publishes the accepted events there
  // instead of storing them (the node stores them by consuming). Set before serving.
  void SetPublisher(EventPublisher* publisher) { publisher_ = publisher; }

  // Back-pressure (docs/decisions.md, "HTTP ingest waits for the read models"): while
  // `behind()` answers more than `max_behind` stored events not yet applied to the read models,
  // Ingest answers 503 with Retry-After and reads nothing of the body, so that acknowledged
  // writes never outrun what the node applies. Not with a publisher (Kafka holds the backlog and
  // its consumer pauses), nor for IngestUnattended or bus messages. Set before serving.
  void SetBackPressure(uint64_t max_behind, std::function<uint64_t()> behind) {
    max_behind_ = max_behind;
    behind_ = std::move(behind);
  }

  // A consumed batch of a bus: each message stands alone; the valid ones are stored, the
  // others become dead letters with their coordinates and reason, and `offsets` are written
  // in the same durable write, so that a consumer seeking to them after any crash neither
  // loses nor re-applies a message. Blocks until durable; the store's error otherwise (then
  // nothing of the batch was written).
  absl::Status IngestMessages(std::span<const SourceMessage> messages,
                              std::vector<store::SourceOffset> offsets);
  // IngestMessages in two steps, so that a consumer parses its next batch while the store
  // writes the previous one: PrepareMessages parses and validates (the request owns copies of
  // what it keeps; the messages may go), StorePrepared stores and calls `done` once with the
  // store's answer (on the store's writer thread: hand off quickly).
  // `key_mismatches`, when given, receives the indexes of valid messages whose key is not their
  // organization_id (stored all the same: the read models do not depend on arrival order, but
  // a tenant spread over partitions has no single order across nodes).
  store::AppendRequest PrepareMessages(std::span<const SourceMessage> messages,
                                       std::vector<store::SourceOffset> offsets,
                                       std::vector<size_t>* key_mismatches = nullptr);
  void StorePrepared(store::AppendRequest request, std::function<void(absl::Status)> done);

  const IngestCounters& counters() const { return counters_; }
  const IngestCounters& bus_counters() const { return bus_counters_; }
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  store::EventStore* store_;
  event::ParserOptions options_;
  const Clock* clock_;
  event::EventParser& Parser();
  event::EventParser& OwnParser();  // own_events on

  EventPublisher* publisher_ = nullptr;
  trace::Tracer* tracer_ = nullptr;
  IngestCounters counters_;      // POST /events (and the demo's simulator)
  IngestCounters bus_counters_;  // consumed from the bus
  uint64_t max_behind_ = 0;
  std::function<uint64_t()> behind_;
  Counter refused_behind_;  // requests refused by back-pressure
};

}  // namespace readside::ingest
