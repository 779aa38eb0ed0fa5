#include "http/analytics_params.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "common/time_util.h"

namespace readside::http {
namespace {

bool ParseUint(const std::string& s, uint64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::optional<Problem> ParsePeriodText(std::string_view field, const std::string& text,
                                       projection::Period* out) {
  absl::StatusOr<projection::Period> p = projection::ParsePeriod(text);
  if (!p.ok()) return BadParameter(field, std::string(p.status().message()));
  *out = *p;
  return std::nullopt;
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
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
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
  if (const std::string* v = req.Query("period")) return ParsePeriodText("period", *v, out);
  *out = projection::PeriodContaining(projection::Granularity::kMonth,
                                      calendar.DayOf(now_micros));
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
  projection::Granularity g = projection::Granularity::kMonth;
  if (const std::string* v = req.Query("granularity")) {
    if (!projection::ParseGranularity(*v, &g)) {
      return BadParameter("granularity", "must be one of day, week, month, quarter, year");
    }
  }
  projection::Period to = projection::PeriodContaining(g, calendar.DayOf(now_micros));
  if (const std::string* v = req.Query("to")) {
    if (auto problem = ParsePeriodText("to", *v, &to)) return problem;
  }
  // The last point is the period of `granularity` holding the last day of `to`; by default
  // the series has 12 points.
  projection::Period from = projection::PeriodContaining(g, to.end_day - 1);
  for (int i = 0; i < 11; ++i) from = projection::PrevPeriod(from);
  if (const std::string* v = req.Query("from")) {
    if (auto problem = ParsePeriodText("from", *v, &from)) return problem;
  }
  if (from.first_day >= to.end_day) return BadParameter("from", "must not be after to");
  absl::StatusOr<std::vector<projection::Period>> periods =
      projection::PeriodsBetween(g, from.first_day, to.end_day - 1, kMaxSeriesPoints);
  if (!periods.ok()) {
    return BadParameter("from", "to " + std::string(periods.status().message()) +
                                    " (at most " + std::to_string(kMaxSeriesPoints) +
                                    " points; choose a coarser granularity or a shorter range)");
  }
  *out = *std::move(periods);
  return std::nullopt;
}

}  // namespace readside::http
