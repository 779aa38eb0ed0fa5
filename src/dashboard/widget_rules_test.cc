// Widget bodies, layout rules and templates; and a widget's cached_data against the Analytics
// API's bodies (query/analytics.h) for every metric of the table, over a simulated tenant.

#include "dashboard/widget_rules.h"

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "projection/tenant_projection.h"
#include "query/analytics.h"
#include "sim/generator.h"
#include "event/parser.h"

namespace readside::dashboard {
namespace {

namespace json = boost::json;
using own_state::Grid;
using own_state::Widget;

constexpr int64_t kNow = 1711929600000000;  // 2024-04-01T00:00:00Z

projection::LocalCalendar Utc() { return *projection::LocalCalendar::Create("UTC"); }

std::variant<Widget, Problem> Parse(std::string_view body) {
  return ParseWidget(body, Widget{}, true, nullptr, Utc(), kNow);
}

// The 4xx problem's status and first field, or "ok".
std::string Outcome(const std::variant<Widget, Problem>& r) {
  if (std::holds_alternative<Widget>(r)) return "ok";
  const Problem& p = std::get<Problem>(r);
  return std::to_string(p.status) + " " + (p.errors.empty() ? "" : p.errors[0].field);
}

TEST(WidgetRules, AcceptsEachTypeAndFillsDefaults) {
  auto metric = Parse(R"({"widget_type":"metric","data_source":"finance",
                          "query_params":{"metric":"total_revenue","period":"2024-02"}})");
  ASSERT_EQ(Outcome(metric), "ok");
  EXPECT_EQ(std::get<Widget>(metric).title, "total_revenue");
  EXPECT_EQ(std::get<Widget>(metric).refresh_interval, 300);
  auto chart = Parse(R"({"widget_type":"chart","data_source":"crm","title":"Won",
                         "query_params":{"metric":"won_value","from":"2024-01","to":"2024-03",
                         "granularity":"month"}})");
  ASSERT_EQ(Outcome(chart), "ok");
  EXPECT_EQ(std::get<Widget>(chart).chart_type, "line");
  auto pie = Parse(R"({"widget_type":"chart","data_source":"crm",
                       "query_params":{"metric":"pipeline_stages"}})");
  ASSERT_EQ(Outcome(pie), "ok");
  EXPECT_EQ(std::get<Widget>(pie).chart_type, "bar");
  EXPECT_EQ(Outcome(Parse(R"({"widget_type":"table","data_source":"hrm",
      "query_params":{"metric":"employees_by_department","limit":5}})")), "ok");
  EXPECT_EQ(Outcome(Parse(R"({"widget_type":"table","data_source":"finance",
      "query_params":{"metric":"payments_received","from":"2024-01"}})")), "ok");
  EXPECT_EQ(Outcome(Parse(R"({"widget_type":"list","data_source":"crm",
      "query_params":{"metric":"top_performers","limit":3},"grid":{"x":0,"y":0,"w":4,"h":4}})")), "ok");
}

TEST(WidgetRules, BadMembersAre400NamingTheMember) {
  struct Case {
    const char* body;
    const char* outcome;
  } cases[] = {
      {R"([])", "400 body"},
      {R"({"widget_type":"gauge","data_source":"crm","query_params":{"metric":"leads_new"}})",
       "400 widget_type"},
      {R"({"widget_type":"metric","data_source":"sales","query_params":{"metric":"leads_new"}})",
       "400 data_source"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"revenue"}})",
       "400 query_params.metric"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"pipeline_stages"}})",
       "400 query_params.metric"},
      {R"({"widget_type":"list","data_source":"crm","query_params":{"metric":"leads_new"}})",
       "400 query_params.metric"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new","x":1}})",
       "400 query_params.x"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new","period":"2024-13"}})",
       "400 query_params.period"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new","from":"2024-01"}})",
       "400 query_params.from"},
      {R"({"widget_type":"chart","data_source":"crm","query_params":{"metric":"leads_new","granularity":"hour"}})",
       "400 query_params.granularity"},
      {R"({"widget_type":"chart","data_source":"crm","query_params":{"metric":"leads_new","period":"2024-01"}})",
       "400 query_params.period"},
      {R"({"widget_type":"chart","data_source":"crm","chart_type":"radar","query_params":{"metric":"leads_new"}})",
       "400 chart_type"},
      {R"({"widget_type":"chart","data_source":"crm","chart_type":"line","query_params":{"metric":"pipeline_stages"}})",
       "400 chart_type"},
      {R"({"widget_type":"metric","data_source":"crm","chart_type":"bar","query_params":{"metric":"leads_new"}})",
       "400 chart_type"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new","limit":3}})",
       "400 query_params.limit"},
      {R"({"widget_type":"list","data_source":"crm","query_params":{"metric":"top_performers","limit":0}})",
       "400 query_params.limit"},
      {R"({"widget_type":"metric","data_source":"crm","refresh_interval":1,"query_params":{"metric":"leads_new"}})",
       "400 refresh_interval"},
      {R"({"widget_type":"metric","data_source":"crm","refresh_interval":"60","query_params":{"metric":"leads_new"}})",
       "400 refresh_interval"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"colour":"red"})",
       "400 colour"},
      {R"({"widget_type":"metric","data_source":"crm"})", "400 query_params"},
      {R"({"data_source":"crm","query_params":{"metric":"leads_new"}})", "400 widget_type"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":0,"y":0,"w":2}})",
       "400 grid.h"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":-1,"y":0,"w":2,"h":2}})",
       "422 grid"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":11,"y":0,"w":2,"h":2}})",
       "422 grid"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":0,"y":0,"w":0,"h":2}})",
       "422 grid"},
  };
  for (const Case& c : cases) EXPECT_EQ(Outcome(Parse(c.body)), c.outcome) << c.body;
}

TEST(WidgetRules, UpdateReplacesGivenMembersAndDropsTheChartTypeOfAFormerChart) {
  auto chart = Parse(R"({"widget_type":"chart","data_source":"crm","chart_type":"bar",
                         "query_params":{"metric":"won_value"}})");
  ASSERT_EQ(Outcome(chart), "ok");
  auto updated = ParseWidget(R"({"widget_type":"metric","title":"Won"})", std::get<Widget>(chart),
                             false, nullptr, Utc(), kNow);
  ASSERT_EQ(Outcome(updated), "ok");
  EXPECT_EQ(std::get<Widget>(updated).type, "metric");
  EXPECT_EQ(std::get<Widget>(updated).chart_type, "");
  EXPECT_EQ(std::get<Widget>(updated).title, "Won");
  EXPECT_EQ(std::get<Widget>(updated).query.metric, "won_value");
  // dashboard_id is a member of a new widget only.
  EXPECT_EQ(Outcome(ParseWidget(R"({"dashboard_id":"x"})", std::get<Widget>(chart), false, nullptr,
                                Utc(), kNow)),
            "400 dashboard_id");
}

Widget At(std::string id, Grid g) {
  Widget w;
  w.id = std::move(id);
  w.grid = g;
  return w;
}

TEST(WidgetRules, LayoutRejectsOverlapsAndPlacesNewWidgetsInTheFirstFreeSpot) {
  std::vector<Widget> ok = {At("a", {0, 0, 6, 2}), At("b", {6, 0, 6, 2}), At("c", {0, 2, 12, 1})};
  EXPECT_FALSE(CheckLayout(ok).has_value());
  std::vector<Widget> overlap = {At("a", {0, 0, 6, 2}), At("b", {5, 1, 2, 2})};
  auto p = CheckLayout(overlap);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->status, 422);
  EXPECT_EQ(p->detail, "widget b grid overlaps widget a");
  // Touching edges do not overlap.
  EXPECT_FALSE(CheckLayout(std::vector<Widget>{At("a", {0, 0, 6, 2}), At("b", {6, 0, 6, 2})}));
  EXPECT_EQ(AutoPlace(ok, 3, 2), (Grid{0, 3, 3, 2}));
  EXPECT_EQ(AutoPlace(std::vector<Widget>{At("a", {0, 0, 3, 2})}, 3, 2), (Grid{3, 0, 3, 2}));
  EXPECT_EQ(CheckGrid({0, 999, 1, 2}, "grid")->status, 422);
  EXPECT_EQ(CheckGrid({0, 0, 1, 25}, "grid")->status, 422);
  EXPECT_FALSE(CheckGrid({11, 998, 1, 2}, "grid").has_value());
}

TEST(WidgetRules, TemplatesAreValidAndFitTheGrid) {
  std::vector<std::string> names;
  for (const Template& t : Templates()) {
    names.emplace_back(t.name);
    EXPECT_GE(t.widgets.size(), 6u) << t.name;
    EXPECT_FALSE(CheckLayout(t.widgets).has_value()) << t.name;
    for (const Widget& w : t.widgets) {
      auto r = ResolveWidget(w, Utc(), kNow);
      EXPECT_TRUE(std::holds_alternative<ResolvedWidget>(r)) << t.name << " " << w.id;
      // Each template widget is one a client could have posted.
      JsonBuilder j;
      j.BeginObject().Key("widget_type").String(w.type).Key("data_source").String(w.data_source);
      j.Key("query_params").BeginObject().Key("metric").String(w.query.metric);
      if (w.query.limit) j.Key("limit").Int(w.query.limit);
      j.EndObject();
      if (!w.chart_type.empty()) j.Key("chart_type").String(w.chart_type);
      j.EndObject();
      EXPECT_EQ(Outcome(Parse(j.str())), "ok") << t.name << " " << j.str();
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"executive", "sales", "finance", "hr", "operations"}));
}

// A simulated tenant's view (three months of 2024).
class WidgetDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim::Generator g({.seed = 7,
                      .tenants = {"alpha"},
                      .end_unix_micros = kNow,
                      .events_per_second = 0.01});
    event::EventParser parser;
    auto tenant = projection::TenantProjection::WithDefaults("alpha");
    std::string line;
    int64_t ts;
    uint64_t position = 0;
    std::vector<event::FieldError> errors;
    while (g.Next(&line, &ts)) {
      event::Event e;
      if (parser.ParseOne(line, &e, &errors)) tenant->Apply(e, ++position, kNow);
    }
    view_holder_ = new std::shared_ptr<const projection::TenantView>(tenant->Publish(position));
    ASSERT_GT(position, 1000u);
  }
  static const projection::TenantView& View() { return **view_holder_; }

  static json::value Data(std::string_view body) {
    auto parsed = Parse(body);
    EXPECT_EQ(Outcome(parsed), "ok") << body;
    const Widget& w = std::get<Widget>(parsed);
    auto r = std::get<ResolvedWidget>(ResolveWidget(w, Utc(), kNow));
    JsonBuilder j;
    query::WriteWidgetData({.view = View(),
                            .type = w.type,
                            .metric = r.metric,
                            .period = r.period,
                            .series = r.series,
                            .limit = w.query.limit,
                            .as_of_micros = kNow},
                           j);
    return json::parse(j.str());
  }

  static inline std::shared_ptr<const projection::TenantView>* view_holder_ = nullptr;
};

TEST_F(WidgetDataTest, EveryMetricEqualsTheAnalyticsApi) {
  projection::Period feb = *projection::ParsePeriod("2024-02");
  int nonzero = 0;
  for (query::Section section : {query::Section::kCrm, query::Section::kHrm,
                                 query::Section::kFinance, query::Section::kInventory,
                                 query::Section::kProjects, query::Section::kCross}) {
    std::string name(query::SectionName(section));
    json::value api = json::parse(query::SectionBody(
        section, query::AnalyticsRequest{View(), feb, kNow, false, query::kAllDomains}));
    for (const query::ScalarMetric& m : query::ScalarMetrics()) {
      if (m.section != section) continue;
      std::string metric(m.name);
      json::value data = Data(R"({"widget_type":"metric","data_source":")" + name +
                              R"(","query_params":{"metric":")" + metric + R"(","period":"2024-02"}})");
      EXPECT_EQ(data.at("value"), api.at(metric)) << name << "." << metric;
      EXPECT_EQ(data.at("period"), json::value("2024-02"));
      nonzero += !(data.at("value").is_number() && data.at("value").to_number<double>() == 0);
      // The chart of the same metric is /analytics/series's points.
      json::value chart = Data(R"({"widget_type":"chart","data_source":")" + name +
                               R"(","query_params":{"metric":")" + metric +
                               R"(","from":"2024-01","to":"2024-03"}})");
      json::value series = json::parse(query::SeriesBody(
          View(), m, *projection::PeriodsBetween(projection::Granularity::kMonth,
                                                 projection::ParsePeriod("2024-01")->first_day,
                                                 projection::ParsePeriod("2024-03")->end_day - 1, 10),
          kNow));
      EXPECT_EQ(chart.at("points"), series.at("points")) << name << "." << metric;
    }
    for (const query::BreakdownMetric& m : query::BreakdownMetrics()) {
      if (m.section != section) continue;
      std::string metric(m.name);
      json::value table = Data(R"({"widget_type":"table","data_source":")" + name +
                               R"(","query_params":{"metric":")" + metric + R"(","period":"2024-02"}})");
      const json::value& expected = api.at(metric);
      const json::array& rows = table.at("rows").as_array();
      if (expected.is_object()) {
        ASSERT_EQ(rows.size(), expected.as_object().size()) << metric;
        size_t i = 0;
        for (const auto& [key, value] : expected.as_object()) {
          EXPECT_EQ(rows[i].at("key"), json::value(key)) << metric;
          EXPECT_EQ(rows[i].at("value"), value) << metric;
          ++i;
        }
      } else {
        EXPECT_EQ(json::value(rows), expected) << metric;
      }
      // A list is the breakdown's largest rows, at most `limit`.
      json::value list = Data(R"({"widget_type":"list","data_source":")" + name +
                              R"(","query_params":{"metric":")" + metric +
                              R"(","period":"2024-02","limit":2}})");
      EXPECT_LE(list.at("rows").as_array().size(), 2u);
      EXPECT_EQ(list.at("rows").as_array().size(), std::min<size_t>(2, rows.size())) << metric;
    }
  }
  EXPECT_GT(nonzero, 30);  // the comparison is over real numbers, not zeros
}

TEST_F(WidgetDataTest, MoneyStaysExactAndListsRankByValue) {
  json::value list = Data(R"({"widget_type":"list","data_source":"hrm",
                              "query_params":{"metric":"employees_by_department","limit":3}})");
  const json::array& rows = list.at("rows").as_array();
  ASSERT_GE(rows.size(), 2u);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(rows[i - 1].at("value").to_number<double>(), rows[i].at("value").to_number<double>());
  }
  // The money text of a widget is the section's text byte for byte.
  JsonBuilder j;
  auto w = std::get<Widget>(Parse(R"({"widget_type":"metric","data_source":"finance",
                                      "query_params":{"metric":"total_revenue","period":"2024-02"}})"));
  auto r = std::get<ResolvedWidget>(ResolveWidget(w, Utc(), kNow));
  query::WriteWidgetData({.view = View(), .type = "metric", .metric = r.metric, .period = r.period,
                          .as_of_micros = kNow},
                         j);
  std::string section = query::SectionBody(
      query::Section::kFinance,
      query::AnalyticsRequest{View(), r.period, kNow, false, query::kAllDomains});
  size_t at = section.find("\"total_revenue\":");
  ASSERT_NE(at, std::string::npos);
  std::string value = section.substr(at + 16, section.find(',', at) - at - 16);
  EXPECT_NE(j.str().find("\"value\":" + value + "}"), std::string::npos) << j.str() << " vs " << value;
}

}  // namespace
}  // namespace readside::dashboard
