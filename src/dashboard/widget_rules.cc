#include "dashboard/widget_rules.h"

#include <boost/json.hpp>

namespace readside::dashboard {
namespace {

namespace json = boost::json;
using own_state::Grid;
using own_state::Widget;

constexpr std::string_view kTypes[] = {"metric", "chart", "table", "list"};
constexpr std::string_view kChartTypes[] = {"line", "bar", "pie", "donut"};

template <size_t N>
bool OneOf(std::string_view v, const std::string_view (&set)[N]) {
  for (std::string_view s : set) {
    if (s == v) return true;
  }
  return false;
}

// Reads an integer member; a Problem names `field` when it is not one.
std::optional<Problem> ReadInt(const json::value& v, std::string_view field, int64_t lo,
                               int64_t hi, int* out) {
  int64_t n;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64()) {
    n = v.as_uint64() > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                          : static_cast<int64_t>(v.as_uint64());
  } else if (v.is_double() && v.as_double() >= -9.2e18 && v.as_double() <= 9.2e18 &&
             v.as_double() == static_cast<double>(static_cast<int64_t>(v.as_double()))) {
    n = static_cast<int64_t>(v.as_double());  // 3.0 is 3; the range check keeps the cast defined
  } else {
    return BadField(field, "must be an integer");
  }
  if (n < lo || n > hi) {
    return BadField(field, "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  *out = static_cast<int>(n);
  return std::nullopt;
}

std::optional<Problem> ReadString(const json::value& v, std::string_view field, size_t max_bytes,
                                  std::string* out) {
  if (!v.is_string()) return BadField(field, "must be a string");
  if (v.as_string().size() > max_bytes) {
    return BadField(field, "must be at most " + std::to_string(max_bytes) + " bytes");
  }
  out->assign(v.as_string().data(), v.as_string().size());
  return std::nullopt;
}

// A grid position's member: integers; the rules come after (422).
std::optional<Problem> ReadGrid(const json::value& v, Grid* out) {
  if (!v.is_object()) return BadField("grid", "must be an object {x, y, w, h}");
  for (const auto& [key, value] : v.as_object()) {
    if (key != "x" && key != "y" && key != "w" && key != "h") {
      return BadField("grid." + std::string(key), "is not a grid member (x, y, w, h)");
    }
  }
  int* members[] = {&out->x, &out->y, &out->w, &out->h};
  const char* names[] = {"x", "y", "w", "h"};
  for (int i = 0; i < 4; ++i) {
    const json::value* m = v.as_object().if_contains(names[i]);
    if (m == nullptr) return BadField(std::string("grid.") + names[i], "is required");
    if (auto p = ReadInt(*m, std::string("grid.") + names[i], INT32_MIN, INT32_MAX, members[i])) {
      return p;
    }
  }
  return std::nullopt;
}

std::optional<Problem> ReadQuery(const json::value& v, own_state::WidgetQuery* out) {
  if (!v.is_object()) return BadField("query_params", "must be an object");
  *out = {};
  for (const auto& [key, value] : v.as_object()) {
    std::string field = "query_params." + std::string(key);
    std::optional<Problem> p;
    if (key == "metric") {
      p = ReadString(value, field, 100, &out->metric);
    } else if (key == "period") {
      p = ReadString(value, field, 40, &out->period);
    } else if (key == "from") {
      p = ReadString(value, field, 40, &out->from);
    } else if (key == "to") {
      p = ReadString(value, field, 40, &out->to);
    } else if (key == "granularity") {
      p = ReadString(value, field, 20, &out->granularity);
    } else if (key == "limit") {
      p = ReadInt(value, field, 1, query::kMaxRows, &out->limit);
    } else {
      p = BadField(field, "is not a query parameter (metric, period, from, to, granularity, limit)");
    }
    if (p) return p;
    if (key != "limit" && value.as_string().empty()) return BadField(field, "must not be empty");
  }
  if (out->metric.empty()) return BadField("query_params.metric", "is required");
  return std::nullopt;
}

bool UsesSeries(const Widget& w, const query::WidgetMetric& m) {
  return m.scalar != nullptr && (w.type == "chart" || w.type == "table");
}

// The combination rules: the metric fits the type, the parameters fit the metric.
std::optional<Problem> CheckCombination(const Widget& w, const query::WidgetMetric& m) {
  query::Section section;
  query::ParseSection(w.data_source, &section);
  if ((w.type == "metric" && m.scalar == nullptr) || (w.type == "list" && m.breakdown == nullptr)) {
    return BadField("query_params.metric",
                    "'" + w.query.metric + "' cannot be shown by a " + w.type + " widget; " +
                        w.data_source + " has: " + query::WidgetMetricNames(section, w.type));
  }
  bool series = UsesSeries(w, m);
  if (series && !w.query.period.empty()) {
    return BadField("query_params.period",
                    "is not a parameter of a " + w.type +
                        " over a numeric metric (it takes from, to and granularity)");
  }
  if (!series) {
    for (auto [name, value] : {std::pair<std::string_view, const std::string*>{"from", &w.query.from},
                               {"to", &w.query.to},
                               {"granularity", &w.query.granularity}}) {
      if (!value->empty()) {
        return BadField("query_params." + std::string(name),
                        "is only a parameter of charts and tables over a numeric metric");
      }
    }
  }
  if (w.query.limit != 0 && w.type != "table" && w.type != "list") {
    return BadField("query_params.limit", "is only a parameter of tables and lists");
  }
  if (w.type == "chart") {
    if (!OneOf(w.chart_type, kChartTypes)) {
      return BadField("chart_type", "must be one of line, bar, pie, donut");
    }
    if (m.breakdown != nullptr && w.chart_type == "line") {
      return BadField("chart_type", "line needs a numeric metric over time; '" + w.query.metric +
                                        "' is a breakdown (bar, pie or donut)");
    }
  } else if (!w.chart_type.empty()) {
    return BadField("chart_type", "is only a member of chart widgets");
  }
  return std::nullopt;
}

Widget Make(std::string id, std::string_view type, std::string_view title,
            std::string_view source, std::string_view metric, Grid grid,
            std::string_view chart_type = "", int limit = 0) {
  Widget w;
  w.id = std::move(id);
  w.type = type;
  w.title = title;
  w.data_source = source;
  w.query.metric = metric;
  w.query.limit = limit;
  w.chart_type = chart_type;
  w.grid = grid;
  w.refresh_interval = 300;
  return w;
}

// Builds a template from rows of widgets; ids are "<name>-<n>".
struct Spec {
  std::string_view type, title, source, metric;
  Grid grid;
  std::string_view chart_type = "";
  int limit = 0;
};
Template MakeTemplate(std::string_view name, std::string_view title, std::string_view description,
                      std::initializer_list<Spec> specs) {
  Template t{name, title, description, {}};
  int n = 0;
  for (const Spec& s : specs) {
    t.widgets.push_back(Make(std::string(name) + "-" + std::to_string(++n), s.type, s.title,
                             s.source, s.metric, s.grid, s.chart_type, s.limit));
  }
  return t;
}

std::vector<Template> BuildTemplates() {
  std::vector<Template> t;
  t.push_back(MakeTemplate(
      "executive", "Executive overview", "Revenue, profit, pipeline, people and utilization",
      {{"metric", "Revenue this month", "finance", "total_revenue", {0, 0, 3, 2}},
       {"metric", "Net profit this month", "finance", "net_profit", {3, 0, 3, 2}},
       {"metric", "Pipeline value", "crm", "pipeline_value", {6, 0, 3, 2}},
       {"metric", "Employees", "hrm", "total_employees", {9, 0, 3, 2}},
       {"chart", "Revenue, last 12 months", "finance", "total_revenue", {0, 2, 8, 4}, "line"},
       {"table", "Pipeline by stage", "crm", "pipeline_stages", {8, 2, 4, 4}},
       {"metric", "Utilization", "projects", "utilization_rate", {0, 6, 3, 2}},
       {"metric", "Stock value", "inventory", "stock_value", {3, 6, 3, 2}},
       {"metric", "Revenue per employee", "cross", "revenue_per_employee", {6, 6, 3, 2}},
       {"metric", "Receivables", "finance", "accounts_receivable", {9, 6, 3, 2}}}));
  t.push_back(MakeTemplate(
      "sales", "Sales", "Leads, deals, win rate and the pipeline",
      {{"metric", "New leads", "crm", "leads_new", {0, 0, 3, 2}},
       {"metric", "Deals won", "crm", "opportunities_won", {3, 0, 3, 2}},
       {"metric", "Win rate", "crm", "win_rate", {6, 0, 3, 2}},
       {"metric", "Won value", "crm", "won_value", {9, 0, 3, 2}},
       {"chart", "Won value by month", "crm", "won_value", {0, 2, 8, 4}, "bar"},
       {"chart", "Pipeline by stage", "crm", "pipeline_stages", {8, 2, 4, 4}, "donut"},
       {"list", "Top performers", "crm", "top_performers", {0, 6, 6, 4}, "", 5},
       {"table", "Activities by type", "crm", "activities_by_type", {6, 6, 6, 4}}}));
  t.push_back(MakeTemplate(
      "finance", "Finance", "Revenue, profit, cash and receivables",
      {{"metric", "Revenue", "finance", "total_revenue", {0, 0, 3, 2}},
       {"metric", "Net profit", "finance", "net_profit", {3, 0, 3, 2}},
       {"metric", "Receivables", "finance", "accounts_receivable", {6, 0, 3, 2}},
       {"metric", "Overdue invoices", "finance", "invoices_overdue", {9, 0, 3, 2}},
       {"chart", "Revenue, last 12 months", "finance", "total_revenue", {0, 2, 6, 4}, "line"},
       {"chart", "Net cash flow", "finance", "net_cash_flow", {6, 2, 6, 4}, "bar"},
       {"table", "Payments received by month", "finance", "payments_received", {0, 6, 6, 4}},
       {"metric", "Profit margin", "finance", "profit_margin", {6, 6, 3, 2}},
       {"metric", "Average payment time", "finance", "average_payment_time", {9, 6, 3, 2}}}));
  t.push_back(MakeTemplate(
      "hr", "People", "Headcount, hiring, turnover and leave",
      {{"metric", "Employees", "hrm", "total_employees", {0, 0, 3, 2}},
       {"metric", "New hires", "hrm", "new_hires", {3, 0, 3, 2}},
       {"metric", "Terminations", "hrm", "terminations", {6, 0, 3, 2}},
       {"metric", "Turnover rate", "hrm", "turnover_rate", {9, 0, 3, 2}},
       {"chart", "Headcount, last 12 months", "hrm", "total_employees", {0, 2, 8, 4}, "line"},
       {"chart", "By department", "hrm", "employees_by_department", {8, 2, 4, 4}, "pie"},
       {"list", "Largest roles", "hrm", "employees_by_role", {0, 6, 6, 4}, "", 10},
       {"metric", "Leave pending", "hrm", "leave_pending", {6, 6, 3, 2}},
       {"metric", "Payroll (gross)", "hrm", "payroll_gross", {9, 6, 3, 2}}}));
  t.push_back(MakeTemplate(
      "operations", "Operations", "Stock, orders and project delivery",
      {{"metric", "Stock value", "inventory", "stock_value", {0, 0, 3, 2}},
       {"metric", "Units on hand", "inventory", "units_on_hand", {3, 0, 3, 2}},
       {"metric", "Low-stock products", "inventory", "low_stock_products", {6, 0, 3, 2}},
       {"metric", "Orders fulfilled", "inventory", "orders_fulfilled", {9, 0, 3, 2}},
       {"chart", "Orders by month", "inventory", "orders_created", {0, 2, 6, 4}, "bar"},
       {"table", "Stock by warehouse", "inventory", "stock_by_warehouse", {6, 2, 6, 4}},
       {"metric", "Utilization", "projects", "utilization_rate", {0, 6, 3, 2}},
       {"metric", "Open tasks", "projects", "open_tasks", {3, 6, 3, 2}},
       {"list", "Hours by project", "projects", "hours_by_project", {6, 6, 6, 4}, "", 10}}));
  return t;
}

bool Overlap(const Grid& a, const Grid& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

}  // namespace

Problem BadField(std::string_view field, std::string_view message) {
  Problem p{.status = 400, .title = "Invalid widget"};
  p.detail = std::string(field) + " " + std::string(message);
  p.errors.push_back({std::string(field), std::string(message)});
  return p;
}

Problem BadLayout(std::string_view field, std::string_view message) {
  Problem p{.status = 422, .title = "Invalid layout"};
  p.detail = std::string(field) + " " + std::string(message);
  p.errors.push_back({std::string(field), std::string(message)});
  return p;
}

std::variant<ResolvedWidget, Problem> ResolveWidget(const Widget& w,
                                                    projection::LocalCalendar calendar,
                                                    int64_t now_micros) {
  ResolvedWidget r;
  if (!query::ParseSection(w.data_source, &r.section)) {
    return BadField("data_source", "must be one of crm, hrm, finance, inventory, projects, cross");
  }
  std::optional<query::WidgetMetric> m = query::FindWidgetMetric(r.section, w.query.metric);
  if (!m) {
    return BadField("query_params.metric",
                    "must be a metric of " + w.data_source + ": " +
                        query::WidgetMetricNames(r.section, w.type));
  }
  r.metric = *m;
  std::optional<ProblemField> bad;
  if (UsesSeries(w, *m)) {
    bad = query::ResolveSeriesPeriods(w.query.granularity, w.query.from, w.query.to, calendar,
                                      now_micros, &r.series);
  } else {
    bad = query::ResolvePeriod("period", w.query.period, calendar, now_micros, &r.period);
  }
  if (bad) return BadField("query_params." + bad->field, bad->message);
  return r;
}

std::variant<Widget, Problem> ParseWidget(std::string_view body, Widget w, bool creating,
                                          std::string* dashboard_id,
                                          projection::LocalCalendar calendar, int64_t now_micros) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return BadField("body", "must be a JSON object");
  bool type_given = false, chart_type_given = false, grid_given = false;
  for (const auto& [key, value] : v.as_object()) {
    std::optional<Problem> p;
    if (key == "widget_type") {
      p = ReadString(value, key, 20, &w.type);
      if (!p && !OneOf(w.type, kTypes)) p = BadField(key, "must be one of metric, chart, table, list");
      type_given = true;
    } else if (key == "title") {
      p = ReadString(value, key, kMaxTitleBytes, &w.title);
    } else if (key == "data_source") {
      p = ReadString(value, key, 20, &w.data_source);
      query::Section s;
      if (!p && !query::ParseSection(w.data_source, &s)) {
        p = BadField(key, "must be one of crm, hrm, finance, inventory, projects, cross");
      }
    } else if (key == "query_params") {
      p = ReadQuery(value, &w.query);
    } else if (key == "refresh_interval") {
      p = ReadInt(value, key, kMinRefresh, kMaxRefresh, &w.refresh_interval);
    } else if (key == "chart_type") {
      p = ReadString(value, key, 20, &w.chart_type);
      if (!p && !OneOf(w.chart_type, kChartTypes)) p = BadField(key, "must be one of line, bar, pie, donut");
      chart_type_given = true;
    } else if (key == "grid") {
      p = ReadGrid(value, &w.grid);
      grid_given = true;
    } else if (key == "dashboard_id" && creating) {
      if (!value.is_string() || value.as_string().empty() || value.as_string().size() > 200) {
        p = BadField(key, "must be a dashboard id");
      } else if (dashboard_id != nullptr) {
        dashboard_id->assign(value.as_string().data(), value.as_string().size());
      }
    } else {
      p = BadField(key, "is not a widget member (widget_type, title, data_source, query_params, "
                        "refresh_interval, chart_type, grid" +
                            std::string(creating ? ", dashboard_id)" : ")"));
    }
    if (p) return *std::move(p);
  }
  if (creating) {
    for (std::string_view required : {"widget_type", "data_source", "query_params"}) {
      if (!v.as_object().contains(required)) return BadField(required, "is required");
    }
  }
  // A widget that stops being a chart drops its chart type; a new chart defaults to a line
  // (a bar over a breakdown).
  if (type_given && w.type != "chart" && !chart_type_given) w.chart_type.clear();
  auto resolved = ResolveWidget(w, calendar, now_micros);
  if (Problem* p = std::get_if<Problem>(&resolved)) return *std::move(p);
  const ResolvedWidget& r = std::get<ResolvedWidget>(resolved);
  if (w.type == "chart" && w.chart_type.empty()) {
    w.chart_type = r.metric.breakdown != nullptr ? "bar" : "line";
  }
  if (auto p = CheckCombination(w, r.metric)) return *std::move(p);
  if (w.title.empty()) w.title = w.query.metric;
  if (grid_given) {
    if (auto p = CheckGrid(w.grid, "grid")) return *std::move(p);
  }
  return w;
}

query::DomainMask WidgetSources(const Widget& w) {
  query::Section s;
  if (!query::ParseSection(w.data_source, &s)) return query::kAllDomains;
  std::optional<query::WidgetMetric> m = query::FindWidgetMetric(s, w.query.metric);
  return m ? m->sources : query::SectionSources(s);
}

std::optional<Problem> CheckGrid(const Grid& g, std::string_view field) {
  std::string f(field);
  if (g.x < 0 || g.y < 0) return BadLayout(f, "x and y must not be negative");
  if (g.w < 1 || g.h < 1) return BadLayout(f, "w and h must be at least 1");
  if (g.w > kColumns || g.x > kColumns - g.w) {
    return BadLayout(f, "is off the grid: x + w must be at most " + std::to_string(kColumns));
  }
  if (g.h > kMaxHeight) return BadLayout(f, "h must be at most " + std::to_string(kMaxHeight));
  if (g.y > kMaxRows - g.h) {
    return BadLayout(f, "is off the grid: y + h must be at most " + std::to_string(kMaxRows));
  }
  return std::nullopt;
}

std::optional<Problem> CheckLayout(std::span<const Widget> widgets) {
  for (size_t i = 0; i < widgets.size(); ++i) {
    if (auto p = CheckGrid(widgets[i].grid, "widget " + widgets[i].id + " grid")) return p;
    for (size_t j = 0; j < i; ++j) {
      if (Overlap(widgets[i].grid, widgets[j].grid)) {
        return BadLayout("widget " + widgets[i].id + " grid",
                         "overlaps widget " + widgets[j].id);
      }
    }
  }
  return std::nullopt;
}

std::optional<Problem> CheckPlace(std::span<const Widget> widgets, const Widget& w,
                                  std::string_view field) {
  if (auto p = CheckGrid(w.grid, field)) return p;
  for (const Widget& other : widgets) {
    if (other.id != w.id && Overlap(w.grid, other.grid)) {
      return BadLayout(field, "overlaps widget " + other.id);
    }
  }
  return std::nullopt;
}

Grid AutoPlace(std::span<const Widget> widgets, int w, int h) {
  for (int y = 0; y <= kMaxRows - h; ++y) {
    for (int x = 0; x <= kColumns - w; ++x) {
      Grid g{x, y, w, h};
      bool free = true;
      for (const Widget& other : widgets) {
        if (Overlap(g, other.grid)) {
          free = false;
          break;
        }
      }
      if (free) return g;
    }
  }
  return Grid{0, kMaxRows, w, h};  // no room: CheckGrid refuses it
}

Grid DefaultSize(std::string_view type) {
  if (type == "metric") return Grid{0, 0, 3, 2};
  if (type == "list") return Grid{0, 0, 4, 4};
  return Grid{0, 0, 6, 4};
}

std::span<const Template> Templates() {
  static const std::vector<Template> templates = BuildTemplates();
  return templates;
}

const Template* FindTemplate(std::string_view name) {
  for (const Template& t : Templates()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace readside::dashboard
