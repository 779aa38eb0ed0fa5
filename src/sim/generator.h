// Generator: a seeded, deterministic simulator of a multi-tenant ERP's event stream (the
// command side's facts, spec/events.md) for demos, load tests and tests of readside.
//
// Each tenant is a coherent company: CRM leads convert into opportunities that are won or
// lost, won deals are invoiced and paid (or not), employees are hired, check in, take
// leave, are paid monthly and sometimes leave, orders consume stock that is reordered,
// projects log time against budgets, and every money movement is a balanced ledger
// transaction. On top of that stream the generator can add noise: late (out-of-order)
// events, exact re-sends, and invalid lines.
//
// The same options give byte-identical output on every platform (no wall clock, no
// implementation-defined distributions).
//
// Thread-safety: a Generator is not thread-safe; use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace readside::sim {

struct GeneratorOptions {
  uint64_t seed = 42;
  // Organization ids; the first is a large company, the next mid-sized, the others smaller.
  std::vector<std::string> tenants = {"acme-corp", "beta-inc", "gamma-llc"};
  // 2024-01-01T00:00:00Z: the first simulated instant (each tenant goes live then).
  int64_t start_unix_micros = 1704067200000000;
  // 0 = no end (stop by total_events); events at/after end are not produced.
  int64_t end_unix_micros = 0;
  // 0 = unlimited (stop by end); counts lines produced, incl. malformed/duplicates.
  uint64_t total_events = 0;
  // Simulated density: the mean simulated time between consecutive events across all
  // tenants is 1/events_per_second seconds. Business volume (leads, orders, invoices)
  // scales with it; headcount-bound activity (check-ins, hours, leave) does not.
  double events_per_second = 0.05;
  // Fraction of events emitted late: held back and emitted after some later events, never
  // after a later event of the same entity or one that references it.
  double out_of_order_fraction = 0;
  // Fraction of lines that are an exact re-send of a recent line (same event_id, same bytes).
  double duplicate_fraction = 0;
  // Fraction of lines that are invalid (broken JSON, missing required field, wrong type,
  // bad organization_id / timestamp / version, negative amount, unbalanced transaction...).
  double malformed_fraction = 0;
  // Out-of-order allowance: every line's timestamp is greater than the largest timestamp
  // emitted before it minus this (late events and duplicates stay within it).
  int64_t max_lateness_micros = int64_t{600} * 1000000;  // 10 minutes
};

class Generator {
 public:
  explicit Generator(GeneratorOptions options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Clears *line and writes the next NDJSON line into it (one JSON event, no trailing
  // newline), and sets *timestamp_micros to the event's envelope timestamp (for malformed
  // lines: the time it would have had). Returns false when the stream is finished
  // (total_events reached or end passed); then it leaves both outputs untouched.
  bool Next(std::string* line, int64_t* timestamp_micros);

  // Changes the simulated density from now on (the demo backfills history densely, then
  // streams live). Ignored unless eps > 0.
  void SetEventsPerSecond(double eps);

  // Moves the simulated clock forward to unix_micros if it is behind (the demo uses this
  // to keep simulated time = wall time). Events already generated but held back keep
  // their times.
  void AdvanceClockTo(int64_t unix_micros);

  // Lines returned by Next so far.
  uint64_t lines_produced() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace readside::sim
