#pragma once
// What makes a widget and a layout valid (../shared/spec/dashboards.md), and the templates.
//  - A widget body: widget_type (metric | chart | table | list), title, data_source (crm |
//    hrm | finance | inventory | projects | cross), query_params {metric, period | from + to +
//    granularity, limit}, refresh_interval (s), chart_type (line | bar | pie | donut, charts
//    only), grid {x, y, w, h}. A metric or chart shows a numeric metric; a table a breakdown
//    or a numeric metric over from/to; a list a breakdown. Wrong or unknown members → 400
//    naming the member (`query_params.metric`, …).
//  - A grid: 12 columns; x, y ≥ 0, w, h ≥ 1, x + w ≤ 12, y + h ≤ kMaxRows, h ≤ kMaxHeight; no
//    two widgets of a dashboard overlap. Violations → 422 naming the widget.
// Thread-safety: pure functions and immutable tables.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/problem.h"
#include "own_state/dashboard.h"
#include "projection/tenant_view.h"
#include "query/widget_data.h"

namespace readside::dashboard {

inline constexpr int kColumns = 12;
inline constexpr int kMaxRows = 1000;
inline constexpr int kMaxHeight = 24;
inline constexpr size_t kMaxWidgets = 50;
inline constexpr size_t kMaxTitleBytes = 200;
inline constexpr int kMinRefresh = 5, kMaxRefresh = 86'400;

// A 400 problem about one member of a request body.
Problem BadField(std::string_view field, std::string_view message);
// A 422 problem: the layout rules.
Problem BadLayout(std::string_view field, std::string_view message);

// The widget's metric resolved against the metric table, with its periods for `now`.
struct ResolvedWidget {
  query::WidgetMetric metric;
  query::Section section = query::Section::kCrm;
  projection::Period period;
  std::vector<projection::Period> series;
};
// Resolves `w` (already valid) for a computation at `now_micros` in `calendar`; a Problem when
// its stored parameters no longer resolve (never for a widget that passed ParseWidget).
std::variant<ResolvedWidget, Problem> ResolveWidget(const own_state::Widget& w,
                                                    projection::LocalCalendar calendar,
                                                    int64_t now_micros);

// Parses a widget body (POST: `base` is a fresh widget; PUT: the current widget, whose
// members the body's members replace; query_params is replaced whole). `dashboard_id` (POST
// only) is reported through `dashboard_id` when given. Checks the members and the metric
// (400), not the caller's domains or the grid's place on the dashboard.
std::variant<own_state::Widget, Problem> ParseWidget(std::string_view body, own_state::Widget base,
                                                     bool creating, std::string* dashboard_id,
                                                     projection::LocalCalendar calendar,
                                                     int64_t now_micros);

// The domains a widget reads (a viewer sees its data only with all of them).
query::DomainMask WidgetSources(const own_state::Widget& w);

// Checks `grid` against the grid's bounds; the problem names `field`.
std::optional<Problem> CheckGrid(const own_state::Grid& grid, std::string_view field);
// Checks every widget's grid and that no two overlap (422 naming the later widget).
std::optional<Problem> CheckLayout(std::span<const own_state::Widget> widgets);
// Checks that `w`'s grid is on the grid and overlaps no other widget of `widgets` (422
// naming `field`).
std::optional<Problem> CheckPlace(std::span<const own_state::Widget> widgets,
                                  const own_state::Widget& w, std::string_view field);
// The first free place (top to bottom, left to right) for a w × h widget among `widgets`.
own_state::Grid AutoPlace(std::span<const own_state::Widget> widgets, int w, int h);
// The default size of a widget type.
own_state::Grid DefaultSize(std::string_view type);

// Templates: executive, sales, finance, hr, operations.
struct Template {
  std::string_view name, title, description;
  std::vector<own_state::Widget> widgets;  // ids "<name>-<n>", valid, non-overlapping
};
std::span<const Template> Templates();
const Template* FindTemplate(std::string_view name);

}  // namespace readside::dashboard
