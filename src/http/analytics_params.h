#pragma once
// Query parameters shared by the analytics routes: `period`, `as_of`, `min_position`,
// `wait_ms`, and the series parameters. Each parser names the parameter it rejects.
// Thread-safety: pure functions.

#include "ingest/external.h"
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/problem.h"
#include "http/request.h"
#include "projection/period.h"
#include "query/widget_data.h"

namespace readside::http {

// A 400 problem about one query parameter.
Problem BadParameter(std::string_view field, std::string_view message);

// Rejects any query parameter not in `allowed`. Where min_position is allowed, so is
// min_offsets (its Kafka form).
std::optional<Problem> CheckKnownParameters(const Request& req,
                                            std::initializer_list<std::string_view> allowed);

struct ReadConsistency {
  uint64_t min_position = 0;
  // With Kafka on: wait until these offsets of the topic POST /events publishes to are
  // stored (and then applied) — read-your-writes across nodes (operations.md).
  ingest::PartitionOffsets min_offsets;
  std::chrono::milliseconds wait{2000};
};
// min_position (integer ≥ 0), min_offsets (partition:offset,…), wait_ms (0..30000, default
// 2000).
std::optional<Problem> ParseConsistency(const Request& req, ReadConsistency* out);

// period (default: the current month of `calendar` at now_micros).
std::optional<Problem> ParsePeriodParam(const Request& req, projection::LocalCalendar calendar,
                                        int64_t now_micros, projection::Period* out);
// as_of: RFC 3339, default now.
std::optional<Problem> ParseAsOf(const Request& req, int64_t now_micros, int64_t* out);

inline constexpr size_t kMaxSeriesPoints = query::kMaxSeriesPoints;
// granularity (default month), from/to (periods of any granularity; default: the 12 periods
// up to the current one) → the periods of the series.
std::optional<Problem> ParseSeriesPeriods(const Request& req, projection::LocalCalendar calendar,
                                          int64_t now_micros,
                                          std::vector<projection::Period>* out);

}  // namespace readside::http
