// POST /reports/export/{format} through Gate → Router → the route over a real store and
// projector: the rendering pool's bound (503 with Retry-After when every export thread is
// busy and the queue is full), the row limits (413 naming the limit), the position of the
// file equal to its X-Readside-Position, and the export route's 405 for other methods.

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "auth/test_keys.h"
#include "gtest/gtest.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/render_pool.h"
#include "http/routes.h"
#include "http/test_tokens.h"
#include "ingest/ingest_service.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace readside::http {
namespace {

using testing::kNowMicros;
using testing::TestTokens;
using testing::TokenSpec;

const TokenSpec kAdmin{.orgs = {"*"}, .roles = {"admin"}};

std::string Invoice(const std::string& org, int n) {
  std::string id = org + "-inv-" + std::to_string(n);
  return R"({"event_id":")" + id + R"(","event_type":"finance.invoice.created","organization_id":")" +
         org +
         R"(","timestamp":"2023-11-01T10:00:00Z","version":"1.0","source_service":"erp-test",)"
         R"("data":{"entity_id":")" +
         id + R"(","entity_type":"invoice","action":"created","payload":{"customer_id":"cust-)" +
         std::to_string(n) + R"(","amount":100,"due_date":"2023-11-30"}}})" + "\n";
}

class ReportExportTest : public ::testing::Test {
 protected:
  void Start(render::RenderLimits limits) {
    auto store = store::EventStore::Open({.path = dir_.path() + "/events", .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ingest_ =
        std::make_unique<ingest::IngestService>(store_.get(), event::ParserOptions{}, &clock_);
    projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_);
    projector_->Start();
    access_ = std::make_unique<TokenAccess>(RateLimit{}, &clock_);
    Services s{.store = store_.get(),
               .ingest = ingest_.get(),
               .access = access_.get(),
               .metrics = &metrics_,
               .projector = projector_.get(),
               .clock = &clock_,
               .render_pool = &pool_,
               .render_limits = limits};
    AddEventRoutes(&router_, s);
    AddReportRoutes(&router_, s);
    gate_ = std::make_unique<Gate>(&router_, tokens_.authenticator(), GateOptions{}, &clock_);
  }
  void TearDown() override {
    if (projector_) projector_->Stop();
  }

  Response Call(std::string method, std::string path, std::string body,
                std::string content_type = "application/json") {
    Request req = testing::RequestFor(std::move(method), path);
    req.headers["authorization"] = tokens_.Bearer(kAdmin);
    if (!body.empty()) {
      req.headers["content-type"] = content_type;
      req.body = std::move(body);
    }
    return testing::AnswerOf([this](Request& r, Responder done) { gate_->Handle(r, std::move(done)); },
                             std::move(req));
  }
  uint64_t Store(const std::string& ndjson) {
    Response r = Call("POST", "/events", ndjson, "application/x-ndjson");
    EXPECT_EQ(r.status, 200) << r.body;
    uint64_t position = boost::json::parse(r.body).at("position").to_number<uint64_t>();
    EXPECT_TRUE(projector_->WaitForPosition(position, std::chrono::seconds(10)));
    return position;
  }
  Response Export(std::string format, std::string org = "alpha", std::string extra = "") {
    return Call("POST", "/reports/export/" + format,
                R"({"organization_id":")" + org +
                    R"(","report":"financial","type":"ar_aging","period":"2023-11")" + extra + "}");
  }
  static std::string Header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  auth::testkit::TempDir dir_;
  ManualClock clock_{kNowMicros};
  TestTokens tokens_;
  MetricsRegistry metrics_;
  RenderPool pool_{{.threads = 1, .queue = 1}};
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<projection::Projector> projector_;
  std::unique_ptr<TokenAccess> access_;
  Router router_;
  std::unique_ptr<Gate> gate_;
};

TEST_F(ReportExportTest, RowLimitsAre413NamingTheLimit) {
  Start({.max_csv_rows = 3, .max_xlsx_rows = 3, .max_pdf_rows = 2});
  Store(Invoice("alpha", 1) + Invoice("alpha", 2) + Invoice("alpha", 3));
  for (std::string format : {"csv", "excel"}) {
    Response ok = Export(format);
    EXPECT_EQ(ok.status, 200) << format << ": " << ok.body;
  }
  Response big = Export("pdf");
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(big.content_type, "application/problem+json");
  EXPECT_NE(big.body.find("would hold 3 table rows; an export holds at most 2 (the pdf row limit)"),
            std::string::npos)
      << big.body;
}

TEST_F(ReportExportTest, ABusyPoolAnswers503WithRetryAfterAndThenServesAgain) {
  Start({});
  Store(Invoice("alpha", 1));
  // The only export thread blocked, and the one queue place taken.
  absl::Notification release, running;
  ASSERT_TRUE(pool_.TrySubmit([&] {
    running.Notify();
    release.WaitForNotification();
  }));
  running.WaitForNotification();
  ASSERT_TRUE(pool_.TrySubmit([] {}));
  for (std::string format : {"csv", "excel", "pdf"}) {
    Response busy = Export(format);
    EXPECT_EQ(busy.status, 503) << busy.body;
    EXPECT_EQ(Header(busy, "Retry-After"), "1");
    EXPECT_NE(busy.body.find("Exports busy"), std::string::npos) << busy.body;
  }
  // The body and the report are checked before the pool (400 at once); a section only once
  // the document is built, so while busy it waits its turn like the rest.
  EXPECT_EQ(Export("pdf", "alpha", R"(,"section":"nope")").status, 503);
  EXPECT_EQ(Call("POST", "/reports/export/pdf", R"({"organization_id":"alpha"})").status, 400);
  release.Notify();
  Response ok;
  for (int i = 0; i < 200; ++i) {  // the queued no-op has run once the queue has room again
    ok = Export("pdf");
    if (ok.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.content_type, "application/pdf");
}

TEST_F(ReportExportTest, UnknownSectionIs400ForEveryFormatAndAKnownOneNarrowsTheFile) {
  Start({});
  Store(Invoice("alpha", 1));
  for (std::string format : {"csv", "excel", "pdf"}) {
    Response r = Export(format, "alpha", R"(,"section":"nope")");
    EXPECT_EQ(r.status, 400) << format;
    EXPECT_NE(r.body.find(R"("field":"section")"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("nope"), std::string::npos) << r.body;
  }
  Response whole = Export("pdf");
  Response kpis = Export("pdf", "alpha", R"(,"section":"kpis")");
  ASSERT_EQ(whole.status, 200);
  ASSERT_EQ(kpis.status, 200) << kpis.body;
  EXPECT_LT(kpis.body.size(), whole.body.size());
}

TEST_F(ReportExportTest, TheDocumentsPositionIsItsXReadsidePosition) {
  Start({});
  uint64_t alpha = Store(Invoice("alpha", 1));
  uint64_t beta = Store(Invoice("beta", 1) + Invoice("beta", 2));
  ASSERT_GT(beta, alpha);
  Response json = Call("GET", "/reports/financial/alpha?type=ar_aging&period=2023-11", "");
  ASSERT_EQ(json.status, 200) << json.body;
  uint64_t position = boost::json::parse(json.body).at("position").to_number<uint64_t>();
  EXPECT_EQ(std::to_string(position), Header(json, "X-Readside-Position"));
  EXPECT_EQ(position, beta);  // the snapshot's, not alpha's last event
  Response csv = Export("excel");
  EXPECT_EQ(Header(csv, "X-Readside-Position"), std::to_string(beta));
}

TEST_F(ReportExportTest, OtherMethodsOnTheExportRouteAre405) {
  Start({});
  for (std::string method : {"GET", "PUT", "DELETE"}) {
    Response r = Call(method, "/reports/export/pdf", "");
    EXPECT_EQ(r.status, 405) << method << ": " << r.body;
    EXPECT_EQ(Header(r, "Allow"), "POST") << method;
  }
}

}  // namespace
}  // namespace readside::http

// LeakSanitizer (make check): fontconfig keeps its configuration and font patterns for the
// life of the process (Pango's font maps hold them; nothing calls FcFini), which LSan reports
// at exit once a PDF was rendered. As in src/render/test_util.cc, only this test binary
// suppresses them.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
