#include "projection/consistency.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "common/json_writer.h"
#include "common/money.h"
#include "common/time_util.h"
#include "projection/replay.h"
#include "store/event_store.h"

namespace readside::projection {
namespace {

// How a field's per-day values read as a period's value: a flow is the sum of the period's
// days, a stock its value at the period's end (the prefix sum).
enum class Kind : uint8_t { kFlow, kStock };
// How a field's integer units print: a count, Money units, millionths (hours, leave days),
// milliseconds.
enum class Unit : uint8_t { kCount, kMoney, kMicro, kMillis };

struct FieldInfo {
  std::string_view domain;
  std::string_view name;
  Kind kind;
  Unit unit;
};

constexpr Kind F_ = Kind::kFlow;
constexpr Kind S_ = Kind::kStock;
constexpr Unit C_ = Unit::kCount;
constexpr Unit M_ = Unit::kMoney;
constexpr Unit H_ = Unit::kMicro;
constexpr Unit T_ = Unit::kMillis;

// In the order of enum S (series.h); the static_assert below keeps them together.
constexpr FieldInfo kSeries[] = {
    {"crm", "contacts_new", F_, C_}, {"crm", "contacts_total", S_, C_},
    {"crm", "leads_new", F_, C_}, {"crm", "leads_converted", F_, C_},
    {"crm", "leads_total", S_, C_}, {"crm", "opportunities_new", F_, C_},
    {"crm", "opportunities_won", F_, C_}, {"crm", "opportunities_lost", F_, C_},
    {"crm", "won_value", F_, M_}, {"crm", "pipeline_value", S_, M_},
    {"crm", "activities_total", F_, C_},
    {"hrm", "new_hires", F_, C_}, {"hrm", "terminations", F_, C_},
    {"hrm", "total_employees", S_, C_}, {"hrm", "leave_requests", F_, C_},
    {"hrm", "leave_approved", F_, C_}, {"hrm", "leave_pending", S_, C_},
    {"hrm", "leave_days_approved", F_, H_}, {"hrm", "attendance_checkins", F_, C_},
    {"hrm", "late_arrivals", F_, C_}, {"hrm", "payroll_gross", F_, M_},
    {"hrm", "payroll_net", F_, M_},
    {"finance", "total_revenue", F_, M_}, {"finance", "recurring_revenue", F_, M_},
    {"finance", "one_time_revenue", F_, M_}, {"finance", "invoices_created", F_, C_},
    {"finance", "invoices_sent", F_, C_}, {"finance", "invoices_paid", F_, C_},
    {"finance", "payment_time_millis", F_, T_}, {"finance", "payments_received", F_, M_},
    {"finance", "accounts_receivable", S_, M_}, {"finance", "invoices_overdue", S_, C_},
    {"finance", "cash_inflow", F_, M_}, {"finance", "cash_outflow", F_, M_},
    {"finance", "ledger_revenue", F_, M_}, {"finance", "ledger_cogs", F_, M_},
    {"finance", "operating_expenses", F_, M_}, {"finance", "assets", S_, M_},
    {"finance", "liabilities", S_, M_}, {"finance", "equity", S_, M_},
    {"finance", "unclassified_debit", F_, M_}, {"finance", "unclassified_credit", F_, M_},
    {"finance", "unclassified_lines", F_, C_},
    {"finance", "cash_operating_in", F_, M_}, {"finance", "cash_operating_out", F_, M_},
    {"finance", "cash_investing_in", F_, M_}, {"finance", "cash_investing_out", F_, M_},
    {"finance", "cash_financing_in", F_, M_}, {"finance", "cash_financing_out", F_, M_},
    {"finance", "cash_unclassified_in", F_, M_}, {"finance", "cash_unclassified_out", F_, M_},
    {"inventory", "products_total", S_, C_}, {"inventory", "units_on_hand", S_, C_},
    {"inventory", "stock_value", S_, M_}, {"inventory", "orders_created", F_, C_},
    {"inventory", "orders_fulfilled", F_, C_}, {"inventory", "order_value", F_, M_},
    {"inventory", "units_sold", F_, C_}, {"inventory", "cost_of_goods_sold", F_, M_},
    {"inventory", "fulfillment_millis", F_, T_}, {"inventory", "reorders_triggered", F_, C_},
    {"inventory", "low_stock_products", S_, C_},
    {"projects", "projects_created", F_, C_}, {"projects", "projects_active", S_, C_},
    {"projects", "projects_completed", F_, C_}, {"projects", "tasks_created", F_, C_},
    {"projects", "tasks_completed", F_, C_}, {"projects", "open_tasks", S_, C_},
    {"projects", "hours_logged", F_, H_}, {"projects", "billable_hours", F_, H_},
    {"projects", "projects_over_budget", S_, C_},
    {"hrm", "payroll_runs", F_, C_}, {"hrm", "payroll_employees", F_, C_},
};
static_assert(std::size(kSeries) == kSeriesCount, "one row per series of enum S");

constexpr FieldInfo kKeyed[] = {
    {"crm", "pipeline_stages", S_, C_},        {"crm", "activities_by_type", F_, C_},
    {"crm", "won_value_by_user", F_, M_},      {"crm", "deals_won_by_user", F_, C_},
    {"hrm", "employees_by_department", S_, C_}, {"hrm", "employees_by_role", S_, C_},
    {"inventory", "stock_by_warehouse", S_, C_}, {"projects", "hours_by_project", F_, H_},
};
static_assert(std::size(kKeyed) == kKeyedCount, "one row per family of enum K");

constexpr FieldInfo kFacts[] = {
    {"finance", "ledger_debit_by_account", F_, M_},
    {"finance", "ledger_credit_by_account", F_, M_},
    {"crm", "pipeline_value_by_stage", S_, M_},
    {"crm", "deals_lost_by_user", F_, C_},
    {"crm", "activities_by_owner", F_, C_},
    {"crm", "leads_by_source", F_, C_},
    {"crm", "leads_converted_by_source", F_, C_},
    {"hrm", "hires_by_department", F_, C_},
    {"hrm", "terminations_by_department", F_, C_},
    {"hrm", "checkins_by_department", F_, C_},
    {"hrm", "late_arrivals_by_department", F_, C_},
    {"hrm", "checkins_by_employee", F_, C_},
    {"hrm", "late_arrivals_by_employee", F_, C_},
    {"hrm", "leave_requests_by_type", F_, C_},
    {"hrm", "leave_approved_by_type", F_, C_},
    {"hrm", "leave_pending_by_type", S_, C_},
    {"hrm", "leave_days_approved_by_type", F_, H_},
    {"inventory", "units_by_product_warehouse", S_, C_},
    {"inventory", "stock_value_by_product", S_, M_},
    {"inventory", "low_stock_by_product", S_, C_},
    {"inventory", "order_value_by_product", F_, M_},
    {"inventory", "units_sold_by_product", F_, C_},
    {"inventory", "fulfilled_by_lead_time", F_, C_},
    {"inventory", "reorders_by_product", F_, C_},
    {"inventory", "reorder_units_by_product", F_, C_},
    {"projects", "billable_hours_by_project", F_, H_},
    {"projects", "hours_by_employee", F_, H_},
    {"projects", "billable_hours_by_employee", F_, H_},
    {"projects", "budget_hours_by_project", S_, H_},
    {"projects", "burn_hours_by_project", S_, H_},
    {"projects", "over_budget_by_project", S_, C_},
    {"projects", "tasks_created_by_project", F_, C_},
    {"projects", "tasks_completed_by_project", F_, C_},
    {"projects", "open_tasks_by_project", S_, C_},
};
static_assert(std::size(kFacts) == kFactCount, "one row per table of enum F");

constexpr std::string_view kDomainNames[kDomainCount] = {"crm", "hrm", "finance", "inventory",
                                                         "projects"};

using Days = std::vector<std::pair<DayNumber, int64_t>>;  // ascending, non-zero values

Days DaysOf(const DaySeries& s) {
  Days out;
  s.ForEachDay(std::numeric_limits<DayNumber>::min(), std::numeric_limits<DayNumber>::max(),
               [&](DayNumber d, int64_t v) { out.emplace_back(d, v); });
  return out;
}

// Σ values of days in [from, to).
Int128 SumDays(const Days& days, DayNumber from, DayNumber to) {
  auto first = std::lower_bound(days.begin(), days.end(), from,
                                [](const auto& e, DayNumber d) { return e.first < d; });
  Int128 sum = 0;
  for (auto it = first; it != days.end() && it->first < to; ++it) sum += it->second;
  return sum;
}

std::string FormatUnits(Int128 v, Unit unit) {
  switch (unit) {
    case Unit::kMoney:
      return FormatScaled(v, 4);
    case Unit::kMicro:
      return FormatScaled(v, 6);
    case Unit::kCount:
    case Unit::kMillis:
      break;
  }
  return FormatScaled(v, 0);
}

// Collects differences, counting those past the limit.
class Collector {
 public:
  Collector(size_t max, std::vector<Difference>* out) : max_(max), out_(out) {}
  void Add(std::string_view domain, std::string period, std::string_view field,
           std::string_view key, std::string live, std::string replayed) {
    ++summary_.differences;
    if (kept_ >= max_) return;
    ++kept_;
    out_->push_back({std::string(domain), std::move(period), std::string(field),
                     std::string(key), std::move(live), std::move(replayed)});
  }
  void SawMonth(DayNumber first_day) { months_.insert(first_day); }
  ComparisonSummary Finish() {
    summary_.periods = months_.size();
    return summary_;
  }

 private:
  size_t max_;
  size_t kept_ = 0;
  std::vector<Difference>* out_;
  ComparisonSummary summary_;
  std::set<DayNumber> months_;
};

// The value of `days` over `p` as `kind` reads it.
Int128 ValueIn(const Days& days, Kind kind, const Period& p) {
  return SumDays(days, kind == Kind::kFlow ? p.first_day : std::numeric_limits<DayNumber>::min(),
                 p.end_day);
}

// Compares one field's per-day values: each month where a day differs is reported with the
// month's values, or, when those agree, day by day.
void CompareDays(const Days& live, const Days& replayed, const FieldInfo& info,
                 std::string_view key, bool count_months, Collector& c) {
  std::vector<DayNumber> differing;
  size_t i = 0, j = 0;
  while (i < live.size() || j < replayed.size()) {
    DayNumber d;
    if (j == replayed.size() || (i < live.size() && live[i].first < replayed[j].first)) {
      d = live[i++].first;
      differing.push_back(d);
    } else if (i == live.size() || replayed[j].first < live[i].first) {
      d = replayed[j++].first;
      differing.push_back(d);
    } else {
      d = live[i].first;
      if (live[i].second != replayed[j].second) differing.push_back(d);
      ++i, ++j;
    }
    if (count_months) c.SawMonth(PeriodContaining(Granularity::kMonth, d).first_day);
  }
  for (size_t k = 0; k < differing.size();) {
    Period month = PeriodContaining(Granularity::kMonth, differing[k]);
    size_t end = k;
    while (end < differing.size() && differing[end] < month.end_day) ++end;
    Int128 a = ValueIn(live, info.kind, month), b = ValueIn(replayed, info.kind, month);
    if (a != b) {
      c.Add(info.domain, FormatPeriod(month), info.name, key, FormatUnits(a, info.unit),
            FormatUnits(b, info.unit));
    } else {  // shifted between days of the month: the days tell
      for (size_t m = k; m < end; ++m) {
        Period day = PeriodContaining(Granularity::kDay, differing[m]);
        a = ValueIn(live, info.kind, day);
        b = ValueIn(replayed, info.kind, day);
        if (a != b) {
          c.Add(info.domain, FormatPeriod(day), info.name, key, FormatUnits(a, info.unit),
                FormatUnits(b, info.unit));
        }
      }
    }
    k = end;
  }
}

void CompareSeries(const TenantView& live, const TenantView& replayed, Collector& c) {
  for (size_t s = 0; s < kSeriesCount; ++s) {
    CompareDays(DaysOf(*live.series[s]), DaysOf(*replayed.series[s]), kSeries[s], "",
                /*count_months=*/true, c);
  }
}

// Merges two sorted key → value maps, calling fn(key, live or null, replayed or null).
template <typename Map, typename Fn>
void MergeKeys(const Map& a, const Map& b, Fn&& fn) {
  using Value = typename Map::value_type::second_type;
  const Value* none = nullptr;
  auto i = a.begin(), j = b.begin();
  while (i != a.end() || j != b.end()) {
    if (j == b.end() || (i != a.end() && i->first < j->first)) {
      fn(i->first, &i->second, none), ++i;
    } else if (i == a.end() || j->first < i->first) {
      fn(j->first, none, &j->second), ++j;
    } else {
      fn(i->first, &i->second, &j->second), ++i, ++j;
    }
  }
}

void CompareKeyed(const TenantView& live, const TenantView& replayed, Collector& c) {
  const Days none;
  const KeyedSeries no_keys;
  for (size_t k = 0; k < kKeyedCount; ++k) {
    MergeKeys(live.keyed[k] ? *live.keyed[k] : no_keys,
              replayed.keyed[k] ? *replayed.keyed[k] : no_keys,
              [&](const std::string& key, const std::shared_ptr<DaySeries>* a,
                  const std::shared_ptr<DaySeries>* b) {
                CompareDays(a && *a ? DaysOf(**a) : none, b && *b ? DaysOf(**b) : none,
                            kKeyed[k], key, /*count_months=*/false, c);
              });
  }
}

using KeyDays = std::map<std::string, Days, std::less<>>;

KeyDays KeyDaysOf(const FactTableView& table) {
  KeyDays out;
  table.ForEachKeyDay([&](std::string_view key, DayNumber day, int64_t v) {
    auto it = out.find(key);
    if (it == out.end()) it = out.emplace(std::string(key), Days()).first;
    it->second.emplace_back(day, v);  // by key, then day
  });
  return out;
}

void CompareFacts(const TenantView& live, const TenantView& replayed, Collector& c) {
  const Days none;
  for (size_t f = 0; f < kFactCount; ++f) {
    if (live.facts[f].empty() && replayed.facts[f].empty()) continue;
    MergeKeys(KeyDaysOf(live.facts[f]), KeyDaysOf(replayed.facts[f]),
              [&](const std::string& key, const Days* a, const Days* b) {
                CompareDays(a ? *a : none, b ? *b : none, kFacts[f], key,
                            /*count_months=*/false, c);
              });
  }
}

std::string IntText(int64_t v) { return std::to_string(v); }

void CompareQuality(const TenantView& live, const TenantView& replayed, Collector& c) {
  const QualityCounts& a = live.quality;
  const QualityCounts& b = replayed.quality;
  const std::pair<std::string_view, int64_t QualityCounts::*> counters[] = {
      {"events_total", &QualityCounts::events_total},
      {"unknown_type", &QualityCounts::unknown_type},
      {"orphans", &QualityCounts::orphans},
      {"currency_mismatch", &QualityCounts::currency_mismatch},
      {"unclassified_ledger_lines", &QualityCounts::unclassified_ledger_lines}};
  for (const auto& [name, member] : counters) {
    if (a.*member != b.*member) {
      c.Add("data_quality", "", name, "", IntText(a.*member), IntText(b.*member));
    }
  }
}

std::string StringsJson(const std::vector<std::string>& v) {
  JsonBuilder j;
  j.BeginArray();
  for (const std::string& s : v) j.String(s);
  j.EndArray();
  return j.Take();
}

void CompareSourcesAndSettings(const TenantView& live, const TenantView& replayed,
                               Collector& c) {
  for (size_t d = 0; d < kDomainCount; ++d) {
    if (live.domains[d].sources != replayed.domains[d].sources) {
      c.Add(kDomainNames[d], "", "data_sources", "", StringsJson(live.domains[d].sources),
            StringsJson(replayed.domains[d].sources));
    }
  }
  auto settings = [](const TenantView& v) {
    JsonBuilder j;
    j.BeginObject().Key("name").String(v.settings.name);
    j.Key("timezone").String(v.settings.timezone).Key("currency").String(v.settings.currency);
    return j.EndObject().Take();
  };
  std::string a = settings(live), b = settings(replayed);
  if (a != b) c.Add("settings", "", "settings", "", a, b);
}

// Compares two keyed documents rendered as JSON objects (absent: null).
template <typename Map, typename Render>
void CompareDocuments(const Map& live, const Map& replayed, std::string_view domain,
                      std::string_view field, Render render, Collector& c) {
  MergeKeys(live, replayed, [&](const std::string& key, const auto* a, const auto* b) {
    std::string x = a ? render(*a) : "null", y = b ? render(*b) : "null";
    if (x != y) c.Add(domain, "", field, key, std::move(x), std::move(y));
  });
}

std::string EmployeeJson(const EmployeeInfo& e) {
  JsonBuilder j;
  j.BeginObject().Key("name").String(e.name).Key("department").String(e.department);
  j.Key("role").String(e.role).Key("active").Bool(e.active);
  return j.EndObject().Take();
}

std::string ProductJson(const ProductInfo& p) {
  JsonBuilder j;
  j.BeginObject().Key("sku").String(p.sku).Key("name").String(p.name);
  j.Key("category").String(p.category);
  j.Key("unit_cost").Raw(Money::FromUnits(p.unit_cost).ToString());
  j.Key("unit_price").Raw(Money::FromUnits(p.unit_price).ToString());
  j.Key("reorder_point").Int(p.reorder_point);
  return j.EndObject().Take();
}

std::string ProjectJson(const ProjectInfo& p) {
  JsonBuilder j;
  j.BeginObject().Key("name").String(p.name).Key("status").String(p.status);
  return j.EndObject().Take();
}

std::string AccountJson(const LedgerAccountInfo& a) {
  JsonBuilder j;
  j.BeginObject().Key("name").String(a.name).Key("type").String(a.type);
  j.Key("subtype").String(a.subtype);
  return j.EndObject().Take();
}

std::map<std::string, std::string> ReceivablesOf(const ReceivablesBook& book) {
  std::map<std::string, std::string> out;
  book.ForEach([&](const ReceivableItem& r) {
    JsonBuilder j;
    j.BeginObject().Key("customer_id").String(r.customer_id);
    j.Key("created_at").String(FormatRfc3339(r.created_micros));
    j.Key("amount").Raw(Money::FromUnits(r.amount).ToString());
    j.Key("due_at").String(FormatRfc3339(r.due_micros));
    j.Key("payments").BeginArray();
    for (const auto& [at, amount] : r.payments) {
      j.BeginArray().String(FormatRfc3339(at)).Raw(Money::FromUnits(amount).ToString());
      j.EndArray();
    }
    j.EndArray().EndObject();
    std::string& slot = out[r.invoice_id];
    slot = slot.empty() ? j.Take() : slot + "," + j.Take();  // never two, but never lost
  });
  return out;
}

void CompareDocuments(const TenantView& live, const TenantView& replayed, Collector& c) {
  CompareDocuments(*live.employees, *replayed.employees, "hrm", "employee", EmployeeJson, c);
  CompareDocuments(*live.products, *replayed.products, "inventory", "product", ProductJson, c);
  CompareDocuments(*live.projects, *replayed.projects, "projects", "project", ProjectJson, c);
  CompareDocuments(*live.accounts, *replayed.accounts, "finance", "account", AccountJson, c);
  CompareDocuments(ReceivablesOf(*live.receivables), ReceivablesOf(*replayed.receivables),
                   "finance", "receivable", [](const std::string& s) { return s; }, c);
}

}  // namespace

std::string FormatScaled(Int128 units, int decimals) {
  bool negative = units < 0;
  // Magnitude as unsigned: -INT128_MIN does not fit the signed type.
  __extension__ typedef unsigned __int128 U128;
  U128 m = negative ? U128(0) - static_cast<U128>(units) : static_cast<U128>(units);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  while (static_cast<int>(digits.size()) <= decimals) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  std::string out = negative ? "-" : "";
  size_t point = digits.size() - static_cast<size_t>(decimals);
  out.append(digits, 0, point);
  std::string fraction = digits.substr(point);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

ComparisonSummary CompareViews(const TenantView& live, const TenantView& replayed,
                               size_t max_differences, std::vector<Difference>* out) {
  Collector c(max_differences, out);
  CompareSeries(live, replayed, c);
  CompareKeyed(live, replayed, c);
  CompareFacts(live, replayed, c);
  CompareQuality(live, replayed, c);
  CompareSourcesAndSettings(live, replayed, c);
  CompareDocuments(live, replayed, c);
  return c.Finish();
}

absl::StatusOr<ConsistencyReport> CheckTenant(const store::EventStore& store,
                                              const std::string& org,
                                              std::shared_ptr<const TenantView> live,
                                              uint64_t position, const CheckOptions& options) {
  std::atomic<uint64_t> events{0};
  ReplayOptions r{.until = position,
                  .organization_id = org,
                  .events_read = &events,
                  .cancel = options.cancel,
                  .now_micros = options.now_micros};
  absl::StatusOr<TenantMap> tenants = ReplayTenants(store, r);
  if (!tenants.ok()) return tenants.status();
  auto it = tenants->find(org);
  if (it == tenants->end() && live == nullptr) {
    return absl::NotFoundError("organization " + org + " has no events up to position " +
                               std::to_string(position));
  }
  // A side without the tenant holds the empty model of a tenant without events.
  auto empty = [&] { return TenantProjection::WithDefaults(org)->Publish(position); };
  std::shared_ptr<const TenantView> replayed =
      it != tenants->end() && it->second ? it->second->Publish(position) : empty();
  if (live == nullptr) live = empty();
  ConsistencyReport report{.organization_id = org,
                           .position = position,
                           .events_replayed = events.load()};
  ComparisonSummary summary =
      CompareViews(*live, *replayed, options.max_differences, &report.differences);
  report.periods_checked = summary.periods;
  report.differences_total = summary.differences;
  return report;
}

}  // namespace readside::projection
