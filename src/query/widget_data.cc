#include "query/widget_data.h"

#include <algorithm>
#include <charconv>

namespace readside::query {
namespace {

// The top-level members of a JSON object or the elements of an array that this process's
// JsonBuilder wrote (well-formed, no insignificant whitespace), as raw text: breakdowns
// become rows without a number ever passing through a double (money stays exact).
struct RawMember {
  std::string_view key;  // raw, with quotes; empty for array elements
  std::string_view value;
};

// The end of the JSON value starting at `i`.
size_t ValueEnd(std::string_view s, size_t i) {
  int depth = 0;
  bool in_string = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the container holding this value ends
      if (--depth == 0) return i + 1;
    } else if (c == ',' && depth == 0) {
      return i;
    }
  }
  return i;
}

std::vector<RawMember> SplitTopLevel(std::string_view s, bool* is_object) {
  std::vector<RawMember> out;
  *is_object = !s.empty() && s.front() == '{';
  size_t i = 1;
  while (i < s.size() && s[i] != '}' && s[i] != ']') {
    RawMember m;
    if (*is_object) {
      size_t key_end = ValueEnd(s, i);
      m.key = s.substr(i, key_end - i);
      i = key_end + 1;  // past ':'
    }
    size_t end = ValueEnd(s, i);
    m.value = s.substr(i, end - i);
    out.push_back(m);
    i = end;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

double NumberOf(std::string_view raw) {
  double v = 0;
  auto r = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  return r.ec == std::errc() ? v : 0;
}

// The value a list ranks a row by: the number itself, or the first number of an object row
// (top_performers: won_value).
double RankOf(const RawMember& m) {
  if (m.value.empty() || m.value.front() != '{') return NumberOf(m.value);
  bool is_object;
  for (const RawMember& inner : SplitTopLevel(m.value, &is_object)) {
    if (!inner.value.empty() && (inner.value.front() == '-' ||
                                 (inner.value.front() >= '0' && inner.value.front() <= '9'))) {
      return NumberOf(inner.value);
    }
  }
  return 0;
}

void WriteRows(const WidgetDataRequest& r, JsonBuilder& out) {
  JsonBuilder breakdown;
  r.metric.breakdown->write(PeriodData{r.view, r.period, r.as_of_micros}, breakdown);
  bool is_object;
  std::vector<RawMember> rows = SplitTopLevel(breakdown.str(), &is_object);
  size_t limit = rows.size();
  if (r.type == "list") {
    // Each row's rank parsed once (not in every comparison), then the same stable order.
    std::vector<std::pair<double, RawMember>> ranked;
    ranked.reserve(rows.size());
    for (const RawMember& m : rows) ranked.emplace_back(RankOf(m), m);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = ranked[i].second;
    limit = static_cast<size_t>(r.limit > 0 ? r.limit : kDefaultRows);
  } else if (r.limit > 0) {
    limit = static_cast<size_t>(r.limit);
  }
  out.Key("period").String(projection::FormatPeriod(r.period));
  out.Key("rows").BeginArray();
  for (size_t i = 0; i < rows.size() && i < limit; ++i) {
    if (is_object) {
      out.BeginObject().Key("key").Raw(rows[i].key).Key("value").Raw(rows[i].value).EndObject();
    } else {
      out.Raw(rows[i].value);
    }
  }
  out.EndArray();
}

void WritePoints(const WidgetDataRequest& r, std::string_view member, JsonBuilder& out) {
  if (!r.series.empty()) {
    out.Key("granularity").String(projection::GranularityName(r.series.front().granularity));
  }
  out.Key(member).BeginArray();
  size_t limit = r.type == "table" && r.limit > 0 ? static_cast<size_t>(r.limit) : r.series.size();
  // A limited table shows the latest periods.
  size_t first = r.series.size() > limit ? r.series.size() - limit : 0;
  for (size_t i = first; i < r.series.size(); ++i) {
    const projection::Period& p = r.series[i];
    out.BeginObject().Key("period").String(projection::FormatPeriod(p)).Key("value");
    r.metric.scalar->compute(PeriodData{r.view, p, r.as_of_micros}).Write(out);
    out.EndObject();
  }
  out.EndArray();
}

std::optional<ProblemField> PeriodText(std::string_view field, std::string_view text,
                                       projection::Period* out) {
  absl::StatusOr<projection::Period> p = projection::ParsePeriod(text);
  if (!p.ok()) return ProblemField{std::string(field), std::string(p.status().message())};
  *out = *p;
  return std::nullopt;
}

}  // namespace

std::optional<WidgetMetric> FindWidgetMetric(Section section, std::string_view name) {
  if (const ScalarMetric* m = FindScalarMetric(section, name)) {
    return WidgetMetric{.scalar = m, .sources = SourcesOf(*m)};
  }
  for (const BreakdownMetric& m : BreakdownMetrics()) {
    if (m.section == section && m.name == name) {
      return WidgetMetric{.breakdown = &m, .sources = SectionSources(section)};
    }
  }
  return std::nullopt;
}

std::string WidgetMetricNames(Section section, std::string_view type) {
  std::string names;
  auto add = [&](std::string_view n) {
    if (!names.empty()) names += ", ";
    names += n;
  };
  if (type != "list") {
    for (const ScalarMetric& m : ScalarMetrics()) {
      if (m.section == section) add(m.name);
    }
  }
  if (type == "table" || type == "list") {
    for (const BreakdownMetric& m : BreakdownMetrics()) {
      if (m.section == section) add(m.name);
    }
  }
  return names;
}

std::optional<ProblemField> ResolvePeriod(std::string_view field, std::string_view text,
                                          projection::LocalCalendar calendar, int64_t now_micros,
                                          projection::Period* out) {
  if (!text.empty()) return PeriodText(field, text, out);
  *out = projection::PeriodContaining(projection::Granularity::kMonth, calendar.DayOf(now_micros));
  return std::nullopt;
}

std::optional<ProblemField> ResolveSeriesPeriods(std::string_view granularity,
                                                 std::string_view from_text,
                                                 std::string_view to_text,
                                                 projection::LocalCalendar calendar,
                                                 int64_t now_micros,
                                                 std::vector<projection::Period>* out) {
  projection::Granularity g = projection::Granularity::kMonth;
  if (!granularity.empty() && !projection::ParseGranularity(granularity, &g)) {
    return ProblemField{"granularity", "must be one of day, week, month, quarter, year"};
  }
  projection::Period to = projection::PeriodContaining(g, calendar.DayOf(now_micros));
  if (!to_text.empty()) {
    if (auto problem = PeriodText("to", to_text, &to)) return problem;
  }
  // The last point is the period of `granularity` holding the last day of `to`; by default
  // the series has 12 points.
  projection::Period from = projection::PeriodContaining(g, to.end_day - 1);
  for (int i = 0; i < 11; ++i) from = projection::PrevPeriod(from);
  // Periods exist from year 0001: a series ending early in year 1 is shorter, not a series of
  // year -10 ("to=0001&granularity=year"; found by params_fuzz, issue 17).
  const projection::DayNumber first_day = projection::DayNumberFromCivil(1, 1, 1);
  if (from.first_day < first_day) from = projection::PeriodContaining(g, first_day);
  if (!from_text.empty()) {
    if (auto problem = PeriodText("from", from_text, &from)) return problem;
  }
  if (from.first_day >= to.end_day) return ProblemField{"from", "must not be after to"};
  absl::StatusOr<std::vector<projection::Period>> periods =
      projection::PeriodsBetween(g, from.first_day, to.end_day - 1, kMaxSeriesPoints);
  if (!periods.ok()) {
    return ProblemField{"from", "to " + std::string(periods.status().message()) + " (at most " +
                                    std::to_string(kMaxSeriesPoints) +
                                    " points; choose a coarser granularity or a shorter range)"};
  }
  *out = *std::move(periods);
  return std::nullopt;
}

void WriteWidgetData(const WidgetDataRequest& r, JsonBuilder& out) {
  out.BeginObject();
  if (r.metric.breakdown != nullptr) {
    WriteRows(r, out);
  } else if (r.type == "metric") {
    out.Key("period").String(projection::FormatPeriod(r.period)).Key("value");
    r.metric.scalar->compute(PeriodData{r.view, r.period, r.as_of_micros}).Write(out);
  } else {
    WritePoints(r, r.type == "table" ? "rows" : "points", out);
  }
  out.EndObject();
}

}  // namespace readside::query
