#include "app/watch_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace readside::app::watch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

TEST(DecodeLiveMessageTest, KeepsNumbersAsTheServerWroteThem) {
  absl::StatusOr<LiveMessage> m = DecodeLiveMessage(
      R"({"type":"update","domain":"finance","period":"2024-01","position":1234,"full":true,)"
      R"("metrics":{"total_revenue":1500.00,"revenue_growth":null,"invoices_created":12,)"
      R"("profit_margin":0.125}})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type, "update");
  EXPECT_EQ(m->domain, "finance");
  EXPECT_EQ(m->period, "2024-01");
  EXPECT_EQ(m->position, 1234u);
  EXPECT_TRUE(m->full);
  EXPECT_THAT(m->metrics,
              ElementsAre(Pair("total_revenue", "1500.00"), Pair("revenue_growth", "null"),
                          Pair("invoices_created", "12"), Pair("profit_margin", "0.125")));
}

TEST(DecodeLiveMessageTest, BreakdownsAreCompactBiggestFirst) {
  absl::StatusOr<LiveMessage> m = DecodeLiveMessage(
      R"({"type":"update","domain":"crm","metrics":{"activities_by_type":{"call":2,"email":5,"meeting":3},)"
      R"("top_performers":[{"user_id":"u-1","won_value":1500.00,"deals_won":2}],"pipeline_stages":{}}})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(m->metrics, ElementsAre(Pair("activities_by_type", "{3} email 5, meeting 3, call 2"),
                                      Pair("top_performers", "[1] u-1 1500.00 2"),
                                      Pair("pipeline_stages", "{0}")));
}

TEST(DecodeLiveMessageTest, ReadsErrors) {
  absl::StatusOr<LiveMessage> m = DecodeLiveMessage(
      R"({"type":"error","status":403,"title":"Forbidden","detail":"your roles do not include the hrm domain","domain":"hrm","period":"2024-01"})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->status, 403);
  EXPECT_EQ(m->detail, "your roles do not include the hrm domain");
}

TEST(DecodeLiveMessageTest, RefusesWhatIsNotAnObject) {
  EXPECT_FALSE(DecodeLiveMessage("[1,2]").ok());
  EXPECT_FALSE(DecodeLiveMessage("{\"type\":").ok());
  EXPECT_FALSE(DecodeLiveMessage(R"({"type":"update","position":"x"})").ok());
}

constexpr int64_t kT0 = 1'700'000'000'000'000;

WatchView CrmAndHrm() { return WatchView("acme-corp", "", {"crm", "hrm"}); }

TEST(WatchViewTest, PartialUpdatesChangeValuesInPlace) {
  WatchView v = CrmAndHrm();
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"crm","period":"2024-01","position":5,)"
                      R"("full":true,"metrics":{"leads_new":1,"won_value":10.00}})",
                      kT0)
                  .ok());
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"crm","period":"2024-01","position":9,)"
                      R"("full":false,"metrics":{"won_value":25.50}})",
                      kT0 + 1'000'000)
                  .ok());
  const DomainView& crm = v.domains()[0];
  ASSERT_EQ(crm.metrics.size(), 2u);
  EXPECT_EQ(crm.metrics[0].value, "1");
  EXPECT_EQ(crm.metrics[0].changed_micros, 0);  // as first shown: not highlighted
  EXPECT_EQ(crm.metrics[1].value, "25.50");
  EXPECT_EQ(crm.metrics[1].changed_micros, kT0 + 1'000'000);
  EXPECT_EQ(v.position(), 9u);
  EXPECT_FALSE(v.Complete());  // hrm has not answered yet
}

TEST(WatchViewTest, ForbiddenDomainIsHiddenQuietly) {
  WatchView v = CrmAndHrm();
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"crm","period":"2024-01","position":5,)"
                      R"("full":true,"metrics":{"leads_new":1}})",
                      kT0)
                  .ok());
  ASSERT_TRUE(v.Apply(R"({"type":"error","status":403,"title":"Forbidden","detail":"no hrm",)"
                      R"("domain":"hrm","period":"2024-01"})",
                      kT0)
                  .ok());
  EXPECT_TRUE(v.Complete());
  EXPECT_EQ(v.RenderPlain(kT0),
            "acme-corp  period 2024-01  position 5\n"
            "crm  2024-01  position 5\n"
            "  leads_new  1\n"
            "hidden (not in your roles): hrm\n");
}

TEST(WatchViewTest, ScreenRedrawsInPlaceAndHighlightsFreshChanges) {
  WatchView v = CrmAndHrm();
  v.SetConnection("live");
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"crm","period":"2024-01","position":5,)"
                      R"("full":true,"metrics":{"leads_new":1,"won_value":10.00}})",
                      kT0)
                  .ok());
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"crm","period":"2024-01","position":6,)"
                      R"("full":false,"metrics":{"leads_new":2}})",
                      kT0 + 100)
                  .ok());
  std::string frame = v.RenderScreen(100, 10, kT0 + 200);
  EXPECT_TRUE(frame.starts_with("\x1b[H"));
  // Every one of the 10 rows is erased to its end; no newline after the last (no scrolling).
  size_t erased = 0;
  for (size_t at = frame.find("\x1b[K"); at != std::string::npos;
       at = frame.find("\x1b[K", at + 1)) {
    ++erased;
  }
  EXPECT_EQ(erased, 10u);
  EXPECT_FALSE(frame.ends_with("\n"));
  EXPECT_THAT(frame, HasSubstr("acme-corp · period 2024-01 · position 6 · live"));
  EXPECT_THAT(frame, HasSubstr("\x1b[7m2\x1b[27m"));  // just changed
  EXPECT_THAT(frame, HasSubstr("won_value  10.00"));  // unchanged, plain
  EXPECT_THAT(frame, HasSubstr("hrm  waiting…"));
  EXPECT_THAT(v.RenderScreen(100, 10, kT0 + 5'000'000), Not(HasSubstr("\x1b[7m2")));
}

TEST(WatchViewTest, BlocksFlowIntoColumnsAndLongValuesAreCut) {
  WatchView v("acme-corp", "2024-Q1", {"crm", "hrm"});
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"crm","period":"2024-Q1","position":1,)"
                      R"("full":true,"metrics":{"a":1,"b":2,"c":3}})",
                      kT0)
                  .ok());
  ASSERT_TRUE(v.Apply(R"({"type":"update","domain":"hrm","period":"2024-Q1","position":1,)"
                      R"("full":true,"metrics":{"long":"0123456789012345678901234567890123456789)"
                      R"(0123456789012345678901234567890123456789"}})",
                      kT0)
                  .ok());
  // 100 columns: two of 50; 7 rows: 4 for blocks, so hrm goes to the second column.
  std::string frame = v.RenderScreen(100, 7, kT0);
  EXPECT_THAT(frame, HasSubstr("  a  1"));
  EXPECT_THAT(frame, HasSubstr("\x1b[1mhrm  2024-Q1  position 1\x1b[22m"));
  EXPECT_THAT(frame, HasSubstr("  long  0123456789012345678901234567890123456789…"));
}

}  // namespace
}  // namespace readside::app::watch
