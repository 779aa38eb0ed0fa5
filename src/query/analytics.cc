#include "query/analytics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace readside::query {
namespace {

using projection::DomainInfo;
using projection::TenantView;

// `stale`, and while stale how far behind in whole seconds (rounded up: never under-reports).
void WriteStale(const AnalyticsRequest& r, JsonBuilder& out) {
  out.Key("stale").Bool(r.stale);
  if (r.stale) out.Key("stale_seconds").Int(static_cast<int64_t>(std::ceil(r.stale_seconds)));
}

void WriteHeader(const AnalyticsRequest& r, JsonBuilder& out) {
  projection::LocalCalendar calendar = r.view.calendar;
  out.Key("organization_id").String(r.view.settings.organization_id);
  out.Key("period").String(projection::FormatPeriod(r.period));
  out.Key("period_start").String(calendar.FormatInstant(calendar.StartOf(r.period.first_day)));
  out.Key("period_end").String(calendar.FormatInstant(calendar.StartOf(r.period.end_day)));
}

void WriteFreshness(Section s, const AnalyticsRequest& r, JsonBuilder& out) {
  int64_t last = 0;
  std::vector<std::string> sources;
  DomainMask shown = SectionSources(s) & r.readable;
  for (size_t d = 0; d < static_cast<size_t>(Section::kCross); ++d) {
    if ((shown & DomainBit(static_cast<Section>(d))) == 0) continue;
    const DomainInfo& info = r.view.domains[d];
    last = std::max(last, info.last_updated_micros);
    sources.insert(sources.end(), info.sources.begin(), info.sources.end());
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  out.Key("last_updated");
  if (last == 0) {
    out.Null();
  } else {
    out.String(FormatRfc3339(last));
  }
  out.Key("data_sources").BeginArray();
  for (const std::string& src : sources) out.String(src);
  out.EndArray();
  WriteStale(r, out);
}

// Calls write(name, data) for each metric of section `s` the request shows, in the body's
// order; write() writes the metric's value. The one iteration behind the section bodies and
// the live updates' metrics.
template <typename Write>
void ForEachSectionMetric(Section s, const AnalyticsRequest& r, Write write) {
  PeriodData data{r.view, r.period, r.as_of_micros};
  for (const ScalarMetric& m : ScalarMetrics()) {
    if (m.section != s || (SourcesOf(m) & ~r.readable) != 0) continue;
    write(m.name, [&](JsonBuilder& out) { m.compute(data).Write(out); });
  }
  for (const BreakdownMetric& m : BreakdownMetrics()) {
    if (m.section != s) continue;
    write(m.name, [&](JsonBuilder& out) { m.write(data, out); });
  }
}

void WriteSection(Section s, const AnalyticsRequest& r, JsonBuilder& out) {
  out.BeginObject();
  WriteHeader(r, out);
  ForEachSectionMetric(s, r, [&](std::string_view name, const auto& value) {
    out.Key(name);
    value(out);
  });
  WriteFreshness(s, r, out);
  out.EndObject();
}

void WriteQuality(const TenantView& view, const StoreCounts& counts, JsonBuilder& out) {
  const projection::QualityCounts& q = view.quality;
  out.BeginObject()
      .Key("events_total").Int(q.events_total)
      .Key("unknown_type").Int(q.unknown_type)
      .Key("orphans").Int(q.orphans)
      .Key("duplicates").Int(static_cast<int64_t>(counts.duplicates))
      .Key("conflicts").Int(static_cast<int64_t>(counts.conflicts))
      .Key("currency_mismatch").Int(q.currency_mismatch)
      .Key("unclassified_ledger_lines").Int(q.unclassified_ledger_lines)
      .Key("rejected").Int(static_cast<int64_t>(counts.rejected))
      .EndObject();
}

}  // namespace

std::string SectionBody(Section section, const AnalyticsRequest& request) {
  JsonBuilder out;
  out.str().reserve(2048);
  WriteSection(section, request, out);
  return out.Take();
}

std::vector<MetricText> SectionMetricTexts(Section section, const AnalyticsRequest& request) {
  std::vector<MetricText> out;
  ForEachSectionMetric(section, request, [&](std::string_view name, const auto& write) {
    JsonBuilder value;
    write(value);
    out.push_back({name, value.Take()});
  });
  return out;
}

std::string DashboardBody(const AnalyticsRequest& request, std::span<const Section> sections,
                          bool with_quality, const StoreCounts& counts) {
  JsonBuilder out;
  out.str().reserve(8192);
  out.BeginObject();
  WriteHeader(request, out);
  for (Section s : sections) {
    out.Key(SectionName(s));
    WriteSection(s, request, out);
  }
  if (with_quality) {
    out.Key("data_quality");
    WriteQuality(request.view, counts, out);
  }
  WriteStale(request, out);
  out.EndObject();
  return out.Take();
}

std::string QualityBody(const TenantView& view, const StoreCounts& counts) {
  JsonBuilder out;
  WriteQuality(view, counts, out);
  return out.Take();
}

int64_t AnswerValidUntil(const AnalyticsRequest& r, bool includes_finance, bool as_of_given,
                         int64_t now_micros) {
  constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
  if (!includes_finance || as_of_given) return kForever;
  projection::LocalCalendar calendar = r.view.calendar;
  int64_t end = calendar.StartOf(r.period.end_day);
  if (now_micros >= end) return kForever;  // evaluated at the period's end from now on
  const projection::DaySeries& overdue = r.view.Get(projection::S::kInvoicesOverdue);
  return std::min(end, overdue.NextInstantAfter(calendar.DayOf(now_micros), now_micros));
}

std::string SeriesBody(const TenantView& view, const ScalarMetric& metric,
                       std::span<const projection::Period> periods, int64_t as_of_micros) {
  JsonBuilder out;
  out.BeginObject();
  out.Key("organization_id").String(view.settings.organization_id);
  out.Key("domain").String(SectionName(metric.section));
  out.Key("metric").String(metric.name);
  if (!periods.empty()) {
    out.Key("granularity").String(projection::GranularityName(periods.front().granularity));
  }
  out.Key("points").BeginArray();
  for (const projection::Period& p : periods) {
    out.BeginObject().Key("period").String(projection::FormatPeriod(p)).Key("value");
    metric.compute(PeriodData{view, p, as_of_micros}).Write(out);
    out.EndObject();
  }
  out.EndArray();
  out.Key("position").Int(static_cast<int64_t>(view.position));
  out.EndObject();
  return out.Take();
}

std::string LiveBody(const LiveRequest& r) {
  constexpr std::string_view kDomains[] = {"crm", "hrm", "finance", "inventory", "projects",
                                           "other"};
  static constexpr std::pair<Section, std::string_view> kHeadlines[] = {
      {Section::kCrm, "pipeline_value"},   {Section::kHrm, "total_employees"},
      {Section::kFinance, "total_revenue"}, {Section::kFinance, "accounts_receivable"},
      {Section::kInventory, "units_on_hand"}, {Section::kProjects, "open_tasks"}};
  const projection::LiveActivity& live = r.view.live;
  int64_t now_minute = r.now_micros / 60'000'000;
  JsonBuilder out;
  out.BeginObject();
  out.Key("organization_id").String(r.view.settings.organization_id);
  out.Key("generated_at").String(FormatRfc3339(r.now_micros));
  out.Key("events_per_minute").BeginArray();
  for (int64_t minute = now_minute - 59; minute <= now_minute; ++minute) {
    size_t slot = static_cast<size_t>(((minute % 60) + 60) % 60);
    bool have = live.minute[slot] == minute;
    out.BeginObject().Key("minute").String(FormatRfc3339(minute * 60'000'000));
    for (size_t d = 0; d < std::size(kDomains); ++d) {
      if (d < static_cast<size_t>(Section::kCross) &&
          std::find(r.sections.begin(), r.sections.end(), static_cast<Section>(d)) ==
              r.sections.end()) {
        continue;  // a domain the caller may not read: not even its activity
      }
      out.Key(kDomains[d]).Int(have ? live.counts[slot][d] : 0);
    }
    out.EndObject();
  }
  out.EndArray();
  projection::LocalCalendar calendar = r.view.calendar;
  projection::Period month = projection::PeriodContaining(projection::Granularity::kMonth,
                                                          calendar.DayOf(r.now_micros));
  out.Key("period").String(projection::FormatPeriod(month));
  out.Key("headline").BeginObject();
  PeriodData data{r.view, month, r.now_micros};
  for (const auto& [section, name] : kHeadlines) {
    if (std::find(r.sections.begin(), r.sections.end(), section) == r.sections.end()) continue;
    out.Key(std::string(SectionName(section)) + "." + std::string(name));
    FindScalarMetric(section, name)->compute(data).Write(out);
  }
  out.EndObject();
  out.Key("projection").BeginObject()
      .Key("applied_position").Int(static_cast<int64_t>(r.applied_position))
      .Key("stored_position").Int(static_cast<int64_t>(r.stored_position))
      .Key("lag_events").Int(static_cast<int64_t>(r.stored_position - std::min(r.stored_position, r.applied_position)))
      .EndObject();
  out.EndObject();
  return out.Take();
}

}  // namespace readside::query
