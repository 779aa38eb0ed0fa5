#include "http/analytics_params.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "common/time_util.h"
#include "query/widget_data.h"

namespace readside::http {
namespace {

bool ParseUint(const std::string& s, uint64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// An empty period parameter: ParsePeriod's own message (an absent one takes the default).
Problem EmptyPeriod(std::string_view field) {
  return BadParameter(field, std::string(projection::ParsePeriod("").status().message()));
}

}  // namespace

Problem BadParameter(std::string_view field, std::string_view message) {
  Problem p{.status = 400, .title = "Invalid query parameter"};
  p.detail = std::string(field) + " " + std::string(message);
  p.errors.push_back({std::string(field), std::string(message)});
  return p;
}

std::optional<Problem> CheckKnownParameters(const Request& req,
                                            std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : req.query) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end() &&
        !(key == "min_offsets" &&
          std::find(allowed.begin(), allowed.end(), "min_position") != allowed.end())) {
      return BadParameter(key, "is not a parameter of this route");
    }
  }
  return std::nullopt;
}

std::optional<Problem> ParseConsistency(const Request& req, ReadConsistency* out) {
  if (const std::string* v = req.Query("min_position")) {
    if (!ParseUint(*v, &out->min_position)) {
      return BadParameter("min_position", "must be a non-negative integer");
    }
  }
  if (const std::string* v = req.Query("min_offsets")) {
    absl::StatusOr<ingest::PartitionOffsets> offsets = ingest::ParsePartitionOffsets(*v);
    if (!offsets.ok()) return BadParameter("min_offsets", std::string(offsets.status().message()));
    out->min_offsets = std::move(*offsets);
  }
  if (const std::string* v = req.Query("wait_ms")) {
    uint64_t ms;
    if (!ParseUint(*v, &ms) || ms > 30'000) {
      return BadParameter("wait_ms", "must be an integer from 0 to 30000");
    }
    out->wait = std::chrono::milliseconds(ms);
  }
  return std::nullopt;
}

std::optional<Problem> ParsePeriodParam(const Request& req, projection::LocalCalendar calendar,
                                        int64_t now_micros, projection::Period* out) {
  const std::string* v = req.Query("period");
  if (v != nullptr && v->empty()) return EmptyPeriod("period");
  auto problem = query::ResolvePeriod("period", v ? *v : "", calendar, now_micros, out);
  if (problem) return BadParameter(problem->field, problem->message);
  return std::nullopt;
}

std::optional<Problem> ParseAsOf(const Request& req, int64_t now_micros, int64_t* out) {
  *out = now_micros;
  if (const std::string* v = req.Query("as_of")) {
    if (!ParseRfc3339(*v, out)) {
      return BadParameter("as_of", "must be an RFC 3339 date-time such as 2024-01-31T12:00:00Z");
    }
  }
  return std::nullopt;
}

std::optional<Problem> ParseSeriesPeriods(const Request& req, projection::LocalCalendar calendar,
                                          int64_t now_micros,
                                          std::vector<projection::Period>* out) {
  auto text = [&](std::string_view name) -> std::string_view {
    const std::string* v = req.Query(name);
    return v ? std::string_view(*v) : std::string_view();
  };
  for (std::string_view name : {"granularity", "from", "to"}) {
    const std::string* v = req.Query(name);
    if (v == nullptr || !v->empty()) continue;
    if (name == "granularity") {
      return BadParameter(name, "must be one of day, week, month, quarter, year");
    }
    return EmptyPeriod(name);
  }
  auto problem = query::ResolveSeriesPeriods(text("granularity"), text("from"), text("to"),
                                             calendar, now_micros, out);
  if (problem) return BadParameter(problem->field, problem->message);
  return std::nullopt;
}

}  // namespace readside::http
