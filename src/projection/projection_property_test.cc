// Property tests of the read models (src/projection) on a large simulated stream.
//
// The stream: sim::Generator (fixed seed, 4 tenants, 100,000 lines over ~7 months, 5% late
// events up to 3 h late, 2% re-sends, 1% invalid lines), parsed like ingest does (invalid
// lines skipped), appended to a real EventStore (which drops re-sends by (organization_id,
// event_id)) and read back in position order. The simulator is coherent: it never stamps a
// reference before its entity's creation, never re-creates an id, uses one currency and
// known types. So that the properties also cover those paths, ~670 valid events are added
// next to generated ones (deterministically): copies of payments, stock updates and time
// logs as new entities stamped before the referenced creation (1 in 8 exactly at it),
// *.created re-sent with a new event_id (orphans), payments in EUR (currency mismatch) and
// unknown types. Every test reads that one stored stream.
//
//  1. Incremental == rebuild: applying in arrival order while publishing views every 1,000
//     events (all kept alive, so every later write goes through copy-on-write) ends in the
//     same model as one fresh TenantProjection per tenant applying the stream once: every
//     series (each day via ForEachDay, and Total), every keyed family (same keys, same
//     days), every fact table (same non-zero (key, day) values), the directories
//     (employees, products, projects), quality counts, domain sources, live activity, and
//     invoices_overdue at exact instants (PrefixBeforeInstant at every event time, +1 µs,
//     and due instants). Every 25,000 events the published view equals a projection of the
//     prefix that was never published; views published every 10,000 events still read
//     exactly the same at the end (snapshot isolation) although the model moved on. Each
//     final series is also checked for internal consistency (PrefixBefore / Range / Total
//     vs ForEachDay).
//  2. The Projector following the store publishes, for every tenant, the same model as
//     applying the stored events directly.
//  3. Arrival-order independence (metrics.md "Periods"): any arrival order that keeps each
//     entity's own events in their order gives the same model. Entity = (event type without
//     its action, data.entity_id), e.g. ("finance.invoice", "inv-1"), ("project", "prj-2")
//     (not the type's second segment: project.created / project.updated name the project).
//     Orders tried: uniformly random interleavings of the entities (3 seeds), whole entities
//     delivered in reverse order of their first event, and a random fifth of the entities
//     delivered after everything else (2 seeds); positions 1..n in the new order. A negative
//     control (the whole stream reversed, breaking each entity's order) must differ.
//     Ties: the spec breaks timestamp ties by arrival order, so two entities that interact
//     at the exact same timestamp may legitimately give different answers in different
//     orders. The timestamp-ordered interactions of the read models are a payment vs. its
//     invoice's creation, a stock update vs. its product's creation and a time log vs. its
//     project's creation (orphan or not). Ties among references to one entity (two payments
//     of an invoice at one instant, a log and a budget change, ...) cannot change any
//     per-day value. The one arrival-order rule across entities is the chart of accounts
//     keeping the first finance.account.created of a code. The entities of every such tied /
//     shared pair are merged into one group whose internal order is kept: exactly the
//     freedom the spec leaves, every other pair is still reordered. The simulator itself
//     (ms timestamps) produced none in this stream; the 1-in-8 synthetic early references
//     stamped exactly at the creation produce ~35, and without the merge this test does
//     fail on them (kInvoicesPaid, kAccountsReceivable, kStockValue, orphans, ...).
//     Not compared across orders: LiveActivity (a by-design window of event minutes that
//     drops events more than an hour older than their slot, so it depends on order) and
//     DomainInfo::last_updated_micros (wall clock).
//  4. Balance sheet identity, per tenant, for every day, week, month, quarter and year of
//     the stream's range: End(assets) == End(liabilities) + End(equity) + (End(ledger
//     revenue) - End(cogs) - End(operating expenses)), with no unclassified lines at the end
//     of the stream; in intermediate states of a random arrival order (postings before their
//     accounts) the identity holds with the unclassified lines' (debit - credit) added.
//  5. Money: Σ over the months of the metric table's finance.total_revenue equals the sum
//     of the stored invoices' payload amounts, read from the raw JSON with a small exact
//     decimal reader here (first creation of each invoice in arrival order, USD only).
//
// Runtime (2 cores): ~3 s in RelWithDebInfo (stream setup ~1 s, repeated per test process
// under ctest), ~50 s under ASan+UBSan Debug (setup ~20 s). Peak RSS ~340 MB (~950 MB under
// ASan): the parsed events are kept in memory because re-parsing them for every pass
// dominated the ASan runtime.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/env.h"
#include "event/catalog.h"
#include "event/event.h"
#include "event/parser.h"
#include "projection/day_series.h"
#include "projection/hrm_projection.h"
#include "projection/period.h"
#include "projection/projector.h"
#include "projection/series.h"
#include "projection/snapshot_file.h"
#include "projection/tenant_projection.h"
#include "projection/tenant_view.h"
#include "query/metric_table.h"
#include "sim/generator.h"
#include "sim/sim_time.h"
#include "store/event_store.h"

namespace readside::projection {
namespace {

// ---------------------------------------------------------------------------------------
// Names of the series, for readable failures.

#define RS_NAME(x) {S::x, #x}
#define RS_KEYED(x) {K::x, #x}
#define RS_FACT(x) {F::x, #x}
constexpr std::pair<S, std::string_view> kSeriesNames[] = {
    RS_NAME(kContactsNew),        RS_NAME(kContactsTotal),      RS_NAME(kLeadsNew),
    RS_NAME(kLeadsConverted),     RS_NAME(kLeadsTotal),         RS_NAME(kOpportunitiesNew),
    RS_NAME(kOpportunitiesWon),   RS_NAME(kOpportunitiesLost),  RS_NAME(kWonValue),
    RS_NAME(kPipelineValue),      RS_NAME(kActivitiesTotal),    RS_NAME(kNewHires),
    RS_NAME(kTerminations),       RS_NAME(kTotalEmployees),     RS_NAME(kLeaveRequests),
    RS_NAME(kLeaveApproved),      RS_NAME(kLeavePending),       RS_NAME(kLeaveDaysApproved),
    RS_NAME(kAttendanceCheckins), RS_NAME(kLateArrivals),       RS_NAME(kPayrollGross),
    RS_NAME(kPayrollNet),         RS_NAME(kTotalRevenue),       RS_NAME(kRecurringRevenue),
    RS_NAME(kOneTimeRevenue),     RS_NAME(kInvoicesCreated),    RS_NAME(kInvoicesSent),
    RS_NAME(kInvoicesPaid),       RS_NAME(kPaymentTimeMillis),  RS_NAME(kPaymentsReceived),
    RS_NAME(kAccountsReceivable), RS_NAME(kInvoicesOverdue),    RS_NAME(kCashInflow),
    RS_NAME(kCashOutflow),        RS_NAME(kLedgerRevenue),      RS_NAME(kLedgerCogs),
    RS_NAME(kOperatingExpenses),  RS_NAME(kAssets),             RS_NAME(kLiabilities),
    RS_NAME(kEquity),             RS_NAME(kUnclassifiedDebit),  RS_NAME(kUnclassifiedCredit),
    RS_NAME(kUnclassifiedLines),  RS_NAME(kCashOperatingIn),    RS_NAME(kCashOperatingOut),
    RS_NAME(kCashInvestingIn),    RS_NAME(kCashInvestingOut),   RS_NAME(kCashFinancingIn),
    RS_NAME(kCashFinancingOut),   RS_NAME(kCashUnclassifiedIn), RS_NAME(kCashUnclassifiedOut),
    RS_NAME(kProductsTotal),      RS_NAME(kUnitsOnHand),
    RS_NAME(kStockValue),         RS_NAME(kOrdersCreated),      RS_NAME(kOrdersFulfilled),
    RS_NAME(kOrderValue),         RS_NAME(kUnitsSold),          RS_NAME(kInventoryCogs),
    RS_NAME(kFulfillmentMillis),  RS_NAME(kReordersTriggered),  RS_NAME(kLowStockProducts),
    RS_NAME(kProjectsCreated),    RS_NAME(kProjectsActive),     RS_NAME(kProjectsCompleted),
    RS_NAME(kTasksCreated),       RS_NAME(kTasksCompleted),     RS_NAME(kOpenTasks),
    RS_NAME(kHoursLogged),        RS_NAME(kBillableHours),      RS_NAME(kProjectsOverBudget),
    RS_NAME(kPayrollRuns),        RS_NAME(kPayrollEmployees),
};
constexpr std::pair<K, std::string_view> kKeyedNames[] = {
    RS_KEYED(kPipelineStages),        RS_KEYED(kActivitiesByType), RS_KEYED(kWonValueByUser),
    RS_KEYED(kDealsWonByUser),        RS_KEYED(kEmployeesByDepartment),
    RS_KEYED(kEmployeesByRole),       RS_KEYED(kStockByWarehouse), RS_KEYED(kHoursByProject),
};
constexpr std::pair<F, std::string_view> kFactNames[] = {
    RS_FACT(kLedgerDebitByAccount),     RS_FACT(kLedgerCreditByAccount),
    RS_FACT(kPipelineValueByStage),     RS_FACT(kDealsLostByUser),
    RS_FACT(kActivitiesByOwner),        RS_FACT(kLeadsBySource),
    RS_FACT(kLeadsConvertedBySource),   RS_FACT(kHiresByDepartment),
    RS_FACT(kTerminationsByDepartment), RS_FACT(kCheckinsByDepartment),
    RS_FACT(kLateArrivalsByDepartment), RS_FACT(kCheckinsByEmployee),
    RS_FACT(kLateArrivalsByEmployee),   RS_FACT(kLeaveRequestsByType),
    RS_FACT(kLeaveApprovedByType),      RS_FACT(kLeavePendingByType),
    RS_FACT(kLeaveDaysApprovedByType),  RS_FACT(kUnitsByProductWarehouse),
    RS_FACT(kStockValueByProduct),      RS_FACT(kLowStockByProduct),
    RS_FACT(kOrderValueByProduct),      RS_FACT(kUnitsSoldByProduct),
    RS_FACT(kFulfilledByLeadTime),      RS_FACT(kReordersByProduct),
    RS_FACT(kReorderUnitsByProduct),    RS_FACT(kBillableHoursByProject),
    RS_FACT(kHoursByEmployee),          RS_FACT(kBillableHoursByEmployee),
    RS_FACT(kBudgetHoursByProject),     RS_FACT(kBurnHoursByProject),
    RS_FACT(kOverBudgetByProject),      RS_FACT(kTasksCreatedByProject),
    RS_FACT(kTasksCompletedByProject),  RS_FACT(kOpenTasksByProject),
};
#undef RS_NAME
#undef RS_KEYED
#undef RS_FACT
static_assert(std::size(kSeriesNames) == kSeriesCount, "name every series");
static_assert(std::size(kKeyedNames) == kKeyedCount, "name every keyed family");
static_assert(std::size(kFactNames) == kFactCount, "name every fact table");

std::string SeriesName(size_t i) {
  for (const auto& [s, name] : kSeriesNames) {
    if (static_cast<size_t>(s) == i) return std::string(name);
  }
  return "S#" + std::to_string(i);
}
std::string KeyedName(size_t i) {
  for (const auto& [k, name] : kKeyedNames) {
    if (static_cast<size_t>(k) == i) return std::string(name);
  }
  return "K#" + std::to_string(i);
}
std::string FactName(size_t i) {
  for (const auto& [f, name] : kFactNames) {
    if (static_cast<size_t>(f) == i) return std::string(name);
  }
  return "F#" + std::to_string(i);
}

constexpr DayNumber kAllFrom = std::numeric_limits<DayNumber>::min();
constexpr DayNumber kAllTo = std::numeric_limits<DayNumber>::max();
constexpr int64_t kNowMicros = 1'800'000'000'000'000;  // wall clock given to Apply / Projector

DayNumber UtcDay(int64_t micros) {
  return static_cast<DayNumber>(micros >= 0 ? micros / 86'400'000'000
                                            : -((-micros + 86'399'999'999) / 86'400'000'000));
}

// ---------------------------------------------------------------------------------------
// A canonical, comparable copy of a TenantView.

struct SeriesDump {
  std::vector<std::pair<DayNumber, int64_t>> days;  // non-zero days, ascending
  int64_t total = 0;
  bool operator==(const SeriesDump&) const = default;
};

SeriesDump DumpSeries(const DaySeries& s) {
  SeriesDump d;
  s.ForEachDay(kAllFrom, kAllTo, [&](DayNumber day, int64_t v) { d.days.emplace_back(day, v); });
  d.total = s.Total();
  return d;
}

struct ViewDump {
  std::array<SeriesDump, kSeriesCount> series;
  std::array<std::map<std::string, SeriesDump>, kKeyedCount> keyed;
  std::array<std::map<std::string, SeriesDump>, kFactCount> facts;  // non-zero (key, day)s
  std::array<int64_t, 5> quality{};
  std::array<std::vector<std::string>, kDomainCount> sources;
  // Order-sensitive by design (see the file comment); compared only between two runs over
  // the same arrival order.
  std::array<int64_t, kDomainCount> last_updated{};
  LiveActivity live;
  // invoices_overdue at exact instants (PrefixBeforeInstant), the one AddAt series.
  std::vector<int64_t> overdue_at;
  // The directories (employees, products, projects), one line per entry.
  std::array<std::vector<std::string>, 3> directories;
};

std::array<std::vector<std::string>, 3> DumpDirectories(const TenantView& v) {
  std::array<std::vector<std::string>, 3> out;
  for (const auto& [id, e] : *v.employees) {
    out[0].push_back(id + "|" + e.name + "|" + e.department + "|" + e.role + "|" +
                     (e.active ? "active" : "terminated"));
  }
  for (const auto& [id, p] : *v.products) {
    out[1].push_back(id + "|" + p.sku + "|" + p.name + "|" + p.category + "|" +
                     std::to_string(p.unit_cost) + "|" + std::to_string(p.unit_price) + "|" +
                     std::to_string(p.reorder_point));
  }
  for (const auto& [id, p] : *v.projects) out[2].push_back(id + "|" + p.name + "|" + p.status);
  return out;
}

ViewDump DumpView(const TenantView& v, const std::vector<int64_t>& probes) {
  ViewDump d;
  for (size_t i = 0; i < kSeriesCount; ++i) d.series[i] = DumpSeries(*v.series[i]);
  for (size_t i = 0; i < kKeyedCount; ++i) {
    for (const auto& [key, s] : *v.keyed[i]) d.keyed[i][key] = DumpSeries(*s);
  }
  for (size_t i = 0; i < kFactCount; ++i) {
    v.facts[i].ForEachKeyDay([&](std::string_view key, DayNumber day, int64_t value) {
      SeriesDump& dump = d.facts[i][std::string(key)];
      dump.days.emplace_back(day, value);
      dump.total += value;
    });
  }
  d.quality = {v.quality.events_total, v.quality.unknown_type, v.quality.orphans,
               v.quality.currency_mismatch, v.quality.unclassified_ledger_lines};
  for (size_t i = 0; i < kDomainCount; ++i) {
    d.sources[i] = v.domains[i].sources;
    d.last_updated[i] = v.domains[i].last_updated_micros;
  }
  d.live = v.live;
  LocalCalendar calendar = v.calendar;
  const DaySeries& overdue = v.Get(S::kInvoicesOverdue);
  d.overdue_at.reserve(probes.size());
  for (int64_t t : probes) d.overdue_at.push_back(overdue.PrefixBeforeInstant(calendar.DayOf(t), t));
  d.directories = DumpDirectories(v);
  return d;
}

std::string FirstDayDiff(const SeriesDump& a, const SeriesDump& b) {
  std::map<DayNumber, std::pair<int64_t, int64_t>> m;
  for (auto [day, v] : a.days) m[day].first = v;
  for (auto [day, v] : b.days) m[day].second = v;
  std::ostringstream out;
  out << "total " << a.total << " vs " << b.total;
  int shown = 0;
  for (const auto& [day, ab] : m) {
    if (ab.first == ab.second) continue;
    int y, mo, dd;
    CivilFromDayNumber(day, &y, &mo, &dd);
    out << "; " << y << "-" << mo << "-" << dd << ": " << ab.first << " vs " << ab.second;
    if (++shown == 3) break;
  }
  return out.str();
}

// Describes how `a` and `b` differ (empty when equal). `order_sensitive` also compares the
// parts that legitimately depend on arrival order (live activity, last_updated).
std::string DiffViews(const ViewDump& a, const ViewDump& b, bool order_sensitive) {
  std::ostringstream out;
  int lines = 0;
  auto line = [&](const std::string& s) {
    if (lines++ < 12) out << "\n  " << s;
  };
  for (size_t i = 0; i < kSeriesCount; ++i) {
    if (a.series[i] != b.series[i]) line(SeriesName(i) + ": " + FirstDayDiff(a.series[i], b.series[i]));
  }
  for (size_t i = 0; i < kKeyedCount; ++i) {
    std::set<std::string> keys;
    for (const auto& [k, s] : a.keyed[i]) keys.insert(k);
    for (const auto& [k, s] : b.keyed[i]) keys.insert(k);
    for (const std::string& k : keys) {
      auto ia = a.keyed[i].find(k), ib = b.keyed[i].find(k);
      if (ia == a.keyed[i].end() || ib == b.keyed[i].end()) {
        line(KeyedName(i) + "[" + k + "] only in " + (ia == a.keyed[i].end() ? "second" : "first"));
      } else if (ia->second != ib->second) {
        line(KeyedName(i) + "[" + k + "]: " + FirstDayDiff(ia->second, ib->second));
      }
    }
  }
  for (size_t i = 0; i < kFactCount; ++i) {
    std::set<std::string> keys;
    for (const auto& [k, s] : a.facts[i]) keys.insert(k);
    for (const auto& [k, s] : b.facts[i]) keys.insert(k);
    for (const std::string& k : keys) {
      auto ia = a.facts[i].find(k), ib = b.facts[i].find(k);
      if (ia == a.facts[i].end() || ib == b.facts[i].end()) {
        line(FactName(i) + "[" + k + "] only in " + (ia == a.facts[i].end() ? "second" : "first"));
      } else if (ia->second != ib->second) {
        line(FactName(i) + "[" + k + "]: " + FirstDayDiff(ia->second, ib->second));
      }
    }
  }
  static constexpr const char* kQualityNames[] = {"events_total", "unknown_type", "orphans",
                                                  "currency_mismatch",
                                                  "unclassified_ledger_lines"};
  for (size_t i = 0; i < a.quality.size(); ++i) {
    if (a.quality[i] != b.quality[i]) {
      line(std::string("quality.") + kQualityNames[i] + ": " + std::to_string(a.quality[i]) +
           " vs " + std::to_string(b.quality[i]));
    }
  }
  if (a.sources != b.sources) line("domains[].sources differ");
  static constexpr const char* kDirectoryNames[] = {"employees", "products", "projects"};
  for (size_t i = 0; i < a.directories.size(); ++i) {
    if (a.directories[i] != b.directories[i]) {
      line(std::string("directory ") + kDirectoryNames[i] + " differs (" +
           std::to_string(a.directories[i].size()) + " vs " +
           std::to_string(b.directories[i].size()) + " entries)");
    }
  }
  if (a.overdue_at != b.overdue_at) {
    for (size_t i = 0; i < a.overdue_at.size() && i < b.overdue_at.size(); ++i) {
      if (a.overdue_at[i] != b.overdue_at[i]) {
        line("invoices_overdue at probe #" + std::to_string(i) + ": " +
             std::to_string(a.overdue_at[i]) + " vs " + std::to_string(b.overdue_at[i]));
        break;
      }
    }
  }
  if (order_sensitive) {
    if (a.last_updated != b.last_updated) line("domains[].last_updated_micros differ");
    if (a.live.minute != b.live.minute || a.live.counts != b.live.counts) line("live differs");
  }
  if (lines > 12) out << "\n  … " << (lines - 12) << " more";
  return out.str();
}

// Every series is internally consistent: PrefixBefore / Range / Total agree with the days
// ForEachDay reports (catches broken prefix bookkeeping that two equal models would share).
void ExpectConsistent(const DaySeries& s, const std::string& what) {
  __int128 running = 0;
  bool ok = true;
  s.ForEachDay(kAllFrom, kAllTo, [&](DayNumber day, int64_t v) {
    if (!ok) return;
    if (s.PrefixBefore(day) != static_cast<int64_t>(running)) {
      ADD_FAILURE() << what << ": PrefixBefore(" << day << ") = " << s.PrefixBefore(day)
                    << ", Σ of earlier days = " << static_cast<int64_t>(running);
      ok = false;
    }
    running += v;
    if (s.PrefixBefore(day + 1) != static_cast<int64_t>(running) || s.Range(day, day + 1) != v) {
      ADD_FAILURE() << what << ": PrefixBefore/Range at day " << day << " disagree with ForEachDay";
      ok = false;
    }
  });
  if (ok) {
    EXPECT_EQ(s.Total(), static_cast<int64_t>(running)) << what;
  }
}

void ExpectConsistent(const TenantView& v, const std::string& org) {
  for (size_t i = 0; i < kSeriesCount; ++i) ExpectConsistent(*v.series[i], org + " " + SeriesName(i));
  for (size_t i = 0; i < kKeyedCount; ++i) {
    for (const auto& [key, s] : *v.keyed[i]) ExpectConsistent(*s, org + " " + KeyedName(i) + "[" + key + "]");
  }
}

// ---------------------------------------------------------------------------------------
// The stream.

struct StoredLine {
  uint64_t position = 0;
  std::string org, event_type, entity_id;
  std::string json;  // kept for finance.invoice.created only (memory)
  int64_t ts = 0;
};

struct StreamFacts {
  uint64_t lines = 0, unparsable = 0, duplicates = 0, conflicts = 0;
  uint64_t late = 0;             // stored after a later-stamped event of its tenant
  uint64_t late_across_day = 0;  // … whose day is already past
  uint64_t entities = 0;
  uint64_t tied_pairs = 0;       // timestamp-ordered interactions at one exact timestamp
  uint64_t shared_account_codes = 0;
  uint64_t merged_groups = 0;    // entities merged into another's group because of those
  uint64_t early_references = 0; // synthetic: stamped before (or at) the referenced creation
  uint64_t recreations = 0;      // synthetic: *.created again for an existing id
  uint64_t foreign_currency = 0; // synthetic: payments in EUR
  uint64_t unknown_types = 0;    // synthetic: types outside the catalog
};

struct Stream {
  std::filesystem::path dir;
  std::unique_ptr<store::EventStore> store;
  std::vector<StoredLine> events;          // position order (positions 1..n)
  std::vector<event::Event> parsed;        // events[i] parsed back (json dropped: memory)
  std::vector<std::string> tenants;        // sorted
  std::map<std::string, std::vector<int64_t>> probes;    // per tenant: distinct timestamps
  std::map<std::string, std::pair<DayNumber, DayNumber>> day_range;  // per tenant [min, max]
  std::vector<uint32_t> group;             // per event: its entity group (after tie merging)
  uint32_t group_count = 0;
  StreamFacts facts;
  std::string timings;                     // of BuildStream's phases
  std::map<std::string, ViewDump> direct;  // fresh projections over the stored order
  std::map<std::string, std::shared_ptr<const TenantView>> direct_views;
};

sim::GeneratorOptions StreamOptions() {
  sim::GeneratorOptions o;
  o.seed = 20240917;
  o.tenants = {"acme-corp", "beta-inc", "gamma-llc", "delta-co"};
  o.total_events = 100'000;
  o.events_per_second = 0.005;  // about seven months of business
  o.out_of_order_fraction = 0.05;
  o.duplicate_fraction = 0.02;
  o.malformed_fraction = 0.01;
  o.max_lateness_micros = int64_t{3} * 3600 * 1'000'000;  // late events cross midnights
  return o;
}

// Applies parsed stored events to fresh per-tenant projections.
class Applier {
 public:
  TenantProjection& Tenant(const std::string& org) {
    auto& p = tenants_[org];
    if (!p) {
      p = std::make_unique<TenantProjection>(TenantSettings{.organization_id = org},
                                             LocalCalendar::Utc());
    }
    return *p;
  }
  void Apply(const event::Event& e, uint64_t position) {
    Tenant(e.organization_id).Apply(e, position, kNowMicros);
  }
  std::map<std::string, std::shared_ptr<const TenantView>> PublishAll(uint64_t position) {
    std::map<std::string, std::shared_ptr<const TenantView>> out;
    for (const auto& [org, p] : tenants_) out[org] = p->Publish(position);
    return out;
  }

 private:
  std::map<std::string, std::unique_ptr<TenantProjection>> tenants_;
};

// Applies stream.events in `order` (indexes into events) with positions 1..n; publishes once.
std::map<std::string, ViewDump> ApplyInOrder(const Stream& stream, const std::vector<uint32_t>& order,
                                             const std::function<void(size_t, Applier&)>& every = {}) {
  Applier a;
  for (size_t i = 0; i < order.size(); ++i) {
    a.Apply(stream.parsed[order[i]], i + 1);
    if (every) every(i + 1, a);
  }
  std::map<std::string, ViewDump> out;
  for (const auto& [org, v] : a.PublishAll(order.size())) out[org] = DumpView(*v, stream.probes.at(org));
  return out;
}

// Union-find over entity groups.
struct Groups {
  std::vector<uint32_t> parent;
  uint32_t Find(uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  bool Union(uint32_t a, uint32_t b) {
    a = Find(a), b = Find(b);
    if (a == b) return false;
    parent[std::max(a, b)] = std::min(a, b);
    return true;
  }
};

// Replaces the string value of the first `"key":"…"` in minified JSON (no escapes in it).
bool ReplaceString(std::string* json, std::string_view key, std::string_view value) {
  std::string pattern = "\"" + std::string(key) + "\":\"";
  size_t from = json->find(pattern);
  if (from == std::string::npos) return false;
  from += pattern.size();
  size_t to = json->find('"', from);
  if (to == std::string::npos) return false;
  json->replace(from, to - from, value);
  return true;
}

std::string Rfc3339(int64_t micros) {
  std::string out;
  sim::AppendTimestamp(micros, &out);
  return out;
}

// Deterministic uniform draw in [0, n) (std::uniform_int_distribution is implementation-defined).
uint64_t Below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do x = rng(); while (x >= limit);
  return x % n;
}

// Stores the stream and derives what the tests need from it.
//
// The simulator is coherent: it never stamps a reference before its entity's creation, never
// re-creates an id, uses one currency and known types. So that the properties also cover
// those paths of the read models, a few valid events are added next to generated ones
// (deterministically): copies of payments, stock updates and time logs as new entities
// stamped before the referenced entity's creation (1 in 8 of them exactly at it: ties),
// re-sent *.created events with a new event_id (orphans), payments in EUR (currency
// mismatch) and events of an unknown type.
void BuildStream(Stream* st) {
  auto last = std::chrono::steady_clock::now();
  auto phase = [&](std::string_view name) {
    auto now = std::chrono::steady_clock::now();
    st->timings += std::string(st->timings.empty() ? "" : ", ") + std::string(name) + " " +
                   std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count()) + " ms";
    last = now;
  };
  st->dir = std::filesystem::temp_directory_path() /
            ("rs-projection-property-" + std::to_string(::getpid()));
  std::filesystem::remove_all(st->dir);
  auto opened = store::EventStore::Open({.path = st->dir.string(), .sync = false});
  ASSERT_TRUE(opened.ok()) << opened.status();
  st->store = std::move(*opened);

  // Ingest: parse every line, skip the invalid ones, append in batches.
  sim::Generator generator(StreamOptions());
  event::EventParser parser;  // like ingest (assigns missing event ids)
  event::Event e;
  std::vector<event::FieldError> errors;
  std::string line;
  int64_t ts = 0;
  store::AppendRequest request;
  auto flush = [&] {
    if (request.events.empty()) return;
    auto outcomes = st->store->Append(std::move(request));
    request = {};
    ASSERT_TRUE(outcomes.ok()) << outcomes.status();
    for (const store::AppendOutcome& o : *outcomes) {
      st->facts.duplicates += o.outcome == store::Outcome::kDuplicate;
      st->facts.conflicts += o.outcome == store::Outcome::kConflict;
    }
  };
  std::mt19937_64 noise(0x5eed);
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> created_at;
  uint64_t synthetic = 0;
  event::Event variant;
  // Adds a changed copy of `e` (fields: key → new string value), if it is still valid.
  auto add_variant = [&](const event::Event& e, std::vector<std::pair<std::string_view, std::string>> fields,
                         bool eur) {
    std::string json = e.json;
    std::string id = "synthetic-" + std::to_string(++synthetic);
    fields.emplace_back("event_id", id);
    for (const auto& [key, value] : fields) ASSERT_TRUE(ReplaceString(&json, key, value)) << key << " in " << json;
    if (eur) {
      ASSERT_EQ(json.find("\"currency\""), std::string::npos) << json;
      size_t payload = json.find("\"payload\":{");
      ASSERT_NE(payload, std::string::npos);
      json.insert(payload + 11, "\"currency\":\"EUR\",");
    }
    errors.clear();
    ASSERT_TRUE(parser.ParseOne(json, &variant, &errors)) << errors[0].field << " " << errors[0].message << ": " << json;
    request.events.push_back({variant.organization_id, variant.event_id, variant.event_id_assigned,
                              variant.entity_id, variant.event_type, variant.timestamp_micros, variant.json});
  };
  struct Reference {
    event::EventType type;
    std::string_view field, kind;
  };
  static constexpr Reference kEarly[] = {
      {event::EventType::kFinancePaymentReceived, "invoice_id", "finance.invoice"},
      {event::EventType::kInventoryStockUpdated, "product_id", "inventory.product"},
      {event::EventType::kProjectTimeLogged, "project_id", "project"},
  };
  while (generator.Next(&line, &ts)) {
    ++st->facts.lines;
    errors.clear();
    if (!parser.ParseOne(line, &e, &errors)) {
      ++st->facts.unparsable;
      continue;
    }
    request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                              e.event_type, e.timestamp_micros, e.json});
    const std::string_view type = e.event_type;
    const std::string kind(type.substr(0, type.rfind('.')));
    if (type.ends_with(".created")) {
      created_at.try_emplace({e.organization_id, kind, e.entity_id}, e.timestamp_micros);
      if (Below(noise, 50) == 0) {  // re-created, stamped up to a day earlier: an orphan
        ++st->facts.recreations;
        add_variant(e, {{"timestamp", Rfc3339(e.timestamp_micros - 1000 * static_cast<int64_t>(Below(noise, 86'400'000)))}}, false);
      }
    }
    for (const Reference& r : kEarly) {
      if (e.type != r.type || Below(noise, 40) != 0) continue;
      const event::FieldValue& ref = e.field(event::FieldIndex(r.type, r.field));
      auto it = created_at.find({e.organization_id, std::string(r.kind), ref.text});
      if (!ref.present || it == created_at.end()) continue;
      int64_t at = it->second;
      if (Below(noise, 8) != 0) at -= 1000 * (1 + static_cast<int64_t>(Below(noise, 3 * 86'400'000)));
      ++st->facts.early_references;
      add_variant(e, {{"timestamp", Rfc3339(at)}, {"entity_id", e.entity_id + "-early"}}, false);
    }
    if (e.type == event::EventType::kFinancePaymentReceived && e.currency.empty() && Below(noise, 50) == 0) {
      ++st->facts.foreign_currency;
      add_variant(e, {{"entity_id", e.entity_id + "-eur"}}, true);
    }
    if (Below(noise, 1000) == 0) {
      ++st->facts.unknown_types;
      add_variant(e, {{"event_type", std::string(type) + "_v2"}}, false);
    }
    if (request.events.size() >= 4096) flush();
  }
  flush();
  phase("generate+parse+store");

  // Read back in position order and parse like the Projector does. The parsed events are
  // kept for the many passes below (without their JSON); the raw JSON only for test 5.
  event::EventParser reparse({.assign_missing_event_id = false});
  st->events.reserve(st->store->LastPosition());
  st->parsed.reserve(st->store->LastPosition());
  bool parsed_all = true;
  absl::Status read = st->store->ReadRange(0, st->store->LastPosition(), [&](const store::StoredEvent& s) {
    const bool keep_json = s.event_type == "finance.invoice.created";
    st->events.push_back({s.position, s.organization_id, s.event_type, s.entity_id,
                          keep_json ? s.json : std::string(), s.timestamp_micros});
    errors.clear();
    event::Event& parsed = st->parsed.emplace_back();
    if (!reparse.ParseOne(s.json, &parsed, &errors)) {
      ADD_FAILURE() << "stored event no longer parses: " << s.json;
      parsed_all = false;
      return false;
    }
    parsed.json = std::string();  // projections do not read it
    return true;
  });
  ASSERT_TRUE(read.ok()) << read;
  ASSERT_TRUE(parsed_all);
  ASSERT_EQ(st->events.size(), st->store->LastPosition());

  // Tenants, probes, day ranges, lateness.
  std::map<std::string, int64_t> latest;
  std::set<std::string> tenants;
  for (size_t i = 0; i < st->events.size(); ++i) {
    const StoredLine& s = st->events[i];
    ASSERT_EQ(s.position, i + 1);
    tenants.insert(s.org);
    st->probes[s.org].push_back(s.ts);
    st->probes[s.org].push_back(s.ts + 1);
    auto [range, fresh] = st->day_range.try_emplace(s.org, UtcDay(s.ts), UtcDay(s.ts));
    range->second.first = std::min(range->second.first, UtcDay(s.ts));
    range->second.second = std::max(range->second.second, UtcDay(s.ts));
    auto [it, first] = latest.try_emplace(s.org, s.ts);
    if (!first && s.ts < it->second) {
      ++st->facts.late;
      st->facts.late_across_day += UtcDay(s.ts) < UtcDay(it->second);
    }
    it->second = std::max(it->second, s.ts);
  }
  st->tenants.assign(tenants.begin(), tenants.end());
  phase("read back");

  // Entities: (organization, event type without its action, data.entity_id).
  std::unordered_map<std::string, uint32_t> entity_ids;
  auto entity_of = [&](const std::string& org, std::string_view kind, std::string_view id) {
    std::string key = org;
    key.append(1, '\0').append(kind).append(1, '\0').append(id);
    auto [it, fresh] = entity_ids.try_emplace(std::move(key), static_cast<uint32_t>(entity_ids.size()));
    return it->second;
  };
  st->group.resize(st->events.size());
  for (size_t i = 0; i < st->events.size(); ++i) {
    const StoredLine& s = st->events[i];
    std::string_view type = s.event_type;
    std::string_view kind = type.substr(0, std::min(type.size(), type.rfind('.')));
    st->group[i] = entity_of(s.org, kind, s.entity_id);
  }
  st->facts.entities = entity_ids.size();

  // Interactions whose outcome depends on arrival order: references at the exact timestamp
  // of the referenced entity's creation, and two account entities defining one code.
  Groups groups;
  groups.parent.resize(entity_ids.size());
  std::iota(groups.parent.begin(), groups.parent.end(), 0u);
  struct Ref {
    event::EventType type;
    std::string_view field;
    std::string_view kind;  // the referenced entity's kind
  };
  const Ref kRefs[] = {
      {event::EventType::kFinancePaymentReceived, "invoice_id", "finance.invoice"},
      {event::EventType::kInventoryStockUpdated, "product_id", "inventory.product"},
      {event::EventType::kProjectTimeLogged, "project_id", "project"},
  };
  std::set<std::pair<uint32_t, int64_t>> creations;        // (entity, created ts)
  std::vector<std::pair<size_t, uint32_t>> refs;           // (event, referenced entity)
  std::map<std::pair<std::string, std::string>, uint32_t> account_codes;  // (org, code) → entity
  for (size_t i = 0; i < st->events.size(); ++i) {
    const StoredLine& s = st->events[i];
    const event::Event& e = st->parsed[i];
    if (e.type == event::EventType::kFinanceInvoiceCreated) {  // probe overdue at due instants too
      const event::FieldValue& due = e.field(event::FieldIndex(e.type, "due_date"));
      for (int64_t t : {due.integer, due.integer + 86'400'000'000}) {
        st->probes[s.org].push_back(t);
        st->probes[s.org].push_back(t + 1);
      }
    }
    if (e.type == event::EventType::kFinanceInvoiceCreated ||
        e.type == event::EventType::kInventoryProductCreated ||
        e.type == event::EventType::kProjectCreated) {
      creations.insert({st->group[i], e.timestamp_micros});
    }
    for (const Ref& r : kRefs) {
      if (e.type != r.type) continue;
      const event::FieldValue& f = e.field(event::FieldIndex(r.type, r.field));
      if (f.present) refs.emplace_back(i, entity_of(s.org, r.kind, f.text));
    }
    if (e.type == event::EventType::kFinanceAccountCreated) {
      const std::string& code = e.field(event::FieldIndex(e.type, "code")).text;
      auto [it, fresh] = account_codes.try_emplace({s.org, code}, st->group[i]);
      if (!fresh && it->second != st->group[i]) {
        ++st->facts.shared_account_codes;
        st->facts.merged_groups += groups.Union(it->second, st->group[i]);
      }
    }
  }
  {  // entity_of added the referenced entities that have no event of their own
    const size_t known = groups.parent.size();
    groups.parent.resize(entity_ids.size());
    std::iota(groups.parent.begin() + static_cast<ptrdiff_t>(known), groups.parent.end(),
              static_cast<uint32_t>(known));
  }
  for (const auto& [i, target] : refs) {
    if (creations.contains({target, st->events[i].ts})) {
      ++st->facts.tied_pairs;
      st->facts.merged_groups += groups.Union(st->group[i], target);
    }
  }
  for (auto& [org, p] : st->probes) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
  }
  phase("entities");
  std::map<uint32_t, uint32_t> renumber;
  for (uint32_t& g : st->group) {
    g = renumber.try_emplace(groups.Find(g), static_cast<uint32_t>(renumber.size())).first->second;
  }
  st->group_count = static_cast<uint32_t>(renumber.size());

  // The reference model: one fresh projection per tenant over the stored order, published once.
  Applier direct;
  for (size_t i = 0; i < st->events.size(); ++i) direct.Apply(st->parsed[i], i + 1);
  st->direct_views = direct.PublishAll(st->events.size());
  phase("apply");
  for (const auto& [org, v] : st->direct_views) st->direct[org] = DumpView(*v, st->probes.at(org));
  phase("dump");
}

// ---------------------------------------------------------------------------------------
// Arrival orders that keep each group's events in their stored order.

// Events listed by group, each group in stored order.
std::vector<std::vector<uint32_t>> ByGroup(const Stream& st) {
  std::vector<std::vector<uint32_t>> by(st.group_count);
  for (uint32_t i = 0; i < st.events.size(); ++i) by[st.group[i]].push_back(i);
  return by;
}

// A uniformly random interleaving of the groups.
std::vector<uint32_t> RandomInterleaving(const Stream& st, uint64_t seed) {
  std::vector<uint32_t> slots = st.group;  // one slot per event, labelled with its group
  std::mt19937_64 rng(seed);
  for (size_t i = slots.size(); i > 1; --i) std::swap(slots[i - 1], slots[Below(rng, i)]);
  std::vector<std::vector<uint32_t>> by = ByGroup(st);
  std::vector<uint32_t> next(st.group_count, 0), order;
  order.reserve(slots.size());
  for (uint32_t g : slots) order.push_back(by[g][next[g]++]);
  return order;
}

// Whole groups, latest-starting first: every entity arrives late relative to the ones it
// refers to or that refer to it.
std::vector<uint32_t> ReversedEntities(const Stream& st) {
  std::vector<std::vector<uint32_t>> by = ByGroup(st);
  std::sort(by.begin(), by.end(), [](const auto& a, const auto& b) { return a.front() > b.front(); });
  std::vector<uint32_t> order;
  for (const auto& g : by) order.insert(order.end(), g.begin(), g.end());
  return order;
}

// The stored order, except that a random fifth of the groups arrive after everything else.
std::vector<uint32_t> DelayedEntities(const Stream& st, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<bool> delayed(st.group_count);
  for (size_t g = 0; g < delayed.size(); ++g) delayed[g] = Below(rng, 5) == 0;
  std::vector<uint32_t> order, late;
  for (uint32_t i = 0; i < st.events.size(); ++i) (delayed[st.group[i]] ? late : order).push_back(i);
  order.insert(order.end(), late.begin(), late.end());
  return order;
}

// ---------------------------------------------------------------------------------------
// Balance sheet identity.

// Checks every period of every granularity over [from, to]. With `allow_unclassified` the
// unclassified lines' (debit - credit) enter the identity; otherwise they must be zero.
void ExpectBalanced(const TenantView& v, DayNumber from, DayNumber to, bool allow_unclassified,
                    const std::string& what) {
  if (!allow_unclassified) {
    EXPECT_TRUE(v.Get(S::kUnclassifiedLines).empty()) << what;
    EXPECT_TRUE(v.Get(S::kUnclassifiedDebit).empty()) << what;
    EXPECT_TRUE(v.Get(S::kUnclassifiedCredit).empty()) << what;
    EXPECT_EQ(v.quality.unclassified_ledger_lines, 0) << what;
  }
  int failures = 0;
  for (Granularity g : {Granularity::kDay, Granularity::kWeek, Granularity::kMonth,
                        Granularity::kQuarter, Granularity::kYear}) {
    auto periods = PeriodsBetween(g, from, to, 100'000);
    ASSERT_TRUE(periods.ok()) << periods.status();
    for (const Period& p : *periods) {
      auto end = [&](S s) { return static_cast<__int128>(v.Get(s).PrefixBefore(p.end_day)); };
      __int128 lhs = end(S::kAssets);
      __int128 rhs = end(S::kLiabilities) + end(S::kEquity) +
                     (end(S::kLedgerRevenue) - end(S::kLedgerCogs) - end(S::kOperatingExpenses));
      __int128 unclassified = end(S::kUnclassifiedDebit) - end(S::kUnclassifiedCredit);
      if (allow_unclassified) lhs += unclassified;
      if (lhs != rhs && failures++ < 5) {
        ADD_FAILURE() << what << " " << FormatPeriod(p) << ": assets " << static_cast<int64_t>(end(S::kAssets))
                      << " != liabilities + equity + earnings " << static_cast<int64_t>(rhs)
                      << " (unclassified debit - credit " << static_cast<int64_t>(unclassified) << ")";
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// An independent exact decimal reader for the money check.

// The raw text of the value at `path` inside `json` (object keys only), or nullopt.
std::optional<std::string_view> RawAt(std::string_view json, std::vector<std::string_view> path) {
  size_t i = 0;
  auto ws = [&] { while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t' || json[i] == '\r')) ++i; };
  auto skip_string = [&] {  // at '"'
    for (++i; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] == '\\') ++i;
    }
    ++i;
  };
  std::function<void()> skip_value = [&] {
    ws();
    if (i >= json.size()) return;
    if (json[i] == '"') return skip_string();
    if (json[i] == '{' || json[i] == '[') {
      int depth = 0;
      while (i < json.size()) {
        char c = json[i];
        if (c == '"') { skip_string(); continue; }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
          if (--depth == 0) { ++i; return; }
        }
        ++i;
      }
      return;
    }
    while (i < json.size() && json[i] != ',' && json[i] != '}' && json[i] != ']' && json[i] != ' ') ++i;
  };
  for (size_t level = 0; level < path.size(); ++level) {
    ws();
    if (i >= json.size() || json[i] != '{') return std::nullopt;
    ++i;
    bool found = false;
    while (true) {
      ws();
      if (i >= json.size() || json[i] != '"') return std::nullopt;
      size_t key_from = i + 1;
      skip_string();
      std::string_view key = json.substr(key_from, i - 1 - key_from);
      ws();
      if (i >= json.size() || json[i] != ':') return std::nullopt;
      ++i;
      ws();
      if (key == path[level]) {
        found = true;
        break;
      }
      skip_value();
      ws();
      if (i < json.size() && json[i] == ',') { ++i; continue; }
      return std::nullopt;
    }
    if (!found) return std::nullopt;
  }
  size_t from = i;
  skip_value();
  return json.substr(from, i - from);
}

// "123", "-1.5", "\"1234.5000\"", "1.25e3" → ten-thousandths, exactly; nullopt otherwise.
std::optional<__int128> DecimalUnits(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  size_t i = 0;
  bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  __int128 mantissa = 0;
  int exponent = 0, digits = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !dot) { dot = true; continue; }
    if (c < '0' || c > '9') break;
    if (mantissa > (__int128{1} << 100)) return std::nullopt;
    mantissa = mantissa * 10 + (c - '0');
    ++digits;
    if (dot) --exponent;
  }
  if (digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    int e = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) e = e * 10 + (text[i] - '0');
    exponent += eneg ? -e : e;
  }
  if (i != text.size()) return std::nullopt;
  for (exponent += 4; exponent > 0; --exponent) mantissa *= 10;
  for (; exponent < 0; ++exponent) {
    if (mantissa % 10 != 0) return std::nullopt;  // more than 4 decimals
    mantissa /= 10;
  }
  return negative ? -mantissa : mantissa;
}

std::string Text(__int128 units) {
  bool neg = units < 0;
  if (neg) units = -units;
  std::string s;
  do { s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(units % 10))); units /= 10; } while (units > 0);
  while (s.size() < 5) s.insert(s.begin(), '0');
  s.insert(s.end() - 4, '.');
  return (neg ? "-" : "") + s;
}

// ---------------------------------------------------------------------------------------

class ProjectionPropertyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto start = std::chrono::steady_clock::now();
    stream_ = new Stream;
    BuildStream(stream_);
    const StreamFacts& f = stream_->facts;
    std::cout << "[stream] lines " << f.lines << ", unparsable " << f.unparsable << ", duplicates "
              << f.duplicates << ", conflicts " << f.conflicts << ", stored " << stream_->events.size()
              << ", tenants " << stream_->tenants.size() << ", late " << f.late
              << " (across a day: " << f.late_across_day << "), entities " << f.entities
              << ", groups " << stream_->group_count << "; tied interactions " << f.tied_pairs
              << ", account codes shared by two entities " << f.shared_account_codes
              << ", entities merged " << f.merged_groups << "; synthetic: early references "
              << f.early_references << ", re-creations " << f.recreations << ", EUR payments "
              << f.foreign_currency << ", unknown types " << f.unknown_types << "; built in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
              << " ms (" << stream_->timings << ")" << std::endl;
    for (const std::string& org : stream_->tenants) {
      auto [from, to] = stream_->day_range.at(org);
      int y0, m0, d0, y1, m1, d1;
      CivilFromDayNumber(from, &y0, &m0, &d0);
      CivilFromDayNumber(to, &y1, &m1, &d1);
      std::cout << "[stream] " << org << ": " << stream_->direct.at(org).quality[0] << " events, "
                << y0 << "-" << m0 << "-" << d0 << " .. " << y1 << "-" << m1 << "-" << d1 << std::endl;
    }
  }
  static void TearDownTestSuite() {
    if (stream_ == nullptr) return;
    std::filesystem::path dir = stream_->dir;
    stream_->store.reset();
    delete stream_;
    stream_ = nullptr;
    std::filesystem::remove_all(dir);
  }
  void SetUp() override {
    ASSERT_NE(stream_, nullptr);
    ASSERT_FALSE(stream_->events.empty()) << "stream setup failed";
  }

  static Stream* stream_;
};

Stream* ProjectionPropertyTest::stream_ = nullptr;

// The stream has what the properties need: volume, tenants, late events, re-sends dropped,
// invalid lines skipped, and few arrival-order-dependent pairs.
TEST_F(ProjectionPropertyTest, StreamHasTheNoiseThePropertiesNeed) {
  const Stream& st = *stream_;
  EXPECT_GE(st.facts.lines, 100'000u);
  EXPECT_GE(st.tenants.size(), 3u);
  EXPECT_GT(st.facts.late, 1'000u);
  EXPECT_GT(st.facts.late_across_day, 10u);
  EXPECT_GT(st.facts.duplicates, 0u);
  EXPECT_GT(st.facts.unparsable, 0u);
  EXPECT_EQ(st.events.size() + st.facts.duplicates + st.facts.conflicts + st.facts.unparsable,
            st.facts.lines + st.facts.early_references + st.facts.recreations +
                st.facts.foreign_currency + st.facts.unknown_types);
  EXPECT_GT(st.facts.early_references, 100u);
  EXPECT_GT(st.facts.recreations, 100u);
  EXPECT_GT(st.facts.foreign_currency, 10u);
  EXPECT_GT(st.facts.unknown_types, 10u);
  // The synthetic ties exercise the merging; merging must not hollow out property 3.
  EXPECT_GT(st.facts.tied_pairs, 0u);
  EXPECT_LT(st.facts.merged_groups * 100, st.facts.entities) << "more than 1% of entities merged";
  for (const std::string& org : st.tenants) {
    EXPECT_GT(st.direct.at(org).quality[2], 0) << org << ": orphans";
    EXPECT_GT(st.direct.at(org).quality[3], 0) << org << ": currency_mismatch";
  }
  for (const std::string& org : st.tenants) {
    auto [from, to] = st.day_range.at(org);
    EXPECT_GT(to - from, 40) << org << ": the stream should span several months";
    EXPECT_GT(st.direct.at(org).series[static_cast<size_t>(S::kTotalRevenue)].total, 0) << org;
    EXPECT_EQ(st.direct.at(org).quality[0],
              std::count_if(st.events.begin(), st.events.end(),
                            [&](const StoredLine& s) { return s.org == org; }))
        << org << ": events_total counts every stored event of the tenant";
  }
}

// 1. Incremental publication every 1,000 events == one fresh rebuild; snapshot isolation.
TEST_F(ProjectionPropertyTest, IncrementalEqualsRebuildAndViewsAreIsolated) {
  const Stream& st = *stream_;
  constexpr size_t kPublishEvery = 1'000;
  constexpr size_t kDumpEvery = 10'000;   // snapshot-isolation checkpoints
  constexpr size_t kPrefixEvery = 25'000;  // compare with a never-published prefix projection

  Applier incremental, prefix;
  std::vector<std::shared_ptr<const TenantView>> kept;  // every view ever published
  struct Snapshot {
    size_t at;
    std::string org;
    std::shared_ptr<const TenantView> view;
    ViewDump dump;
    int64_t revenue_total, revenue_prefix, employees_end, ar_end;
  };
  std::vector<Snapshot> snapshots;
  for (size_t i = 0; i < st.events.size(); ++i) {
    incremental.Apply(st.parsed[i], i + 1);
    prefix.Apply(st.parsed[i], i + 1);
    const size_t n = i + 1;
    if (n % kPublishEvery != 0 && n != st.events.size()) continue;
    auto views = incremental.PublishAll(n);
    for (const auto& [org, v] : views) kept.push_back(v);
    if (n % kDumpEvery == 0) {
      for (const auto& [org, v] : views) {
        DayNumber mid = (st.day_range.at(org).first + st.day_range.at(org).second) / 2;
        snapshots.push_back({n, org, v, DumpView(*v, st.probes.at(org)), v->Get(S::kTotalRevenue).Total(),
                             v->Get(S::kTotalRevenue).PrefixBefore(mid),
                             v->Get(S::kTotalEmployees).PrefixBefore(kAllTo),
                             v->Get(S::kAccountsReceivable).PrefixBefore(mid)});
      }
    }
    if (n % kPrefixEvery == 0) {
      // The prefix projection is published only here and the view dropped right away, so
      // it keeps writing in place (never copy-on-write) like a fresh rebuild.
      auto fresh = prefix.PublishAll(n);
      for (const auto& [org, v] : views) {
        ViewDump want = DumpView(*fresh.at(org), st.probes.at(org));
        EXPECT_EQ(DiffViews(DumpView(*v, st.probes.at(org)), want, true), "")
            << org << " after " << n << " events: incremental view != rebuild of the prefix";
      }
    }
  }

  // Final state: incremental == a fresh projection of the whole stream published once.
  auto final_views = incremental.PublishAll(st.events.size());
  ASSERT_EQ(final_views.size(), st.direct.size());
  for (const auto& [org, v] : final_views) {
    EXPECT_EQ(DiffViews(DumpView(*v, st.probes.at(org)), st.direct.at(org), true), "")
        << org << ": incremental != rebuild";
    ExpectConsistent(*v, org);
  }

  // Snapshot isolation: every early view still reads exactly what it read when published,
  // although the model has moved on since.
  ASSERT_FALSE(snapshots.empty());
  size_t moved = 0;
  for (const Snapshot& s : snapshots) {
    EXPECT_EQ(DiffViews(DumpView(*s.view, st.probes.at(s.org)), s.dump, true), "")
        << s.org << ": the view published after " << s.at << " events changed later";
    DayNumber mid = (st.day_range.at(s.org).first + st.day_range.at(s.org).second) / 2;
    EXPECT_EQ(s.view->Get(S::kTotalRevenue).Total(), s.revenue_total);
    EXPECT_EQ(s.view->Get(S::kTotalRevenue).PrefixBefore(mid), s.revenue_prefix);
    EXPECT_EQ(s.view->Get(S::kTotalEmployees).PrefixBefore(kAllTo), s.employees_end);
    EXPECT_EQ(s.view->Get(S::kAccountsReceivable).PrefixBefore(mid), s.ar_end);
    EXPECT_EQ(s.view->position, s.at);
    moved += s.revenue_total != final_views.at(s.org)->Get(S::kTotalRevenue).Total();
  }
  EXPECT_GT(moved, snapshots.size() / 2) << "the snapshots should predate most of the revenue";
}

// 2. The Projector following a real store == applying the stored events directly.
TEST_F(ProjectionPropertyTest, ProjectorFromStoreEqualsDirectApply) {
  const Stream& st = *stream_;
  ManualClock clock(kNowMicros);
  Projector projector(st.store.get(), &clock, {.batch_events = 4096});
  projector.Start();
  const uint64_t last = st.store->LastPosition();
  ASSERT_TRUE(projector.WaitForPosition(last, std::chrono::minutes(5)));
  EXPECT_TRUE(projector.Ready());
  EXPECT_EQ(projector.EventsApplied(), last);
  std::shared_ptr<const ModelSnapshot> snapshot = projector.Current();
  EXPECT_EQ(snapshot->position, last);
  EXPECT_EQ(snapshot->tenants.size(), st.tenants.size());
  for (const std::string& org : st.tenants) {
    Projector::TenantRead read = projector.Read(org);
    ASSERT_NE(read.view, nullptr) << org;
    EXPECT_EQ(read.position, last);
    EXPECT_EQ(DiffViews(DumpView(*read.view, st.probes.at(org)), st.direct.at(org), true), "")
        << org << ": Projector != direct apply";
  }
  projector.Stop();
}

// 2b. Snapshots written while the Projector runs (encoded by the applier, written by its
// writer thread) are whole: a projector started from one taken mid-stream, as after a crash,
// replays only the events after it and ends equal to applying the stream directly.
TEST_F(ProjectionPropertyTest, MidStreamSnapshotPlusTheRestEqualsDirectApply) {
  // Keeps a copy of every snapshot as it is renamed into place: model.snap.1, .2, …
  class KeepingEnv : public EnvWrapper {
   public:
    KeepingEnv() : EnvWrapper(Env::Default()) {}
    absl::Status RenameFile(const std::string& from, const std::string& to) override {
      if (to.ends_with("/model.snap")) {
        std::filesystem::copy_file(from, to + "." + std::to_string(++kept));
      }
      return EnvWrapper::RenameFile(from, to);
    }
    std::atomic<int> kept{0};
  };
  const Stream& st = *stream_;
  ManualClock clock(kNowMicros);  // snapshot durations read 0: written as often as allowed
  const std::string dir = ::testing::TempDir() + "/midstream_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const uint64_t last = st.store->LastPosition();
  KeepingEnv env;
  {
    Projector projector(st.store.get(), &clock,
                        {.batch_events = 4096, .snapshot_dir = dir + "/a", .env = &env,
                         .snapshot_every_events = 20'000});
    projector.Start();
    ASSERT_TRUE(projector.WaitForPosition(last, std::chrono::minutes(5)));
    projector.Stop();  // joins the writer thread, then writes the last snapshot itself
  }
  ASSERT_GE(env.kept.load(), 2) << "a snapshot while running, and the last at Stop()";
  std::filesystem::create_directories(dir + "/b");
  std::filesystem::copy_file(dir + "/a/model.snap.1", dir + "/b/model.snap");
  absl::StatusOr<LoadedModel> first = ReadModelSnapshot(dir + "/b");
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t mid = first->position;
  ASSERT_GE(mid, 20'000u);
  ASSERT_LT(mid, last) << "the first snapshot should be taken before the end of the stream";

  Projector resumed(st.store.get(), &clock, {.batch_events = 4096, .snapshot_dir = dir + "/b"});
  resumed.Start();
  ASSERT_TRUE(resumed.WaitForPosition(last, std::chrono::minutes(5)));
  EXPECT_EQ(resumed.EventsApplied(), last - mid) << "only the events after the snapshot";
  for (const std::string& org : st.tenants) {
    Projector::TenantRead read = resumed.Read(org);
    ASSERT_NE(read.view, nullptr) << org;
    EXPECT_EQ(DiffViews(DumpView(*read.view, st.probes.at(org)), st.direct.at(org), true), "")
        << org << ": snapshot at " << mid << " + the rest != direct apply";
  }
  resumed.Stop();
  std::filesystem::remove_all(dir);
}

// 2c. A damaged snapshot (issue 17, injected faults), cut short or with one byte changed, is
// ignored with a warning and the read models are rebuilt from the log: every event is applied
// again and each tenant equals applying the stream directly. The intact snapshot, as a
// control, is loaded and nothing is replayed.
TEST_F(ProjectionPropertyTest, ADamagedSnapshotIsIgnoredWithAWarningAndRebuiltFromTheLog) {
  const Stream& st = *stream_;
  ManualClock clock(kNowMicros);
  const std::string dir = ::testing::TempDir() + "/damaged_snapshot_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const uint64_t last = st.store->LastPosition();
  {
    Projector projector(st.store.get(), &clock, {.batch_events = 4096, .snapshot_dir = dir});
    projector.Start();
    ASSERT_TRUE(projector.WaitForPosition(last, std::chrono::minutes(5)));
    projector.Stop();  // writes the snapshot of `last`
  }
  absl::StatusOr<std::string> good = Env::Default()->ReadFile(dir + "/model.snap");
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_GT(good->size(), 1000u);
  struct Damage {
    std::string name, bytes;
  };
  std::vector<Damage> damages = {{"truncated", good->substr(0, good->size() * 2 / 3)},
                                 {"one byte changed", *good}};
  damages[1].bytes[damages[1].bytes.size() / 2] ^= 0x20;
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.name);
    ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir, "model.snap", d.bytes).ok());
    ::testing::internal::CaptureStdout();  // spdlog's default logger
    Projector restarted(st.store.get(), &clock, {.batch_events = 4096, .snapshot_dir = dir});
    restarted.Start();
    const bool reached = restarted.WaitForPosition(last, std::chrono::minutes(5));
    const std::string log = ::testing::internal::GetCapturedStdout();
    ASSERT_TRUE(reached);
    EXPECT_NE(log.find("ignoring the read-model snapshot"), std::string::npos) << log;
    EXPECT_NE(log.find("replaying the store"), std::string::npos) << log;
    EXPECT_EQ(restarted.EventsApplied(), last) << "every event applied again from the log";
    for (const std::string& org : st.tenants) {
      Projector::TenantRead read = restarted.Read(org);
      ASSERT_NE(read.view, nullptr) << org;
      EXPECT_EQ(DiffViews(DumpView(*read.view, st.probes.at(org)), st.direct.at(org), true), "")
          << org << ": rebuilt from the log after a " << d.name << " snapshot != direct apply";
    }
    restarted.Stop();
  }
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir, "model.snap", *good).ok());
  Projector control(st.store.get(), &clock, {.batch_events = 4096, .snapshot_dir = dir});
  control.Start();
  ASSERT_TRUE(control.WaitForPosition(last, std::chrono::minutes(5)));
  EXPECT_EQ(control.EventsApplied(), 0u) << "the intact snapshot is loaded, nothing replayed";
  control.Stop();
  std::filesystem::remove_all(dir);
}

// 3. Any arrival order that keeps each entity's events in order gives the same model.
TEST_F(ProjectionPropertyTest, ArrivalOrderIndependence) {
  const Stream& st = *stream_;
  struct Variant {
    std::string name;
    std::vector<uint32_t> order;
  };
  std::vector<Variant> variants;
  for (uint64_t seed : {1, 2, 3}) variants.push_back({"random interleaving seed " + std::to_string(seed), RandomInterleaving(st, seed)});
  variants.push_back({"reversed whole entities", ReversedEntities(st)});
  for (uint64_t seed : {11, 12}) variants.push_back({"a fifth of entities delayed, seed " + std::to_string(seed), DelayedEntities(st, seed)});

  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    ASSERT_EQ(v.order.size(), st.events.size());
    {  // a permutation keeping each group's order
      std::vector<uint32_t> last(st.group_count, std::numeric_limits<uint32_t>::max());
      std::vector<bool> seen(st.events.size());
      for (uint32_t i : v.order) {
        ASSERT_FALSE(seen[i]);
        seen[i] = true;
        uint32_t g = st.group[i];
        ASSERT_TRUE(last[g] == std::numeric_limits<uint32_t>::max() || last[g] < i);
        last[g] = i;
      }
    }
    size_t moved = 0;
    for (size_t i = 0; i < v.order.size(); ++i) moved += v.order[i] != i;
    EXPECT_GT(moved, v.order.size() / 10) << "the order should differ from the stored one";
    auto got = ApplyInOrder(st, v.order);
    ASSERT_EQ(got.size(), st.direct.size());
    for (const auto& [org, dump] : got) {
      EXPECT_EQ(DiffViews(dump, st.direct.at(org), false), "") << org << ": " << v.name;
    }
  }

  // Negative control: the comparison is not vacuous. Reversing the whole stream reverses
  // each entity's own events too (deletions before creations, ...), which the spec does
  // not promise to absorb: every tenant's model must come out different.
  std::vector<uint32_t> reversed(st.events.size());
  std::iota(reversed.rbegin(), reversed.rend(), 0u);
  for (const auto& [org, dump] : ApplyInOrder(st, reversed)) {
    EXPECT_NE(DiffViews(dump, st.direct.at(org), false), "") << org << ": reversed stream";
  }
}

// 4. Balance sheet identity for every period of the stream's range, per tenant; also in
// intermediate states of a random arrival order, with the unclassified lines accounted for.
TEST_F(ProjectionPropertyTest, BalanceSheetIdentity) {
  const Stream& st = *stream_;
  for (const std::string& org : st.tenants) {
    auto [from, to] = st.day_range.at(org);
    const TenantView& v = *st.direct_views.at(org);
    EXPECT_NE(v.Get(S::kAssets).PrefixBefore(to + 1), 0) << org << ": the ledger should not be empty";
    ExpectBalanced(v, from, to, /*allow_unclassified=*/false, org);
  }
  std::vector<uint32_t> order = RandomInterleaving(st, 99);
  size_t checks = 0, with_unclassified = 0;
  ApplyInOrder(st, order, [&](size_t n, Applier& a) {
    if (n % 20'000 != 0) return;
    for (const auto& [org, v] : a.PublishAll(n)) {
      auto [from, to] = st.day_range.at(org);
      ExpectBalanced(*v, from, to, /*allow_unclassified=*/true, org + " after " + std::to_string(n) + " randomly ordered events");
      ++checks;
      with_unclassified += !v->Get(S::kUnclassifiedLines).empty() && v->quality.unclassified_ledger_lines > 0;
    }
  });
  EXPECT_GT(checks, 0u);
  EXPECT_GT(with_unclassified, 0u) << "random orders should post before some accounts exist";
}

// 5. Σ over months of total_revenue == Σ of the stored invoices' amounts, read independently.
TEST_F(ProjectionPropertyTest, TotalRevenueEqualsInvoiceAmounts) {
  const Stream& st = *stream_;
  const query::ScalarMetric* metric = query::FindScalarMetric(query::Section::kFinance, "total_revenue");
  ASSERT_NE(metric, nullptr);
  std::map<std::string, __int128> expected;
  std::map<std::string, int64_t> invoices;
  std::set<std::pair<std::string, std::string>> created;
  for (const StoredLine& s : st.events) {
    if (s.event_type != "finance.invoice.created") continue;
    std::optional<std::string_view> currency = RawAt(s.json, {"data", "payload", "currency"});
    if (currency && *currency != "\"USD\"") continue;  // the tenants' default currency
    if (!created.insert({s.org, s.entity_id}).second) continue;  // a re-creation changes nothing
    std::optional<std::string_view> raw = RawAt(s.json, {"data", "payload", "amount"});
    ASSERT_TRUE(raw.has_value()) << s.json;
    std::optional<__int128> units = DecimalUnits(*raw);
    ASSERT_TRUE(units.has_value()) << *raw;
    expected[s.org] += *units;
    ++invoices[s.org];
  }
  for (const std::string& org : st.tenants) {
    const TenantView& v = *st.direct_views.at(org);
    auto [from, to] = st.day_range.at(org);
    auto months = PeriodsBetween(Granularity::kMonth, from, to, 1000);
    ASSERT_TRUE(months.ok());
    __int128 sum = 0;
    for (const Period& p : *months) {
      query::Value value = metric->compute(query::PeriodData{v, p, kNowMicros});
      ASSERT_EQ(value.kind, query::Value::kMoney);
      sum += value.units;
    }
    EXPECT_GT(invoices[org], 0) << org;
    EXPECT_EQ(Text(sum), Text(expected[org])) << org << ": Σ monthly total_revenue vs Σ invoice amounts";
    EXPECT_EQ(Text(v.Get(S::kTotalRevenue).Total()), Text(expected[org])) << org;
    EXPECT_EQ(v.Get(S::kInvoicesCreated).Total(), invoices[org]) << org;
  }
}

// 6. The breakdowns add up: per tenant and per day, Σ over the keys of each keyed family and
// fact table equals the series of the metric it breaks down (a stock's daily deltas sum to
// the stock's, a flow's to the flow's).
TEST_F(ProjectionPropertyTest, KeyedFamiliesAddUpToTheirMetricSeries) {
  static constexpr std::pair<K, S> kKeyedParts[] = {
      {K::kActivitiesByType, S::kActivitiesTotal}, {K::kWonValueByUser, S::kWonValue},
      {K::kDealsWonByUser, S::kOpportunitiesWon},  {K::kEmployeesByDepartment, S::kTotalEmployees},
      {K::kEmployeesByRole, S::kTotalEmployees},   {K::kStockByWarehouse, S::kUnitsOnHand},
      {K::kHoursByProject, S::kHoursLogged},
  };
  static constexpr std::pair<F, S> kParts[] = {
      {F::kPipelineValueByStage, S::kPipelineValue},
      {F::kDealsLostByUser, S::kOpportunitiesLost},
      {F::kActivitiesByOwner, S::kActivitiesTotal},
      {F::kLeadsBySource, S::kLeadsNew},
      {F::kLeadsConvertedBySource, S::kLeadsConverted},
      {F::kHiresByDepartment, S::kNewHires},
      {F::kTerminationsByDepartment, S::kTerminations},
      {F::kCheckinsByDepartment, S::kAttendanceCheckins},
      {F::kLateArrivalsByDepartment, S::kLateArrivals},
      {F::kCheckinsByEmployee, S::kAttendanceCheckins},
      {F::kLateArrivalsByEmployee, S::kLateArrivals},
      {F::kLeaveRequestsByType, S::kLeaveRequests},
      {F::kLeaveApprovedByType, S::kLeaveApproved},
      {F::kLeavePendingByType, S::kLeavePending},
      {F::kLeaveDaysApprovedByType, S::kLeaveDaysApproved},
      {F::kUnitsByProductWarehouse, S::kUnitsOnHand},
      {F::kStockValueByProduct, S::kStockValue},
      {F::kLowStockByProduct, S::kLowStockProducts},
      {F::kOrderValueByProduct, S::kOrderValue},
      {F::kUnitsSoldByProduct, S::kUnitsSold},
      {F::kFulfilledByLeadTime, S::kOrdersFulfilled},
      {F::kReordersByProduct, S::kReordersTriggered},
      {F::kBillableHoursByProject, S::kBillableHours},
      {F::kHoursByEmployee, S::kHoursLogged},
      {F::kBillableHoursByEmployee, S::kBillableHours},
      {F::kOverBudgetByProject, S::kProjectsOverBudget},
      {F::kTasksCreatedByProject, S::kTasksCreated},
      {F::kTasksCompletedByProject, S::kTasksCompleted},
      {F::kOpenTasksByProject, S::kOpenTasks},
  };
  const Stream& st = *stream_;
  std::map<std::string, size_t> tenants_with_data;
  auto check = [&](const std::string& org, const std::map<std::string, SeriesDump>& parts, S metric,
                   const std::string& name) {
    std::map<DayNumber, int64_t> sum;
    for (const auto& [key, series] : parts) {
      for (auto [day, v] : series.days) sum[day] += v;
    }
    std::erase_if(sum, [](const auto& kv) { return kv.second == 0; });
    const SeriesDump& whole = st.direct.at(org).series[static_cast<size_t>(metric)];
    std::map<DayNumber, int64_t> want(whole.days.begin(), whole.days.end());
    EXPECT_EQ(sum, want) << org << ": " << name << " vs "
                         << SeriesName(static_cast<size_t>(metric));
    tenants_with_data[name] += !want.empty();
  };
  for (const std::string& org : st.tenants) {
    const ViewDump& d = st.direct.at(org);
    for (const auto& [family, metric] : kKeyedParts) {
      check(org, d.keyed[static_cast<size_t>(family)], metric,
            KeyedName(static_cast<size_t>(family)));
    }
    for (const auto& [table, metric] : kParts) {
      check(org, d.facts[static_cast<size_t>(table)], metric, FactName(static_cast<size_t>(table)));
    }
  }
  EXPECT_EQ(tenants_with_data.size(), std::size(kKeyedParts) + std::size(kParts));
  for (const auto& [name, n] : tenants_with_data) EXPECT_GT(n, 0u) << "no data for " << name;
}

// 7. The per-entity report families equal an oracle computed here from the stored events,
// at the end of the stream: per product the reorders and units requested, the units on hand
// (every update), the value and low flag (updates stamped at or after the product's
// creation, × its unit_cost); per project the budget in force (the latest-arrived
// budget-setting event), the hours logged against it (logs stamped at or after creation)
// and the over-budget flag; per employee the hours; per department the check-ins (each in
// the department of its employee's latest-arrived department-setting event stamped before
// it).
TEST_F(ProjectionPropertyTest, EntityFamiliesEqualAnOracleOfTheStream) {
  using E = event::EventType;
  auto idx = [](E type, std::string_view field) { return event::FieldIndex(type, field); };
  struct Product {
    bool created = false;
    When at;
    int64_t cost = 0, reorder_point = 0, reorders = 0, reorder_units = 0, units = 0;
    std::vector<std::pair<When, int64_t>> moves;
  };
  struct Project {
    bool created = false;
    When at;
    uint64_t budget_seq = 0;
    int64_t budget = 0;
    std::vector<std::pair<When, int64_t>> logs;
  };
  struct Employee {
    bool created = false, active = false;
    std::vector<std::pair<When, std::string>> departments;  // department-setting events
    std::vector<When> checkins;
  };
  struct Tenant {
    std::map<std::string, Product> products;
    std::map<std::string, Project> projects;
    std::map<std::string, Employee> employees;
    std::map<std::string, int64_t> hours_by_employee;
  };
  const Stream& st = *stream_;
  std::map<std::string, Tenant> oracle;
  for (size_t i = 0; i < st.parsed.size(); ++i) {
    const event::Event& e = st.parsed[i];
    if (!e.currency.empty() && e.currency != "USD") continue;  // left out (currency_mismatch)
    Tenant& t = oracle[e.organization_id];
    When at{e.timestamp_micros, i + 1};
    switch (e.type) {
      case E::kInventoryProductCreated: {
        Product& p = t.products[e.entity_id];
        if (p.created) break;
        p.created = true;
        p.at = at;
        p.cost = e.field(idx(e.type, "unit_cost")).money.units();
        p.reorder_point = e.field(idx(e.type, "reorder_point")).integer;
        break;
      }
      case E::kInventoryStockUpdated: {
        Product& p = t.products[e.field(idx(e.type, "product_id")).text];
        int64_t delta = e.field(idx(e.type, "quantity_delta")).integer;
        p.units += delta;
        p.moves.emplace_back(at, delta);
        break;
      }
      case E::kInventoryReorderTriggered: {
        Product& p = t.products[e.field(idx(e.type, "product_id")).text];
        ++p.reorders;
        p.reorder_units += e.field(idx(e.type, "reorder_quantity")).integer;
        break;
      }
      case E::kProjectCreated:
      case E::kProjectUpdated: {
        Project& p = t.projects[e.entity_id];
        bool creation = e.type == E::kProjectCreated;
        if (creation == p.created) break;  // a re-creation, or an update of an unknown project
        if (creation) {
          p.created = true;
          p.at = at;
        }
        const event::FieldValue& budget = e.field(idx(e.type, "budget_hours"));
        if (creation || budget.present) {
          p.budget = budget.present ? ToMicroUnits(budget.number) : 0;
          p.budget_seq = at.seq;
        }
        break;
      }
      case E::kProjectTimeLogged: {
        int64_t hours = ToMicroUnits(e.field(idx(e.type, "hours")).number);
        t.projects[e.field(idx(e.type, "project_id")).text].logs.emplace_back(at, hours);
        t.hours_by_employee[e.field(idx(e.type, "employee_id")).text] += hours;
        break;
      }
      case E::kHrmAttendanceCheckedIn:
        t.employees[e.field(idx(e.type, "employee_id")).text].checkins.push_back(at);
        break;
      case E::kHrmEmployeeCreated:
      case E::kHrmEmployeeUpdated: {
        Employee& emp = t.employees[e.entity_id];
        bool creation = e.type == E::kHrmEmployeeCreated;
        if (creation ? emp.created : !emp.active) break;  // orphans change nothing
        emp.created = emp.active = true;
        const event::FieldValue& department = e.field(idx(e.type, "department"));
        if (department.present) emp.departments.emplace_back(at, department.text);
        break;
      }
      case E::kHrmEmployeeTerminated: {
        Employee& emp = t.employees[e.entity_id];
        if (emp.active) emp.active = false;
        break;
      }
      default:
        break;
    }
  }
  size_t low = 0, over = 0, budgets = 0;
  for (const std::string& org : st.tenants) {
    const ViewDump& d = st.direct.at(org);
    auto total = [&](F table, const std::string& key) -> int64_t {
      const auto& f = d.facts[static_cast<size_t>(table)];
      auto it = f.find(key);
      return it == f.end() ? 0 : it->second.total;
    };
    const Tenant& t = oracle.at(org);
    for (const auto& [id, p] : t.products) {
      SCOPED_TRACE(org + " product " + id);
      EXPECT_EQ(total(F::kReordersByProduct, id), p.reorders);
      EXPECT_EQ(total(F::kReorderUnitsByProduct, id), p.reorder_units);
      int64_t units = 0;  // Σ over the product's warehouses
      for (const auto& [key, series] : d.facts[static_cast<size_t>(F::kUnitsByProductWarehouse)]) {
        if (key.starts_with(id + kKeySeparator)) units += series.total;
      }
      EXPECT_EQ(units, p.units);
      int64_t on_hand = 0;
      for (const auto& [at, delta] : p.moves) on_hand += p.created && !(at < p.at) ? delta : 0;
      EXPECT_EQ(total(F::kStockValueByProduct, id), p.created ? on_hand * p.cost : 0);
      bool is_low = p.created && on_hand <= p.reorder_point;
      EXPECT_EQ(total(F::kLowStockByProduct, id), is_low ? 1 : 0);
      low += is_low;
    }
    for (const auto& [id, p] : t.projects) {
      SCOPED_TRACE(org + " project " + id);
      int64_t burn = 0;
      for (const auto& [at, hours] : p.logs) burn += p.created && !(at < p.at) ? hours : 0;
      EXPECT_EQ(total(F::kBurnHoursByProject, id), burn);
      EXPECT_EQ(total(F::kBudgetHoursByProject, id), p.created ? p.budget : 0);
      bool is_over = p.created && p.budget > 0 && burn > p.budget;
      EXPECT_EQ(total(F::kOverBudgetByProject, id), is_over ? 1 : 0);
      over += is_over;
      budgets += p.budget > 0;
    }
    for (const auto& [id, hours] : t.hours_by_employee) {
      EXPECT_EQ(total(F::kHoursByEmployee, id), hours) << org << " employee " << id;
    }
    std::map<std::string, int64_t> checkins_by_department;
    for (const auto& [id, emp] : t.employees) {
      EXPECT_EQ(total(F::kCheckinsByEmployee, id), static_cast<int64_t>(emp.checkins.size()))
          << org << " " << id;
      for (const When& in : emp.checkins) {
        const std::string* department = nullptr;  // the latest-arrived one stamped before
        uint64_t seq = 0;
        for (const auto& [at, name] : emp.departments) {
          if (at < in && at.seq >= seq) department = &name, seq = at.seq;
        }
        ++checkins_by_department[department ? *department : ""];
      }
    }
    for (const auto& [department, n] : checkins_by_department) {
      EXPECT_EQ(total(F::kCheckinsByDepartment, department), n) << org << " " << department;
    }
    EXPECT_GT(checkins_by_department.size(), 2u) << org;
  }
  EXPECT_GT(low, 0u) << "the stream should end with low-stock products";
  EXPECT_GT(over, 0u) << "the stream should end with projects over budget";
  EXPECT_GT(budgets, 0u);
}

}  // namespace
}  // namespace readside::projection
