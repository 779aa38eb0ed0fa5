#pragma once
// The Analytics API's response bodies (../shared/spec/api.md "Analytics"), computed from one
// immutable TenantView: one domain section, the dashboard, series, live activity and data
// quality. HTTP-neutral: routes parse parameters and authorize, these functions only read.
// Thread-safety: pure functions of immutable inputs; safe from any thread.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "projection/tenant_view.h"
#include "query/metric_table.h"

namespace readside::query {

// Per-tenant counts the store keeps about input that never became events.
struct StoreCounts {
  uint64_t duplicates = 0;
  uint64_t conflicts = 0;
  uint64_t rejected = 0;
};

struct AnalyticsRequest {
  const projection::TenantView& view;
  projection::Period period;
  int64_t as_of_micros;  // invoices_overdue is the state at min(period end, as_of)
  bool stale;            // the read model lags the store (reported, not hidden)
  DomainMask readable = kAllDomains;  // metrics reading other domains are left out
  // While stale: how far behind (seconds, shown rounded up as `stale_seconds`).
  double stale_seconds = 0;
};

// {organization_id, period, period_start, period_end, <metrics…>, last_updated,
//  data_sources, stale}
std::string SectionBody(Section section, const AnalyticsRequest& request);
// The metrics of SectionBody alone, each as its JSON text, in the body's order (live updates
// compare them one by one).
struct MetricText {
  std::string_view name;  // static: the metric table's
  std::string json;
};
std::vector<MetricText> SectionMetricTexts(Section section, const AnalyticsRequest& request);
// {organization_id, period, period_start, period_end, <sections…>, data_quality}; only the
// sections in `sections` are included; data_quality only when `with_quality`.
std::string DashboardBody(const AnalyticsRequest& request, std::span<const Section> sections,
                          bool with_quality, const StoreCounts& counts);
std::string QualityBody(const projection::TenantView& view, const StoreCounts& counts);

// The wall-clock instant until which an answer computed at `now_micros` stays exact while no
// event is applied: only invoices_overdue evaluated "as of now" (no explicit as_of, period
// not over) moves with time, at the next overdue/paid instant. INT64_MAX when nothing moves.
int64_t AnswerValidUntil(const AnalyticsRequest& request, bool includes_finance,
                         bool as_of_given, int64_t now_micros);

// {organization_id, domain, metric, granularity, points: [{period, value}]}.
// REQUIRES: metric is a scalar metric of its section; periods from PeriodsBetween.
std::string SeriesBody(const projection::TenantView& view, const ScalarMetric& metric,
                       std::span<const projection::Period> periods, int64_t as_of_micros);

struct LiveRequest {
  const projection::TenantView& view;
  int64_t now_micros;
  uint64_t applied_position;
  uint64_t stored_position;
  std::span<const Section> sections;  // sections the caller may see
};
// Events per minute by domain over the last 60 minutes (by event timestamp), headline
// metrics of the current month, and the projection lag; domains outside `sections` are left
// out of both.
std::string LiveBody(const LiveRequest& request);

}  // namespace readside::query
