#pragma once
// Ingest: turns a request body (one event, a JSON array, or NDJSON) into durable events and
// the per-event answer of ../shared/spec/api.md (accepted, duplicates, conflicts, rejected,
// position). Parsing happens on the calling thread; the answer is produced after the store's
// group commit made the accepted events durable.
// Thread-safety: Ingest may be called concurrently from any number of threads.

#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/problem.h"
#include "event/parser.h"
#include "store/event_store.h"

namespace readside::ingest {

// The answer of POST /events: its JSON and the counts callers act on.
struct IngestAnswer {
  std::string json;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
};
// The answer, or why the request as a whole failed.
using IngestReply = std::variant<IngestAnswer, Problem>;

struct IngestCounters {
  Counter requests, accepted, duplicates, conflicts, rejected;
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
  void Ingest(std::string_view body, event::BodyFormat format,
              std::function<void(IngestReply)> done,
              const std::function<bool(std::string_view organization_id)>& may_write = {});

  // For sources with no caller to answer (the demo's simulator, later Kafka): each NDJSON
  // line stands alone, and a rejected line goes to the dead-letter store with its raw bytes,
  // the source and the reason, where it can be listed and re-submitted. `done` gets the
  // number of lines stored as dead letters, or the store's error.
  void IngestUnattended(std::string_view ndjson, std::string source,
                        std::function<void(absl::StatusOr<size_t>)> done);

  const IngestCounters& counters() const { return counters_; }
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  store::EventStore* store_;
  event::ParserOptions options_;
  const Clock* clock_;
  event::EventParser& Parser();

  IngestCounters counters_;
};

}  // namespace readside::ingest
