// The consistency, reconciliation and rebuild-queue routes through the whole request path
// (Gate → Router → routes → TokenAccess) over a real store, projector and consistency
// service: drift injected into a live read model (projection::testing::ProjectorPeer, linked
// only into tests) is found by POST /admin/consistency/{org} exactly, counted in /metrics,
// repaired by the tenant's rebuild, and gone at the next check; checks during concurrent
// ingest find no drift; control totals are validated strictly and reconciled exactly;
// rebuilds queue.

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "http/test_tokens.h"
#include "ingest/ingest_service.h"
#include "own_state/tenant_settings_service.h"
#include "projection/consistency_service.h"
#include "projection/projector.h"
#include "projection/projector_testing.h"
#include "projection/series.h"
#include "store/event_store.h"

namespace readside::http {
namespace {

using ::testing::HasSubstr;
using testing::kNowMicros;
using ::testing::Not;
using testing::TestTokens;
using testing::TokenSpec;
namespace json = boost::json;

std::string Event(const std::string& org, const std::string& id, const std::string& type,
                  const std::string& ts, const std::string& payload) {
  return R"({"event_id":")" + id + R"(","event_type":")" + type + R"(","organization_id":")" +
         org + R"(","timestamp":")" + ts +
         R"(","version":"1.0","source_service":"erp-test","data":{"entity_id":")" + id +
         R"(","entity_type":"thing","action":"x","payload":)" + payload + "}}\n";
}

std::string Invoice(const std::string& org, const std::string& id, const std::string& amount,
                    const std::string& ts = "2024-01-10T10:00:00Z") {
  return Event(org, id, "finance.invoice.created", ts,
               R"({"customer_id":"c-1","amount":)" + amount + R"(,"due_date":"2024-02-15"})");
}

std::string Header(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

class ConsistencyRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }
  void TearDown() override { Stop(); }

  void Stop() {
    if (projector_) projection::testing::ProjectorPeer::HoldRebuilds(*projector_, false);
    gate_.reset();
    if (consistency_) consistency_->Stop();
    consistency_.reset();
    tenant_settings_.reset();
    if (projector_) projector_->Stop();
    projector_.reset();
    ingest_.reset();
    store_.reset();
  }

  void Start(projection::ProjectorOptions options) {
    Stop();
    router_ = std::make_unique<Router>();
    auto store = store::EventStore::Open({.path = dir_.path() + "/events", .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ingest_ =
        std::make_unique<ingest::IngestService>(store_.get(), event::ParserOptions{}, &clock_);
    projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_, options);
    projector_->Start();
    consistency_ = std::make_unique<projection::ConsistencyService>(store_.get(), projector_.get(),
                                                                    &clock_);
    metrics_ = std::make_unique<MetricsRegistry>();
    consistency_->RegisterMetrics(metrics_.get());
    consistency_->Start();
    tenant_settings_ = NewTenantSettingsService(store_.get(), projector_.get(), &clock_);
    access_ = std::make_unique<TokenAccess>(RateLimit{}, &clock_);
    Services s{.store = store_.get(),
               .ingest = ingest_.get(),
               .access = access_.get(),
               .metrics = metrics_.get(),
               .projector = projector_.get(),
               .clock = &clock_,
               .cache = &cache_,
               .tenant_settings = tenant_settings_.get()};
    s.consistency = consistency_.get();
    AddEventRoutes(router_.get(), s);
    AddTenantRoutes(router_.get(), s);
    AddConsistencyRoutes(router_.get(), s);
    gate_ = std::make_unique<Gate>(router_.get(), tokens_.authenticator(), GateOptions{}, &clock_);
  }

  Response Call(Request req) {
    auto answered = std::make_shared<std::promise<Response>>();
    std::future<Response> answer = answered->get_future();
    gate_->Handle(req, [answered](Response r) { answered->set_value(std::move(r)); });
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return answer.get();
  }
  Response Send(std::string method, std::string path, const TokenSpec& as, std::string body = "",
                std::string content_type = "application/json") {
    Request req = testing::RequestFor(std::move(method), path);
    req.headers["authorization"] = tokens_.Bearer(as);
    if (!body.empty()) {
      req.headers["content-type"] = content_type;
      req.body = std::move(body);
    }
    return Call(std::move(req));
  }
  Response Get(const std::string& path, const TokenSpec& as) { return Send("GET", path, as); }
  uint64_t Store(const std::string& ndjson) {
    Response r = Send("POST", "/events", kOperator, ndjson, "application/x-ndjson");
    EXPECT_EQ(r.status, 200) << r.body;
    json::object answer = json::parse(r.body).as_object();
    EXPECT_TRUE(answer.at("rejected").as_array().empty()) << r.body;
    uint64_t position = answer.at("position").to_number<uint64_t>();
    EXPECT_TRUE(projector_->WaitForPosition(position, std::chrono::seconds(10)));
    return position;
  }
  json::object Object(const Response& r) { return json::parse(r.body).as_object(); }
  // Polls GET /admin/rebuild/{org} until the state is done (at most 10 s).
  json::object AwaitRebuilt(const std::string& org, const TokenSpec& as) {
    json::object o;
    for (int i = 0; i < 1000; ++i) {
      o = Object(Get("/admin/rebuild/" + org, as));
      if (o.at("state").as_string() == "done" || o.at("state").as_string() == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return o;
  }
  projection::DayNumber Jan10() { return projection::DayNumberFromCivil(2024, 1, 10); }

  const TokenSpec kAlphaAdmin{.orgs = {"alpha"}, .roles = {"admin"}};
  const TokenSpec kBetaAdmin{.orgs = {"beta"}, .roles = {"admin"}};
  const TokenSpec kOperator{.orgs = {"*"}, .roles = {"admin"}};
  auth::testkit::TempDir dir_;
  ManualClock clock_{kNowMicros};
  TestTokens tokens_;
  std::unique_ptr<MetricsRegistry> metrics_;
  ResponseCache cache_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<projection::Projector> projector_;
  std::unique_ptr<projection::ConsistencyService> consistency_;
  std::unique_ptr<own_state::TenantSettingsService> tenant_settings_;
  std::unique_ptr<TokenAccess> access_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Gate> gate_;
};

TEST_F(ConsistencyRoutesTest, DriftIsFoundExactlyCountedRepairedAndThenGone) {
  Store(Invoice("alpha", "inv-1", "100.25") + Invoice("alpha", "inv-2", "24.75") +
        Invoice("beta", "inv-9", "5"));
  Response clean = Send("POST", "/admin/consistency/alpha", kAlphaAdmin);
  ASSERT_EQ(clean.status, 200) << clean.body;
  EXPECT_EQ(Object(clean).at("consistent").as_bool(), true);
  EXPECT_EQ(Object(clean).at("repair"), nullptr);

  // The live model says 1.5 more revenue in January than the events.
  ASSERT_TRUE(projection::testing::ProjectorPeer::CorruptForTest(
      *projector_, "alpha", projection::S::kTotalRevenue, Jan10(), 15'000));
  Response found = Send("POST", "/admin/consistency/alpha", kAlphaAdmin);
  ASSERT_EQ(found.status, 200) << found.body;
  json::object r = Object(found);
  EXPECT_EQ(r.at("organization_id"), "alpha");
  EXPECT_EQ(r.at("trigger"), "request");
  EXPECT_EQ(r.at("position").to_number<uint64_t>(), 3u);
  EXPECT_EQ(Header(found, "X-Readside-Position"), "3");
  EXPECT_EQ(r.at("events_replayed").to_number<uint64_t>(), 2u);
  EXPECT_EQ(r.at("consistent").as_bool(), false);
  EXPECT_EQ(r.at("differences_total").to_number<uint64_t>(), 1u);
  EXPECT_EQ(r.at("truncated").as_bool(), false);
  EXPECT_THAT(found.body,
              HasSubstr(R"("differences":[{"domain":"finance","period":"2024-01",)"
                        R"("field":"total_revenue","key":null,"live":126.5,"replayed":125}])"));
  json::object repair = r.at("repair").as_object();
  EXPECT_EQ(repair.at("requested").as_bool(), true);
  EXPECT_EQ(repair.at("started").as_bool(), true);
  EXPECT_EQ(repair.at("status_url"), "/admin/rebuild/alpha");
  EXPECT_THAT(metrics_->Render(), HasSubstr("readside_consistency_drift_total 1\n"));
  // The repair: a blue/green rebuild of alpha, followed where the answer points.
  json::object rebuilt = AwaitRebuilt("alpha", kAlphaAdmin);
  EXPECT_EQ(rebuilt.at("state"), "done");
  EXPECT_EQ(rebuilt.at("scope"), "alpha");
  EXPECT_EQ(rebuilt.at("events_read").to_number<uint64_t>(), 2u);
  EXPECT_EQ(rebuilt.at("percent").to_number<int64_t>(), 100);
  // Gone.
  Response again = Send("POST", "/admin/consistency/alpha", kAlphaAdmin);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Object(again).at("consistent").as_bool(), true);
  EXPECT_EQ(Object(again).at("differences").as_array().size(), 0u);
  EXPECT_THAT(metrics_->Render(), HasSubstr("readside_consistency_drift_total 1\n"));
  // The latest check, for the tenant's admin.
  Response last = Get("/admin/consistency/alpha", kAlphaAdmin);
  ASSERT_EQ(last.status, 200) << last.body;
  EXPECT_EQ(Object(last).at("last_check").at("consistent").as_bool(), true);
  EXPECT_EQ(Object(last).at("background").at("enabled").as_bool(), false);
  // Every tenant's, for operators.
  Response all = Get("/admin/consistency", kOperator);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Object(all).at("drift_total").to_number<uint64_t>(), 1u);
  EXPECT_EQ(Object(all).at("repairs_total").to_number<uint64_t>(), 1u);
  EXPECT_EQ(Get("/admin/consistency", kAlphaAdmin).status, 403);
}

TEST_F(ConsistencyRoutesTest, RepairFalseOnlyChecks) {
  Store(Invoice("alpha", "inv-1", "10"));
  ASSERT_TRUE(projection::testing::ProjectorPeer::CorruptForTest(
      *projector_, "alpha", projection::S::kInvoicesCreated, Jan10(), 2));
  Response r = Send("POST", "/admin/consistency/alpha?repair=false", kAlphaAdmin);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("field":"invoices_created","key":null,"live":3,"replayed":1)"));
  EXPECT_THAT(r.body, HasSubstr(R"("repair":{"requested":false,"started":false})"));
  EXPECT_EQ(Object(Get("/admin/rebuild/alpha", kAlphaAdmin)).at("state"), "idle");
  // Still there: nothing repaired it.
  EXPECT_EQ(Object(Send("POST", "/admin/consistency/alpha?repair=false", kAlphaAdmin))
                .at("differences_total")
                .to_number<uint64_t>(),
            1u);
}

TEST_F(ConsistencyRoutesTest, OtherTenantsAndBadInputAreProblems) {
  Store(Invoice("alpha", "inv-1", "10") + Invoice("beta", "inv-2", "10"));
  for (const std::string path :
       {"/admin/consistency/", "/admin/reconcile/"}) {
    // Another tenant: 404, the same bytes as a tenant that does not exist.
    Response beta = Send("POST", path + "beta", kAlphaAdmin, "{}");
    Response nobo = Send("POST", path + "nobo", kAlphaAdmin, "{}");
    EXPECT_EQ(beta.status, 404) << beta.body;
    EXPECT_EQ(beta.content_type, "application/problem+json");
    std::string nobo_body = nobo.body;
    for (size_t at = nobo_body.find("nobo"); at != std::string::npos; at = nobo_body.find("nobo")) {
      nobo_body.replace(at, 4, "beta");
    }
    EXPECT_EQ(beta.body, nobo_body);
    // Roles other than admin: 403.
    EXPECT_EQ(Send("POST", path + "alpha", {.orgs = {"alpha"}, .roles = {"analyst"}}, "{}").status,
              403);
  }
  EXPECT_EQ(Get("/admin/consistency/beta", kAlphaAdmin).status, 404);
  // An organization without events: 404 for the operator too.
  Response none = Send("POST", "/admin/consistency/nobody", kOperator);
  EXPECT_EQ(none.status, 404) << none.body;
  EXPECT_THAT(none.body, HasSubstr("has no events"));
  // Bad parameters name themselves.
  Response bad = Send("POST", "/admin/consistency/alpha?repair=maybe", kAlphaAdmin);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr(R"("field":"repair","message":"must be true or false")"));
  Response unknown = Send("POST", "/admin/consistency/alpha?repare=false", kAlphaAdmin);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr(R"("field":"repare")"));
  Response not_an_org = Send("POST", "/admin/consistency/Alpha", kOperator);
  EXPECT_EQ(not_an_org.status, 400);
  EXPECT_THAT(not_an_org.body, HasSubstr(R"("field":"org")"));
}

// Checks running while events are stored and applied: the view and the replay are taken at
// one position, so no check reports drift that is not there.
TEST_F(ConsistencyRoutesTest, ChecksDuringConcurrentIngestFindNoDrift) {
  Store(Invoice("alpha", "inv-0", "1"));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 60; ++i) {
      std::string batch;
      for (int k = 0; k < 20; ++k) {
        std::string id = "inv-" + std::to_string(i) + "-" + std::to_string(k);
        batch += Invoice("alpha", id, std::to_string(k) + ".25",
                         "2024-0" + std::to_string(1 + k % 9) + "-10T10:00:00Z");
        batch += Event("alpha", "pay-" + id, "finance.payment.received", "2024-03-01T10:00:00Z",
                       R"({"invoice_id":")" + id + R"(","amount":"0.25"})");
      }
      Send("POST", "/events", kOperator, batch, "application/x-ndjson");
    }
    done = true;
  });
  int checks = 0;
  std::set<uint64_t> positions;
  while (!done || checks < 3) {
    Response r = Send("POST", "/admin/consistency/alpha?repair=false", kAlphaAdmin);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Object(r).at("differences_total").to_number<uint64_t>(), 0u) << r.body;
    positions.insert(Object(r).at("position").to_number<uint64_t>());
    ++checks;
  }
  writer.join();
  EXPECT_GT(positions.size(), 1u) << "checks ran at several positions while events arrived";
  EXPECT_THAT(metrics_->Render(), HasSubstr("readside_consistency_drift_total 0\n"));
}

// ---- reconciliation ----

TEST_F(ConsistencyRoutesTest, ReconcileFindsMissingAndExtraIdsAndExactSums) {
  Store(Invoice("alpha", "inv-1", "100.1") + Invoice("alpha", "inv-2", "0.0001") +
        Invoice("alpha", "inv-x", "5", "2024-02-03T10:00:00Z") +
        Event("alpha", "c-1", "crm.contact.created", "2024-01-05T10:00:00Z", R"({"name":"A"})"));
  std::string body = R"({"organization_id":"alpha","timezone":"UTC","totals":[
      {"entity_type":"invoice","period":"2024-01","count":3,"sum":"150.1001",
       "ids":["inv-1","inv-2","inv-3"]},
      {"entity_type":"contact","period":"2024-01","count":1},
      {"entity_type":"payment","period":"2024-01","count":0,"sum":0}]})";
  Response r = Send("POST", "/admin/reconcile/alpha", kAlphaAdmin, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"organization_id":"alpha","timezone":"UTC","position":4,"consistent":false,)"
            R"("rows_total":3,"rows_differing":1,"totals":[)"
            R"({"entity_type":"invoice","period":"2024-01","control":{"count":3,"sum":150.1001},)"
            R"("readside":{"count":2,"sum":100.1001},"difference":{"count":-1,"sum":-50},)"
            R"("missing":["inv-3"],"missing_total":1,"extra":[],"extra_total":0,"matches":false},)"
            R"({"entity_type":"contact","period":"2024-01","control":{"count":1},)"
            R"("readside":{"count":1},"difference":{"count":0},"matches":true},)"
            R"({"entity_type":"payment","period":"2024-01","control":{"count":0,"sum":0},)"
            R"("readside":{"count":0,"sum":0},"difference":{"count":0,"sum":0},"matches":true}],)"
            R"("unlisted":[{"entity_type":"invoice","period":"2024-02","count":1,"sum":5}]})");
  EXPECT_THAT(metrics_->Render(), HasSubstr("readside_reconciliations_total 1\n"));
}

TEST_F(ConsistencyRoutesTest, ReconcileBodiesAreValidatedStrictly) {
  Store(Invoice("alpha", "inv-1", "10"));
  struct Case {
    std::string body;
    int status;
    std::string field, message;
  };
  const std::string row = R"({"entity_type":"invoice","period":"2024-01","count":1,"sum":10})";
  const Case cases[] = {
      {"[]", 400, "body", "must be a JSON object"},
      {"{", 400, "body", "not JSON"},
      {R"({"totals":{}})", 400, "totals", "must be an array"},
      {R"({})", 400, "totals", "is required"},
      {R"({"totals":[],"extra":1})", 400, "extra", "is not a field of the body"},
      {R"({"totals":[{"entity_type":"invoices","period":"2024-01","count":1}]})", 400,
       "totals[0].entity_type", "must be an entity type of the event catalog"},
      {R"({"totals":[{"entity_type":"contact","period":"2024-1","count":1}]})", 400,
       "totals[0].period", "must be a month"},
      {R"({"totals":[{"entity_type":"contact","period":"2024-Q1","count":1}]})", 400,
       "totals[0].period", "must be a month"},
      {R"({"totals":[{"entity_type":"contact","period":"2024-01","count":-1}]})", 400,
       "totals[0].count", "must be an integer"},
      {R"({"totals":[{"entity_type":"contact","period":"2024-01","count":1.5}]})", 400,
       "totals[0].count", "must be an integer"},
      {R"({"totals":[{"entity_type":"contact","period":"2024-01"}]})", 400, "totals[0].count",
       "is required"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1}]})", 400,
       "totals[0].sum", "is required"},
      {R"({"totals":[{"entity_type":"contact","period":"2024-01","count":1,"sum":0}]})", 400,
       "totals[0].sum", "must be absent"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":1.00001}]})",
       400, "totals[0].sum", "must be money"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":"1e3"}]})", 400,
       "totals[0].sum", "must be money"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":-1}]})", 400,
       "totals[0].sum", "must be ≥ 0"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":1,)"
       R"("ids":["a","a"]}]})",
       400, "totals[0].ids[1]", "repeats the id"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":1,"ids":[7]}]})",
       400, "totals[0].ids[0]", "must be an entity id"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":1,"note":1}]})",
       400, "totals[0].note", "is not a field of a control total"},
      {R"({"totals":[{"entity_type":"invoice","entity_type":"invoice","period":"2024-01",)"
       R"("count":1,"sum":1}]})",
       400, "totals[0].entity_type", "duplicate key"},
      {R"({"totals":[)" + row + "," + row + "]}", 400, "totals[1]",
       "repeats the entity type and period of totals[0]"},
      {R"({"totals":[{"entity_type":"invoice","period":"2024-01","count":2,"sum":1,"ids":["a"]}]})",
       422, "totals[0].count", "is 2 but ids lists 1"},
      {R"({"timezone":"Europe/Berlin","totals":[)" + row + "]}", 422, "timezone",
       "is Europe/Berlin but the tenant's periods are months in UTC"},
      {R"({"organization_id":"beta","totals":[)" + row + "]}", 422, "organization_id",
       "must be the organization of the path, alpha"},
  };
  for (const Case& c : cases) {
    Response r = Send("POST", "/admin/reconcile/alpha", kAlphaAdmin, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << c.body;
    ASSERT_TRUE(json::parse(r.body).as_object().contains("errors")) << r.body;
    json::object first = json::parse(r.body).at("errors").at(0).as_object();
    EXPECT_EQ(std::string(first.at("field").as_string()), c.field) << c.body << " → " << r.body;
    EXPECT_THAT(std::string(first.at("message").as_string()), HasSubstr(c.message))
        << c.body << " → " << r.body;
  }
  // Too many rows: named with the limit.
  std::string many = R"({"totals":[)";
  for (int i = 0; i < 10'001; ++i) many += (i ? "," : "") + row;
  Response r = Send("POST", "/admin/reconcile/alpha", kAlphaAdmin, many + "]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr(R"("field":"totals","message":"must hold at most 10000)"));
  // Not JSON at all: the Gate's 415.
  EXPECT_EQ(Send("POST", "/admin/reconcile/alpha", kAlphaAdmin, "x", "text/plain").status, 415);
  // A tenant without events.
  Response none = Send("POST", "/admin/reconcile/nobody", kOperator, R"({"totals":[]})");
  EXPECT_EQ(none.status, 404) << none.body;
}

// ---- the rebuild queue ----

TEST_F(ConsistencyRoutesTest, RebuildsQueueCoalesceAreBoundedAndAllComplete) {
  Start({.max_queued_rebuilds = 2});
  Store(Invoice("alpha", "a-1", "1") + Invoice("beta", "b-1", "2") + Invoice("gamma", "g-1", "3"));
  projection::testing::ProjectorPeer::HoldRebuilds(*projector_, true);
  Response a = Send("POST", "/admin/rebuild/alpha", kAlphaAdmin);
  ASSERT_EQ(a.status, 202) << a.body;
  EXPECT_EQ(Object(a).at("state"), "running");
  EXPECT_EQ(Object(a).at("coalesced").as_bool(), false);
  Response b = Send("POST", "/admin/rebuild/beta", kBetaAdmin);
  ASSERT_EQ(b.status, 202) << b.body;
  EXPECT_EQ(Header(b, "Location"), "/admin/rebuild/beta");
  EXPECT_EQ(Object(b).at("state"), "queued");
  EXPECT_EQ(Object(b).at("queue_position").to_number<int64_t>(), 1);
  // Asked again: the same entry, the same place.
  Response b2 = Send("POST", "/admin/rebuild/beta", kBetaAdmin);
  EXPECT_EQ(b2.status, 202);
  EXPECT_EQ(Object(b2).at("coalesced").as_bool(), true);
  EXPECT_EQ(Object(b2).at("queue_position").to_number<int64_t>(), 1);
  ASSERT_EQ(Send("POST", "/admin/rebuild/gamma", kOperator).status, 202);
  // Full: 503 with Retry-After; the tenant's admin learns nothing of who waits.
  Response full = Send("POST", "/admin/rebuild", kOperator);
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_EQ(Header(full, "Retry-After"), "30");
  EXPECT_THAT(full.body, HasSubstr("Rebuild queue full"));
  // The operator's view: the running one with progress fields, the queue in order.
  json::object all = Object(Get("/admin/rebuild", kOperator));
  EXPECT_EQ(all.at("running").at("scope"), "alpha");
  EXPECT_EQ(all.at("running").at("percent").to_number<int64_t>(), 0);
  EXPECT_EQ(all.at("queue").as_array().size(), 2u);
  EXPECT_EQ(all.at("queue").at(0).at("scope"), "beta");
  EXPECT_EQ(all.at("queue").at(1).at("position").to_number<int64_t>(), 2);
  EXPECT_EQ(all.at("queue_limit").to_number<int64_t>(), 2);
  EXPECT_EQ(all.at("every_tenant").at("state"), "idle");
  // A tenant's view: its own place, nobody else's name.
  Response mine = Get("/admin/rebuild/beta", kBetaAdmin);
  EXPECT_EQ(Object(mine).at("state"), "queued");
  EXPECT_EQ(Object(mine).at("queue_position").to_number<int64_t>(), 1);
  EXPECT_THAT(mine.body, Not(HasSubstr("alpha")));
  EXPECT_THAT(mine.body, Not(HasSubstr("gamma")));
  projection::testing::ProjectorPeer::HoldRebuilds(*projector_, false);
  for (const auto& [org, as] :
       std::vector<std::pair<std::string, TokenSpec>>{{"alpha", kAlphaAdmin},
                                                      {"beta", kBetaAdmin},
                                                      {"gamma", kOperator}}) {
    json::object done = AwaitRebuilt(org, as);
    EXPECT_EQ(done.at("state"), "done") << org;
    EXPECT_EQ(done.at("events_read").to_number<int64_t>(), 1) << org;
    EXPECT_EQ(done.at("events_target").to_number<int64_t>(), 1) << org;
    EXPECT_EQ(done.at("percent").to_number<int64_t>(), 100) << org;
  }
  // Room again.
  EXPECT_EQ(Send("POST", "/admin/rebuild", kOperator).status, 202);
}

}  // namespace
}  // namespace readside::http
