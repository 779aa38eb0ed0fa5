// Control totals (control_totals.h): what counts one entity of each type and its amount, the
// month in the tenant's zone, first-event-wins for repeated ids, the request body, and the
// reconciliation answer with exact differences and missing / extra ids.

#include "projection/control_totals.h"

#include "event/parser.h"
#include "gtest/gtest.h"
#include "projection/test_stream.h"

namespace readside::projection {
namespace {

using testing::EventJson;

event::Event Parse(const std::string& json) {
  event::EventParser parser;
  event::Event e;
  std::vector<event::FieldError> errors;
  EXPECT_TRUE(parser.ParseOne(json, &e, &errors)) << errors[0].field << " " << errors[0].message;
  return e;
}

TEST(ControlTotalsTest, EveryEntityTypeOfTheCatalogIsCountedByOneEventType) {
  std::set<std::string_view> names;
  for (const EntityTypeInfo& t : EntityTypes()) {
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    std::string_view type = event::GetTypeSpec(t.counted).name;
    // The entity type is the event type's second segment (project.created: project).
    std::string_view second = type.substr(type.find('.') + 1);
    second = second.substr(0, second.find('.'));
    EXPECT_TRUE(second == t.name || (t.name == "project" && type == "project.created")) << type;
  }
  EXPECT_EQ(FindEntityType("invoice")->counted, event::EventType::kFinanceInvoiceCreated);
  EXPECT_EQ(FindEntityType("invoices"), nullptr);
}

TEST(ControlTotalsTest, CountsSumsAndIdsPerEntityTypeAndLocalMonth) {
  ControlTotalsBuilder b(*LocalCalendar::Create("Europe/Berlin"));
  // 2024-01-31T23:30Z is February 1st in Berlin.
  b.Add(Parse(EventJson("acme", "e1", "finance.invoice.created", "inv-1", "2024-01-31T23:30:00Z",
                        R"({"customer_id":"c","amount":"100.0001","due_date":"2024-03-01"})")));
  b.Add(Parse(EventJson("acme", "e2", "finance.invoice.created", "inv-2", "2024-02-10T10:00:00Z",
                        R"({"customer_id":"c","amount":0.5,"due_date":"2024-03-01"})")));
  // A second creation of inv-1 is not a second invoice.
  b.Add(Parse(EventJson("acme", "e3", "finance.invoice.created", "inv-1", "2024-02-11T10:00:00Z",
                        R"({"customer_id":"c","amount":7,"due_date":"2024-03-01"})")));
  b.Add(Parse(EventJson("acme", "e4", "finance.invoice.sent", "inv-1", "2024-02-11T10:00:00Z",
                        "{}")));
  b.Add(Parse(EventJson(
      "acme", "e5", "finance.transaction.posted", "tx-1", "2024-01-15T10:00:00Z",
      R"({"lines":[{"account_code":"1000","debit":"12.5","credit":0},)"
      R"({"account_code":"4000","debit":0,"credit":"12.5"}]})")));
  b.Add(Parse(EventJson(
      "acme", "e6", "inventory.order.created", "ord-1", "2024-01-15T10:00:00Z",
      R"({"lines":[{"product_id":"p","quantity":3,"unit_price":"0.3333"},)"
      R"({"product_id":"q","quantity":1,"unit_price":2}]})")));
  b.Add(Parse(EventJson("acme", "e7", "crm.lead.created", "lead-1", "2024-01-15T10:00:00Z",
                        R"({"source":"web","owner_id":"u"})")));
  b.Add(Parse(EventJson("acme", "e8", "crm.contact.created", "c-1", "2024-01-15T10:00:00Z",
                        R"({"name":"Ann"})")));
  const TotalsMap& t = b.cells();
  ASSERT_EQ(t.size(), 5u);
  const TotalsCell& feb = t.at({"invoice", "2024-02"});
  EXPECT_EQ(feb.count, 2u);
  EXPECT_EQ(FormatScaled(feb.sum, 4), "100.5001");
  EXPECT_EQ(feb.ids, (std::vector<std::string>{"inv-1", "inv-2"}));
  EXPECT_EQ(FormatScaled(t.at({"transaction", "2024-01"}).sum, 4), "12.5");
  EXPECT_EQ(FormatScaled(t.at({"order", "2024-01"}).sum, 4), "2.9999");
  EXPECT_EQ(t.at({"lead", "2024-01"}).sum, 0) << "no estimated_value: 0";
  EXPECT_EQ(t.at({"contact", "2024-01"}).count, 1u);

  EXPECT_EQ(ControlTotalsBody("acme", "Europe/Berlin", t, /*with_ids=*/false),
            R"({"organization_id":"acme","timezone":"Europe/Berlin","totals":[)"
            R"({"entity_type":"contact","period":"2024-01","count":1},)"
            R"({"entity_type":"invoice","period":"2024-02","count":2,"sum":100.5001},)"
            R"({"entity_type":"lead","period":"2024-01","count":1,"sum":0},)"
            R"({"entity_type":"order","period":"2024-01","count":1,"sum":2.9999},)"
            R"({"entity_type":"transaction","period":"2024-01","count":1,"sum":12.5}]})");
}

TEST(ControlTotalsTest, ReconcileReportsExactDifferencesAndIds) {
  TotalsMap readside;
  readside[{"invoice", "2024-01"}] = {.count = 2, .sum = 150'000, .ids = {"a", "x"}};
  readside[{"invoice", "2024-02"}] = {.count = 1, .sum = 10'000, .ids = {"c"}};
  readside[{"contact", "2024-01"}] = {.count = 3, .sum = 0, .ids = {"k1", "k2", "k3"}};
  std::vector<ControlRow> control = {
      {.entity_type = "invoice", .period = "2024-01", .count = 3, .sum = 250'001,
       .ids = std::vector<std::string>{"a", "b", "c0"}},
      {.entity_type = "contact", .period = "2024-01", .count = 3},
      {.entity_type = "payment", .period = "2024-03", .count = 1, .sum = 10'000}};
  uint64_t mismatches = 0;
  std::string json = ReconcileJson("acme", "UTC", 42, control, readside, {}, &mismatches);
  EXPECT_EQ(mismatches, 2u);
  EXPECT_EQ(json,
            R"({"organization_id":"acme","timezone":"UTC","position":42,"consistent":false,)"
            R"("rows_total":3,"rows_differing":2,"totals":[)"
            R"({"entity_type":"invoice","period":"2024-01","control":{"count":3,"sum":25.0001},)"
            R"("readside":{"count":2,"sum":15},"difference":{"count":-1,"sum":-10.0001},)"
            R"("missing":["b","c0"],"missing_total":2,"extra":["x"],"extra_total":1,)"
            R"("matches":false},)"
            R"({"entity_type":"contact","period":"2024-01","control":{"count":3},)"
            R"("readside":{"count":3},"difference":{"count":0},"matches":true},)"
            R"({"entity_type":"payment","period":"2024-03","control":{"count":1,"sum":1},)"
            R"("readside":{"count":0,"sum":0},"difference":{"count":-1,"sum":-1},)"
            R"("matches":false}],)"
            R"("unlisted":[{"entity_type":"invoice","period":"2024-02","count":1,"sum":1}]})");
}

}  // namespace
}  // namespace readside::projection
