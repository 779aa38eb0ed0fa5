// libFuzzer target: the period and query parameters of the analytics routes (period, as_of,
// granularity/from/to, min_position, min_offsets, wait_ms; http/analytics_params.h over
// query/widget_data.h and projection/period.h). The first byte picks a route, the rest is
// split at '\n' into `name=value` query parameters (a line without '=' is a name with an
// empty value). Each input is tried two ways:
//   - on the parsers directly, in UTC and in Europe/Berlin, with invariants: every problem is
//     a 400 naming a parameter the input holds; a parsed period is well-ordered and formats
//     back to itself; a period given as text is its canonical form (ParsePeriod requires an
//     exact match); a series is non-empty, at most kMaxSeriesPoints, ascending and contiguous,
//     ending with the period that holds `to`; an as_of formats and parses back to the same
//     instant;
//   - through the route over real read models (route_stack.h): every answer is 200 or a
//     problem+json 400 (or 503, "read model behind", when a min_position is asked for that
//     no event reached: min_position waits are bounded, wait_ms forced to 0).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time_util.h"
#include "http/analytics_params.h"
#include "projection/period.h"
#include "route_stack.h"

namespace {

using namespace readside;

constexpr int64_t kNow = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "params_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void CheckProblem(const std::optional<Problem>& p, const http::Request& req) {
  if (!p) return;
  if (p->status != 400 || p->errors.empty()) Fail("problem without a field", p->detail);
  const std::string& field = p->errors[0].field;
  // The field is a parameter of the request, or "from" (after to) in a series.
  if (req.Query(field) == nullptr && field != "from" && field != "period")
    Fail("problem names a parameter not given", field);
}

void CheckPeriod(const projection::Period& p, const char* what) {
  if (p.first_day >= p.end_day) Fail(what, "period is not well-ordered");
  std::string text = projection::FormatPeriod(p);
  absl::StatusOr<projection::Period> again = projection::ParsePeriod(text);
  if (!again.ok() || !(*again == p)) Fail(what, "period does not format back to itself: " + text);
}

// A period parameter given as text: what it parsed to formats as exactly that text.
void CheckCanonical(const http::Request& req, std::string_view name, const projection::Period& p) {
  const std::string* v = req.Query(name);
  if (v != nullptr && projection::FormatPeriod(p) != *v) Fail("period is not canonical", *v);
}

void CheckParsers(const http::Request& req, projection::LocalCalendar calendar) {
  http::ReadConsistency consistency;
  CheckProblem(http::ParseConsistency(req, &consistency), req);
  if (consistency.wait.count() < 0 || consistency.wait.count() > 30'000) Fail("wait_ms", "range");

  projection::Period period;
  std::optional<Problem> p = http::ParsePeriodParam(req, calendar, kNow, &period);
  CheckProblem(p, req);
  if (!p) {
    CheckPeriod(period, "period");
    CheckCanonical(req, "period", period);
  }

  int64_t as_of = 0;
  p = http::ParseAsOf(req, kNow, &as_of);
  CheckProblem(p, req);
  if (!p) {
    int64_t again = 0;
    std::string text = FormatRfc3339(as_of);
    if (!ParseRfc3339(text, &again) || again != as_of) Fail("as_of does not round-trip", text);
  }

  std::vector<projection::Period> series;
  p = http::ParseSeriesPeriods(req, calendar, kNow, &series);
  CheckProblem(p, req);
  if (!p) {
    if (series.empty() || series.size() > http::kMaxSeriesPoints) Fail("series", "size");
    for (size_t i = 0; i < series.size(); ++i) {
      CheckPeriod(series[i], "series point");
      if (i > 0 && !(projection::NextPeriod(series[i - 1]) == series[i])) {
        Fail("series", "not ascending and contiguous");
      }
    }
    if (const std::string* to = req.Query("to")) {
      absl::StatusOr<projection::Period> t = projection::ParsePeriod(*to);
      if (!t.ok() || series.back().first_day >= t->end_day || series.back().end_day < t->end_day)
        Fail("series does not end with the period holding `to`", *to);
    }
  }
}

constexpr std::string_view kRoutes[] = {
    "/analytics/dashboard/fuzz-a",
    "/analytics/crm/pipeline/fuzz-a",
    "/analytics/hrm/headcount/fuzz-a",
    "/analytics/finance/revenue/fuzz-a",
    "/analytics/inventory/turnover/fuzz-a",
    "/analytics/projects/utilization/fuzz-a",
    "/analytics/cross/fuzz-a",
    "/analytics/series/fuzz-a",
    "/analytics/metrics/live/fuzz-a",
    "/analytics/data-quality/fuzz-a",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto berlin = *projection::LocalCalendar::Create("Europe/Berlin");
  if (size < 1) return 0;
  http::Request req{.method = "GET", .path = std::string(kRoutes[data[0] % std::size(kRoutes)])};
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  fuzz::ParseQueryLines(rest, &req);
  CheckParsers(req, projection::LocalCalendar::Utc());
  CheckParsers(req, berlin);
  for (const auto& [name, value] : req.query) {
    absl::StatusOr<projection::Period> p = projection::ParsePeriod(value);
    if (p.ok()) {
      CheckPeriod(*p, "ParsePeriod");
      if (projection::FormatPeriod(*p) != value)
        Fail("ParsePeriod accepted a non-canonical text", value);
    }
  }

  bool waits = req.query.contains("min_position") || req.query.contains("min_offsets");
  if (waits) req.query["wait_ms"] = "0";
  http::Request sent = req;
  http::Response r = fuzz::TheRouteStack().Call(std::move(req));
  if (waits) {
    fuzz::CheckAnswer(sent, r, {200, 400, 503});
  } else {
    fuzz::CheckAnswer(sent, r, {200, 400});
  }
  return 0;
}
