// The sales, hr, inventory and projects reports against numbers computed by hand from small
// event lists (every table cell, the KPIs, chart points), and their KPIs against the
// Analytics API's metrics. docs/reports-operational.md says how each is computed.
#include <gtest/gtest.h>

#include "report/operational_test_util.h"
#include "report/report_test_util.h"

namespace readside::report {
namespace {

using testing::Kpis;
using testing::Point;
using testing::Row;
using testing::Rows;
using testing::Table;
using testing::TestTenant;
using testing::Totals;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// Runs the report and checks its KPIs against the metrics of the same view and period.
Document RunChecked(const TestTenant& t, std::string_view report, std::string_view type,
                    std::string_view period) {
  Document doc = t.Run(report, type, period);
  auto view = t.View();
  auto p = projection::ParsePeriod(period);
  EXPECT_TRUE(p.ok());
  EXPECT_GT(testing::ExpectKpisAreMetrics(doc, *view, *p), 0) << report << "/" << type;
  EXPECT_EQ(doc.report, report);
  EXPECT_EQ(doc.type, type);
  return doc;
}

// ---- sales -------------------------------------------------------------------------------

void AddSales(TestTenant& t) {
  // Leads: lead-1 (Feb) converts in March; lead-3 converts twice (the repeat is an orphan).
  t.Add("crm.lead.created", "lead-1", "2024-02-10T09:00:00Z", R"({"source":"web","owner_id":"u1"})")
      .Add("crm.lead.created", "lead-2", "2024-03-05T09:00:00Z",
           R"({"source":"web","owner_id":"u1"})")
      .Add("crm.lead.created", "lead-3", "2024-03-06T09:00:00Z",
           R"({"source":"event","owner_id":"u2"})")
      .Add("crm.lead.created", "lead-4", "2024-03-07T09:00:00Z",
           R"({"source":"referral","owner_id":"u2"})")
      .Add("crm.lead.converted", "lead-1", "2024-03-08T09:00:00Z")
      .Add("crm.lead.converted", "lead-3", "2024-03-20T09:00:00Z")
      .Add("crm.lead.converted", "lead-3", "2024-03-21T09:00:00Z")
      .Add("crm.lead.converted", "lead-9", "2024-03-22T09:00:00Z")
      .Add("crm.lead.converted", "lead-2", "2024-04-02T09:00:00Z");
  // Opportunities: at the end of March opp-1 (negotiation, 1200) and opp-2 (proposal,
  // 2500.5) are open; opp-3 won by u1 (400), opp-4 won with owner u3 (900), opp-5 lost (u2).
  t.Add("crm.opportunity.created", "opp-1", "2024-02-01T09:00:00Z",
        R"({"stage":"qualification","amount":1000,"owner_id":"u1"})")
      .Add("crm.opportunity.created", "opp-2", "2024-03-02T09:00:00Z",
           R"({"stage":"proposal","amount":"2500.50","owner_id":"u2"})")
      .Add("crm.opportunity.created", "opp-3", "2024-03-03T09:00:00Z",
           R"({"stage":"qualification","amount":400,"owner_id":"u1"})")
      .Add("crm.opportunity.created", "opp-4", "2024-03-04T09:00:00Z",
           R"({"stage":"proposal","amount":800,"owner_id":"u2"})")
      .Add("crm.opportunity.stage_changed", "opp-1", "2024-03-05T09:00:00Z",
           R"({"stage":"negotiation","amount":1200})")
      .Add("crm.opportunity.won", "opp-3", "2024-03-10T09:00:00Z")
      .Add("crm.opportunity.won", "opp-4", "2024-03-11T09:00:00Z",
           R"({"amount":900,"owner_id":"u3"})")
      .Add("crm.opportunity.created", "opp-5", "2024-03-12T09:00:00Z",
           R"({"stage":"proposal","amount":300,"owner_id":"u2"})")
      .Add("crm.opportunity.lost", "opp-5", "2024-03-13T09:00:00Z", R"({"reason":"price"})")
      .Add("crm.opportunity.stage_changed", "opp-2", "2024-04-01T09:00:00Z",
           R"({"stage":"negotiation"})")
      .Add("crm.opportunity.created", "opp-6", "2024-04-03T09:00:00Z",
           R"({"stage":"proposal","amount":50,"owner_id":"u1"})");
  // Activities: five in March, one in February.
  t.Add("crm.activity.logged", "act-1", "2024-03-01T09:00:00Z",
        R"({"activity_type":"call","owner_id":"u1"})")
      .Add("crm.activity.logged", "act-2", "2024-03-02T09:00:00Z",
           R"({"activity_type":"email","owner_id":"u1"})")
      .Add("crm.activity.logged", "act-3", "2024-03-02T10:00:00Z",
           R"({"activity_type":"call","owner_id":"u2"})")
      .Add("crm.activity.logged", "act-4", "2024-03-03T09:00:00Z",
           R"({"activity_type":"call","owner_id":"u1"})")
      .Add("crm.activity.logged", "act-5", "2024-02-28T09:00:00Z",
           R"({"activity_type":"meeting","owner_id":"u2"})")
      .Add("crm.activity.logged", "act-6", "2024-03-31T23:59:59Z",
           R"({"activity_type":"email","owner_id":"u3"})");
}

TEST(OperationalReportsTest, SalesPipeline) {
  TestTenant t;
  AddSales(t);
  Document doc = RunChecked(t, "sales", "pipeline", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Pipeline value", "3700.5"},
                              {"Open opportunities", "2"},
                              {"New opportunities", "4"},
                              {"Win rate", "66.7"}}));
  EXPECT_EQ(Rows(doc, "stages"),
            (Table{{"proposal", "1", "2500.5", "67.6"}, {"negotiation", "1", "1200", "32.4"}}));
  EXPECT_EQ(Totals(doc, "stages"), (Row{"Total", "2", "3700.5", ""}));
  EXPECT_EQ(Point(doc, "trend", "Pipeline value (month end)", "2024-02"), "1000");
  EXPECT_EQ(Point(doc, "trend", "Pipeline value (month end)", "2024-03"), "3700.5");
  EXPECT_EQ(Point(doc, "trend", "Won value", "2024-03"), "1300");
  EXPECT_EQ(Point(doc, "trend", "Won value", "2023-04"), "0");  // 12 months back
}

TEST(OperationalReportsTest, SalesPerformance) {
  TestTenant t;
  AddSales(t);
  Document doc = RunChecked(t, "sales", "performance", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Deals won", "2"},
                              {"Deals lost", "1"},
                              {"Won value", "1300"},
                              {"Win rate", "66.7"},
                              {"Average deal size", "650"}}));
  // By won value descending: the won event's owner (u3) wins over the opportunity's (u2).
  EXPECT_EQ(Rows(doc, "owners"), (Table{{"u3", "1", "900", "0", "100", "900"},
                                        {"u1", "1", "400", "0", "100", "400"},
                                        {"u2", "0", "0", "1", "0", "0"}}));
  EXPECT_EQ(Totals(doc, "owners"), (Row{"Total", "2", "1300", "1", "66.7", "650"}));
  EXPECT_EQ(Point(doc, "trend", "Deals won", "2024-03"), "2");
  EXPECT_EQ(Point(doc, "trend", "Deals lost", "2024-03"), "1");
  EXPECT_EQ(Point(doc, "won_value_trend", "Won value", "2024-03"), "1300");
}

TEST(OperationalReportsTest, SalesActivity) {
  TestTenant t;
  AddSales(t);
  Document doc = RunChecked(t, "sales", "activity", "2024-03");
  EXPECT_EQ(Kpis(doc),
            (Pairs{{"Activities", "5"}, {"Activity types", "2"}, {"Active owners", "3"}}));
  EXPECT_EQ(Rows(doc, "by_type"), (Table{{"call", "3", "60"}, {"email", "2", "40"}}));
  EXPECT_EQ(Totals(doc, "by_type"), (Row{"Total", "5", ""}));
  EXPECT_EQ(Rows(doc, "by_owner"),
            (Table{{"u1", "3", "60"}, {"u2", "1", "20"}, {"u3", "1", "20"}}));
  EXPECT_EQ(Point(doc, "trend", "Activities", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Activities", "2024-03"), "5");
}

TEST(OperationalReportsTest, SalesConversion) {
  TestTenant t;
  AddSales(t);
  Document doc = RunChecked(t, "sales", "conversion", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"New leads", "3"},
                              {"Leads converted", "2"},
                              {"Conversion rate", "66.7"},
                              {"Leads total", "4"}}));
  // lead-1 was created in February and converts in March: its source counts it in March.
  EXPECT_EQ(
      Rows(doc, "by_source"),
      (Table{{"event", "1", "1", "100"}, {"web", "1", "1", "100"}, {"referral", "1", "0", "0"}}));
  EXPECT_EQ(Totals(doc, "by_source"), (Row{"Total", "3", "2", "66.7"}));
  EXPECT_EQ(Point(doc, "trend", "New leads", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Converted", "2024-03"), "2");
  // The whole first quarter: 4 leads (web 2), 2 conversions.
  Document q1 = RunChecked(t, "sales", "conversion", "2024-Q1");
  EXPECT_EQ(
      Rows(q1, "by_source"),
      (Table{{"web", "2", "1", "50"}, {"event", "1", "1", "100"}, {"referral", "1", "0", "0"}}));
}

// ---- hr ----------------------------------------------------------------------------------

void AddHr(TestTenant& t) {
  t.Add("hrm.employee.created", "emp-1", "2024-01-10T09:00:00Z",
        R"({"name":"Anna Müller","department":"Sales","role":"Rep"})")
      .Add("hrm.employee.created", "emp-2", "2024-02-01T09:00:00Z",
           R"({"name":"Bo","department":"Sales","role":"Manager"})")
      .Add("hrm.employee.created", "emp-3", "2024-03-04T09:00:00Z",
           R"({"name":"Chen","department":"Eng","role":"Dev"})")
      .Add("hrm.employee.created", "emp-4", "2024-03-05T09:00:00Z",
           R"({"name":"Dora","department":"Eng","role":"Dev"})");
  auto checkin = [&](std::string id, std::string employee, std::string day, std::string at) {
    t.Add("hrm.attendance.checked_in", id, day + "T" + at + "Z",
          R"({"employee_id":")" + employee + R"(","scheduled_start":")" + day +
              R"(T09:00:00Z","checked_in_at":")" + day + "T" + at + R"(Z"})");
  };
  checkin("in-1", "emp-1", "2024-03-04", "08:55:00");
  checkin("in-2", "emp-1", "2024-03-05", "09:10:00");  // late
  checkin("in-3", "emp-2", "2024-03-06", "09:01:00");  // late, in Sales (moves on 03-10)
  checkin("in-4", "emp-2", "2024-03-11", "08:59:00");  // arrives before the move it follows
  t.Add("hrm.employee.updated", "emp-2", "2024-03-10T09:00:00Z", R"({"department":"Ops"})")
      .Add("hrm.employee.terminated", "emp-4", "2024-03-20T17:00:00Z")
      .Add("hrm.employee.created", "emp-5", "2024-04-02T09:00:00Z",
           R"({"name":"Eve","department":"Eng","role":"Dev"})");
  checkin("in-5", "emp-3", "2024-03-11", "09:30:00");  // late
  checkin("in-6", "emp-9", "2024-03-12", "08:00:00");  // unknown employee
  checkin("in-7", "emp-2", "2024-02-20", "09:05:00");  // February
  t.Add("hrm.leave.requested", "leave-1", "2024-03-01T09:00:00Z",
        R"({"employee_id":"emp-1","leave_type":"vacation","days":5})")
      .Add("hrm.leave.requested", "leave-2", "2024-03-02T09:00:00Z",
           R"({"employee_id":"emp-2","leave_type":"sick","days":1.5})")
      .Add("hrm.leave.requested", "leave-3", "2024-02-25T09:00:00Z",
           R"({"employee_id":"emp-1","leave_type":"vacation","days":2})")
      .Add("hrm.leave.approved", "leave-1", "2024-03-03T09:00:00Z")
      .Add("hrm.leave.approved", "leave-3", "2024-03-04T09:00:00Z")
      .Add("hrm.leave.requested", "leave-4", "2024-03-05T09:00:00Z",
           R"({"employee_id":"emp-3","leave_type":"vacation","days":3})")
      .Add("hrm.leave.approved", "leave-4", "2024-04-01T09:00:00Z");
  t.Add("hrm.payroll.processed", "pay-1", "2024-01-31T18:00:00Z",
        R"({"gross_total":10000,"net_total":"7000.25","employee_count":2})")
      .Add("hrm.payroll.processed", "pay-2", "2024-02-29T18:00:00Z",
           R"({"gross_total":11000,"net_total":7700,"employee_count":2})")
      .Add("hrm.payroll.processed", "pay-3", "2024-03-29T18:00:00Z",
           R"({"gross_total":"12000.5","net_total":8400,"employee_count":3})")
      .Add("hrm.payroll.processed", "pay-4", "2024-03-31T18:00:00Z",
           R"({"gross_total":100,"net_total":90,"employee_count":1})");
}

TEST(OperationalReportsTest, HrHeadcount) {
  TestTenant t;
  AddHr(t);
  Document doc = RunChecked(t, "hr", "headcount", "2024-03");
  // Turnover: 1 termination / ((2 + 3) / 2) employees.
  EXPECT_EQ(
      Kpis(doc),
      (Pairs{
          {"Employees", "3"}, {"New hires", "2"}, {"Terminations", "1"}, {"Turnover rate", "40"}}));
  EXPECT_EQ(Rows(doc, "departments"),
            (Table{{"Eng", "1", "2", "1"}, {"Ops", "1", "0", "0"}, {"Sales", "1", "0", "0"}}));
  EXPECT_EQ(Totals(doc, "departments"), (Row{"Total", "3", "2", "1"}));
  EXPECT_EQ(Rows(doc, "roles"), (Table{{"Dev", "1"}, {"Manager", "1"}, {"Rep", "1"}}));
  EXPECT_EQ(Totals(doc, "roles"), (Row{"Total", "3"}));
  EXPECT_EQ(Point(doc, "trend", "Hires", "2024-01"), "1");
  EXPECT_EQ(Point(doc, "trend", "Hires", "2024-03"), "2");
  EXPECT_EQ(Point(doc, "trend", "Terminations", "2024-03"), "1");
  EXPECT_EQ(Point(doc, "headcount_trend", "Employees", "2024-02"), "2");
  EXPECT_EQ(Point(doc, "headcount_trend", "Employees", "2024-03"), "3");
}

TEST(OperationalReportsTest, HrAttendance) {
  TestTenant t;
  AddHr(t);
  Document doc = RunChecked(t, "hr", "attendance", "2024-03");
  // Average attendance: 6 check-ins / ((2 + 3) / 2 employees × 21 business days) = 11.4 %.
  EXPECT_EQ(Kpis(doc), (Pairs{{"Check-ins", "6"},
                              {"Late arrivals", "3"},
                              {"Late rate", "50"},
                              {"Average attendance", "11.4"}}));
  // Each check-in in its employee's department at its instant: emp-2's 03-06 one in Sales,
  // its 03-11 one in Ops (although it arrived before the move); emp-9 is unknown.
  EXPECT_EQ(Rows(doc, "departments"), (Table{{"Sales", "3", "2", "66.7", "1"},
                                             {"Eng", "1", "1", "100", "1"},
                                             {"Ops", "1", "0", "0", "1"},
                                             {"(no department)", "1", "0", "0", "0"}}));
  EXPECT_EQ(Totals(doc, "departments"), (Row{"Total", "6", "3", "50", "3"}));
  // By late arrivals, then check-ins; names and departments are the current ones.
  EXPECT_EQ(Rows(doc, "employees"), (Table{{"emp-1", "Anna Müller", "Sales", "1", "2", "50"},
                                           {"emp-2", "Bo", "Ops", "1", "2", "50"},
                                           {"emp-3", "Chen", "Eng", "1", "1", "100"},
                                           {"emp-9", "", "", "0", "1", "0"}}));
  EXPECT_EQ(Totals(doc, "employees"), (Row{"Total", "", "", "3", "6", "50"}));
  EXPECT_EQ(Point(doc, "trend", "Check-ins", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Late arrivals", "2024-03"), "3");
}

TEST(OperationalReportsTest, HrLeave) {
  TestTenant t;
  AddHr(t);
  Document doc = RunChecked(t, "hr", "leave", "2024-03");
  EXPECT_EQ(
      Kpis(doc),
      (Pairs{
          {"Leave requests", "3"}, {"Approved", "2"}, {"Pending", "2"}, {"Days approved", "7"}}));
  EXPECT_EQ(Rows(doc, "types"),
            (Table{{"vacation", "2", "2", "1", "7"}, {"sick", "1", "0", "1", "0"}}));
  EXPECT_EQ(Totals(doc, "types"), (Row{"Total", "3", "2", "2", "7"}));
  EXPECT_EQ(Point(doc, "trend", "Requested", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Approved", "2024-03"), "2");
}

TEST(OperationalReportsTest, HrPayroll) {
  TestTenant t;
  AddHr(t);
  Document doc = RunChecked(t, "hr", "payroll", "2024-Q1");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Gross payroll", "33100.5"},
                              {"Net payroll", "23190.25"},
                              {"Deductions", "9910.25"},
                              {"Payroll runs", "4"},
                              {"Employees paid", "8"}}));
  EXPECT_EQ(Rows(doc, "months"), (Table{{"2024-01", "1", "2", "10000", "7000.25", "2999.75"},
                                        {"2024-02", "1", "2", "11000", "7700", "3300"},
                                        {"2024-03", "2", "4", "12100.5", "8490", "3610.5"}}));
  EXPECT_EQ(Totals(doc, "months"), (Row{"Total", "4", "8", "33100.5", "23190.25", "9910.25"}));
  EXPECT_EQ(Point(doc, "trend", "Gross", "2024-03"), "12100.5");
  // A week across two months: one row per month, each cut to the week.
  Document week = RunChecked(t, "hr", "payroll", "2024-W09");  // 2024-02-26 .. 2024-03-03
  EXPECT_EQ(Rows(week, "months"), (Table{{"2024-02", "1", "2", "11000", "7700", "3300"},
                                         {"2024-03", "0", "0", "0", "0", "0"}}));
}

// ---- inventory ---------------------------------------------------------------------------

void AddInventory(TestTenant& t) {
  t.Add(
       "inventory.product.created", "prod-1", "2024-02-01T08:00:00Z",
       R"({"sku":"A-1","name":"Widget","category":"Tools","unit_cost":2.5,"unit_price":5,"reorder_point":10})")
      .Add(
          "inventory.product.created", "prod-2", "2024-02-01T08:00:00Z",
          R"({"sku":"B-2","name":"Gadget","category":"Tools","unit_cost":10,"unit_price":20,"reorder_point":5})")
      .Add(
          "inventory.product.created", "prod-3", "2024-03-15T08:00:00Z",
          R"({"sku":"C-3","name":"Gizmo","category":"Parts","unit_cost":1,"unit_price":2,"reorder_point":0})");
  auto move = [&](std::string id, std::string product, std::string warehouse, int delta,
                  std::string at) {
    t.Add("inventory.stock.updated", id, at,
          R"({"product_id":")" + product + R"(","warehouse_id":")" + warehouse +
              R"(","quantity_delta":)" + std::to_string(delta) + R"(,"reason":"count"})");
  };
  move("s1", "prod-1", "wh-a", 20, "2024-02-02T08:00:00Z");
  move("s2", "prod-2", "wh-a", 8, "2024-02-02T08:00:00Z");
  move("s3", "prod-1", "wh-b", 5, "2024-03-05T08:00:00Z");
  move("s4", "prod-1", "wh-a", -16, "2024-03-10T08:00:00Z");
  move("s5", "prod-2", "wh-b", 4, "2024-03-12T08:00:00Z");
  move("s6", "prod-x", "wh-a", 3, "2024-03-20T08:00:00Z");  // unknown product
  move("s7", "prod-2", "wh-a", -10, "2024-04-02T08:00:00Z");
  t.Add("inventory.order.created", "ord-3", "2024-02-27T00:00:00Z",
        R"({"lines":[{"product_id":"prod-2","quantity":1,"unit_price":20}]})")
      .Add(
          "inventory.order.created", "ord-1", "2024-03-01T10:00:00Z",
          R"({"lines":[{"product_id":"prod-1","quantity":2,"unit_price":5},{"product_id":"prod-2","quantity":1,"unit_price":20}]})")
      .Add("inventory.order.fulfilled", "ord-3", "2024-03-01T00:00:00Z")  // 72 h
      .Add("inventory.order.fulfilled", "ord-1", "2024-03-01T13:00:00Z")  // 3 h
      .Add("inventory.order.created", "ord-2", "2024-03-02T00:00:00Z",
           R"({"lines":[{"product_id":"prod-1","quantity":3,"unit_price":4.5}]})")
      .Add("inventory.order.created", "ord-5", "2024-03-03T00:00:00Z",
           R"({"lines":[{"product_id":"prod-z","quantity":1,"unit_price":7}]})")
      .Add("inventory.order.fulfilled", "ord-5", "2024-03-03T20:00:00Z")  // 20 h
      .Add("inventory.order.fulfilled", "ord-2", "2024-03-04T12:00:00Z")  // 60 h
      .Add("inventory.order.created", "ord-4", "2024-03-30T00:00:00Z",
           R"({"lines":[{"product_id":"prod-3","quantity":5,"unit_price":2}]})");
  auto reorder = [&](std::string id, std::string product, int quantity, std::string at) {
    t.Add("inventory.reorder.triggered", id, at,
          R"({"product_id":")" + product +
              R"(","quantity_on_hand":0,"reorder_point":0,"reorder_quantity":)" +
              std::to_string(quantity) + "}");
  };
  reorder("ro-1", "prod-1", 30, "2024-03-10T09:00:00Z");
  reorder("ro-2", "prod-1", 20, "2024-03-11T09:00:00Z");
  reorder("ro-3", "prod-3", 15, "2024-03-16T09:00:00Z");
  reorder("ro-4", "prod-2", 5, "2024-02-10T09:00:00Z");
}

TEST(OperationalReportsTest, InventoryStock) {
  TestTenant t;
  AddInventory(t);
  Document doc = RunChecked(t, "inventory", "stock", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Products", "3"},
                              {"Units on hand", "24"},
                              {"Stock value", "142.5"},
                              {"Low-stock products", "2"}}));
  // By value, then on hand; prod-x (never created) has units but no value, cost or name;
  // prod-3 (no stock, reorder point 0) is low.
  EXPECT_EQ(Rows(doc, "products"),
            (Table{{"prod-2", "Gadget", "B-2", "Tools", "12", "10", "120", "5", ""},
                   {"prod-1", "Widget", "A-1", "Tools", "9", "2.5", "22.5", "10", "yes"},
                   {"prod-x", "", "", "", "3", "", "0", "", ""},
                   {"prod-3", "Gizmo", "C-3", "Parts", "0", "1", "0", "0", "yes"}}));
  EXPECT_EQ(Totals(doc, "products"), (Row{"Total", "", "", "", "24", "", "142.5", "", ""}));
  EXPECT_EQ(Rows(doc, "warehouses"), (Table{{"wh-a", "15"}, {"wh-b", "9"}}));
  EXPECT_EQ(Totals(doc, "warehouses"), (Row{"Total", "24"}));
  EXPECT_EQ(Rows(doc, "product_warehouse"), (Table{{"wh-a", "prod-2", "Gadget", "8"},
                                                   {"wh-a", "prod-1", "Widget", "4"},
                                                   {"wh-a", "prod-x", "", "3"},
                                                   {"wh-b", "prod-1", "Widget", "5"},
                                                   {"wh-b", "prod-2", "Gadget", "4"}}));
  EXPECT_EQ(Totals(doc, "product_warehouse"), (Row{"Total", "", "", "24"}));
  EXPECT_EQ(Rows(doc, "low_stock"),
            (Table{{"prod-1", "Widget", "9", "10", "1"}, {"prod-3", "Gizmo", "0", "0", "0"}}));
  EXPECT_EQ(Point(doc, "trend", "Stock value", "2024-02"), "130");
  EXPECT_EQ(Point(doc, "trend", "Stock value", "2024-03"), "142.5");
  // At the end of February nothing was low (both products above their reorder points).
  Document feb = RunChecked(t, "inventory", "stock", "2024-02");
  EXPECT_EQ(Rows(feb, "low_stock"), Table{});
}

TEST(OperationalReportsTest, InventoryOrders) {
  TestTenant t;
  AddInventory(t);
  Document doc = RunChecked(t, "inventory", "orders", "2024-03");
  // Fulfillment (3 + 60 + 72 + 20) / 4 h; turnover 32.5 / ((130 + 142.5) / 2).
  EXPECT_EQ(Kpis(doc), (Pairs{{"Orders created", "4"},
                              {"Orders fulfilled", "4"},
                              {"Order value", "60.5"},
                              {"Units sold", "8"},
                              {"Cost of goods sold", "32.5"},
                              {"Average fulfillment time", "38.75"},
                              {"Inventory turnover", "0.24"}}));
  // prod-1: 2 + 3 sold (cost 2.5), value 10 + 13.5; turnover 12.5 / ((50 + 22.5) / 2).
  EXPECT_EQ(Rows(doc, "products"), (Table{{"prod-1", "Widget", "5", "23.5", "12.5", "22.5", "0.34"},
                                          {"prod-2", "Gadget", "2", "20", "20", "120", "0.2"},
                                          {"prod-z", "", "1", "7", "0", "0", "0"},
                                          {"prod-3", "Gizmo", "0", "10", "0", "0", "0"}}));
  // The stock value has no total (the rows are the products sold or ordered, not all stock);
  // the turnover total is the KPI's.
  EXPECT_EQ(Totals(doc, "products"), (Row{"Total", "", "8", "60.5", "32.5", "", "0.24"}));
  EXPECT_EQ(Rows(doc, "fulfillment"), (Table{{"under 4 h", "1", "25"},
                                             {"4 to 24 h", "1", "25"},
                                             {"1 to 2 days", "0", "0"},
                                             {"2 to 7 days", "2", "50"},
                                             {"7 days or more", "0", "0"}}));
  EXPECT_EQ(Totals(doc, "fulfillment"), (Row{"Total", "4", ""}));
  EXPECT_EQ(Point(doc, "trend", "Created", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Fulfilled", "2024-03"), "4");
  EXPECT_EQ(Point(doc, "units_trend", "Units sold", "2024-03"), "8");
}

TEST(OperationalReportsTest, InventoryReorder) {
  TestTenant t;
  AddInventory(t);
  Document doc = RunChecked(t, "inventory", "reorder", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Reorders triggered", "3"},
                              {"Units requested", "65"},
                              {"Products reordered", "2"},
                              {"Low-stock products", "2"}}));
  EXPECT_EQ(Rows(doc, "products"), (Table{{"prod-1", "Widget", "2", "50", "9", "10", "yes"},
                                          {"prod-3", "Gizmo", "1", "15", "0", "0", "yes"}}));
  EXPECT_EQ(Totals(doc, "products"), (Row{"Total", "", "3", "65", "", "", ""}));
  EXPECT_EQ(Point(doc, "trend", "Reorders", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Reorders", "2024-03"), "3");
}

// ---- projects ----------------------------------------------------------------------------

void AddProjects(TestTenant& t) {
  t.Add("project.created", "proj-1", "2024-02-01T08:00:00Z",
        R"({"name":"Apollo","budget_hours":10})")
      .Add("project.created", "proj-2", "2024-03-01T08:00:00Z", R"({"name":"Borealis"})")
      .Add("project.created", "proj-3", "2024-03-02T08:00:00Z",
           R"({"name":"Cosmos","budget_hours":4})");
  auto log = [&](std::string id, std::string project, std::string employee, std::string hours,
                 bool billable, std::string at) {
    t.Add("project.time.logged", id, at,
          R"({"project_id":")" + project + R"(","employee_id":")" + employee + R"(","hours":)" +
              hours + R"(,"billable":)" + (billable ? "true" : "false") + "}");
  };
  log("t1", "proj-1", "emp-1", "6", true, "2024-02-10T12:00:00Z");
  log("t2", "proj-1", "emp-1", "3", true, "2024-03-05T12:00:00Z");
  log("t3", "proj-1", "emp-2", "2.5", false, "2024-03-06T12:00:00Z");  // 11.5 > 10: over
  log("t4", "proj-2", "emp-2", "4", false, "2024-03-07T12:00:00Z");
  log("t5", "proj-3", "emp-1", "5", true, "2024-03-08T12:00:00Z");     // 5 > 4: over
  log("t6", "proj-9", "emp-3", "1.25", true, "2024-03-09T12:00:00Z");  // unknown project
  log("t7", "proj-1", "emp-1", "2", true, "2024-04-01T12:00:00Z");
  t.Add("project.updated", "proj-1", "2024-03-15T08:00:00Z", R"({"budget_hours":12})")
      .Add("project.updated", "proj-3", "2024-03-20T08:00:00Z", R"({"status":"completed"})");
  t.Add("project.task.created", "task-1", "2024-02-20T08:00:00Z", R"({"project_id":"proj-1"})")
      .Add("project.task.created", "task-2", "2024-03-01T08:00:00Z", R"({"project_id":"proj-1"})")
      .Add("project.task.created", "task-3", "2024-03-02T08:00:00Z", R"({"project_id":"proj-2"})")
      .Add("project.task.created", "task-4", "2024-03-03T08:00:00Z", R"({"project_id":"proj-2"})")
      .Add("project.task.completed", "task-1", "2024-03-04T08:00:00Z")
      .Add("project.task.completed", "task-3", "2024-03-05T08:00:00Z", R"({"project_id":"proj-2"})")
      .Add("project.task.completed", "task-3", "2024-03-06T08:00:00Z")  // repeat: orphan
      .Add("project.task.completed", "task-5", "2024-03-07T08:00:00Z")  // unknown: orphan
      .Add("project.task.completed", "task-2", "2024-04-02T08:00:00Z");
}

TEST(OperationalReportsTest, ProjectsUtilization) {
  TestTenant t;
  AddProjects(t);
  Document doc = RunChecked(t, "projects", "utilization", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Hours logged", "15.75"},
                              {"Billable hours", "9.25"},
                              {"Utilization", "58.7"},
                              {"Projects with hours", "4"},
                              {"Employees with hours", "3"}}));
  EXPECT_EQ(Rows(doc, "projects"), (Table{{"proj-1", "Apollo", "5.5", "3", "54.5"},
                                          {"proj-3", "Cosmos", "5", "5", "100"},
                                          {"proj-2", "Borealis", "4", "0", "0"},
                                          {"proj-9", "", "1.25", "1.25", "100"}}));
  EXPECT_EQ(Totals(doc, "projects"), (Row{"Total", "", "15.75", "9.25", "58.7"}));
  EXPECT_EQ(Rows(doc, "employees"), (Table{{"emp-1", "8", "8", "100"},
                                           {"emp-2", "6.5", "0", "0"},
                                           {"emp-3", "1.25", "1.25", "100"}}));
  EXPECT_EQ(Totals(doc, "employees"), (Row{"Total", "15.75", "9.25", "58.7"}));
  EXPECT_EQ(Point(doc, "trend", "Hours logged", "2024-02"), "6");
  EXPECT_EQ(Point(doc, "trend", "Billable hours", "2024-03"), "9.25");
}

TEST(OperationalReportsTest, ProjectsBudget) {
  TestTenant t;
  AddProjects(t);
  Document doc = RunChecked(t, "projects", "budget", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Projects over budget", "1"},
                              {"Active projects", "2"},
                              {"Budgeted hours", "16"},
                              {"Hours logged against budgets", "20.5"}}));
  // By burn: Cosmos 5 / 4, Apollo 11.5 / 12 (its budget rose on 03-15, so it is no longer
  // over); then the projects without a budget by hours to date (proj-9's orphan log counts
  // in the period, not against a budget).
  EXPECT_EQ(Rows(doc, "projects"),
            (Table{{"proj-3", "Cosmos", "completed", "4", "5", "5", "125", "-1", "yes"},
                   {"proj-1", "Apollo", "active", "12", "5.5", "11.5", "95.8", "0.5", "no"},
                   {"proj-2", "Borealis", "active", "0", "4", "4", "", "", "no"},
                   {"proj-9", "", "", "0", "1.25", "0", "", "", "no"}}));
  EXPECT_EQ(Totals(doc, "projects"), (Row{"Total", "", "", "16", "15.75", "20.5", "", "", ""}));
  EXPECT_EQ(Point(doc, "trend", "Budgeted hours (month end)", "2024-02"), "10");
  EXPECT_EQ(Point(doc, "trend", "Budgeted hours (month end)", "2024-03"), "16");
  EXPECT_EQ(Point(doc, "trend", "Hours logged", "2024-03"), "15.75");
  // At the end of 2024-03-10 Apollo was over its budget of 10 too (the status is the current
  // one, like the names).
  Document day = RunChecked(t, "projects", "budget", "2024-03-10");
  EXPECT_EQ(Rows(day, "projects"),
            (Table{{"proj-3", "Cosmos", "completed", "4", "0", "5", "125", "-1", "yes"},
                   {"proj-1", "Apollo", "active", "10", "0", "11.5", "115", "-1.5", "yes"},
                   {"proj-2", "Borealis", "active", "0", "0", "4", "", "", "no"}}));
  EXPECT_EQ(testing::KpiText(*day.Find("kpis"), "Projects over budget"), "2");
}

TEST(OperationalReportsTest, ProjectsTasks) {
  TestTenant t;
  AddProjects(t);
  Document doc = RunChecked(t, "projects", "tasks", "2024-03");
  EXPECT_EQ(Kpis(doc), (Pairs{{"Tasks created", "3"},
                              {"Tasks completed", "2"},
                              {"Open tasks", "2"},
                              {"Completion rate", "66.7"}}));
  // task-1 (proj-1, created in February) completes in March under its creation's project.
  EXPECT_EQ(Rows(doc, "projects"), (Table{{"proj-2", "Borealis", "2", "1", "1", "50"},
                                          {"proj-1", "Apollo", "1", "1", "1", "100"}}));
  EXPECT_EQ(Totals(doc, "projects"), (Row{"Total", "", "3", "2", "2", "66.7"}));
  EXPECT_EQ(Point(doc, "trend", "Open (month end)", "2024-02"), "1");
  EXPECT_EQ(Point(doc, "trend", "Open (month end)", "2024-03"), "2");
  EXPECT_EQ(Point(doc, "trend", "Completed", "2024-03"), "2");
}

// ---- across reports ----------------------------------------------------------------------

// Each catalog type has a builder, a domain role matching its report, and is built here.
TEST(OperationalReportsTest, CatalogHasEveryOperationalType) {
  const std::pair<std::string_view, query::Section> kDomains[] = {
      {"sales", query::Section::kCrm},
      {"hr", query::Section::kHrm},
      {"inventory", query::Section::kInventory},
      {"projects", query::Section::kProjects}};
  int types = 0;
  for (const TypeSpec& spec : Catalog()) {
    for (const auto& [report, domain] : kDomains) {
      if (spec.report != report) continue;
      ++types;
      EXPECT_EQ(spec.domain, domain) << spec.type;
      EXPECT_TRUE(spec.params.empty()) << spec.type;
    }
  }
  EXPECT_EQ(types, 14);
}

// A report reads one tenant's view: another tenant's events with the same ids and keys
// never show, and an empty tenant answers zeros and empty tables.
TEST(OperationalReportsTest, ReportsReadOneTenantOnly) {
  TestTenant a("tenant-a"), b("tenant-b"), empty("tenant-c");
  AddInventory(a);
  b.Add(
       "inventory.product.created", "prod-1", "2024-02-01T08:00:00Z",
       R"({"sku":"Z-9","name":"Other","category":"X","unit_cost":99,"unit_price":1,"reorder_point":1})")
      .Add("inventory.stock.updated", "s1", "2024-03-02T08:00:00Z",
           R"({"product_id":"prod-1","warehouse_id":"wh-z","quantity_delta":1000,"reason":"x"})");
  Document doc = a.Run("inventory", "stock", "2024-03");
  EXPECT_EQ(doc.organization_id, "tenant-a");
  EXPECT_EQ(testing::KpiText(*doc.Find("kpis"), "Units on hand"), "24");
  for (const Row& row : Rows(doc, "product_warehouse")) EXPECT_NE(row[0], "wh-z");
  EXPECT_EQ(Rows(doc, "products").at(1).at(1), "Widget");
  Document other = b.Run("inventory", "stock", "2024-03");
  EXPECT_EQ(Rows(other, "products"),
            (Table{{"prod-1", "Other", "Z-9", "X", "1000", "99", "99000", "1", ""}}));
  for (const TypeSpec& spec : Catalog()) {
    if (spec.report == "financial") continue;
    Document d = empty.Run(spec.report, spec.type, "2024-03");
    EXPECT_EQ(d.organization_id, "tenant-c");
    for (const Section& s : d.sections) {
      if (s.kind == SectionKind::kKpis) {
        for (const KpiItem& k : s.items) EXPECT_EQ(k.value, Decimal::Count(0)) << k.label;
      }
      // Only tables of fixed rows (payroll months, fulfillment buckets) have rows, of zeros.
      if (s.kind == SectionKind::kTable && s.id != "months" && s.id != "fulfillment") {
        EXPECT_TRUE(s.rows.empty()) << spec.type << " " << s.id;
      }
    }
  }
}

}  // namespace
}  // namespace readside::report
