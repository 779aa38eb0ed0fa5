// The catalog of reports.md: every (report, type), the domain it needs, its parameters and
// its builder. Builders are in financial_reports.cc and operational_reports.cc.
#include <algorithm>

#include "common/json_writer.h"
#include "report/builders.h"
#include "report/report.h"

namespace readside::report {
namespace {

using query::Section;
using namespace internal;

std::vector<TypeSpec> MakeCatalog() {
  const ParamSpec compare{
      "compare",
      "The comparison column: the previous period of the same granularity (prev: the month, "
      "quarter, week, day or year before), the same period a year earlier (yoy), or none.",
      {"prev", "yoy", "none"},
      "prev"};
  std::vector<TypeSpec> c = {
      {"financial", "pnl", "Profit and loss",
       "Revenue and expense accounts for the period and the comparison period; gross profit, "
       "operating expenses, net profit and margin.",
       Section::kFinance, {compare}, &BuildPnl},
      {"financial", "balance_sheet", "Balance sheet",
       "Asset, liability and equity accounts as of the end of the period, with retained "
       "earnings (cumulative net profit); states whether assets equal liabilities plus equity.",
       Section::kFinance, {}, &BuildBalanceSheet},
      {"financial", "cash_flow", "Cash flow statement",
       "Direct method over the cash accounts: inflows and outflows of the period by operating, "
       "investing and financing activity; opening cash, net change and closing cash.",
       Section::kFinance, {}, &BuildCashFlow},
      {"financial", "trial_balance", "Trial balance",
       "Every account, unknown codes included: gross debits and credits up to the end of the "
       "period; the totals are equal.",
       Section::kFinance, {}, &BuildTrialBalance},
      {"financial", "ar_aging", "Accounts receivable aging",
       "Open receivables as of the end of the period by customer, in buckets of days past due "
       "(current, 1-30, 31-60, 61-90, over 90).",
       Section::kFinance, {}, &BuildArAging},
  };
  AppendOperationalTypes(&c);
  return c;
}

}  // namespace

const std::vector<TypeSpec>& Catalog() {
  static const std::vector<TypeSpec> catalog = MakeCatalog();
  return catalog;
}

const TypeSpec* FindType(std::string_view report, std::string_view type) {
  for (const TypeSpec& t : Catalog()) {
    if (t.report == report && t.type == type) return &t;
  }
  return nullptr;
}

bool IsReport(std::string_view report) {
  return std::any_of(Catalog().begin(), Catalog().end(),
                     [&](const TypeSpec& t) { return t.report == report; });
}

std::string CatalogJson() {
  JsonBuilder j;
  j.BeginObject().Key("reports").BeginArray();
  const std::vector<TypeSpec>& all = Catalog();
  for (size_t i = 0; i < all.size();) {
    std::string_view report = all[i].report;
    j.BeginObject().Key("report").String(report);
    j.Key("domain").String(query::SectionName(all[i].domain));
    j.Key("types").BeginArray();
    for (; i < all.size() && all[i].report == report; ++i) {
      const TypeSpec& t = all[i];
      j.BeginObject().Key("type").String(t.type).Key("title").String(t.title);
      j.Key("description").String(t.description).Key("parameters").BeginArray();
      j.BeginObject().Key("name").String("period");
      j.Key("description").String(
          "The period: a day 2024-01-15, an ISO week 2024-W03, a month 2024-01, a quarter "
          "2024-Q1 or a year 2024. Default: the current month in the tenant's time zone.");
      j.EndObject();
      for (const ParamSpec& p : t.params) {
        j.BeginObject().Key("name").String(p.name).Key("description").String(p.description);
        if (!p.values.empty()) {
          j.Key("values").BeginArray();
          for (std::string_view v : p.values) j.String(v);
          j.EndArray();
        }
        if (!p.default_value.empty()) j.Key("default").String(p.default_value);
        j.EndObject();
      }
      j.EndArray().EndObject();
    }
    j.EndArray().EndObject();
  }
  j.EndArray();
  j.Key("formats").BeginArray().String("json").String("csv").String("excel").String("pdf");
  j.EndArray().EndObject();
  return j.Take();
}

}  // namespace readside::report
