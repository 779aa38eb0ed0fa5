#pragma once
// Parses and validates events against ../shared/spec/events.md in one pass over simdjson's DOM
// tape, or with simdjson On-Demand (the reference, which names the field of every rejection),
// then keeps the producer's text minified for the store. Every rejection names the field
// and the rule; nothing about a rejected event is half-filled in a way callers may use.
//
// Bodies: a single event, a JSON array of events, or NDJSON (one event per line). An event
// that breaks the contract is rejected on its own; a body whose JSON structure is broken
// beyond the event boundaries (an array with a syntax error) is rejected whole.
//
// Thread-safety: an EventParser is NOT thread-safe (it owns simdjson's reusable buffers);
// use one per thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event/envelope_rules.h"  // IsValidOrganizationId, for callers of the parser
#include "event/event.h"
#include "event/json_equal.h"  // JsonValueEqual, for callers of the parser
#include "event/uuid.h"        // NewUuid, for callers of the parser

namespace readside::event {

struct ParserOptions {
  // Largest accepted event, measured on its normalized (minified) JSON. Spec default 64 KiB.
  size_t max_event_bytes = 64 * 1024;
  // Deepest nesting of objects/arrays inside one event (the envelope itself is depth 1).
  int max_depth = 64;
  // Give events without event_id a fresh random UUID (ingest). Off when re-reading the store.
  bool assign_missing_event_id = true;
  // Fill Event::json with the normalized text (ingest stores it). Replays of stored events
  // turn it off: the stored text is already normalized, and the size limit was checked.
  bool keep_json = true;
  // Try simdjson's DOM tape first (json_walk.h), falling back to On-Demand whenever the tape
  // does not accept an event. Off only to test the reference path on its own.
  bool tape = true;
  // Largest accepted batch in events (spec default 10,000).
  size_t max_batch_events = 10'000;
  // The input is events the store already holds (replays, projections): also accept what
  // earlier versions accepted before a rule was tightened — money with more than 4 decimals
  // when the extra ones are zeros ("1.50000"), second 60 at any minute — so an acknowledged
  // event keeps its place in the read models. Ingest leaves it off.
  bool stored_input = false;
  // Accept event types under "readside." (readside's own events: dashboards, schedules,
  // tenant settings). Only for a source that only readside writes (Kafka's own-state topic);
  // ingest refuses them, so that producers cannot forge them.
  bool own_events = false;
};

// The outcome of one event of a batch.
struct ItemResult {
  bool ok = false;
  std::vector<FieldError> errors;  // when !ok
  // Best-effort envelope values of a rejected event, for reporting and per-tenant counts.
  std::string event_id;
  std::string organization_id;
};

enum class BodyFormat { kJson, kNdjson };

class EventParser {
 public:
  explicit EventParser(ParserOptions options = {});
  ~EventParser();
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // Parses one event from `json`. On success fills *event and returns true; otherwise fills
  // *errors (at least one) and returns false.
  bool ParseOne(std::string_view json, Event* event, std::vector<FieldError>* errors);

  // Parses a request body. For each event, in order, calls `on_event(index, event, result)`;
  // `event` is valid only when result.ok. Returns an empty string on success, or a message
  // describing why the body as a whole is unusable (syntax error between events, too many
  // events, empty body); in that case callers must discard every event already reported.
  // `body` must stay alive during the call.
  std::string ParseBody(std::string_view body, BodyFormat format,
                        const std::function<void(size_t, Event&, const ItemResult&)>& on_event);

  const ParserOptions& options() const { return options_; }

  // Events accepted by the tape fast path (the rest went to the On-Demand reference).
  uint64_t tape_accepted() const { return tape_accepted_; }

 private:
  struct Impl;
  // ParseOne of `json`, after which `readable_after` more bytes may be read.
  bool Parse(std::string_view json, size_t readable_after, Event* event,
             std::vector<FieldError>* errors);

  ParserOptions options_;
  std::unique_ptr<Impl> impl_;
  uint64_t tape_accepted_ = 0;
};

}  // namespace readside::event
