// The /dashboards routes through Gate → Router → the routes over a real store, projector and
// DashboardService, with real tokens: widget create/update/delete, If-Match, each layout
// rule, templates, the sharing matrix (owner, shared user, shared role, outsider, other
// tenant), forbidden widgets, and cached_data equal to the Analytics API for every type.

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "auth/test_keys.h"
#include "dashboard/dashboards.h"
#include "gtest/gtest.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/routes.h"
#include "http/test_tokens.h"
#include "ingest/ingest_service.h"
#include "projection/projector.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace readside::http {
namespace {

namespace json = boost::json;
using testing::kNowMicros;
using testing::TestTokens;
using testing::TokenSpec;

const TokenSpec kAdmin{.orgs = {"alpha"}, .roles = {"admin"}, .subject = "root"};
const TokenSpec kAnn{.orgs = {"alpha"}, .roles = {"analyst"}, .subject = "ann"};
const TokenSpec kBob{.orgs = {"alpha"}, .roles = {"analyst"}, .subject = "bob"};
const TokenSpec kCarl{.orgs = {"alpha"}, .roles = {"finance"}, .subject = "carl"};
const TokenSpec kSally{.orgs = {"alpha"}, .roles = {"sales"}, .subject = "sally"};
const TokenSpec kBeta{.orgs = {"beta"}, .roles = {"admin"}, .subject = "ann"};

class DashboardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::EventStore::Open({.path = dir_.path() + "/events", .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ingest_ = std::make_unique<ingest::IngestService>(store_.get(), event::ParserOptions{}, &clock_);
    projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_);
    projector_->Start();
    dashboards_ = std::make_unique<dashboard::DashboardService>(store_.get(), projector_.get(), &clock_);
    access_ = std::make_unique<TokenAccess>(RateLimit{}, &clock_);
    Services s{.store = store_.get(),
               .ingest = ingest_.get(),
               .access = access_.get(),
               .metrics = &metrics_,
               .projector = projector_.get(),
               .clock = &clock_,
               .dashboards = dashboards_.get()};
    AddEventRoutes(&router_, s);
    AddAnalyticsRoutes(&router_, s);
    AddDashboardRoutes(&router_, s);
    gate_ = std::make_unique<Gate>(&router_, tokens_.authenticator(), GateOptions{}, &clock_);
    // Three and a half months of a simulated ERP for alpha and beta.
    sim::Generator g({.seed = 11,
                      .tenants = {"alpha", "beta"},
                      .start_unix_micros = 1690848000000000,  // 2023-08-01
                      .end_unix_micros = kNowMicros,           // 2023-11-14, the clock's now
                      .events_per_second = 0.01});
    std::string line, body;
    int64_t ts;
    int lines = 0;
    uint64_t position = 0;
    auto post = [&] {
      Response r = Call("POST", "/events", body, {.orgs = {"*"}, .roles = {"admin"}},
                        "application/x-ndjson");
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
      position = json::parse(r.body).at("position").to_number<uint64_t>();
      body.clear();
    };
    while (g.Next(&line, &ts)) {
      body += line + "\n";
      if (++lines % 5000 == 0) post();
    }
    if (!body.empty()) post();
    ASSERT_TRUE(projector_->WaitForPosition(position, std::chrono::seconds(20)));
  }
  void TearDown() override {
    if (projector_) projector_->Stop();
  }

  Response Call(std::string method, std::string path, std::string body, const TokenSpec& token,
                std::string content_type = "application/json", std::string if_match = "") {
    Request req = testing::RequestFor(std::move(method), path);
    req.headers["authorization"] = tokens_.Bearer(token);
    if (!if_match.empty()) req.headers["if-match"] = if_match;
    if (!body.empty()) {
      req.headers["content-type"] = content_type;
      req.body = std::move(body);
    }
    return testing::AnswerOf([this](Request& r, Responder done) { gate_->Handle(r, std::move(done)); },
                             std::move(req));
  }
  Response Get(std::string path, const TokenSpec& token) { return Call("GET", path, "", token); }
  Response Post(std::string path, std::string body, const TokenSpec& token,
                std::string if_match = "") {
    return Call("POST", path, body, token, "application/json", if_match);
  }
  Response Put(std::string path, std::string body, const TokenSpec& token,
               std::string if_match = "") {
    return Call("PUT", path, body, token, "application/json", if_match);
  }
  static json::value Body(const Response& r) { return json::parse(r.body); }
  static std::string Field(const Response& r) {
    json::value v = Body(r);
    if (const json::value* errors = v.as_object().if_contains("errors")) {
      if (!errors->as_array().empty()) return json::value_to<std::string>(errors->as_array()[0].at("field"));
    }
    return "";
  }
  static std::string Header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  static const json::value* WidgetOf(const json::value& dashboard, std::string_view id) {
    for (const json::value& w : dashboard.at("widgets").as_array()) {
      if (w.at("widget_id").as_string() == id) return &w;
    }
    return nullptr;
  }

  auth::testkit::TempDir dir_;
  ManualClock clock_{kNowMicros};
  TestTokens tokens_;
  MetricsRegistry metrics_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<projection::Projector> projector_;
  std::unique_ptr<dashboard::DashboardService> dashboards_;
  std::unique_ptr<TokenAccess> access_;
  Router router_;
  std::unique_ptr<Gate> gate_;
};

TEST_F(DashboardRoutesTest, CachedDataEqualsTheAnalyticsApiForEveryWidgetType) {
  struct Case {
    std::string widget, api, pick;
  } cases[] = {
      {R"({"widget_type":"metric","data_source":"finance","query_params":{"metric":"total_revenue","period":"2023-10"}})",
       "/analytics/finance/revenue/alpha?period=2023-10", "total_revenue"},
      {R"({"widget_type":"metric","data_source":"cross","query_params":{"metric":"revenue_per_employee","period":"2023-11"}})",
       "/analytics/cross/alpha?period=2023-11", "revenue_per_employee"},
      {R"({"widget_type":"chart","data_source":"crm","query_params":{"metric":"won_value","from":"2023-09","to":"2023-11"}})",
       "/analytics/series/alpha?domain=crm&metric=won_value&from=2023-09&to=2023-11", "points"},
      {R"({"widget_type":"chart","data_source":"hrm","query_params":{"metric":"total_employees","from":"2023-09-04","to":"2023-09-17","granularity":"week"}})",
       "/analytics/series/alpha?domain=hrm&metric=total_employees&from=2023-09-04&to=2023-09-17&granularity=week",
       "points"},
      {R"({"widget_type":"table","data_source":"finance","query_params":{"metric":"payments_received","from":"2023-09","to":"2023-11"}})",
       "/analytics/series/alpha?domain=finance&metric=payments_received&from=2023-09&to=2023-11", "points"},
      {R"({"widget_type":"table","data_source":"hrm","query_params":{"metric":"employees_by_department","period":"2023-11"}})",
       "/analytics/hrm/headcount/alpha?period=2023-11", "employees_by_department"},
      {R"({"widget_type":"list","data_source":"crm","query_params":{"metric":"top_performers","period":"2023-11","limit":5}})",
       "/analytics/crm/pipeline/alpha?period=2023-11", "top_performers"},
  };
  int nonempty = 0;
  for (const Case& c : cases) {
    Response created = Post("/dashboards/alpha/widgets", c.widget, kAdmin);
    ASSERT_EQ(created.status, 201) << created.body;
    json::value w = Body(created);
    EXPECT_EQ(Header(created, "X-Readside-Position"), std::to_string(w.at("position").as_int64()));
    Response api = Get(c.api, kAdmin);
    ASSERT_EQ(api.status, 200) << api.body;
    json::value api_body = Body(api);
    const json::value& expected = api_body.at(c.pick);
    const json::value& data = w.at("cached_data");
    if (w.at("widget_type") == "metric") {
      EXPECT_EQ(data.at("value"), expected) << c.widget;
      nonempty += data.at("value") != json::value(0);
    } else if (w.at("widget_type") == "chart") {
      EXPECT_EQ(data.at("points"), expected) << c.widget;
      nonempty += !data.at("points").as_array().empty();
    } else if (c.pick == "points") {  // a table over a numeric metric: the series as rows
      EXPECT_EQ(data.at("rows"), expected) << c.widget;
      nonempty += !expected.as_array().empty();
    } else if (expected.is_object()) {
      json::array rows;
      for (const auto& [k, v] : expected.as_object()) rows.push_back(json::object{{"key", k}, {"value", v}});
      EXPECT_EQ(data.at("rows"), json::value(rows)) << c.widget;
      nonempty += !rows.empty();
    } else {
      EXPECT_EQ(data.at("rows"), expected) << c.widget;
      nonempty += !expected.as_array().empty();
    }
    // GET /dashboards/{org} shows the same data.
    json::value mine = Body(Get("/dashboards/alpha", kAdmin));
    const json::value* again = WidgetOf(mine, w.at("widget_id").as_string());
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->at("cached_data"), data);
    EXPECT_FALSE(again->as_object().contains("forbidden"));
    EXPECT_TRUE(again->at("cache_expires").is_string());
  }
  EXPECT_GE(nonempty, 5);  // compared on real numbers
}

TEST_F(DashboardRoutesTest, WidgetCreateUpdateDeleteWithVersions) {
  Response before = Get("/dashboards/alpha", kAnn);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(Body(before).at("dashboard_id"), "default");
  EXPECT_EQ(Body(before).at("widgets").as_array().size(), 10u);  // the executive template
  EXPECT_EQ(Header(before, "ETag"), "\"0\"");

  Response created = Post("/dashboards/alpha/widgets",
                          R"({"widget_type":"metric","title":"Leads","data_source":"crm",
                              "query_params":{"metric":"leads_new"},"refresh_interval":60})",
                          kAnn);
  ASSERT_EQ(created.status, 201) << created.body;
  json::value w = Body(created);
  std::string id(w.at("widget_id").as_string());
  EXPECT_EQ(w.at("dashboard_id"), "u-616e6e");
  // Versions are the positions of the changes (X-Readside-Position of the answer).
  int64_t v1 = w.at("version").as_int64();
  EXPECT_EQ(std::to_string(v1), Header(created, "X-Readside-Position"));
  std::string etag1 = "\"" + std::to_string(v1) + "\"";
  EXPECT_EQ(Header(created, "ETag"), etag1);
  EXPECT_EQ(w.at("grid"), (json::object{{"x", 0}, {"y", 8}, {"w", 3}, {"h", 2}}));  // auto-placed
  std::string path = "/dashboards/alpha/widgets/" + id;
  // The Location answers with the widget.
  Response located = Get(Header(created, "Location"), kAnn);
  EXPECT_EQ(located.status, 200) << located.body;
  EXPECT_EQ(Body(located).at("widget_id"), w.at("widget_id"));
  EXPECT_EQ(Header(located, "ETag"), etag1);

  Response updated = Put(path, R"({"title":"New leads","grid":{"x":3,"y":8,"w":3,"h":2}})", kAnn, etag1);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated).at("title"), "New leads");
  int64_t v2 = Body(updated).at("version").as_int64();
  EXPECT_GT(v2, v1);
  std::string etag2 = "\"" + std::to_string(v2) + "\"";
  // A stale If-Match is 412 and changes nothing; so is a weak one (If-Match compares strongly).
  EXPECT_EQ(Put(path, R"({"title":"Weak"})", kAnn, "W/" + etag2).status, 412);
  Response stale = Put(path, R"({"title":"Lost"})", kAnn, etag1);
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(WidgetOf(Body(Get("/dashboards/alpha", kAnn)), id)->at("title"), "New leads");
  EXPECT_EQ(Put(path, R"({"title":"x"})", kAnn, "abc").status, 400);
  // Bad members are 400 naming them; a forbidden domain 403; an overlap 422.
  Response bad = Put(path, R"({"data_source":"payroll"})", kAnn);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Field(bad), "data_source");
  Response overlap = Put(path, R"({"grid":{"x":0,"y":0,"w":3,"h":2}})", kAnn);
  EXPECT_EQ(overlap.status, 422) << overlap.body;
  EXPECT_EQ(Put(path, R"({"data_source":"hrm","query_params":{"metric":"new_hires"}})", kSally).status, 404)
      << "sally has no own dashboard holding it";

  Response deleted = Call("DELETE", path, "", kAnn, "application/json", etag2);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(WidgetOf(Body(Get("/dashboards/alpha", kAnn)), id), nullptr);
  // The widget deleted meanwhile: 409, never a silent re-creation.
  Response gone = Put(path, R"({"title":"Back"})", kAnn, etag2);
  EXPECT_EQ(gone.status, 409) << gone.body;
  EXPECT_EQ(Call("DELETE", path, "", kAnn).status, 409);
  EXPECT_EQ(Put("/dashboards/alpha/widgets/never", R"({"title":"x"})", kAnn).status, 404);
  // Widgets copied from the default keep their ids: ann changes executive-1 on her own copy.
  Response copied = Put("/dashboards/alpha/widgets/executive-1", R"({"title":"Revenue"})", kAnn);
  EXPECT_EQ(copied.status, 200) << copied.body;
  EXPECT_EQ(Body(Get("/dashboards/alpha", kBob)).at("dashboard_id"), "default");
}

TEST_F(DashboardRoutesTest, BadInputIsNamed) {
  struct Case {
    std::string body;
    int status;
    std::string field;
  } cases[] = {
      {R"({"widget_type":"metric","data_source":"sales","query_params":{"metric":"leads_new"}})", 400, "data_source"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"sales"}})", 400, "query_params.metric"},
      {R"({"widget_type":"chart","chart_type":"radar","data_source":"crm","query_params":{"metric":"leads_new"}})", 400, "chart_type"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new","window":"7d"}})", 400, "query_params.window"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":-1,"y":0,"w":3,"h":2}})", 422, "grid"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":10,"y":0,"w":3,"h":2}})", 422, "grid"},
      {R"({"widget_type":"metric","data_source":"crm","query_params":{"metric":"leads_new"},"grid":{"x":0,"y":0,"w":3,"h":2}})", 422, "grid"},
      {R"(not json)", 400, "body"},
  };
  for (const Case& c : cases) {
    Response r = Post("/dashboards/alpha/widgets", c.body, kAnn);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(Field(r), c.field) << r.body;
  }
  // Nothing of that was stored: ann still sees the default.
  EXPECT_EQ(Body(Get("/dashboards/alpha", kAnn)).at("dashboard_id"), "default");
  // A domain the caller lacks: 403.
  Response forbidden = Post("/dashboards/alpha/widgets",
                            R"({"widget_type":"metric","data_source":"finance","query_params":{"metric":"total_revenue"}})",
                            kSally);
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(Post("/dashboards/alpha/widgets?x=1", "{}", kAnn).status, 400);
}

TEST_F(DashboardRoutesTest, LayoutRulesAre422AndChangeNothing) {
  Response first = Put("/dashboards/alpha/layout",
                       R"({"positions":[{"widget_id":"executive-1","x":0,"y":8,"w":3,"h":2}]})", kAnn);
  ASSERT_EQ(first.status, 200) << first.body;
  json::value d = Body(first);
  EXPECT_EQ(d.at("dashboard_id"), "u-616e6e");
  int64_t v1 = d.at("version").as_int64();
  std::string etag1 = "\"" + std::to_string(v1) + "\"";
  EXPECT_EQ(Header(first, "ETag"), etag1);
  EXPECT_EQ(WidgetOf(d, "executive-1")->at("grid"), (json::object{{"x", 0}, {"y", 8}, {"w", 3}, {"h", 2}}));
  struct Case {
    std::string body;
    int status;
    std::string field;
  } cases[] = {
      {R"({"positions":[{"widget_id":"executive-2","x":0,"y":8,"w":3,"h":2}]})", 422, "widget executive-2 grid"},
      {R"({"positions":[{"widget_id":"executive-2","x":10,"y":0,"w":3,"h":2}]})", 422, "positions[0]"},
      {R"({"positions":[{"widget_id":"executive-2","x":0,"y":-2,"w":3,"h":2}]})", 422, "positions[0]"},
      {R"({"positions":[{"widget_id":"executive-2","x":0,"y":0,"w":0,"h":2}]})", 422, "positions[0]"},
      {R"({"positions":[{"widget_id":"nope","x":0,"y":20,"w":3,"h":2}]})", 422, "positions[0].widget_id"},
      {R"({"positions":[{"widget_id":"executive-2","x":0,"y":20,"w":3,"h":2},{"widget_id":"executive-2","x":0,"y":30,"w":3,"h":2}]})",
       422, "positions[1].widget_id"},
      {R"({"positions":[{"widget_id":"executive-2","x":"0","y":20,"w":3,"h":2}]})", 400, "positions[0].x"},
      {R"({"positions":[{"widget_id":"executive-2","y":20,"w":3,"h":2}]})", 400, "positions[0].x"},
      {R"({"positions":{}})", 400, "positions"},
  };
  for (const Case& c : cases) {
    Response r = Put("/dashboards/alpha/layout", c.body, kAnn);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_EQ(Field(r), c.field) << r.body;
  }
  json::value after = Body(Get("/dashboards/alpha", kAnn));
  EXPECT_EQ(after.at("version"), v1);  // nothing changed
  // Swapping two widgets in one layout is fine; a stale If-Match is 412.
  Response swap = Put("/dashboards/alpha/layout",
                      R"({"positions":[{"widget_id":"executive-1","x":3,"y":0,"w":3,"h":2},
                                       {"widget_id":"executive-2","x":0,"y":8,"w":3,"h":2}]})",
                      kAnn, etag1);
  EXPECT_EQ(swap.status, 200) << swap.body;
  EXPECT_EQ(Put("/dashboards/alpha/layout", R"({"positions":[]})", kAnn, etag1).status, 412);
  // A widget deleted meanwhile, named in a layout: 409.
  ASSERT_EQ(Call("DELETE", "/dashboards/alpha/widgets/executive-3", "", kAnn).status, 204);
  Response deleted = Put("/dashboards/alpha/layout",
                         R"({"positions":[{"widget_id":"executive-3","x":0,"y":30,"w":3,"h":2}]})", kAnn);
  EXPECT_EQ(deleted.status, 409) << deleted.body;
  // Deleting the own dashboard and making it again: the first ETag never matches again.
  std::string current = Header(Get("/dashboards/alpha", kAnn), "ETag");
  ASSERT_EQ(Call("DELETE", "/dashboards/alpha/u-616e6e", "", kAnn, "application/json", current).status, 204);
  EXPECT_EQ(Body(Get("/dashboards/alpha", kAnn)).at("dashboard_id"), "default");
  ASSERT_EQ(Put("/dashboards/alpha/layout", R"({"positions":[]})", kAnn).status, 200);  // made again
  EXPECT_EQ(Put("/dashboards/alpha/layout", R"({"positions":[]})", kAnn, etag1).status, 412);
  EXPECT_EQ(Put("/dashboards/alpha/layout", R"({"positions":[]})", kAnn, current).status, 412);
  // The organization's default is the admin's to lay out.
  EXPECT_EQ(Put("/dashboards/alpha/layout?dashboard_id=default", R"({"positions":[]})", kAnn).status, 403);
  EXPECT_EQ(Put("/dashboards/alpha/layout?dashboard_id=default", R"({"positions":[]})", kAdmin).status, 200);
}

TEST_F(DashboardRoutesTest, TemplatesAndTheSharingMatrix) {
  Response list = Get("/dashboard-templates", kAnn);
  ASSERT_EQ(list.status, 200);
  std::vector<std::string> names;
  json::value templates = Body(list);
  for (const json::value& t : templates.at("templates").as_array()) {
    names.push_back(json::value_to<std::string>(t.at("name")));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"executive", "sales", "finance", "hr", "operations"}));
  EXPECT_EQ(Post("/dashboards/alpha/from-template/weather", "", kAnn).status, 404);
  EXPECT_EQ(Post("/dashboards/alpha/from-template/sales", R"({"target":"everyone"})", kAnn).status, 400);
  EXPECT_EQ(Post("/dashboards/alpha/from-template/sales", R"({"target":"default"})", kAnn).status, 403);
  // A template with widgets on domains the caller lacks: 403 (sales sees crm only).
  Response lacking = Post("/dashboards/alpha/from-template/finance", "", kSally);
  EXPECT_EQ(lacking.status, 403) << lacking.body;
  EXPECT_EQ(Post("/dashboards/alpha/from-template/sales", "", kSally).status, 201);

  Response made = Post("/dashboards/alpha/from-template/finance", R"({"name":"Ann's finance"})", kAnn);
  ASSERT_EQ(made.status, 201) << made.body;
  json::value d = Body(made);
  std::string id(d.at("dashboard_id").as_string());
  EXPECT_EQ(d.at("name"), "Ann's finance");
  EXPECT_EQ(d.at("owner"), "ann");
  EXPECT_EQ(d.at("widgets").as_array().size(), 9u);
  std::string path = "/dashboards/alpha/" + id;
  std::string widget = "/dashboards/alpha/widgets/finance-1?dashboard_id=" + id;

  // Not shared yet: only the owner and admins.
  EXPECT_EQ(Get(path, kAnn).status, 200);
  EXPECT_EQ(Get(path, kAdmin).status, 200);
  EXPECT_EQ(Get(path, kBob).status, 403);
  EXPECT_EQ(Get(path, kCarl).status, 403);
  EXPECT_EQ(Get(path, kBeta).status, 404);  // another tenant's token
  // Only the owner (or an admin) shares; unknown roles are 400.
  EXPECT_EQ(Post(path + "/share", R"({"users":["bob"]})", kBob).status, 403);
  Response badrole = Post(path + "/share", R"({"roles":["janitor"]})", kAnn);
  EXPECT_EQ(badrole.status, 400);
  EXPECT_EQ(Field(badrole), "roles");
  Response shared = Post(path + "/share", R"({"users":["bob"],"roles":["finance"]})", kAnn);
  ASSERT_EQ(shared.status, 200) << shared.body;
  EXPECT_EQ(Body(shared).at("shared_with"),
            (json::object{{"users", json::array{"bob"}}, {"roles", json::array{"finance"}}}));

  // Shared user and shared role read it; neither changes it; the outsider still cannot.
  EXPECT_EQ(Get(path, kBob).status, 200);
  EXPECT_EQ(Get(path, kCarl).status, 200);
  EXPECT_EQ(Get(path, kSally).status, 403);
  EXPECT_EQ(Get(path, kBeta).status, 404);
  EXPECT_EQ(Put(widget, R"({"title":"mine now"})", kBob).status, 403);
  EXPECT_EQ(Put(widget, R"({"title":"mine now"})", kCarl).status, 403);
  EXPECT_EQ(Put(widget, R"({"title":"mine now"})", kSally).status, 403);
  EXPECT_EQ(Call("DELETE", path, "", kBob).status, 403);
  EXPECT_EQ(Post(path + "/share", R"({"users":[]})", kCarl).status, 403);
  // The owner and an admin do.
  EXPECT_EQ(Put(widget, R"({"title":"Revenue by ann"})", kAnn).status, 200);
  EXPECT_EQ(Put(widget, R"({"title":"Revenue by admin"})", kAdmin).status, 200);
  EXPECT_EQ(Get(path, kBob).status, 200);
  EXPECT_EQ(WidgetOf(Body(Get(path, kBob)), "finance-1")->at("title"), "Revenue by admin");
  // Unsharing takes effect; deleting removes it for everyone.
  EXPECT_EQ(Post(path + "/share", R"({"users":[]})", kAnn).status, 200);
  EXPECT_EQ(Get(path, kBob).status, 403);
  EXPECT_EQ(Get(path, kCarl).status, 200);
  EXPECT_EQ(Call("DELETE", path, "", kAnn).status, 204);
  EXPECT_EQ(Get(path, kAnn).status, 404);
}

TEST_F(DashboardRoutesTest, WidgetsOnDomainsTheViewerLacksComeBackForbiddenWithoutData) {
  json::value d = Body(Get("/dashboards/alpha", kSally));  // sales: crm only
  int forbidden = 0, shown = 0;
  for (const json::value& w : d.at("widgets").as_array()) {
    if (w.at("data_source") == "crm") {
      EXPECT_FALSE(w.as_object().contains("forbidden"));
      EXPECT_TRUE(w.at("cached_data").is_object());
      ++shown;
    } else {
      EXPECT_EQ(w.at("forbidden"), true);
      EXPECT_TRUE(w.at("cached_data").is_null());
      ++forbidden;
    }
  }
  EXPECT_EQ(shown, 2);
  EXPECT_EQ(forbidden, 8);
  // Not even the numbers' text is in the answer.
  json::value admin = Body(Get("/dashboards/alpha", kAdmin));
  std::string revenue = json::serialize(WidgetOf(admin, "executive-1")->at("cached_data").at("value"));
  ASSERT_NE(revenue, "0");
  EXPECT_EQ(json::serialize(d).find(revenue), std::string::npos);
  // And a sales user may not change a finance widget of her own copy either.
  EXPECT_EQ(Put("/dashboards/alpha/widgets/executive-1", R"({"title":"x"})", kSally).status, 403);
}

}  // namespace
}  // namespace readside::http
