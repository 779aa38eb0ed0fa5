#pragma once
// Every metric of ../shared/spec/metrics.md as a row of a table: its section, its name and a
// function computing it for one period of a TenantView. Scalar metrics (numbers) also serve
// /analytics/series; breakdowns ({key: value} maps, top lists) are written straight to JSON.
// Ratios are computed here, at query time, from the flows and stocks of the read model.
// Thread-safety: immutable tables; the functions only read the (immutable) view.

#include <cstdint>
#include <span>
#include <string_view>

#include "common/json_writer.h"
#include "projection/tenant_view.h"
#include "query/section.h"

namespace readside::query {


// One period of one tenant's view, with the helpers the metric definitions use.
struct PeriodData {
  const projection::TenantView& view;
  projection::Period period;
  int64_t as_of_micros;  // for invoices_overdue: the state at min(end, as_of)

  int64_t Flow(projection::S s) const {
    return view.Get(s).Range(period.first_day, period.end_day);
  }
  int64_t Start(projection::S s) const { return view.Get(s).PrefixBefore(period.first_day); }
  int64_t End(projection::S s) const { return view.Get(s).PrefixBefore(period.end_day); }
  double Average(projection::S s) const {
    return (static_cast<double>(Start(s)) + static_cast<double>(End(s))) / 2;
  }
  int64_t FlowIn(projection::S s, const projection::Period& p) const {
    return view.Get(s).Range(p.first_day, p.end_day);
  }
};

struct Value {
  enum Kind : uint8_t { kCount, kMoney, kNumber, kNull } kind = kNull;
  int64_t units = 0;  // kCount, kMoney (Money units)
  double number = 0;  // kNumber
  void Write(JsonBuilder& out) const;
};

struct ScalarMetric {
  Section section;
  std::string_view name;
  Value (*compute)(const PeriodData&);
  DomainMask sources = 0;  // the domains it reads; 0: its own section's domain
};
// The domains `metric` reads: a caller sees it only when it may read all of them
// (api.md: "cross-service metrics need all their source domains").
DomainMask SourcesOf(const ScalarMetric& metric);
// Whether a caller that may read `readable` sees anything of `section`: its domain, or for
// cross at least one cross metric.
bool SectionVisible(Section section, DomainMask readable);
struct BreakdownMetric {
  Section section;
  std::string_view name;
  void (*write)(const PeriodData&, JsonBuilder&);
};

std::span<const ScalarMetric> ScalarMetrics();
std::span<const BreakdownMetric> BreakdownMetrics();
// nullptr when `name` is not a scalar metric of `section`.
const ScalarMetric* FindScalarMetric(Section section, std::string_view name);

}  // namespace readside::query
