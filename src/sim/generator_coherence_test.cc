// Business-coherence tests of the simulator: closed entities stay closed, money and stock
// add up, payroll follows headcount, the workday and the sales funnel look like a company,
// and the clock controls work (see generator.h).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/generator.h"
#include "sim/sim_time.h"
#include "sim/tenant_profile.h"
#include "sim/test_event_checks.h"

namespace readside::sim {
namespace {

using testing::Int;
using testing::MoneyOf;
using testing::Num;
using testing::ParseDateTime;
using testing::Sv;

// Runs the generator and hands every line, parsed, to visit(org, type, doc).
template <typename Visit>
void ForEachEvent(const GeneratorOptions& options, Visit visit) {
  Generator generator(options);
  simdjson::dom::parser parser;
  std::string line;
  int64_t ts;
  while (generator.Next(&line, &ts)) {
    simdjson::dom::element doc = parser.parse(line).value();
    visit(std::string(Sv(doc["organization_id"])), Sv(doc["event_type"]), doc);
  }
}

std::string Str(simdjson::dom::element e) { return std::string(Sv(e)); }

GeneratorOptions Options(uint64_t total) {
  GeneratorOptions o;
  o.total_events = total;
  return o;
}

TEST(CoherenceTest, ClosedEntitiesAreNeverUsedAgain) {
  std::map<std::string, std::set<std::string>> closed;  // per tenant
  int checked = 0;
  ForEachEvent(Options(60000), [&](const std::string& org, std::string_view type,
                                   simdjson::dom::element doc) {
    std::set<std::string>& gone = closed[org];
    std::string entity = Str(doc["data"]["entity_id"]);
    EXPECT_FALSE(gone.count(entity)) << type << " about closed " << entity;
    simdjson::dom::object payload = doc["data"]["payload"].get_object().value();
    for (auto field : payload) {
      std::string_view value;
      if (field.value.get(value)) continue;
      ++checked;
      EXPECT_FALSE(gone.count(std::string(value))) << type << " names closed " << value;
    }
    std::string_view user;
    if (!doc["data"]["metadata"]["user_id"].get(user)) {
      EXPECT_FALSE(gone.count(std::string(user))) << type << " by departed " << user;
    }
    if (type == "crm.contact.deleted" || type == "hrm.employee.terminated" ||
        type == "crm.opportunity.won" || type == "crm.opportunity.lost" ||
        type == "project.task.completed" || type == "inventory.order.fulfilled") {
      gone.insert(entity);
    }
    std::string_view status;
    if (type == "project.updated" && !doc["data"]["payload"]["status"].get(status) &&
        (status == "completed" || status == "cancelled")) {
      gone.insert(entity);
    }
  });
  EXPECT_GT(checked, 50000);
}

TEST(CoherenceTest, InvoicesAreNeverOverpaidAndStockNeverGoesNegative) {
  std::map<std::string, int64_t> invoice_open;  // org/invoice -> unpaid, 1e-4 units
  std::map<std::string, int64_t> on_hand;       // org/product/warehouse -> units
  int fully_paid = 0, instalments = 0;
  std::map<std::string, int> payments_of;
  ForEachEvent(Options(150000), [&](const std::string& org, std::string_view type,
                                    simdjson::dom::element doc) {
    simdjson::dom::element p = doc["data"]["payload"].value();
    if (type == "finance.invoice.created") {
      invoice_open[org + "/" + Str(doc["data"]["entity_id"])] = *MoneyOf(p["amount"].value());
    } else if (type == "finance.payment.received") {
      std::string key = org + "/" + Str(p["invoice_id"]);
      int64_t& open = invoice_open.at(key);
      open -= *MoneyOf(p["amount"].value());
      ASSERT_GE(open, 0) << key << " overpaid";
      fully_paid += open == 0;
      instalments += ++payments_of[key] == 2;
    } else if (type == "inventory.stock.updated") {
      int64_t& units = on_hand[org + "/" + Str(p["product_id"]) + "/" + Str(p["warehouse_id"])];
      units += Int(p["quantity_delta"]);
      ASSERT_GE(units, 0);
    } else if (type == "inventory.product.created") {
      EXPECT_LT(*MoneyOf(p["unit_cost"].value()), *MoneyOf(p["unit_price"].value()));
    }
  });
  EXPECT_GT(fully_paid, 1000);
  EXPECT_GT(instalments, 50);
}

TEST(CoherenceTest, PayrollCountsTheActiveHeadcountMonthly) {
  std::map<std::string, int> active;
  std::map<std::string, std::vector<std::string>> periods;
  ForEachEvent(Options(300000), [&](const std::string& org, std::string_view type,
                                    simdjson::dom::element doc) {
    if (type == "hrm.employee.created") ++active[org];
    if (type == "hrm.employee.terminated") --active[org];
    if (type != "hrm.payroll.processed") return;
    simdjson::dom::element p = doc["data"]["payload"].value();
    int64_t count = Int(p["employee_count"]);
    EXPECT_EQ(count, active[org]);
    int64_t gross = *MoneyOf(p["gross_total"].value()), net = *MoneyOf(p["net_total"].value());
    EXPECT_LT(net, gross);
    EXPECT_GE(gross / count, 3000 * 10000);  // average monthly salary 3k..12k
    EXPECT_LE(gross / count, 12000 * 10000);
    periods[org].push_back(Str(p["pay_period"]));
  });
  ASSERT_EQ(periods.size(), 3u);
  for (const auto& [org, months] : periods) {
    EXPECT_EQ(months, (std::vector<std::string>{"2023-12", "2024-01", "2024-02"})) << org;
  }
}

TEST(CoherenceTest, CheckInsFollowTheWorkdayAndAboutOneInTenIsLate) {
  int checkins = 0, late = 0;
  std::map<std::string, int> offset;  // minutes, by tenant
  GeneratorOptions o = Options(100000);
  for (size_t i = 0; i < o.tenants.size(); ++i) {
    offset[o.tenants[i]] = MakeTenantProfile(o.tenants[i], static_cast<int>(i)).utc_offset_minutes;
  }
  ForEachEvent(o, [&](const std::string& org, std::string_view type, simdjson::dom::element doc) {
    if (type != "hrm.attendance.checked_in") return;
    simdjson::dom::element p = doc["data"]["payload"].value();
    int64_t scheduled = *ParseDateTime(Sv(p["scheduled_start"]));
    int64_t arrived = *ParseDateTime(Sv(p["checked_in_at"]));
    int64_t published = *ParseDateTime(Sv(doc["timestamp"]));
    EXPECT_EQ(LocalTimeOfDay(scheduled, offset[org]), 9 * kMicrosPerHour);
    EXPECT_TRUE(IsBusinessDay(LocalDay(scheduled, offset[org])));
    EXPECT_GE(arrived, scheduled - kMicrosPerHour);
    EXPECT_LE(arrived, scheduled + kMicrosPerHour);
    EXPECT_LE(arrived, published);
    ++checkins;
    late += arrived > scheduled;
  });
  EXPECT_GT(checkins, 5000);
  EXPECT_NEAR(static_cast<double>(late) / checkins, 0.10, 0.03);
}

TEST(CoherenceTest, NobodyLogsMoreThanTenHoursADay) {
  std::map<std::string, double> hours;  // org/employee/UTC day
  ForEachEvent(Options(100000),
               [&](const std::string& org, std::string_view type, simdjson::dom::element doc) {
                 if (type != "project.time.logged") return;
                 simdjson::dom::element p = doc["data"]["payload"].value();
                 int64_t ts = *ParseDateTime(Sv(doc["timestamp"]));
                 double& h = hours[org + "/" + Str(p["employee_id"]) + "/" +
                                   std::to_string(FloorDiv(ts, kMicrosPerDay))];
                 h += Num(p["hours"]);
                 // A local working day spans at most two UTC days.
                 EXPECT_LE(h, 20.0);
               });
  EXPECT_GT(hours.size(), 1000u);
}

TEST(CoherenceTest, SalesFunnelAndProjectsLookLikeACompany) {
  std::map<std::string, std::map<std::string, int>> n;
  std::map<std::string, int64_t> won_value;
  std::map<std::string, double> budget, logged;  // org/project
  int recurring = 0;
  ForEachEvent(Options(200000), [&](const std::string& org, std::string_view type,
                                    simdjson::dom::element doc) {
    ++n[org][std::string(type)];
    simdjson::dom::element p = doc["data"]["payload"].value();
    simdjson::dom::element amount;
    if (type == "crm.opportunity.won" && !p["amount"].get(amount)) {
      won_value[org] += *MoneyOf(amount);
    }
    bool is_recurring = false;
    if (type == "finance.invoice.created" && !p["recurring"].get(is_recurring)) {
      recurring += is_recurring;
    }
    double hours;
    if ((type == "project.created" || type == "project.updated") && !p["budget_hours"].get(hours)) {
      budget[org + Str(doc["data"]["entity_id"])] = hours;
    }
    if (type == "project.time.logged") logged[org + Str(p["project_id"])] += Num(p["hours"]);
  });
  std::vector<int64_t> average_deal;
  for (const std::string& org : GeneratorOptions().tenants) {
    auto& c = n[org];
    double conversion = static_cast<double>(c["crm.lead.converted"]) / c["crm.lead.created"];
    double win_rate = static_cast<double>(c["crm.opportunity.won"]) /
                      (c["crm.opportunity.won"] + c["crm.opportunity.lost"]);
    EXPECT_GT(conversion, 0.2) << org;
    EXPECT_LT(conversion, 0.5) << org;
    EXPECT_GT(win_rate, 0.25) << org;
    EXPECT_LT(win_rate, 0.6) << org;
    average_deal.push_back(won_value[org] / c["crm.opportunity.won"]);
  }
  EXPECT_GT(average_deal[0], average_deal[1]);  // the large company closes bigger deals
  EXPECT_GT(average_deal[1], average_deal[2]);
  EXPECT_GT(n["acme-corp"]["hrm.employee.created"], 3 * n["beta-inc"]["hrm.employee.created"] / 2);
  EXPECT_GT(recurring, 100);
  int over_budget = 0;
  for (const auto& [project, hours] : logged) {
    over_budget += budget.count(project) && hours > budget[project];
  }
  EXPECT_GT(over_budget, 10);
}

TEST(CoherenceTest, SetEventsPerSecondChangesTheDensity) {
  GeneratorOptions o;
  Generator generator(o);
  std::string line;
  int64_t first = 0, ts = 0;
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(generator.Next(&line, i == 0 ? &first : &ts));
  double sparse_gap = static_cast<double>(ts - first) / 4999 / kMicrosPerSecond;
  generator.SetEventsPerSecond(2.0);
  int64_t from = ts;
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(generator.Next(&line, &ts));
  double dense_gap = static_cast<double>(ts - from) / 5000 / kMicrosPerSecond;
  EXPECT_NEAR(sparse_gap, 20.0, 1.5);  // 1 / 0.05
  EXPECT_NEAR(dense_gap, 0.5, 0.05);
}

TEST(CoherenceTest, AdvanceClockToOnlyMovesForward) {
  Generator generator(GeneratorOptions{});
  std::string line;
  int64_t ts = 0;
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(generator.Next(&line, &ts));
  generator.AdvanceClockTo(ts - kMicrosPerDay);  // behind: no effect
  int64_t next;
  ASSERT_TRUE(generator.Next(&line, &next));
  EXPECT_LT(next - ts, kMicrosPerHour);
  int64_t target = next + 30 * kMicrosPerDay;
  generator.AdvanceClockTo(target);
  ASSERT_TRUE(generator.Next(&line, &next));
  EXPECT_GE(next, target);
  simdjson::dom::parser parser;
  for (int i = 0; i < 3000; ++i) {  // the business carries on (catch-up payroll included)
    ASSERT_TRUE(generator.Next(&line, &next));
    ASSERT_EQ(testing::CheckEvent(parser, line), "") << line;
  }
}

}  // namespace
}  // namespace readside::sim
