// How long an analytics answer stays exact without new events (the response cache relies
// on it): only invoices_overdue "as of now" moves with time.

#include <limits>

#include "common/time_util.h"
#include "event/parser.h"
#include "gtest/gtest.h"
#include "projection/tenant_projection.h"
#include "query/analytics.h"
#include "query/widget_data.h"

namespace readside::query {
namespace {

using projection::LocalCalendar;
using projection::TenantProjection;

int64_t At(const char* rfc3339) {
  int64_t t = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

void Apply(TenantProjection& tenant, uint64_t position, const std::string& json) {
  event::EventParser parser;
  event::Event e;
  std::vector<event::FieldError> errors;
  ASSERT_TRUE(parser.ParseOne(json, &e, &errors)) << json;
  tenant.Apply(e, position, 0);
}

std::string Event(const char* type, const char* entity, const char* ts, const char* payload) {
  return std::string(R"({"event_type":")") + type +
         R"(","organization_id":"acme","timestamp":")" + ts +
         R"(","version":"1.0","source_service":"s","data":{"entity_id":")" + entity +
         R"(","entity_type":"x","action":"y","payload":)" + payload + "}}";
}

TEST(AnswerValidUntilTest, OverdueAsOfNowStaysTrueUntilItsNextChange) {
  TenantProjection tenant({.organization_id = "acme"}, LocalCalendar::Utc());
  Apply(tenant, 1, Event("finance.invoice.created", "inv-1", "2024-01-01T09:00:00Z",
                         R"({"customer_id":"c","amount":100,"due_date":"2024-01-10"})"));
  Apply(tenant, 2, Event("finance.payment.received", "pay-1", "2024-01-20T12:00:00Z",
                         R"({"invoice_id":"inv-1","amount":100})"));
  auto view = tenant.Publish(2);
  projection::Period january = *projection::ParsePeriod("2024-01");
  auto until = [&](const char* now, bool finance = true, bool as_of_given = false) {
    AnalyticsRequest r{*view, january, At(now), false};
    return AnswerValidUntil(r, finance, as_of_given, At(now));
  };
  EXPECT_EQ(until("2024-01-05T00:00:00Z"), At("2024-01-11T00:00:00Z"));  // falls due
  EXPECT_EQ(until("2024-01-15T00:00:00Z"), At("2024-01-20T12:00:00Z"));  // gets paid
  EXPECT_EQ(until("2024-01-25T00:00:00Z"), At("2024-02-01T00:00:00Z"));  // period ends
  constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(until("2024-03-01T00:00:00Z"), kForever);  // evaluated at the end from now on
  EXPECT_EQ(until("2024-01-05T00:00:00Z", /*finance=*/false), kForever);
  EXPECT_EQ(until("2024-01-05T00:00:00Z", true, /*as_of_given=*/true), kForever);

  // And the value really is constant in between, and changes right at the instant.
  auto overdue = [&](const char* now) {
    PeriodData d{*view, january, At(now)};
    return FindScalarMetric(Section::kFinance, "invoices_overdue")->compute(d).units;
  };
  EXPECT_EQ(overdue("2024-01-10T23:59:59Z"), 0);
  EXPECT_EQ(overdue("2024-01-11T00:00:00.000001Z"), 1);
  EXPECT_EQ(overdue("2024-01-20T12:00:00Z"), 1);
  EXPECT_EQ(overdue("2024-01-20T12:00:00.000001Z"), 0);
}

// Series periods exist from year 0001: 12 yearly points ending with year 1 are one point
// (was years -10..1, formatted "-010"; found by params_fuzz, issue 17), and every point
// formats and parses back.
TEST(SeriesPeriodsTest, ADefaultSeriesStopsAtYearOne) {
  std::vector<projection::Period> out;
  ASSERT_FALSE(ResolveSeriesPeriods("year", "", "0001", projection::LocalCalendar::Utc(), 0, &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(projection::FormatPeriod(out[0]), "0001");
  for (std::string_view g : {"day", "week", "month", "quarter"}) {
    ASSERT_FALSE(ResolveSeriesPeriods(g, "", "0001-Q1", projection::LocalCalendar::Utc(), 0, &out))
        << g;
    ASSERT_FALSE(out.empty()) << g;
    for (const projection::Period& p : out) {
      absl::StatusOr<projection::Period> again =
          projection::ParsePeriod(projection::FormatPeriod(p));
      EXPECT_TRUE(again.ok() && *again == p) << g << " " << projection::FormatPeriod(p);
    }
  }
}

}  // namespace
}  // namespace readside::query
