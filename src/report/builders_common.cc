#include "report/builders.h"

namespace readside::report::internal {

using projection::Granularity;
using projection::Period;

std::vector<Period> TrendMonths(const Period& p) {
  Period last = projection::PeriodContaining(Granularity::kMonth, p.end_day - 1);
  std::vector<Period> months(12);
  months[11] = last;
  for (int i = 10; i >= 0; --i) months[i] = projection::PrevPeriod(months[i + 1]);
  return months;
}

Section MonthlyTrend(std::string id, std::string title, const Period& p,
                     const std::vector<TrendSeries>& series, std::string chart) {
  Section s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.kind = SectionKind::kChart;
  s.chart = std::move(chart);
  std::vector<Period> months = TrendMonths(p);
  for (const TrendSeries& ts : series) {
    ChartSeries cs;
    cs.name = ts.name;
    for (const Period& m : months) cs.points.push_back({projection::FormatPeriod(m), ts.value(m)});
    s.series.push_back(std::move(cs));
  }
  return s;
}

int64_t Flow(const projection::DaySeries& s, const Period& p) {
  return s.Range(p.first_day, p.end_day);
}

int64_t StockAtEnd(const projection::DaySeries& s, const Period& p) {
  return s.PrefixBefore(p.end_day);
}

}  // namespace readside::report::internal
