// Unit tests of the read models against ../shared/spec/metrics.md: every metric of every
// section, from small hand-computed event lists. Each test applies its events to one
// TenantProjection in list order (store positions 1, 2, 3, …: arrival order), publishes a
// TenantView and reads metrics exactly as the Analytics API does (query::FindScalarMetric,
// query::SectionBody for the {key: value} breakdowns). Expected values are computed by hand
// from the spec; money is compared in Money units (1/10,000).

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/money.h"
#include "common/time_util.h"
#include "event/event.h"
#include "event/parser.h"
#include "gtest/gtest.h"
#include "projection/period.h"
#include "projection/tenant_projection.h"
#include "projection/tenant_view.h"
#include "query/analytics.h"
#include "query/metric_table.h"

namespace readside::projection {
namespace {

using query::Section;
using query::Value;

constexpr std::string_view kFarFuture = "2100-01-01T00:00:00Z";

// A money amount in Money units: Usd(1350.5) == 13'505'000.
constexpr int64_t Usd(double v) {
  return static_cast<int64_t>(v * Money::kScale + (v >= 0 ? 0.5 : -0.5));
}

int64_t Micros(std::string_view rfc3339) {
  int64_t micros = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &micros)) << rfc3339;
  return micros;
}

// The JSON text of the top-level member `key` of the (white-space free) object `json`.
size_t SkipString(std::string_view j, size_t i) {  // j[i] == '"'; returns past the quote
  for (++i; i < j.size(); ++i) {
    if (j[i] == '\\') {
      ++i;
    } else if (j[i] == '"') {
      return i + 1;
    }
  }
  return j.size();
}
size_t SkipValue(std::string_view j, size_t i) {  // returns past the value
  if (i < j.size() && j[i] == '"') return SkipString(j, i);
  int depth = 0;
  for (; i < j.size(); ++i) {
    char c = j[i];
    if (c == '"') {
      i = SkipString(j, i) - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      if (--depth == 0) return i + 1;
    } else if (c == ',' && depth == 0) {
      return i;
    }
  }
  return i;
}
std::string Member(std::string_view json, std::string_view key) {
  size_t i = 1;  // past '{'
  while (i < json.size() && json[i] == '"') {
    size_t key_end = SkipString(json, i);
    std::string_view k = json.substr(i + 1, key_end - i - 2);
    size_t value = key_end + 1;  // past ':'
    size_t value_end = SkipValue(json, value);
    if (k == key) return std::string(json.substr(value, value_end - value));
    i = value_end + 1;  // past ','
  }
  ADD_FAILURE() << "no member \"" << key << "\" in " << json;
  return "";
}

struct Line {
  std::string_view account, debit, credit;
};

// One tenant's projection, fed event by event (each Add is the next store position) and
// queried through the metric table.
class Tenant {
 public:
  explicit Tenant(std::string timezone = "UTC", std::string currency = "USD")
      : projection_(TenantSettings{"acme", "Acme", timezone, currency}, Calendar(timezone)) {}

  // Applies one event; `payload` is the JSON object of data.payload.
  Tenant& Add(std::string_view type, std::string_view entity, std::string_view timestamp,
              std::string_view payload = "{}") {
    std::string json = std::string(R"({"event_type":")") + std::string(type) +
                       R"(","organization_id":"acme","timestamp":")" + std::string(timestamp) +
                       R"(","version":"1.0","source_service":"erp-test","data":{"entity_id":")" +
                       std::string(entity) +
                       R"(","entity_type":"test","action":"test","payload":)" +
                       std::string(payload) + "}}";
    event::Event e;
    std::vector<event::FieldError> errors;
    if (!parser_.ParseOne(json, &e, &errors)) {
      std::string why;
      for (const auto& err : errors) why += err.field + " " + err.message + "; ";
      ADD_FAILURE() << "rejected: " << json << ": " << why;
      return *this;
    }
    projection_.Apply(e, ++position_, Micros("2030-01-01T00:00:00Z"));
    return *this;
  }

  // Shorthands for the events most tests need. Amounts are JSON number texts.
  Tenant& Opportunity(std::string_view id, std::string_view ts, std::string_view stage,
                      std::string_view amount, std::string_view owner) {
    return Add("crm.opportunity.created", id, ts,
               Obj({Str("stage", stage), Num("amount", amount), Str("owner_id", owner)}));
  }
  Tenant& Employee(std::string_view id, std::string_view ts, std::string_view department = "eng",
                   std::string_view role = "dev") {
    return Add("hrm.employee.created", id, ts,
               Obj({Str("name", "N"), Str("department", department), Str("role", role)}));
  }
  Tenant& Invoice(std::string_view id, std::string_view ts, std::string_view amount,
                  std::string_view due_date = "2099-12-31", std::string_view extra = "") {
    std::string payload = Obj({Str("customer_id", "cu1"), Num("amount", amount),
                               Str("due_date", due_date)});
    if (!extra.empty()) payload.insert(payload.size() - 1, "," + std::string(extra));
    return Add("finance.invoice.created", id, ts, payload);
  }
  Tenant& Payment(std::string_view id, std::string_view ts, std::string_view invoice,
                  std::string_view amount) {
    return Add("finance.payment.received", id, ts,
               Obj({Str("invoice_id", invoice), Num("amount", amount)}));
  }
  Tenant& Account(std::string_view code, std::string_view ts, std::string_view type,
                  std::string_view subtype = "") {
    std::vector<std::string> fields = {Str("code", code), Str("name", "A"), Str("type", type)};
    if (!subtype.empty()) fields.push_back(Str("subtype", subtype));
    return Add("finance.account.created", "acc-" + std::string(code), ts, Obj(fields));
  }
  Tenant& Post(std::string_view id, std::string_view ts, const std::vector<Line>& lines) {
    std::string json = R"({"lines":[)";
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) json += ",";
      json += Obj({Str("account_code", lines[i].account), Num("debit", lines[i].debit),
                   Num("credit", lines[i].credit)});
    }
    json += "]}";
    return Add("finance.transaction.posted", id, ts, json);
  }
  Tenant& Product(std::string_view id, std::string_view ts, std::string_view unit_cost,
                  std::string_view reorder_point) {
    return Add("inventory.product.created", id, ts,
               Obj({Str("sku", id), Str("name", "P"), Str("category", "c"),
                    Num("unit_cost", unit_cost), Num("unit_price", "99"),
                    Num("reorder_point", reorder_point)}));
  }
  Tenant& Stock(std::string_view id, std::string_view ts, std::string_view product,
                std::string_view warehouse, std::string_view delta) {
    return Add("inventory.stock.updated", id, ts,
               Obj({Str("product_id", product), Str("warehouse_id", warehouse),
                    Num("quantity_delta", delta), Str("reason", "count")}));
  }
  // `lines`: the JSON array of order lines.
  Tenant& Order(std::string_view id, std::string_view ts, std::string_view lines) {
    return Add("inventory.order.created", id, ts, R"({"lines":)" + std::string(lines) + "}");
  }
  Tenant& Project(std::string_view id, std::string_view ts, std::string_view budget_hours = "") {
    std::vector<std::string> fields = {Str("name", "Pr")};
    if (!budget_hours.empty()) fields.push_back(Num("budget_hours", budget_hours));
    return Add("project.created", id, ts, Obj(fields));
  }
  Tenant& TimeLog(std::string_view id, std::string_view ts, std::string_view project,
                  std::string_view hours, bool billable) {
    return Add("project.time.logged", id, ts,
               Obj({Str("project_id", project), Str("employee_id", "emp1"), Num("hours", hours),
                    std::string(R"("billable":)") + (billable ? "true" : "false")}));
  }

  std::shared_ptr<const TenantView> View() const { return projection_.Publish(position_); }

  Value Get(Section section, std::string_view metric, std::string_view period,
            std::string_view as_of = kFarFuture) const {
    const query::ScalarMetric* m = query::FindScalarMetric(section, metric);
    if (m == nullptr) {
      ADD_FAILURE() << "no metric " << metric;
      return {};
    }
    std::shared_ptr<const TenantView> view = View();
    return m->compute(query::PeriodData{*view, ParsedPeriod(period), Micros(as_of)});
  }
  int64_t Count(Section section, std::string_view metric, std::string_view period,
                std::string_view as_of = kFarFuture) const {
    Value v = Get(section, metric, period, as_of);
    EXPECT_EQ(v.kind, Value::kCount) << metric << " is not a count";
    return v.units;
  }
  int64_t Cash(Section section, std::string_view metric, std::string_view period) const {
    Value v = Get(section, metric, period);
    EXPECT_EQ(v.kind, Value::kMoney) << metric << " is not money";
    return v.units;
  }
  double Number(Section section, std::string_view metric, std::string_view period) const {
    Value v = Get(section, metric, period);
    EXPECT_EQ(v.kind, Value::kNumber) << metric << " is not a number";
    return v.number;
  }

  std::string Body(Section section, std::string_view period,
                   std::string_view as_of = kFarFuture) const {
    std::shared_ptr<const TenantView> view = View();
    return query::SectionBody(
        section, query::AnalyticsRequest{*view, ParsedPeriod(period), Micros(as_of), false});
  }
  // A breakdown (or any member) of the section's body, as JSON text.
  std::string Breakdown(Section section, std::string_view name, std::string_view period) const {
    return Member(Body(section, period), name);
  }
  QualityCounts Quality() const { return View()->quality; }

 private:
  static LocalCalendar Calendar(const std::string& timezone) {
    absl::StatusOr<LocalCalendar> calendar = LocalCalendar::Create(timezone);
    EXPECT_TRUE(calendar.ok()) << calendar.status();
    return calendar.ok() ? *calendar : LocalCalendar::Utc();
  }
  static Period ParsedPeriod(std::string_view text) {
    absl::StatusOr<Period> p = ParsePeriod(text);
    EXPECT_TRUE(p.ok()) << text;
    return p.ok() ? *p : Period{Granularity::kDay, 0, 1};
  }
  static std::string Str(std::string_view key, std::string_view value) {
    return "\"" + std::string(key) + "\":\"" + std::string(value) + "\"";
  }
  static std::string Num(std::string_view key, std::string_view number) {
    return "\"" + std::string(key) + "\":" + std::string(number);
  }
  static std::string Obj(const std::vector<std::string>& fields) {
    std::string out = "{";
    for (size_t i = 0; i < fields.size(); ++i) out += (i > 0 ? "," : "") + fields[i];
    return out + "}";
  }

  mutable TenantProjection projection_;
  event::EventParser parser_{event::ParserOptions{.assign_missing_event_id = true}};
  uint64_t position_ = 0;
};

constexpr Section kCrm = Section::kCrm, kHrm = Section::kHrm, kFin = Section::kFinance,
                  kInv = Section::kInventory, kPrj = Section::kProjects, kCross = Section::kCross;

// ---------------------------------------------------------------------------------------------
// CRM

TEST(CrmProjectionTest, ContactsNewIsAFlowAndContactsTotalAStock) {
  Tenant t;
  t.Add("crm.contact.created", "c1", "2024-01-10T10:00:00Z", R"({"name":"Ann"})");
  t.Add("crm.contact.created", "c2", "2024-01-20T10:00:00Z", R"({"name":"Bob"})");
  t.Add("crm.contact.created", "c3", "2024-02-05T10:00:00Z", R"({"name":"Cy"})");
  t.Add("crm.contact.updated", "c2", "2024-02-06T10:00:00Z", R"({"email":"b@x.io"})");
  t.Add("crm.contact.deleted", "c1", "2024-02-10T10:00:00Z");
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-01"), 2);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-01"), 2);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-02"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-02"), 2);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-Q1"), 3);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2023-12"), 0);
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(CrmProjectionTest, DuplicateContactCreationIsAnOrphanAndChangesNothing) {
  Tenant t;
  t.Add("crm.contact.created", "c1", "2024-01-10T10:00:00Z", R"({"name":"Ann"})");
  t.Add("crm.contact.created", "c1", "2024-01-12T10:00:00Z", R"({"name":"Ann again"})");
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-01"), 1);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(CrmProjectionTest, ContactEventsAboutUnknownOrDeletedContactsAreOrphans) {
  Tenant t;
  t.Add("crm.contact.created", "c1", "2024-01-10T10:00:00Z", R"({"name":"Ann"})");
  t.Add("crm.contact.deleted", "c1", "2024-01-11T10:00:00Z");
  t.Add("crm.contact.updated", "c1", "2024-01-12T10:00:00Z", R"({"name":"Ann B"})");  // closed
  t.Add("crm.contact.deleted", "c1", "2024-01-13T10:00:00Z");                         // closed
  t.Add("crm.contact.updated", "c9", "2024-01-14T10:00:00Z", R"({"name":"Who"})");   // unknown
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 3);
}

TEST(CrmProjectionTest, LeadsNewConvertedTotalAndConversionRate) {
  Tenant t;
  for (std::string_view id : {"l1", "l2", "l3", "l4"}) {
    t.Add("crm.lead.created", id, "2024-01-05T10:00:00Z", R"({"source":"web","owner_id":"u1"})");
  }
  t.Add("crm.lead.converted", "l1", "2024-01-20T10:00:00Z");
  t.Add("crm.lead.converted", "l2", "2024-01-21T10:00:00Z", R"({"opportunity_id":"o1"})");
  t.Add("crm.lead.converted", "l3", "2024-02-02T10:00:00Z");
  EXPECT_EQ(t.Count(kCrm, "leads_new", "2024-01"), 4);
  EXPECT_EQ(t.Count(kCrm, "leads_converted", "2024-01"), 2);
  EXPECT_EQ(t.Count(kCrm, "leads_total", "2024-01"), 4);
  EXPECT_EQ(t.Number(kCrm, "conversion_rate", "2024-01"), 0.5);
  EXPECT_EQ(t.Count(kCrm, "leads_new", "2024-02"), 0);
  EXPECT_EQ(t.Count(kCrm, "leads_converted", "2024-02"), 1);
  EXPECT_EQ(t.Count(kCrm, "leads_total", "2024-02"), 4);
  EXPECT_EQ(t.Number(kCrm, "conversion_rate", "2024-02"), 0);  // zero denominator
  EXPECT_EQ(t.Number(kCrm, "conversion_rate", "2024-Q1"), 0.75);
}

TEST(CrmProjectionTest, ConvertingALeadTwiceCountsOnceAndTheRepeatIsAnOrphan) {
  Tenant t;
  t.Add("crm.lead.created", "l1", "2024-01-05T10:00:00Z", R"({"source":"web","owner_id":"u1"})");
  t.Add("crm.lead.converted", "l1", "2024-01-06T10:00:00Z");
  t.Add("crm.lead.converted", "l1", "2024-01-07T10:00:00Z");
  EXPECT_EQ(t.Count(kCrm, "leads_converted", "2024-01"), 1);
  EXPECT_EQ(t.Number(kCrm, "conversion_rate", "2024-01"), 1.0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(CrmProjectionTest, ConversionOfUnknownLeadIsAnOrphan) {
  Tenant t;
  t.Add("crm.lead.converted", "l404", "2024-01-06T10:00:00Z");
  EXPECT_EQ(t.Count(kCrm, "leads_converted", "2024-01"), 0);
  EXPECT_EQ(t.Count(kCrm, "leads_total", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(CrmProjectionTest, DuplicateLeadCreationIsAnOrphan) {
  Tenant t;
  t.Add("crm.lead.created", "l1", "2024-01-05T10:00:00Z", R"({"source":"web","owner_id":"u1"})");
  t.Add("crm.lead.created", "l1", "2024-01-06T10:00:00Z", R"({"source":"ads","owner_id":"u2"})");
  EXPECT_EQ(t.Count(kCrm, "leads_new", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "leads_total", "2024-01"), 1);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(CrmProjectionTest, OpportunitiesWonLostWinRateAndAverageDealSize) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "prospecting", "1000", "u1");
  t.Opportunity("o2", "2024-01-06T10:00:00Z", "proposal", "2000", "u2");
  t.Opportunity("o3", "2024-01-07T10:00:00Z", "proposal", "500", "u1");
  t.Add("crm.opportunity.won", "o1", "2024-01-20T10:00:00Z");
  t.Add("crm.opportunity.lost", "o2", "2024-01-21T10:00:00Z", R"({"reason":"price"})");
  EXPECT_EQ(t.Count(kCrm, "opportunities_new", "2024-01"), 3);
  EXPECT_EQ(t.Count(kCrm, "opportunities_won", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "opportunities_lost", "2024-01"), 1);
  EXPECT_EQ(t.Cash(kCrm, "won_value", "2024-01"), Usd(1000));
  EXPECT_EQ(t.Number(kCrm, "average_deal_size", "2024-01"), 1000.0);
  EXPECT_EQ(t.Number(kCrm, "win_rate", "2024-01"), 0.5);
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-01"), Usd(500));
}

TEST(CrmProjectionTest, WonValueUsesPayloadAmountElseCurrentAmount) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "prospecting", "1000", "u1");
  t.Add("crm.opportunity.stage_changed", "o1", "2024-01-06T10:00:00Z",
        R"({"stage":"proposal","amount":1200})");
  t.Add("crm.opportunity.won", "o1", "2024-01-07T10:00:00Z");  // current amount: 1200
  t.Opportunity("o2", "2024-01-05T10:00:00Z", "proposal", "300", "u2");
  t.Add("crm.opportunity.won", "o2", "2024-01-08T10:00:00Z", R"({"amount":"350.25"})");
  EXPECT_EQ(t.Count(kCrm, "opportunities_won", "2024-01"), 2);
  EXPECT_EQ(t.Cash(kCrm, "won_value", "2024-01"), Usd(1550.25));
  EXPECT_EQ(t.Number(kCrm, "average_deal_size", "2024-01"), 775.125);
  EXPECT_EQ(t.Number(kCrm, "win_rate", "2024-01"), 1.0);
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-01"), 0);
}

TEST(CrmProjectionTest, ClosingAClosedOrUnknownOpportunityIsAnOrphan) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "proposal", "100", "u1");
  t.Add("crm.opportunity.won", "o1", "2024-01-06T10:00:00Z");
  t.Add("crm.opportunity.won", "o1", "2024-01-07T10:00:00Z");   // repeat
  t.Add("crm.opportunity.lost", "o1", "2024-01-08T10:00:00Z");  // already closed
  t.Add("crm.opportunity.stage_changed", "o1", "2024-01-09T10:00:00Z",
        R"({"stage":"negotiation","amount":5000})");            // already closed
  t.Add("crm.opportunity.lost", "o9", "2024-01-10T10:00:00Z");  // unknown
  EXPECT_EQ(t.Count(kCrm, "opportunities_won", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "opportunities_lost", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kCrm, "won_value", "2024-01"), Usd(100));
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-01"), 0);
  EXPECT_EQ(t.Breakdown(kCrm, "pipeline_stages", "2024-01"), "{}");
  EXPECT_EQ(t.Quality().orphans, 4);
}

TEST(CrmProjectionTest, DuplicateOpportunityCreationChangesNothing) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "proposal", "100", "u1");
  t.Opportunity("o1", "2024-01-06T10:00:00Z", "negotiation", "900", "u2");
  EXPECT_EQ(t.Count(kCrm, "opportunities_new", "2024-01"), 1);
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-01"), Usd(100));
  EXPECT_EQ(t.Breakdown(kCrm, "pipeline_stages", "2024-01"), R"({"proposal":1})");
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(CrmProjectionTest, RatiosAreZeroWithoutClosedDeals) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "proposal", "100", "u1");
  EXPECT_EQ(t.Number(kCrm, "win_rate", "2024-01"), 0);
  EXPECT_EQ(t.Number(kCrm, "average_deal_size", "2024-01"), 0);
  EXPECT_EQ(t.Number(kCrm, "conversion_rate", "2024-01"), 0);
}

TEST(CrmProjectionTest, PipelineValueIsAStockFollowingAmountsAndClosures) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "prospecting", "1000", "u1");
  t.Opportunity("o2", "2024-01-10T10:00:00Z", "proposal", "2000", "u1");
  t.Add("crm.opportunity.stage_changed", "o1", "2024-02-03T10:00:00Z",
        R"({"stage":"proposal","amount":1500})");
  t.Add("crm.opportunity.stage_changed", "o2", "2024-02-04T10:00:00Z",
        R"({"stage":"negotiation"})");  // no amount: amount unchanged
  t.Add("crm.opportunity.won", "o2", "2024-02-10T10:00:00Z");
  t.Opportunity("o3", "2024-03-01T10:00:00Z", "prospecting", "700.5", "u1");
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2023-12"), 0);
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-01"), Usd(3000));
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-02"), Usd(1500));
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-03"), Usd(2200.5));
  EXPECT_EQ(t.Cash(kCrm, "won_value", "2024-02"), Usd(2000));
}

TEST(CrmProjectionTest, PipelineStagesCountOpenOpportunitiesOmittingZeros) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T10:00:00Z", "prospecting", "10", "u1");
  t.Opportunity("o2", "2024-01-06T10:00:00Z", "prospecting", "20", "u1");
  t.Opportunity("o3", "2024-01-07T10:00:00Z", "proposal", "30", "u1");
  t.Add("crm.opportunity.stage_changed", "o1", "2024-02-01T10:00:00Z",
        R"({"stage":"negotiation"})");
  t.Add("crm.opportunity.lost", "o3", "2024-02-02T10:00:00Z");
  EXPECT_EQ(t.Breakdown(kCrm, "pipeline_stages", "2024-01"),
            R"({"proposal":1,"prospecting":2})");
  EXPECT_EQ(t.Breakdown(kCrm, "pipeline_stages", "2024-02"),
            R"({"negotiation":1,"prospecting":1})");
  EXPECT_EQ(t.Breakdown(kCrm, "pipeline_stages", "2023-12"), "{}");
}

TEST(CrmProjectionTest, ActivitiesTotalAndByTypeAreFlowsAndNeedNoContact) {
  Tenant t;
  t.Add("crm.activity.logged", "a1", "2024-01-05T10:00:00Z",
        R"({"activity_type":"call","owner_id":"u1"})");
  t.Add("crm.activity.logged", "a2", "2024-01-06T10:00:00Z",
        R"({"activity_type":"email","owner_id":"u1","contact_id":"c404"})");
  t.Add("crm.activity.logged", "a3", "2024-01-07T10:00:00Z",
        R"({"activity_type":"call","owner_id":"u2"})");
  t.Add("crm.activity.logged", "a4", "2024-02-01T10:00:00Z",
        R"({"activity_type":"meeting","owner_id":"u2"})");
  EXPECT_EQ(t.Count(kCrm, "activities_total", "2024-01"), 3);
  EXPECT_EQ(t.Breakdown(kCrm, "activities_by_type", "2024-01"), R"({"call":2,"email":1})");
  EXPECT_EQ(t.Count(kCrm, "activities_total", "2024-02"), 1);
  EXPECT_EQ(t.Breakdown(kCrm, "activities_by_type", "2024-02"), R"({"meeting":1})");
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(CrmProjectionTest, TopPerformersAreOrderedByWonValueThenUserIdAndCappedAtFive) {
  Tenant t;
  struct Deal {
    std::string_view id, owner, amount;
  };
  for (const Deal& d : {Deal{"o1", "u1", "500"}, Deal{"o2", "u3", "500"}, Deal{"o3", "u2", "400"},
                        Deal{"o4", "u2", "500"}, Deal{"o5", "u6", "700"}, Deal{"o6", "u4", "100"},
                        Deal{"o7", "u5", "50"}}) {
    t.Opportunity(d.id, "2024-01-02T10:00:00Z", "proposal", d.amount, d.owner);
    t.Add("crm.opportunity.won", d.id, "2024-01-15T10:00:00Z");
  }
  EXPECT_EQ(t.Breakdown(kCrm, "top_performers", "2024-01"),
            R"([{"user_id":"u2","won_value":900,"deals_won":2},)"
            R"({"user_id":"u6","won_value":700,"deals_won":1},)"
            R"({"user_id":"u1","won_value":500,"deals_won":1},)"
            R"({"user_id":"u3","won_value":500,"deals_won":1},)"
            R"({"user_id":"u4","won_value":100,"deals_won":1}])");
}

TEST(CrmProjectionTest, TopPerformersCreditTheWonEventsOwnerAndArePerPeriod) {
  Tenant t;
  t.Opportunity("o1", "2024-01-02T10:00:00Z", "proposal", "100", "u1");
  t.Add("crm.opportunity.won", "o1", "2024-01-15T10:00:00Z", R"({"owner_id":"u9"})");
  t.Opportunity("o2", "2024-01-02T10:00:00Z", "proposal", "0", "u1");
  t.Add("crm.opportunity.won", "o2", "2024-02-15T10:00:00Z");
  EXPECT_EQ(t.Breakdown(kCrm, "top_performers", "2024-01"),
            R"([{"user_id":"u9","won_value":100,"deals_won":1}])");
  EXPECT_EQ(t.Breakdown(kCrm, "top_performers", "2024-02"),
            R"([{"user_id":"u1","won_value":0,"deals_won":1}])");
  EXPECT_EQ(t.Breakdown(kCrm, "top_performers", "2024-03"), "[]");
}

// ---------------------------------------------------------------------------------------------
// HRM

TEST(HrmProjectionTest, NewHiresTerminationsAndTotalEmployees) {
  Tenant t;
  t.Employee("e1", "2024-01-02T09:00:00Z");
  t.Employee("e2", "2024-01-03T09:00:00Z");
  t.Employee("e3", "2024-01-04T09:00:00Z");
  t.Add("hrm.employee.terminated", "e1", "2024-02-10T09:00:00Z", R"({"reason":"left"})");
  t.Employee("e4", "2024-02-11T09:00:00Z");
  EXPECT_EQ(t.Count(kHrm, "new_hires", "2024-01"), 3);
  EXPECT_EQ(t.Count(kHrm, "terminations", "2024-01"), 0);
  EXPECT_EQ(t.Count(kHrm, "total_employees", "2024-01"), 3);
  EXPECT_EQ(t.Count(kHrm, "new_hires", "2024-02"), 1);
  EXPECT_EQ(t.Count(kHrm, "terminations", "2024-02"), 1);
  EXPECT_EQ(t.Count(kHrm, "total_employees", "2024-02"), 3);
}

TEST(HrmProjectionTest, EventsAboutUnknownOrTerminatedEmployeesAreOrphans) {
  Tenant t;
  t.Employee("e1", "2024-01-02T09:00:00Z");
  t.Employee("e1", "2024-01-03T09:00:00Z", "sales", "rep");  // duplicate creation
  t.Add("hrm.employee.terminated", "e1", "2024-01-10T09:00:00Z");
  t.Add("hrm.employee.terminated", "e1", "2024-01-11T09:00:00Z");
  t.Add("hrm.employee.updated", "e1", "2024-01-12T09:00:00Z", R"({"department":"ops"})");
  t.Add("hrm.employee.terminated", "e9", "2024-01-13T09:00:00Z");
  t.Add("hrm.employee.updated", "e8", "2024-01-14T09:00:00Z", R"({"role":"x"})");
  EXPECT_EQ(t.Count(kHrm, "new_hires", "2024-01"), 1);
  EXPECT_EQ(t.Count(kHrm, "terminations", "2024-01"), 1);
  EXPECT_EQ(t.Count(kHrm, "total_employees", "2024-01"), 0);
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_department", "2024-01"), "{}");
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_role", "2024-01"), "{}");
  EXPECT_EQ(t.Quality().orphans, 5);
}

TEST(HrmProjectionTest, TurnoverRateUsesAverageHeadcount) {
  Tenant t;
  for (std::string_view id : {"e1", "e2", "e3", "e4"}) t.Employee(id, "2024-01-10T09:00:00Z");
  t.Add("hrm.employee.terminated", "e1", "2024-02-10T09:00:00Z");
  t.Add("hrm.employee.terminated", "e2", "2024-02-20T09:00:00Z");
  // February: 2 terminations / ((4 + 2) / 2).
  EXPECT_DOUBLE_EQ(t.Number(kHrm, "turnover_rate", "2024-02"), 2.0 / 3.0);
  EXPECT_EQ(t.Number(kHrm, "turnover_rate", "2024-01"), 0);  // no terminations
  EXPECT_EQ(t.Number(kHrm, "turnover_rate", "2023-06"), 0);  // zero denominator
}

TEST(HrmProjectionTest, EmployeesByDepartmentAndRoleFollowLatestValues) {
  Tenant t;
  t.Employee("e1", "2024-01-02T09:00:00Z", "eng", "dev");
  t.Employee("e2", "2024-01-02T09:00:00Z", "eng", "qa");
  t.Employee("e3", "2024-01-02T09:00:00Z", "sales", "rep");
  t.Add("hrm.employee.updated", "e2", "2024-02-05T09:00:00Z", R"({"department":"sales"})");
  t.Add("hrm.employee.terminated", "e3", "2024-02-06T09:00:00Z");
  t.Add("hrm.employee.updated", "e1", "2024-03-01T09:00:00Z", R"({"role":"lead"})");
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_department", "2024-01"), R"({"eng":2,"sales":1})");
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_role", "2024-01"), R"({"dev":1,"qa":1,"rep":1})");
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_department", "2024-02"), R"({"eng":1,"sales":1})");
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_role", "2024-02"), R"({"dev":1,"qa":1})");
  EXPECT_EQ(t.Breakdown(kHrm, "employees_by_role", "2024-03"), R"({"lead":1,"qa":1})");
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(HrmProjectionTest, LeaveRequestsApprovalsPendingAndDays) {
  Tenant t;
  t.Add("hrm.leave.requested", "lv1", "2024-01-05T09:00:00Z",
        R"({"employee_id":"e1","leave_type":"vacation","days":2.5})");
  t.Add("hrm.leave.requested", "lv2", "2024-01-06T09:00:00Z",
        R"({"employee_id":"e404","leave_type":"sick","days":1})");  // unknown employee: counts
  t.Add("hrm.leave.requested", "lv3", "2024-01-07T09:00:00Z",
        R"({"employee_id":"e1","leave_type":"vacation","days":0.5})");
  t.Add("hrm.leave.approved", "lv1", "2024-01-10T09:00:00Z");
  t.Add("hrm.leave.approved", "lv2", "2024-02-02T09:00:00Z", R"({"employee_id":"e404"})");
  t.Add("hrm.leave.approved", "lv2", "2024-02-03T09:00:00Z");  // repeat: orphan
  t.Add("hrm.leave.approved", "lv9", "2024-02-04T09:00:00Z");  // unknown: orphan
  EXPECT_EQ(t.Count(kHrm, "leave_requests", "2024-01"), 3);
  EXPECT_EQ(t.Count(kHrm, "leave_approved", "2024-01"), 1);
  EXPECT_EQ(t.Count(kHrm, "leave_pending", "2024-01"), 2);
  EXPECT_EQ(t.Number(kHrm, "leave_days_approved", "2024-01"), 2.5);
  EXPECT_EQ(t.Count(kHrm, "leave_requests", "2024-02"), 0);
  EXPECT_EQ(t.Count(kHrm, "leave_approved", "2024-02"), 1);
  EXPECT_EQ(t.Count(kHrm, "leave_pending", "2024-02"), 1);
  EXPECT_EQ(t.Number(kHrm, "leave_days_approved", "2024-02"), 1.0);
  EXPECT_EQ(t.Quality().orphans, 2);
}

// Documented choice: leave days are fixed point (millionths), so 0.1 + 0.2 is exactly 0.3.
TEST(HrmProjectionTest, LeaveDaysSumExactlyInFixedPoint) {
  Tenant t;
  t.Add("hrm.leave.requested", "lv1", "2024-01-05T09:00:00Z",
        R"({"employee_id":"e1","leave_type":"v","days":0.1})");
  t.Add("hrm.leave.requested", "lv2", "2024-01-05T09:00:00Z",
        R"({"employee_id":"e1","leave_type":"v","days":0.2})");
  t.Add("hrm.leave.approved", "lv1", "2024-01-06T09:00:00Z");
  t.Add("hrm.leave.approved", "lv2", "2024-01-06T09:00:00Z");
  EXPECT_EQ(t.Number(kHrm, "leave_days_approved", "2024-01"), 0.3);
}

TEST(HrmProjectionTest, CheckinsCountAndLateArrivalsAreStrictlyAfterScheduledStart) {
  Tenant t;
  t.Add("hrm.attendance.checked_in", "a1", "2024-01-08T08:55:00Z",
        R"({"employee_id":"e1","scheduled_start":"2024-01-08T09:00:00Z",)"
        R"("checked_in_at":"2024-01-08T08:55:00Z"})");
  t.Add("hrm.attendance.checked_in", "a2", "2024-01-08T09:00:00Z",
        R"({"employee_id":"e2","scheduled_start":"2024-01-08T09:00:00Z",)"
        R"("checked_in_at":"2024-01-08T09:00:00Z"})");  // on time exactly
  t.Add("hrm.attendance.checked_in", "a3", "2024-01-08T09:01:00Z",
        R"({"employee_id":"e3","scheduled_start":"2024-01-08T09:00:00Z",)"
        R"("checked_in_at":"2024-01-08T09:01:00Z"})");
  t.Add("hrm.attendance.checked_in", "a4", "2024-01-08T10:00:00Z",
        R"({"employee_id":"e404","scheduled_start":"2024-01-08T11:00:00+02:00",)"
        R"("checked_in_at":"2024-01-08T10:00:00Z"})");  // 09:00Z start: late, unknown employee
  EXPECT_EQ(t.Count(kHrm, "attendance_checkins", "2024-01"), 4);
  EXPECT_EQ(t.Count(kHrm, "late_arrivals", "2024-01"), 2);
  EXPECT_EQ(t.Count(kHrm, "attendance_checkins", "2024-02"), 0);
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(HrmProjectionTest, AverageAttendanceUsesBusinessDaysAndAverageHeadcount) {
  Tenant t;
  t.Employee("e1", "2024-01-01T08:00:00Z");
  t.Employee("e2", "2024-01-01T08:00:00Z");
  auto checkin = [&](std::string_view id, std::string_view ts) {
    t.Add("hrm.attendance.checked_in", id, ts,
          R"({"employee_id":"e1","scheduled_start":")" + std::string(ts) +
              R"(","checked_in_at":")" + std::string(ts) + R"("})");
  };
  // Seven check-ins Monday 15 – Friday 19 January 2024, one on Saturday 20.
  checkin("a1", "2024-01-15T09:00:00Z");
  checkin("a2", "2024-01-15T09:00:00Z");
  checkin("a3", "2024-01-16T09:00:00Z");
  checkin("a4", "2024-01-17T09:00:00Z");
  checkin("a5", "2024-01-18T09:00:00Z");
  checkin("a6", "2024-01-18T09:00:00Z");
  checkin("a7", "2024-01-19T09:00:00Z");
  checkin("a8", "2024-01-20T09:00:00Z");
  // 2024-W03 (15–21 Jan): 8 / (2 employees × 5 business days).
  EXPECT_DOUBLE_EQ(t.Number(kHrm, "average_attendance", "2024-W03"), 0.8);
  // January 2024 has 23 business days; headcount (0 + 2) / 2 = 1.
  EXPECT_DOUBLE_EQ(t.Number(kHrm, "average_attendance", "2024-01"), 8.0 / 23.0);
  // A Saturday has no business day: zero denominator.
  EXPECT_EQ(t.Count(kHrm, "attendance_checkins", "2024-01-20"), 1);
  EXPECT_EQ(t.Number(kHrm, "average_attendance", "2024-01-20"), 0);
  // One business day, headcount 2.
  EXPECT_DOUBLE_EQ(t.Number(kHrm, "average_attendance", "2024-01-15"), 1.0);
}

TEST(HrmProjectionTest, PayrollGrossAndNetAreExactMoneyFlows) {
  Tenant t;
  t.Add("hrm.payroll.processed", "pr1", "2024-01-31T18:00:00Z",
        R"({"gross_total":"10000.5","net_total":7500.25,"employee_count":3})");
  t.Add("hrm.payroll.processed", "pr2", "2024-01-31T19:00:00Z",
        R"({"gross_total":2000.0001,"net_total":"1500","employee_count":1,"pay_period":"2024-01"})");
  t.Add("hrm.payroll.processed", "pr3", "2024-02-29T18:00:00Z",
        R"({"gross_total":1,"net_total":1,"employee_count":1})");
  EXPECT_EQ(t.Cash(kHrm, "payroll_gross", "2024-01"), Usd(12000.5001));
  EXPECT_EQ(t.Cash(kHrm, "payroll_net", "2024-01"), Usd(9000.25));
  EXPECT_EQ(t.Cash(kHrm, "payroll_gross", "2024-Q1"), Usd(12001.5001));
  EXPECT_EQ(Member(t.Body(kHrm, "2024-01"), "payroll_gross"), "12000.5001");
}

// ---------------------------------------------------------------------------------------------
// Finance: invoices and payments

TEST(FinanceProjectionTest, TotalRevenueSplitsRecurringAndOneTime) {
  Tenant t;
  t.Invoice("i1", "2024-01-05T10:00:00Z", "1000", "2024-02-05", R"("recurring":true)");
  t.Invoice("i2", "2024-01-06T10:00:00Z", "\"250.5\"");  // recurring absent: one-time
  t.Invoice("i3", "2024-01-07T10:00:00Z", "100", "2024-02-05", R"("recurring":false)");
  t.Invoice("i4", "2024-02-07T10:00:00Z", "1", "2024-02-05");
  EXPECT_EQ(t.Cash(kFin, "total_revenue", "2024-01"), Usd(1350.5));
  EXPECT_EQ(t.Cash(kFin, "recurring_revenue", "2024-01"), Usd(1000));
  EXPECT_EQ(t.Cash(kFin, "one_time_revenue", "2024-01"), Usd(350.5));
  EXPECT_EQ(t.Count(kFin, "invoices_created", "2024-01"), 3);
  EXPECT_EQ(t.Count(kFin, "invoices_created", "2024-02"), 1);
}

TEST(FinanceProjectionTest, RevenueGrowthComparesWithThePreviousPeriod) {
  Tenant t;
  t.Invoice("i1", "2024-01-15T10:00:00Z", "1000");
  t.Invoice("i2", "2024-02-15T10:00:00Z", "1500");
  EXPECT_EQ(t.Number(kFin, "revenue_growth", "2024-02"), 0.5);
  EXPECT_EQ(t.Number(kFin, "revenue_growth", "2024-03"), -1.0);
  EXPECT_EQ(t.Get(kFin, "revenue_growth", "2024-01").kind, Value::kNull);  // Dec: 0
  EXPECT_EQ(t.Get(kFin, "revenue_growth", "2024-Q1").kind, Value::kNull);
  EXPECT_EQ(t.Get(kFin, "revenue_growth", "2024-04").kind, Value::kNull);  // Mar: 0
}

TEST(FinanceProjectionTest, RevenueGrowthIsNullInTheBodyWhenPreviousRevenueIsZero) {
  Tenant t;
  std::string body = t.Body(kFin, "2024-01");
  EXPECT_EQ(Member(body, "revenue_growth"), "null");
  EXPECT_EQ(Member(body, "total_revenue"), "0");
  EXPECT_EQ(Member(body, "average_payment_time"), "0");  // other ratios: 0
}

TEST(FinanceProjectionTest, InvoicesSentCountsEverySendOfAKnownInvoice) {
  Tenant t;
  t.Invoice("i1", "2024-01-05T10:00:00Z", "100");
  t.Add("finance.invoice.sent", "i1", "2024-01-06T10:00:00Z");
  t.Add("finance.invoice.sent", "i1", "2024-02-06T10:00:00Z");  // re-sent: counts again
  t.Add("finance.invoice.sent", "i9", "2024-02-07T10:00:00Z");  // unknown: orphan
  EXPECT_EQ(t.Count(kFin, "invoices_sent", "2024-01"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_sent", "2024-02"), 1);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(FinanceProjectionTest, DuplicateInvoiceCreationIsAnOrphanAndChangesNothing) {
  Tenant t;
  t.Invoice("i1", "2024-01-05T10:00:00Z", "1000");
  t.Invoice("i1", "2024-01-06T10:00:00Z", "5000");
  t.Payment("p1", "2024-01-07T10:00:00Z", "i1", "1000");
  EXPECT_EQ(t.Count(kFin, "invoices_created", "2024-01"), 1);
  EXPECT_EQ(t.Cash(kFin, "total_revenue", "2024-01"), Usd(1000));
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 1);  // 1000 pays the first amount
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(FinanceProjectionTest, InvoicePaidInThePeriodItsPaymentsReachItsAmount) {
  Tenant t;
  t.Invoice("i1", "2024-01-10T00:00:00Z", "1000");
  t.Payment("p1", "2024-01-20T00:00:00Z", "i1", "400");
  t.Payment("p2", "2024-02-05T00:00:00Z", "i1", "600");
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-01"), Usd(400));
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), Usd(600));
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-01"), 0);  // none paid
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-02"), 1);
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-02"), Usd(600));
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-02"), 0);
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-02"), 26.0);  // Jan 10 → Feb 5
}

TEST(FinanceProjectionTest, AveragePaymentTimeIsTheMeanOverInvoicesPaidInThePeriod) {
  Tenant t;
  t.Invoice("i1", "2024-03-01T00:00:00Z", "100");
  t.Invoice("i2", "2024-03-02T00:00:00Z", "100");
  t.Payment("p1", "2024-03-03T12:00:00Z", "i1", "100");  // 2.5 days
  t.Payment("p2", "2024-03-03T00:00:00Z", "i2", "100");  // 1 day
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-03"), 2);
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-03"), 1.75);
}

// Documented choice: durations are truncated to milliseconds before averaging.
TEST(FinanceProjectionTest, AveragePaymentTimeUsesMillisecondTruncatedDurations) {
  Tenant t;
  t.Invoice("i1", "2024-04-01T00:00:00Z", "100");
  t.Payment("p1", "2024-04-02T00:00:00.000999Z", "i1", "100");  // 1 day + 999 µs
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-04"), 1.0);
}

TEST(FinanceProjectionTest, OverpaymentKeepsReceivableAtZeroAndPaysOnce) {
  Tenant t;
  t.Invoice("i1", "2024-01-05T00:00:00Z", "100");
  t.Payment("p1", "2024-01-06T00:00:00Z", "i1", "150");
  t.Payment("p2", "2024-02-06T00:00:00Z", "i1", "50");
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-02"), 0);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-02"), 0);
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-Q1"), Usd(200));
}

TEST(FinanceProjectionTest, AccountsReceivableWithPartialAndOverPayments) {
  Tenant t;
  t.Invoice("i1", "2024-01-05T00:00:00Z", "1000");
  t.Invoice("i2", "2024-01-06T00:00:00Z", "500");
  t.Payment("p1", "2024-01-10T00:00:00Z", "i1", "300");
  t.Payment("p2", "2024-02-01T00:00:00Z", "i2", "500");
  t.Payment("p3", "2024-02-02T00:00:00Z", "i1", "800");  // 100 more than owed
  t.Invoice("i3", "2024-03-01T00:00:00Z", "\"99.9999\"");
  t.Payment("p4", "2024-03-02T00:00:00Z", "i3", "\"0.0001\"");
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), Usd(1200));  // 700 + 500
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-02-01"), Usd(700));
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-02"), 0);  // never negative
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-03"), Usd(99.9998));
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-02"), 2);
}

TEST(FinanceProjectionTest, PaymentForUnknownInvoiceIsAnOrphanButCountsInPaymentsReceived) {
  Tenant t;
  t.Payment("p1", "2024-01-10T00:00:00Z", "i404", "75");
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-01"), Usd(75));
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(FinanceProjectionTest, PaymentStampedBeforeItsInvoiceIsAnOrphanEvenIfItArrivesLater) {
  Tenant t;
  t.Invoice("i1", "2024-01-10T12:00:00Z", "100");
  t.Payment("p1", "2024-01-10T11:00:00Z", "i1", "100");
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), Usd(100));
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-01"), Usd(100));
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(FinanceProjectionTest, InvoiceArrivingAfterItsPaymentStillGetsPaid) {
  Tenant t;
  t.Payment("p1", "2024-01-20T00:00:00Z", "i1", "100");
  EXPECT_EQ(t.Quality().orphans, 1);  // unknown so far
  t.Invoice("i1", "2024-01-10T00:00:00Z", "100");
  EXPECT_EQ(t.Quality().orphans, 0);
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 1);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01-15"), Usd(100));
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-01"), 10.0);
}

TEST(FinanceProjectionTest, PaymentAtTheSameInstantAsItsInvoiceUsesArrivalOrder) {
  Tenant after;  // invoice first: the payment follows it
  after.Invoice("i1", "2024-01-10T12:00:00Z", "100");
  after.Payment("p1", "2024-01-10T12:00:00Z", "i1", "100");
  EXPECT_EQ(after.Count(kFin, "invoices_paid", "2024-01"), 1);
  EXPECT_EQ(after.Number(kFin, "average_payment_time", "2024-01"), 0);
  EXPECT_EQ(after.Quality().orphans, 0);

  Tenant before;  // payment first: it precedes the invoice
  before.Payment("p1", "2024-01-10T12:00:00Z", "i1", "100");
  before.Invoice("i1", "2024-01-10T12:00:00Z", "100");
  EXPECT_EQ(before.Count(kFin, "invoices_paid", "2024-01"), 0);
  EXPECT_EQ(before.Cash(kFin, "accounts_receivable", "2024-01"), Usd(100));
  EXPECT_EQ(before.Quality().orphans, 1);
}

TEST(FinanceProjectionTest, InvoicesOverdueWithDateAndDateTimeDueDates) {
  Tenant t;
  // A date D falls due at D+1 00:00 UTC: the end of January, so not yet overdue then.
  t.Invoice("i1", "2024-01-05T10:00:00Z", "100", "2024-01-31");
  t.Invoice("i2", "2024-01-05T10:00:00Z", "100", "2024-01-31T12:00:00Z");
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-31"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-30"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 2);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02-01"), 2);
}

TEST(FinanceProjectionTest, InvoicesOverdueIsTheStateAtAsOfWhenBeforeThePeriodEnd) {
  Tenant t;
  t.Invoice("i1", "2024-03-01T00:00:00Z", "100", "2024-03-10");  // due 2024-03-11T00:00Z
  t.Invoice("i2", "2024-03-20T00:00:00Z", "100", "2024-03-01T00:00:00Z");  // due when created
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03", "2024-03-10T23:59:59Z"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03", "2024-03-11T00:00:00Z"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03", "2024-03-11T00:00:01Z"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03", "2024-03-15T00:00:00Z"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03", "2024-03-20T00:00:00Z"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03", "2024-03-20T00:00:00.000001Z"), 2);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03"), 2);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 0);
}

TEST(FinanceProjectionTest, InvoiceStopsBeingOverdueOnceFullyPaid) {
  Tenant t;
  t.Invoice("i1", "2024-01-02T09:00:00Z", "100", "2024-01-10");  // due 2024-01-11T00:00Z
  t.Payment("p1", "2024-01-20T00:00:00Z", "i1", "40");
  t.Payment("p2", "2024-02-05T12:00:00Z", "i1", "60");
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-10"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-11"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01"), 1);  // partly paid: still overdue
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 0);
  // Paid at exactly T is not "paid before T".
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02-05", "2024-02-05T12:00:00Z"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02-05", "2024-02-05T12:00:00.000001Z"), 0);
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-02"), 34.125);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), Usd(60));
}

TEST(FinanceProjectionTest, InvoicePaidBeforeItsDueDateIsNeverOverdue) {
  Tenant t;
  t.Invoice("i1", "2024-01-02T09:00:00Z", "100", "2024-01-10");
  t.Payment("p1", "2024-01-05T00:00:00Z", "i1", "100");
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 0);
}

TEST(FinanceProjectionTest, LatePaymentRetroactivelyClearsOverdue) {
  Tenant t;
  t.Invoice("i1", "2024-01-02T09:00:00Z", "100", "2024-01-10");
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 1);
  t.Payment("p1", "2024-01-25T00:00:00Z", "i1", "100");  // arrives late
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-20"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 0);
}

TEST(FinanceProjectionTest, LatePaymentStampedEarlierBecomesThePaymentThatPaid) {
  Tenant t;
  t.Invoice("i1", "2024-01-01T00:00:00Z", "100", "2024-01-03");  // due 2024-01-04T00:00Z
  t.Payment("p1", "2024-02-10T00:00:00Z", "i1", "100");
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-02"), 1);
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-02"), 40.0);
  t.Payment("p0", "2024-01-05T00:00:00Z", "i1", "100");  // arrives late, pays it first
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 1);
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-02"), 0);
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-01"), 4.0);
  EXPECT_EQ(t.Number(kFin, "average_payment_time", "2024-02"), 0);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-04"), 1);  // due Jan 4, paid Jan 5
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-01-05"), 0);
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-Q1"), Usd(200));
  EXPECT_EQ(t.Quality().orphans, 0);
}

// ---------------------------------------------------------------------------------------------
// Finance: the general ledger

// A small chart of accounts.
void Chart(Tenant& t) {
  t.Account("1000", "2023-12-01T00:00:00Z", "asset", "cash");
  t.Account("1100", "2023-12-01T00:00:00Z", "asset", "receivable");
  t.Account("1200", "2023-12-01T00:00:00Z", "asset", "inventory");
  t.Account("2000", "2023-12-01T00:00:00Z", "liability", "payable");
  t.Account("3000", "2023-12-01T00:00:00Z", "equity");
  t.Account("4000", "2023-12-01T00:00:00Z", "revenue");
  t.Account("5000", "2023-12-01T00:00:00Z", "expense", "cogs");
  t.Account("6000", "2023-12-01T00:00:00Z", "expense");
}

TEST(LedgerProjectionTest, CashFlowIsDebitsAndCreditsOnCashAccounts) {
  Tenant t;
  Chart(t);
  t.Post("tx1", "2024-01-05T00:00:00Z", {{"1000", "1000", "0"}, {"4000", "0", "1000"}});
  t.Post("tx2", "2024-01-06T00:00:00Z", {{"6000", "300", "0"}, {"1000", "0", "300"}});
  t.Post("tx3", "2024-01-07T00:00:00Z", {{"1100", "500", "0"}, {"4000", "0", "500"}});
  t.Post("tx4", "2024-02-07T00:00:00Z", {{"6000", "50.5", "0"}, {"1000", "0", "50.5"}});
  EXPECT_EQ(t.Cash(kFin, "cash_inflow", "2024-01"), Usd(1000));
  EXPECT_EQ(t.Cash(kFin, "cash_outflow", "2024-01"), Usd(300));
  EXPECT_EQ(t.Cash(kFin, "net_cash_flow", "2024-01"), Usd(700));
  EXPECT_EQ(t.Cash(kFin, "cash_inflow", "2024-02"), 0);
  EXPECT_EQ(t.Cash(kFin, "net_cash_flow", "2024-02"), Usd(-50.5));
}

TEST(LedgerProjectionTest, RevenueCogsOperatingExpensesProfitsAndMargin) {
  Tenant t;
  Chart(t);
  t.Post("tx1", "2024-01-05T00:00:00Z", {{"1000", "1000", "0"}, {"4000", "0", "1000"}});
  t.Post("tx2", "2024-01-06T00:00:00Z", {{"1100", "500", "0"}, {"4000", "0", "500"}});
  t.Post("tx3", "2024-01-07T00:00:00Z", {{"5000", "600", "0"}, {"1200", "0", "600"}});
  t.Post("tx4", "2024-01-08T00:00:00Z", {{"6000", "300", "0"}, {"1000", "0", "300"}});
  t.Post("tx5", "2024-01-09T00:00:00Z", {{"4000", "100", "0"}, {"1000", "0", "100"}});  // refund
  EXPECT_EQ(t.Cash(kFin, "ledger_revenue", "2024-01"), Usd(1400));
  EXPECT_EQ(t.Cash(kFin, "cost_of_goods_sold", "2024-01"), Usd(600));
  EXPECT_EQ(t.Cash(kFin, "operating_expenses", "2024-01"), Usd(300));
  EXPECT_EQ(t.Cash(kFin, "gross_profit", "2024-01"), Usd(800));
  EXPECT_EQ(t.Cash(kFin, "net_profit", "2024-01"), Usd(500));
  EXPECT_DOUBLE_EQ(t.Number(kFin, "profit_margin", "2024-01"), 500.0 / 1400.0);
  EXPECT_EQ(t.Cash(kFin, "ledger_revenue", "2024-02"), 0);
}

TEST(LedgerProjectionTest, ProfitMarginIsZeroWithoutLedgerRevenue) {
  Tenant t;
  Chart(t);
  t.Post("tx1", "2024-01-08T00:00:00Z", {{"6000", "300", "0"}, {"1000", "0", "300"}});
  EXPECT_EQ(t.Cash(kFin, "net_profit", "2024-01"), Usd(-300));
  EXPECT_EQ(t.Number(kFin, "profit_margin", "2024-01"), 0);
}

TEST(LedgerProjectionTest, BalanceSheetStocksAtThePeriodEnd) {
  Tenant t;
  Chart(t);
  t.Post("tx1", "2024-01-02T00:00:00Z", {{"1000", "10000", "0"}, {"3000", "0", "10000"}});
  t.Post("tx2", "2024-01-03T00:00:00Z", {{"1000", "5000", "0"}, {"2000", "0", "5000"}});
  t.Post("tx3", "2024-01-04T00:00:00Z", {{"1000", "2000", "0"}, {"4000", "0", "2000"}});
  t.Post("tx4", "2024-01-05T00:00:00Z", {{"6000", "500", "0"}, {"1000", "0", "500"}});
  t.Post("tx5", "2024-02-02T00:00:00Z", {{"2000", "1000", "0"}, {"1000", "0", "1000"}});
  t.Post("tx6", "2024-02-03T00:00:00Z", {{"1000", "700", "0"}, {"4000", "0", "700"}});
  EXPECT_EQ(t.Cash(kFin, "assets", "2024-01"), Usd(16500));
  EXPECT_EQ(t.Cash(kFin, "liabilities", "2024-01"), Usd(5000));
  EXPECT_EQ(t.Cash(kFin, "equity", "2024-01"), Usd(10000));
  EXPECT_EQ(t.Cash(kFin, "cumulative_net_profit", "2024-01"), Usd(1500));
  EXPECT_EQ(t.Cash(kFin, "assets", "2024-02"), Usd(16200));
  EXPECT_EQ(t.Cash(kFin, "liabilities", "2024-02"), Usd(4000));
  EXPECT_EQ(t.Cash(kFin, "equity", "2024-02"), Usd(10000));
  EXPECT_EQ(t.Cash(kFin, "cumulative_net_profit", "2024-02"), Usd(2200));
  EXPECT_EQ(t.Cash(kFin, "net_profit", "2024-02"), Usd(700));
  EXPECT_EQ(t.Cash(kFin, "assets", "2023-12"), 0);
}

TEST(LedgerProjectionTest, LinesOnAnAccountCreatedLaterAreReclassifiedInEveryPeriod) {
  Tenant t;
  t.Account("1000", "2023-12-01T00:00:00Z", "asset", "cash");
  t.Post("tx1", "2024-01-10T00:00:00Z", {{"1000", "100", "0"}, {"4000", "0", "100"}});
  t.Post("tx2", "2024-02-10T00:00:00Z", {{"1000", "50", "0"}, {"4000", "0", "50"}});
  EXPECT_EQ(t.Cash(kFin, "ledger_revenue", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "cash_inflow", "2024-01"), Usd(100));
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-01"),
            R"({"lines":1,"debit":0,"credit":100})");
  EXPECT_EQ(t.Quality().unclassified_ledger_lines, 2);

  t.Account("4000", "2024-03-15T00:00:00Z", "revenue");  // created after both lines
  EXPECT_EQ(t.Cash(kFin, "ledger_revenue", "2024-01"), Usd(100));
  EXPECT_EQ(t.Cash(kFin, "ledger_revenue", "2024-02"), Usd(50));
  EXPECT_EQ(t.Cash(kFin, "net_profit", "2024-02"), Usd(50));
  EXPECT_EQ(t.Cash(kFin, "cumulative_net_profit", "2024-02"), Usd(150));
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-01"), R"({"lines":0,"debit":0,"credit":0})");
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-02"), R"({"lines":0,"debit":0,"credit":0})");
  EXPECT_EQ(t.Quality().unclassified_ledger_lines, 0);
}

TEST(LedgerProjectionTest, CashAccountCreatedLaterMovesCashFlowsToTheirPeriods) {
  Tenant t;
  t.Post("tx1", "2024-01-10T00:00:00Z", {{"1000", "100", "0"}, {"4000", "0", "100"}});
  t.Post("tx2", "2024-02-10T00:00:00Z", {{"6000", "30", "0"}, {"1000", "0", "30"}});
  EXPECT_EQ(t.Quality().unclassified_ledger_lines, 4);
  t.Account("1000", "2024-06-01T00:00:00Z", "asset", "cash");
  EXPECT_EQ(t.Cash(kFin, "cash_inflow", "2024-01"), Usd(100));
  EXPECT_EQ(t.Cash(kFin, "cash_outflow", "2024-02"), Usd(30));
  EXPECT_EQ(t.Cash(kFin, "assets", "2024-02"), Usd(70));
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-01"),
            R"({"lines":1,"debit":0,"credit":100})");
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-02"), R"({"lines":1,"debit":30,"credit":0})");
  EXPECT_EQ(t.Quality().unclassified_ledger_lines, 2);
}

TEST(LedgerProjectionTest, LinesOnANeverCreatedAccountStayUnclassified) {
  Tenant t;
  Chart(t);
  t.Post("tx1", "2024-01-10T00:00:00Z", {{"1000", "80", "0"}, {"9999", "0", "80"}});
  EXPECT_EQ(t.Cash(kFin, "assets", "2024-01"), Usd(80));
  EXPECT_EQ(t.Cash(kFin, "ledger_revenue", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "cumulative_net_profit", "2024-01"), 0);
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-Q1"), R"({"lines":1,"debit":0,"credit":80})");
  EXPECT_EQ(t.Quality().unclassified_ledger_lines, 1);
}

TEST(LedgerProjectionTest, DuplicateAccountCreationIsAnOrphanAndKeepsTheFirstDefinition) {
  Tenant t;
  t.Account("1000", "2024-01-01T00:00:00Z", "asset", "cash");
  t.Account("6000", "2024-01-01T00:00:00Z", "expense");
  t.Account("6000", "2024-01-02T00:00:00Z", "expense", "cogs");
  t.Post("tx1", "2024-01-10T00:00:00Z", {{"6000", "300", "0"}, {"1000", "0", "300"}});
  EXPECT_EQ(t.Cash(kFin, "operating_expenses", "2024-01"), Usd(300));
  EXPECT_EQ(t.Cash(kFin, "cost_of_goods_sold", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

// ---------------------------------------------------------------------------------------------
// Inventory

TEST(InventoryProjectionTest, ProductsTotalCountsCreatedProductsOnce) {
  Tenant t;
  t.Product("p1", "2024-01-05T00:00:00Z", "1", "0");
  t.Product("p2", "2024-02-05T00:00:00Z", "1", "0");
  t.Product("p1", "2024-02-06T00:00:00Z", "7", "3");  // duplicate
  EXPECT_EQ(t.Count(kInv, "products_total", "2024-01"), 1);
  EXPECT_EQ(t.Count(kInv, "products_total", "2024-02"), 2);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(InventoryProjectionTest, UnitsOnHandAndStockByWarehouseIncludeUnknownProducts) {
  Tenant t;
  t.Product("p1", "2024-01-01T00:00:00Z", "2.5", "10");
  t.Stock("s1", "2024-01-05T00:00:00Z", "p1", "wh-a", "20");
  t.Stock("s2", "2024-01-06T00:00:00Z", "p1", "wh-b", "5");
  t.Stock("s3", "2024-01-07T00:00:00Z", "p404", "wh-a", "7");  // unknown product: orphan
  t.Stock("s4", "2024-02-07T00:00:00Z", "p1", "wh-b", "-5");
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-01"), 32);
  EXPECT_EQ(t.Breakdown(kInv, "stock_by_warehouse", "2024-01"), R"({"wh-a":27,"wh-b":5})");
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-02"), 27);
  EXPECT_EQ(t.Breakdown(kInv, "stock_by_warehouse", "2024-02"), R"({"wh-a":27})");
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), Usd(62.5));  // 25 known × 2.5
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(InventoryProjectionTest, StockValueIncludesNegativeOnHand) {
  Tenant t;
  t.Product("p1", "2024-01-01T00:00:00Z", "2.5", "0");
  t.Product("p2", "2024-01-01T00:00:00Z", "10", "0");
  t.Stock("s1", "2024-01-05T00:00:00Z", "p1", "wh", "20");
  t.Stock("s2", "2024-01-06T00:00:00Z", "p2", "wh", "-3");
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-01"), 17);
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), Usd(20));  // 50 − 30
  EXPECT_EQ(t.Breakdown(kInv, "stock_by_warehouse", "2024-01"), R"({"wh":17})");
}

// Documented choice: an update stamped before its product's creation counts in units_on_hand
// and stock_by_warehouse only.
TEST(InventoryProjectionTest, StockUpdateStampedBeforeItsProductIsAnOrphanAndNotValued) {
  Tenant t;
  t.Product("p1", "2024-01-10T00:00:00Z", "3", "0");
  t.Stock("s1", "2024-01-05T00:00:00Z", "p1", "wh-a", "10");  // arrives after, stamped before
  EXPECT_EQ(t.Quality().orphans, 1);
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-01"), 10);
  EXPECT_EQ(t.Breakdown(kInv, "stock_by_warehouse", "2024-01"), R"({"wh-a":10})");
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01"), 1);  // on hand 0 ≤ 0
  t.Stock("s2", "2024-01-12T00:00:00Z", "p1", "wh-a", "4");
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-01"), 14);
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), Usd(12));
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(InventoryProjectionTest, StockUpdateArrivingBeforeItsProductButStampedAfterIsValued) {
  Tenant t;
  t.Stock("s1", "2024-01-15T00:00:00Z", "p1", "wh", "10");
  EXPECT_EQ(t.Quality().orphans, 1);
  t.Product("p1", "2024-01-10T00:00:00Z", "2", "5");
  EXPECT_EQ(t.Quality().orphans, 0);
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), Usd(20));
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01-12"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-12"), 1);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01"), 0);
}

TEST(InventoryProjectionTest, StockUpdateAtTheSameInstantAsItsProductUsesArrivalOrder) {
  Tenant t;
  t.Stock("s1", "2024-01-10T00:00:00Z", "p1", "wh", "3");  // before the product: orphan
  t.Product("p1", "2024-01-10T00:00:00Z", "1", "0");
  t.Stock("s2", "2024-01-10T00:00:00Z", "p1", "wh", "5");  // after it: valued
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-01"), 8);
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), Usd(5));
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(InventoryProjectionTest, EveryUpdateOfAnUnknownProductIsAnOrphanWhateverItsOrder) {
  Tenant t;
  t.Stock("s1", "2024-01-10T00:00:00Z", "p404", "wh", "3");
  t.Stock("s2", "2024-01-05T00:00:00Z", "p404", "wh", "4");  // out of timestamp order
  EXPECT_EQ(t.Quality().orphans, 2);
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-01"), 7);
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01"), 0);
}

TEST(InventoryProjectionTest, LowStockProductsFollowOnHandAgainstReorderPoint) {
  Tenant t;
  t.Product("p1", "2024-01-01T00:00:00Z", "1", "10");  // new: 0 ≤ 10, low
  t.Stock("s1", "2024-01-05T00:00:00Z", "p1", "wh", "15");  // 15: not low
  t.Stock("s2", "2024-01-10T00:00:00Z", "p1", "wh", "-5");  // 10 ≤ 10: low
  t.Stock("s3", "2024-01-20T00:00:00Z", "p1", "wh", "1");   // 11: not low
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2023-12"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-01"), 1);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-05"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-10"), 1);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-20"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01"), 0);
}

TEST(InventoryProjectionTest, LateStockUpdateChangesLowStockFromItsInstantOn) {
  Tenant t;
  t.Product("p1", "2024-01-01T00:00:00Z", "1", "10");
  t.Stock("s1", "2024-01-05T00:00:00Z", "p1", "wh", "15");
  t.Stock("s2", "2024-01-20T00:00:00Z", "p1", "wh", "-4");  // 11: not low
  t.Stock("s3", "2024-01-10T00:00:00Z", "p1", "wh", "-2");  // late: 13 then 9, low from Jan 20
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-10"), 0);
  EXPECT_EQ(t.Count(kInv, "low_stock_products", "2024-01-20"), 1);
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01-10"), Usd(13));
  EXPECT_EQ(t.Cash(kInv, "stock_value", "2024-01"), Usd(9));
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(InventoryProjectionTest, OrdersCreatedFulfilledOrderValueAndUnitsSold) {
  Tenant t;
  t.Order("ord1", "2024-01-05T00:00:00Z",
          R"([{"product_id":"p1","quantity":2,"unit_price":10},)"
          R"({"product_id":"p2","quantity":3,"unit_price":"4.5"}])");
  t.Order("ord2", "2024-01-06T00:00:00Z", R"([{"product_id":"p1","quantity":1,"unit_price":10}])");
  t.Add("inventory.order.fulfilled", "ord1", "2024-02-02T00:00:00Z");
  EXPECT_EQ(t.Count(kInv, "orders_created", "2024-01"), 2);
  EXPECT_EQ(t.Cash(kInv, "order_value", "2024-01"), Usd(43.5));
  EXPECT_EQ(t.Count(kInv, "orders_fulfilled", "2024-01"), 0);
  EXPECT_EQ(t.Count(kInv, "units_sold", "2024-01"), 0);
  EXPECT_EQ(t.Count(kInv, "orders_created", "2024-02"), 0);
  EXPECT_EQ(t.Count(kInv, "orders_fulfilled", "2024-02"), 1);
  EXPECT_EQ(t.Count(kInv, "units_sold", "2024-02"), 5);
  EXPECT_EQ(t.Count(kInv, "units_on_hand", "2024-02"), 0);  // fulfilment moves no stock
}

TEST(InventoryProjectionTest, FulfillingAnUnknownOrAlreadyFulfilledOrderIsAnOrphan) {
  Tenant t;
  t.Order("ord1", "2024-01-05T00:00:00Z", R"([{"product_id":"p1","quantity":2,"unit_price":1}])");
  t.Order("ord1", "2024-01-05T01:00:00Z", R"([{"product_id":"p1","quantity":9,"unit_price":1}])");
  t.Add("inventory.order.fulfilled", "ord1", "2024-01-06T00:00:00Z");
  t.Add("inventory.order.fulfilled", "ord1", "2024-01-07T00:00:00Z");
  t.Add("inventory.order.fulfilled", "ord9", "2024-01-07T00:00:00Z");
  EXPECT_EQ(t.Count(kInv, "orders_created", "2024-01"), 1);
  EXPECT_EQ(t.Cash(kInv, "order_value", "2024-01"), Usd(2));
  EXPECT_EQ(t.Count(kInv, "orders_fulfilled", "2024-01"), 1);
  EXPECT_EQ(t.Count(kInv, "units_sold", "2024-01"), 2);
  EXPECT_EQ(t.Quality().orphans, 3);
}

TEST(InventoryProjectionTest, CostOfGoodsSoldUsesTheProductsUnitCost) {
  Tenant t;
  t.Product("p1", "2024-01-01T00:00:00Z", "4", "0");
  t.Product("p2", "2024-01-01T00:00:00Z", "1.5", "0");
  t.Order("ord1", "2024-01-05T00:00:00Z",
          R"([{"product_id":"p1","quantity":2,"unit_price":10},)"
          R"({"product_id":"p2","quantity":3,"unit_price":5}])");
  t.Add("inventory.order.fulfilled", "ord1", "2024-02-02T00:00:00Z");
  EXPECT_EQ(t.Cash(kInv, "cost_of_goods_sold", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kInv, "cost_of_goods_sold", "2024-02"), Usd(12.5));
}

// Documented choice: units fulfilled before their product is known are priced when it is.
TEST(InventoryProjectionTest, CostOfGoodsSoldBeforeTheProductExistsIsPricedAtItsCreation) {
  Tenant t;
  t.Order("ord1", "2024-01-05T00:00:00Z", R"([{"product_id":"p1","quantity":3,"unit_price":10}])");
  t.Add("inventory.order.fulfilled", "ord1", "2024-01-10T00:00:00Z");
  EXPECT_EQ(t.Cash(kInv, "cost_of_goods_sold", "2024-01"), 0);
  EXPECT_EQ(t.Count(kInv, "units_sold", "2024-01"), 3);
  t.Product("p1", "2024-02-01T00:00:00Z", "4", "0");
  EXPECT_EQ(t.Cash(kInv, "cost_of_goods_sold", "2024-01"), Usd(12));
  EXPECT_EQ(t.Cash(kInv, "cost_of_goods_sold", "2024-02"), 0);
}

// Documented choice: durations are truncated to milliseconds.
TEST(InventoryProjectionTest, AverageFulfillmentHoursIsTheMeanOverOrdersFulfilledInThePeriod) {
  Tenant t;
  t.Order("ord1", "2024-01-05T08:00:00Z", R"([{"product_id":"p1","quantity":1,"unit_price":1}])");
  t.Order("ord2", "2024-01-06T00:00:00Z", R"([{"product_id":"p1","quantity":1,"unit_price":1}])");
  t.Add("inventory.order.fulfilled", "ord1", "2024-01-05T20:00:00Z");         // 12 h
  t.Add("inventory.order.fulfilled", "ord2", "2024-01-07T06:00:00.000999Z");  // 30 h + 999 µs
  EXPECT_EQ(t.Number(kInv, "average_fulfillment_hours", "2024-01"), 21.0);
  EXPECT_EQ(t.Number(kInv, "average_fulfillment_hours", "2024-02"), 0);
}

TEST(InventoryProjectionTest, InventoryTurnoverIsCogsOverAverageStockValue) {
  Tenant t;
  t.Product("p1", "2023-12-01T00:00:00Z", "2", "0");
  t.Stock("s1", "2023-12-20T00:00:00Z", "p1", "wh", "100");  // 200 at the start of January
  t.Stock("s2", "2024-01-15T00:00:00Z", "p1", "wh", "-50");  // 100 at its end
  t.Order("ord1", "2024-01-10T00:00:00Z", R"([{"product_id":"p1","quantity":30,"unit_price":5}])");
  t.Add("inventory.order.fulfilled", "ord1", "2024-01-12T00:00:00Z");
  EXPECT_EQ(t.Cash(kInv, "cost_of_goods_sold", "2024-01"), Usd(60));
  EXPECT_DOUBLE_EQ(t.Number(kInv, "inventory_turnover", "2024-01"), 60.0 / 150.0);
  EXPECT_EQ(t.Number(kInv, "inventory_turnover", "2023-06"), 0);  // zero denominator
}

TEST(InventoryProjectionTest, ReordersTriggeredCountsEveryEvent) {
  Tenant t;
  t.Product("p1", "2024-01-01T00:00:00Z", "1", "5");
  const char* payload = R"({"product_id":"p1","quantity_on_hand":2,"reorder_point":5,)"
                        R"("reorder_quantity":20})";
  t.Add("inventory.reorder.triggered", "r1", "2024-01-05T00:00:00Z", payload);
  t.Add("inventory.reorder.triggered", "r2", "2024-01-06T00:00:00Z",
        R"({"product_id":"p404","quantity_on_hand":0,"reorder_point":1,"reorder_quantity":5})");
  t.Add("inventory.reorder.triggered", "r3", "2024-02-06T00:00:00Z", payload);
  EXPECT_EQ(t.Count(kInv, "reorders_triggered", "2024-01"), 2);
  EXPECT_EQ(t.Count(kInv, "reorders_triggered", "2024-02"), 1);
  EXPECT_EQ(t.Quality().orphans, 0);
}

// ---------------------------------------------------------------------------------------------
// Projects

TEST(ProjectsProjectionTest, ProjectsCreatedActiveAndCompleted) {
  Tenant t;
  t.Project("pr1", "2024-01-05T00:00:00Z");
  t.Project("pr2", "2024-01-06T00:00:00Z");
  t.Project("pr3", "2024-01-07T00:00:00Z");
  t.Add("project.updated", "pr1", "2024-02-01T00:00:00Z", R"({"status":"completed"})");
  t.Add("project.updated", "pr2", "2024-02-02T00:00:00Z", R"({"status":"on_hold"})");
  t.Add("project.updated", "pr3", "2024-02-03T00:00:00Z", R"({"name":"renamed"})");
  t.Add("project.updated", "pr2", "2024-03-01T00:00:00Z", R"({"status":"active"})");
  t.Add("project.updated", "pr1", "2024-03-02T00:00:00Z", R"({"status":"completed"})");
  EXPECT_EQ(t.Count(kPrj, "projects_created", "2024-01"), 3);
  EXPECT_EQ(t.Count(kPrj, "projects_active", "2024-01"), 3);
  EXPECT_EQ(t.Count(kPrj, "projects_completed", "2024-01"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_created", "2024-02"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_active", "2024-02"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_completed", "2024-02"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_active", "2024-03"), 2);
  EXPECT_EQ(t.Count(kPrj, "projects_completed", "2024-03"), 0);  // already completed
}

TEST(ProjectsProjectionTest, UpdatingAnUnknownProjectOrRecreatingOneIsAnOrphan) {
  Tenant t;
  t.Add("project.updated", "pr9", "2024-02-01T00:00:00Z", R"({"status":"completed"})");
  t.Project("pr1", "2024-01-05T00:00:00Z");
  t.Project("pr1", "2024-01-06T00:00:00Z");
  EXPECT_EQ(t.Count(kPrj, "projects_completed", "2024-02"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_created", "2024-01"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_active", "2024-01"), 1);
  EXPECT_EQ(t.Quality().orphans, 2);
}

TEST(ProjectsProjectionTest, TasksCreatedCompletedOpenAndCompletionRate) {
  Tenant t;
  for (std::string_view id : {"t1", "t2", "t3", "t4"}) {
    t.Add("project.task.created", id, "2024-01-05T00:00:00Z", R"({"project_id":"pr404"})");
  }
  t.Add("project.task.completed", "t1", "2024-01-10T00:00:00Z");
  t.Add("project.task.completed", "t2", "2024-01-11T00:00:00Z", R"({"project_id":"pr404"})");
  t.Add("project.task.completed", "t3", "2024-02-01T00:00:00Z");
  t.Add("project.task.completed", "t3", "2024-02-02T00:00:00Z");  // repeat
  t.Add("project.task.completed", "t9", "2024-02-03T00:00:00Z");  // unknown
  EXPECT_EQ(t.Count(kPrj, "tasks_created", "2024-01"), 4);
  EXPECT_EQ(t.Count(kPrj, "tasks_completed", "2024-01"), 2);
  EXPECT_EQ(t.Count(kPrj, "open_tasks", "2024-01"), 2);
  EXPECT_EQ(t.Number(kPrj, "task_completion_rate", "2024-01"), 0.5);
  EXPECT_EQ(t.Count(kPrj, "tasks_created", "2024-02"), 0);
  EXPECT_EQ(t.Count(kPrj, "tasks_completed", "2024-02"), 1);
  EXPECT_EQ(t.Count(kPrj, "open_tasks", "2024-02"), 1);
  EXPECT_EQ(t.Number(kPrj, "task_completion_rate", "2024-02"), 0);  // zero denominator
  EXPECT_EQ(t.Quality().orphans, 2);  // a task's project id never gates it
}

TEST(ProjectsProjectionTest, HoursLoggedBillableUtilizationAndHoursByProject) {
  Tenant t;
  t.Project("pr1", "2024-01-01T00:00:00Z");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "2.5", true);
  t.TimeLog("h2", "2024-01-06T00:00:00Z", "pr1", "1.25", false);
  t.TimeLog("h3", "2024-01-07T00:00:00Z", "pr2", "4.5", true);  // unknown project: orphan
  t.TimeLog("h4", "2024-02-07T00:00:00Z", "pr1", "3", false);
  EXPECT_EQ(t.Number(kPrj, "hours_logged", "2024-01"), 8.25);
  EXPECT_EQ(t.Number(kPrj, "billable_hours", "2024-01"), 7.0);
  EXPECT_DOUBLE_EQ(t.Number(kPrj, "utilization_rate", "2024-01"), 7.0 / 8.25);
  EXPECT_EQ(t.Breakdown(kPrj, "hours_by_project", "2024-01"), R"({"pr1":3.75,"pr2":4.5})");
  EXPECT_EQ(t.Breakdown(kPrj, "hours_by_project", "2024-02"), R"({"pr1":3})");
  EXPECT_EQ(t.Number(kPrj, "utilization_rate", "2024-02"), 0);
  EXPECT_EQ(t.Number(kPrj, "utilization_rate", "2024-03"), 0);  // zero denominator
  EXPECT_EQ(t.Quality().orphans, 1);
}

// Documented choice: hours are fixed point (millionths), so 0.1 + 0.2 is exactly 0.3.
TEST(ProjectsProjectionTest, HoursSumExactlyInFixedPoint) {
  Tenant t;
  t.Project("pr1", "2024-01-01T00:00:00Z");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "0.1", true);
  t.TimeLog("h2", "2024-01-05T00:00:00Z", "pr1", "0.2", true);
  EXPECT_EQ(t.Number(kPrj, "hours_logged", "2024-01"), 0.3);
  EXPECT_EQ(t.Number(kPrj, "utilization_rate", "2024-01"), 1.0);
}

TEST(ProjectsProjectionTest, ProjectIsOverBudgetOnlyWhenHoursExceedIt) {
  Tenant t;
  t.Project("pr1", "2024-01-01T00:00:00Z", "10");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "6", true);
  t.TimeLog("h2", "2024-01-06T00:00:00Z", "pr1", "4", true);    // 10: not over
  t.TimeLog("h3", "2024-01-07T00:00:00Z", "pr1", "0.5", true);  // 10.5: over
  t.Project("pr2", "2024-01-01T00:00:00Z");                      // no budget
  t.TimeLog("h4", "2024-01-08T00:00:00Z", "pr2", "20", true);
  t.Project("pr3", "2024-01-01T00:00:00Z", "0");                 // budget 0: never over
  t.TimeLog("h5", "2024-01-08T00:00:00Z", "pr3", "1", true);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-06"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-07"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 1);
}

TEST(ProjectsProjectionTest, OverBudgetFollowsBudgetChangesFromProjectUpdated) {
  Tenant t;
  t.Project("pr1", "2024-01-01T00:00:00Z", "10");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "6", true);
  t.TimeLog("h2", "2024-01-06T00:00:00Z", "pr1", "6", true);  // 12 > 10
  t.Add("project.updated", "pr1", "2024-02-01T00:00:00Z", R"({"budget_hours":20})");
  t.TimeLog("h3", "2024-03-05T00:00:00Z", "pr1", "9", true);  // 21 > 20
  t.Add("project.updated", "pr1", "2024-03-10T00:00:00Z", R"({"budget_hours":0})");
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-02"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-03-05"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-03"), 0);
}

TEST(ProjectsProjectionTest, LateBudgetChangeStampedBeforeALogAppliesFromItsInstant) {
  Tenant t;
  t.Project("pr1", "2024-01-01T00:00:00Z", "10");
  t.TimeLog("h1", "2024-01-10T00:00:00Z", "pr1", "12", true);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 1);
  t.Add("project.updated", "pr1", "2024-01-05T00:00:00Z", R"({"budget_hours":20})");  // late
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-10"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 0);
  t.TimeLog("h2", "2024-01-08T00:00:00Z", "pr1", "9", true);  // late: 9 then 21 > 20
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-09"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-10"), 1);
  EXPECT_EQ(t.Quality().orphans, 0);
}

// A project's own events apply in arrival order (metrics.md), so its budget is the value of
// the latest-arrived budget-setting event stamped before the instant: an update that arrives
// after the creation wins even when it is stamped earlier.
TEST(ProjectsProjectionTest, BudgetUpdateArrivingAfterTheCreationWinsEvenIfStampedEarlier) {
  Tenant t;
  t.Project("pr1", "2024-01-10T00:00:00Z", "10");
  t.Add("project.updated", "pr1", "2024-01-05T00:00:00Z", R"({"budget_hours":20})");
  t.TimeLog("h1", "2024-01-20T00:00:00Z", "pr1", "15", true);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 0);  // budget 20 (the update)
  t.TimeLog("h2", "2024-01-21T00:00:00Z", "pr1", "6", true);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-20"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-21"), 1);  // 21 h > 20
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(ProjectsProjectionTest, CompletedProjectStillCountsAsOverBudget) {
  Tenant t;
  t.Project("pr1", "2024-01-01T00:00:00Z", "1");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "2", true);
  t.Add("project.updated", "pr1", "2024-01-06T00:00:00Z", R"({"status":"completed"})");
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 1);
  EXPECT_EQ(t.Count(kPrj, "projects_active", "2024-01"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_completed", "2024-01"), 1);
}

TEST(ProjectsProjectionTest, TimeLogStampedBeforeItsProjectIsAnOrphanAndNotCountedInBudget) {
  Tenant t;
  t.Project("pr1", "2024-01-10T00:00:00Z", "5");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "6", true);  // arrives after, stamped before
  EXPECT_EQ(t.Number(kPrj, "hours_logged", "2024-01"), 6.0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 0);
  EXPECT_EQ(t.Quality().orphans, 1);
}

TEST(ProjectsProjectionTest, TimeLogArrivingBeforeItsProjectButStampedAfterCounts) {
  Tenant t;
  t.TimeLog("h1", "2024-01-15T00:00:00Z", "pr1", "6", true);
  EXPECT_EQ(t.Quality().orphans, 1);
  t.Project("pr1", "2024-01-10T00:00:00Z", "5");
  EXPECT_EQ(t.Quality().orphans, 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01-14"), 0);
  EXPECT_EQ(t.Count(kPrj, "projects_over_budget", "2024-01"), 1);
}

// ---------------------------------------------------------------------------------------------
// Cross-service ratios

TEST(CrossMetricsTest, RevenuePerEmployeeUsesAverageHeadcount) {
  Tenant t;
  t.Employee("e1", "2023-12-15T00:00:00Z");
  t.Employee("e2", "2023-12-15T00:00:00Z");
  t.Employee("e3", "2024-01-10T00:00:00Z");
  t.Employee("e4", "2024-01-10T00:00:00Z");
  t.Invoice("i1", "2024-01-20T00:00:00Z", "900");
  EXPECT_EQ(t.Number(kCross, "revenue_per_employee", "2024-01"), 300.0);  // 900 / ((2+4)/2)
}

TEST(CrossMetricsTest, RevenuePerBillableHour) {
  Tenant t;
  t.Invoice("i1", "2024-01-20T00:00:00Z", "1000");
  t.TimeLog("h1", "2024-01-05T00:00:00Z", "pr1", "8", true);
  t.TimeLog("h2", "2024-01-05T00:00:00Z", "pr1", "2", false);
  EXPECT_EQ(t.Number(kCross, "revenue_per_billable_hour", "2024-01"), 125.0);
}

TEST(CrossMetricsTest, PipelineCoverageIsOpenPipelineOverRevenue) {
  Tenant t;
  t.Opportunity("o1", "2023-12-05T00:00:00Z", "proposal", "2000", "u1");
  t.Opportunity("o2", "2024-01-05T00:00:00Z", "proposal", "1000", "u1");
  t.Invoice("i1", "2024-01-20T00:00:00Z", "1200");
  EXPECT_EQ(t.Number(kCross, "pipeline_coverage", "2024-01"), 2.5);
}

TEST(CrossMetricsTest, CrossRatiosAreZeroWithZeroDenominators) {
  Tenant t;
  t.Opportunity("o1", "2024-01-05T00:00:00Z", "proposal", "1000", "u1");
  EXPECT_EQ(t.Number(kCross, "revenue_per_employee", "2024-01"), 0);
  EXPECT_EQ(t.Number(kCross, "revenue_per_billable_hour", "2024-01"), 0);
  EXPECT_EQ(t.Number(kCross, "pipeline_coverage", "2024-01"), 0);
}

// ---------------------------------------------------------------------------------------------
// Data quality

TEST(DataQualityTest, EventsTotalCountsEveryEventIncludingUnknownAndMismatched) {
  Tenant t;
  t.Add("crm.contact.created", "c1", "2024-01-10T10:00:00Z", R"({"name":"Ann"})");
  t.Add("crm.contact.merged", "c1", "2024-01-11T10:00:00Z", R"({"into":"c2"})");
  t.Invoice("i1", "2024-01-12T10:00:00Z", "100", "2024-02-01", R"("currency":"EUR")");
  t.Add("crm.contact.created", "c1", "2024-01-13T10:00:00Z", R"({"name":"Ann"})");  // orphan
  std::shared_ptr<const TenantView> view = t.View();
  EXPECT_EQ(query::QualityBody(*view, query::StoreCounts{}),
            R"({"events_total":4,"unknown_type":1,"orphans":1,"duplicates":0,"conflicts":0,)"
            R"("currency_mismatch":1,"unclassified_ledger_lines":0,"rejected":0})");
}

TEST(DataQualityTest, UnknownEventTypeIsStoredButNotProjected) {
  Tenant t;
  t.Add("crm.lead.created.v2", "l1", "2024-01-10T10:00:00Z", R"({"source":"web","owner_id":"u"})");
  EXPECT_EQ(t.Count(kCrm, "leads_new", "2024-01"), 0);
  EXPECT_EQ(t.Quality().unknown_type, 1);
  EXPECT_EQ(t.Quality().events_total, 1);
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(DataQualityTest, CurrencyMismatchIsLeftOutAndLaterEventsAboutItsEntityAreOrphans) {
  Tenant t;
  t.Invoice("i1", "2024-01-10T00:00:00Z", "100", "2024-02-01", R"("currency":"EUR")");
  t.Payment("p1", "2024-01-11T00:00:00Z", "i1", "100");
  t.Add("finance.invoice.sent", "i1", "2024-01-12T00:00:00Z");
  t.Add("crm.opportunity.created", "o1", "2024-01-10T00:00:00Z",
        R"({"stage":"s","amount":50,"owner_id":"u1","currency":"EUR"})");
  t.Add("crm.opportunity.won", "o1", "2024-01-13T00:00:00Z");
  EXPECT_EQ(t.Count(kFin, "invoices_created", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "total_revenue", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kFin, "payments_received", "2024-01"), Usd(100));  // orphans included
  EXPECT_EQ(t.Count(kFin, "invoices_paid", "2024-01"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_sent", "2024-01"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-02"), 0);
  EXPECT_EQ(t.Count(kCrm, "opportunities_new", "2024-01"), 0);
  EXPECT_EQ(t.Count(kCrm, "opportunities_won", "2024-01"), 0);
  EXPECT_EQ(t.Cash(kCrm, "pipeline_value", "2024-01"), 0);
  QualityCounts q = t.Quality();
  EXPECT_EQ(q.currency_mismatch, 2);
  EXPECT_EQ(q.orphans, 3);
  EXPECT_EQ(q.events_total, 5);
}

TEST(DataQualityTest, MismatchedEventWithoutACreatedEntityChangesNoMetric) {
  Tenant t;
  t.Post("tx1", "2024-01-10T00:00:00Z", {{"1000", "5", "0"}, {"4000", "0", "5"}});
  t.Add("finance.transaction.posted", "tx2", "2024-01-11T00:00:00Z",
        R"({"currency":"GBP","lines":[{"account_code":"1000","debit":7,"credit":0},)"
        R"({"account_code":"4000","debit":0,"credit":7}]})");
  t.Add("hrm.payroll.processed", "pay1", "2024-01-31T00:00:00Z",
        R"({"gross_total":10,"net_total":8,"employee_count":1,"currency":"EUR"})");
  EXPECT_EQ(t.Breakdown(kFin, "unclassified", "2024-01"), R"({"lines":2,"debit":5,"credit":5})");
  EXPECT_EQ(t.Quality().unclassified_ledger_lines, 2);
  EXPECT_EQ(t.Cash(kHrm, "payroll_gross", "2024-01"), 0);
  EXPECT_EQ(t.Quality().currency_mismatch, 2);
}

TEST(DataQualityTest, ExplicitTenantCurrencyIsProjected) {
  Tenant t("UTC", "EUR");
  t.Invoice("i1", "2024-01-10T00:00:00Z", "100", "2024-02-01", R"("currency":"EUR")");
  t.Invoice("i2", "2024-01-10T00:00:00Z", "20");  // no currency: the tenant's
  t.Invoice("i3", "2024-01-10T00:00:00Z", "3", "2024-02-01", R"("currency":"USD")");
  EXPECT_EQ(t.Cash(kFin, "total_revenue", "2024-01"), Usd(120));
  EXPECT_EQ(t.Quality().currency_mismatch, 1);
}

// ---------------------------------------------------------------------------------------------
// Periods: late events, entity order, time zones and ISO weeks

TEST(PeriodSemanticsTest, LateEventChangesItsPeriodsFlowAndLaterStocks) {
  Tenant t;
  t.Add("crm.contact.created", "c2", "2024-02-10T00:00:00Z", R"({"name":"B"})");
  t.Add("crm.contact.created", "c3", "2024-02-12T00:00:00Z", R"({"name":"C"})");
  t.Invoice("i2", "2024-02-15T00:00:00Z", "500");
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-02"), 2);
  EXPECT_EQ(t.Get(kFin, "revenue_growth", "2024-02").kind, Value::kNull);
  t.Add("crm.contact.created", "c1", "2024-01-20T00:00:00Z", R"({"name":"A"})");  // late
  t.Invoice("i1", "2024-01-20T00:00:00Z", "200");                               // late
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-02"), 2);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-02"), 3);
  EXPECT_EQ(t.Cash(kFin, "total_revenue", "2024-01"), Usd(200));
  EXPECT_EQ(t.Number(kFin, "revenue_growth", "2024-02"), 1.5);
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-01"), Usd(200));
  EXPECT_EQ(t.Cash(kFin, "accounts_receivable", "2024-02"), Usd(700));
}

TEST(PeriodSemanticsTest, AnEntitysEventsApplyInArrivalOrderEachInItsOwnPeriod) {
  Tenant t;
  t.Add("crm.lead.created", "l1", "2024-02-10T00:00:00Z", R"({"source":"web","owner_id":"u"})");
  t.Add("crm.lead.converted", "l1", "2024-01-25T00:00:00Z");  // stamped before the creation
  EXPECT_EQ(t.Count(kCrm, "leads_converted", "2024-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "leads_new", "2024-01"), 0);
  EXPECT_EQ(t.Count(kCrm, "leads_new", "2024-02"), 1);
  EXPECT_EQ(t.Count(kCrm, "leads_total", "2024-01"), 0);
  EXPECT_EQ(t.Number(kCrm, "conversion_rate", "2024-01"), 0);  // zero denominator
  EXPECT_EQ(t.Quality().orphans, 0);
}

TEST(PeriodSemanticsTest, BerlinTenantCountsEventsInLocalDaysAcrossSpringDst) {
  Tenant t("Europe/Berlin");
  t.Add("crm.contact.created", "c1", "2024-03-31T22:30:00Z", R"({"name":"A"})");  // Apr 1 00:30
  t.Add("crm.contact.created", "c2", "2024-03-31T21:30:00Z", R"({"name":"B"})");  // Mar 31 23:30
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-04-01"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-03-31"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-04"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-03"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-W14"), 1);  // Monday 1 April
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-W13"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-Q2"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-03"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-04"), 2);

  Tenant utc;
  utc.Add("crm.contact.created", "c1", "2024-03-31T22:30:00Z", R"({"name":"A"})");
  EXPECT_EQ(utc.Count(kCrm, "contacts_new", "2024-03"), 1);
  EXPECT_EQ(utc.Count(kCrm, "contacts_new", "2024-04"), 0);
}

TEST(PeriodSemanticsTest, BerlinTenantCountsEventsInLocalDaysAcrossAutumnDst) {
  Tenant t("Europe/Berlin");
  t.Add("crm.contact.created", "c1", "2024-10-27T23:30:00Z", R"({"name":"A"})");  // Oct 28 00:30
  t.Add("crm.contact.created", "c2", "2024-10-27T22:30:00Z", R"({"name":"B"})");  // Oct 27 23:30
  t.Add("crm.contact.created", "c3", "2024-10-26T22:30:00Z", R"({"name":"C"})");  // Oct 27 00:30
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-10-28"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-10-27"), 2);  // a 25-hour day
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-10-26"), 0);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2024-W44"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2024-W43"), 2);
}

TEST(PeriodSemanticsTest, BerlinTenantPeriodBoundsAreLocalInTheBody) {
  Tenant t("Europe/Berlin");
  std::string body = t.Body(kCrm, "2024-04");
  EXPECT_EQ(Member(body, "period"), R"("2024-04")");
  EXPECT_EQ(Member(body, "period_start"), R"("2024-04-01T00:00:00+02:00")");
  EXPECT_EQ(Member(body, "period_end"), R"("2024-05-01T00:00:00+02:00")");
  std::string march = t.Body(kCrm, "2024-03");
  EXPECT_EQ(Member(march, "period_start"), R"("2024-03-01T00:00:00+01:00")");
}

TEST(PeriodSemanticsTest, BerlinTenantOverdueUsesLocalPeriodEndAndUtcDueDates) {
  Tenant t("Europe/Berlin");
  // Date-time due 23:30Z on Mar 30: after Berlin's Mar 30 ends (23:00Z), before UTC's does.
  t.Invoice("i1", "2024-03-01T10:00:00Z", "100", "2024-03-30T23:30:00Z");
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03-30"), 0);
  EXPECT_EQ(t.Count(kFin, "invoices_overdue", "2024-03-31"), 1);
  Tenant utc;
  utc.Invoice("i1", "2024-03-01T10:00:00Z", "100", "2024-03-30T23:30:00Z");
  EXPECT_EQ(utc.Count(kFin, "invoices_overdue", "2024-03-30"), 1);

  // A date D is due at D+1 00:00 UTC, not at the tenant's local midnight.
  Tenant berlin("Europe/Berlin");
  berlin.Invoice("i2", "2024-03-01T10:00:00Z", "100", "2024-03-30");  // due 2024-03-31T00:00Z
  EXPECT_EQ(berlin.Count(kFin, "invoices_overdue", "2024-03", "2024-03-30T23:30:00Z"), 0);
  EXPECT_EQ(berlin.Count(kFin, "invoices_overdue", "2024-03", "2024-03-31T00:00:01Z"), 1);
  EXPECT_EQ(berlin.Count(kFin, "invoices_overdue", "2024-03"), 1);
}

TEST(PeriodSemanticsTest, IsoWeek53CoversTheYearBoundary) {
  Tenant t;
  t.Add("crm.contact.created", "c1", "2020-12-27T12:00:00Z", R"({"name":"A"})");  // W52 Sunday
  t.Add("crm.contact.created", "c2", "2020-12-28T12:00:00Z", R"({"name":"B"})");  // W53 Monday
  t.Add("crm.contact.created", "c3", "2021-01-03T12:00:00Z", R"({"name":"C"})");  // W53 Sunday
  t.Add("crm.contact.created", "c4", "2021-01-04T12:00:00Z", R"({"name":"D"})");  // 2021-W01
  t.Invoice("i1", "2020-12-30T00:00:00Z", "100");
  t.Invoice("i2", "2021-01-05T00:00:00Z", "150");
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2020-W52"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2020-W53"), 2);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2021-W01"), 1);
  EXPECT_EQ(t.Count(kCrm, "contacts_total", "2020-W53"), 3);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2020"), 2);
  EXPECT_EQ(t.Count(kCrm, "contacts_new", "2021"), 2);
  EXPECT_EQ(t.Number(kFin, "revenue_growth", "2021-W01"), 0.5);  // previous: 2020-W53
  EXPECT_EQ(t.Get(kFin, "revenue_growth", "2020-W53").kind, Value::kNull);
}

TEST(PeriodSemanticsTest, QuarterAndYearAggregateFlowsAndTakeStocksAtTheirEnd) {
  Tenant t;
  t.Employee("e1", "2024-02-01T00:00:00Z");
  t.Employee("e2", "2024-05-01T00:00:00Z");
  t.Add("hrm.employee.terminated", "e1", "2024-11-01T00:00:00Z");
  EXPECT_EQ(t.Count(kHrm, "new_hires", "2024-Q1"), 1);
  EXPECT_EQ(t.Count(kHrm, "total_employees", "2024-Q2"), 2);
  EXPECT_EQ(t.Count(kHrm, "new_hires", "2024"), 2);
  EXPECT_EQ(t.Count(kHrm, "terminations", "2024"), 1);
  EXPECT_EQ(t.Count(kHrm, "total_employees", "2024"), 1);
  EXPECT_EQ(t.Number(kHrm, "turnover_rate", "2024"), 2.0);  // 1 / ((0 + 1) / 2)
}

}  // namespace
}  // namespace readside::projection
