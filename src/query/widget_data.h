#pragma once
// A dashboard widget's data (../shared/spec/dashboards.md): the `cached_data` of a metric,
// chart, table or list widget, computed from one TenantView with the metric table the
// Analytics API uses (metric_table.h) and the same period rules (ResolvePeriod,
// ResolveSeriesPeriods, which /analytics/* also call). So a widget's numbers are the API's
// numbers for the same metric and parameters, not a copy:
//   metric  {"period", "value"}                       = /analytics/<domain>'s member
//   chart   {"granularity", "points": [{period, value}]} = /analytics/series's points
//   table   {"period", "rows": [{key, value} | row…]}   = the breakdown's members, in its order
//           (over a numeric metric: {"granularity", "rows": [{period, value}]}, the series)
//   list    {"period", "rows": [...]}: a breakdown's first `limit` rows, largest value first
// Thread-safety: pure functions of immutable inputs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/problem.h"
#include "projection/period.h"
#include "projection/tenant_view.h"
#include "query/metric_table.h"

namespace readside::query {

// A metric a widget may show: one of the table's numeric or breakdown metrics.
struct WidgetMetric {
  const ScalarMetric* scalar = nullptr;
  const BreakdownMetric* breakdown = nullptr;
  DomainMask sources = 0;  // the domains it reads (a viewer needs all of them)
};
std::optional<WidgetMetric> FindWidgetMetric(Section section, std::string_view name);
// "a, b, c": the metric names of `section` usable by a widget of `type`.
std::string WidgetMetricNames(Section section, std::string_view type);

// `text` as a period (any granularity); empty: the current month of `calendar` at
// `now_micros`. The field named in a failure is `field`.
std::optional<ProblemField> ResolvePeriod(std::string_view field, std::string_view text,
                                          projection::LocalCalendar calendar, int64_t now_micros,
                                          projection::Period* out);

inline constexpr size_t kMaxSeriesPoints = 1000;
// The periods of a series: `granularity` (empty: month) from `from` to `to` (periods of any
// granularity; empty `to`: the current period; empty `from`: 12 points up to `to`), at most
// kMaxSeriesPoints. Failures name granularity, from or to.
std::optional<ProblemField> ResolveSeriesPeriods(std::string_view granularity,
                                                 std::string_view from, std::string_view to,
                                                 projection::LocalCalendar calendar,
                                                 int64_t now_micros,
                                                 std::vector<projection::Period>* out);

inline constexpr int kDefaultRows = 10;
inline constexpr int kMaxRows = 100;

struct WidgetDataRequest {
  const projection::TenantView& view;
  std::string_view type;  // metric | chart | table | list
  WidgetMetric metric;
  projection::Period period;                  // metric, table over a breakdown, list
  std::vector<projection::Period> series;     // chart, table over a numeric metric
  int limit = 0;                              // rows (0: kDefaultRows for lists, all for tables)
  int64_t as_of_micros = 0;
};
// Writes the widget's cached_data object.
void WriteWidgetData(const WidgetDataRequest& r, JsonBuilder& out);

}  // namespace readside::query
