#include "ingest/ingest_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>

namespace readside::ingest {
namespace {

std::string Event(std::string_view id, std::string_view amount = "10") {
  return std::string(R"({"event_id":")") + std::string(id) +
         R"(","event_type":"finance.payment.received","organization_id":"acme","timestamp":"2024-01-15T10:00:00Z","version":"1.0","source_service":"s","data":{"entity_id":"p1","entity_type":"payment","action":"received","payload":{"invoice_id":"i1","amount":)" +
         std::string(amount) + "}}}";
}

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rs-ingest-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    store_ = std::move(*store::EventStore::Open({.path = dir_.string()}));
    service_ = std::make_unique<IngestService>(store_.get(), event::ParserOptions{});
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  IngestReply Run(const std::string& body, event::BodyFormat f = event::BodyFormat::kJson) {
    std::promise<IngestReply> p;
    service_->Ingest(body, f, [&](IngestReply r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<IngestService> service_;
};

TEST_F(IngestServiceTest, AnswersPerEventOutcomes) {
  std::string body = "[" + Event("a") + "," + Event("b", "-1") + "," + Event("a") + "," +
                     Event("a", "11") + "," + Event("c") + "]";
  IngestReply r = Run(body);
  ASSERT_TRUE(std::holds_alternative<IngestAnswer>(r));
  EXPECT_EQ(std::get<IngestAnswer>(r).json,
            R"({"accepted":2,"duplicates":1,"conflicts":[{"index":3,"event_id":"a"}],)"
            R"("rejected":[{"index":1,"event_id":"b","errors":[{"field":"data.payload.amount","message":"must be > 0"}]}],"position":2})");
  EXPECT_EQ(store_->RejectedCount("acme"), 1u);
  EXPECT_EQ(service_->counters().accepted.value(), 2u);
  EXPECT_EQ(std::get<IngestAnswer>(r).accepted, 2u);
  EXPECT_EQ(std::get<IngestAnswer>(r).duplicates, 1u);
}

TEST_F(IngestServiceTest, OnlyDuplicatesAnswerTheStoreHead) {
  Run(Event("a"));
  IngestReply r = Run(Event("a") + "\n" + Event("a") + "\n", event::BodyFormat::kNdjson);
  EXPECT_NE(std::get<IngestAnswer>(r).json.find(R"("accepted":0,"duplicates":2)"), std::string::npos);
  EXPECT_NE(std::get<IngestAnswer>(r).json.find(R"("position":1})"), std::string::npos);
}

TEST_F(IngestServiceTest, MalformedBodyIsAProblemAndStoresNothing) {
  IngestReply r = Run("[" + Event("a") + ", {\"x\": ]");
  ASSERT_TRUE(std::holds_alternative<Problem>(r));
  EXPECT_EQ(std::get<Problem>(r).status, 400);
  EXPECT_EQ(store_->LastPosition(), 0u);
}

// Back-pressure: while the read models trail the store by more than the bound, POST /events is
// refused as a whole (503, Retry-After, nothing stored, counted), at the bound it is let in,
// and unattended sources (the simulator) are never refused.
TEST_F(IngestServiceTest, ReadModelsTooFarBehindRefuseRequestsUntilTheyCatchUp) {
  std::atomic<uint64_t> behind{1001};
  service_->SetBackPressure(1000, [&] { return behind.load(); });
  IngestReply r = Run("[" + Event("a") + "," + Event("b") + "]");
  ASSERT_TRUE(std::holds_alternative<Problem>(r));
  const Problem& p = std::get<Problem>(r);
  EXPECT_EQ(p.status, 503);
  EXPECT_EQ(p.retry_after_seconds, 1);
  EXPECT_EQ(p.title, "Read models behind");
  EXPECT_NE(p.detail.find("1001 events behind"), std::string::npos) << p.detail;
  EXPECT_NE(p.detail.find("--ingest-max-lag (1000)"), std::string::npos) << p.detail;
  EXPECT_EQ(store_->LastPosition(), 0u) << "nothing of a refused request is stored";
  EXPECT_EQ(service_->counters().requests.value(), 0u) << "a refused request is not parsed";
  MetricsRegistry metrics;
  service_->RegisterMetrics(&metrics);
  EXPECT_NE(metrics.Render().find("readside_ingest_backpressure_total 1\n"), std::string::npos);

  std::promise<absl::StatusOr<size_t>> unattended;
  service_->IngestUnattended(Event("s") + "\n", "simulator",
                             [&](absl::StatusOr<size_t> n) { unattended.set_value(n); });
  ASSERT_TRUE(unattended.get_future().get().ok());
  EXPECT_EQ(store_->LastPosition(), 1u) << "the simulator is not refused";

  behind = 1000;  // at the bound: let in
  r = Run("[" + Event("a") + "," + Event("b") + "]");
  ASSERT_TRUE(std::holds_alternative<IngestAnswer>(r));
  EXPECT_EQ(std::get<IngestAnswer>(r).accepted, 2u);
  EXPECT_EQ(store_->LastPosition(), 3u);
  EXPECT_NE(metrics.Render().find("readside_ingest_backpressure_total 1\n"), std::string::npos);
}

TEST_F(IngestServiceTest, UnattendedSourcesSendRejectsToDeadLetters) {
  ManualClock clock(1'700'000'000'000'000);
  IngestService service(store_.get(), {}, &clock);
  std::string body = Event("a") + "\n{not json\n" + Event("b", "0") + "\n\n" + Event("c") + "\n";
  std::promise<absl::StatusOr<size_t>> p;
  service.IngestUnattended(body, "kafka:erp/0", [&](absl::StatusOr<size_t> r) { p.set_value(r); });
  absl::StatusOr<size_t> dead = p.get_future().get();
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(*dead, 2u);
  EXPECT_EQ(store_->LastPosition(), 2u);
  auto letters = store_->ListDeadLetters(0, 10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].raw, "{not json");
  EXPECT_EQ((*letters)[0].source, "kafka:erp/0#2");
  EXPECT_EQ((*letters)[0].received_micros, 1'700'000'000'000'000);
  EXPECT_NE((*letters)[1].reason.find("data.payload.amount: must be > 0"), std::string::npos);
  EXPECT_EQ(store_->RejectedCount("acme"), 1u);  // the unparseable line names no tenant
}

}  // namespace
}  // namespace readside::ingest
