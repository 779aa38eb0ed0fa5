#include "projection/control_totals.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "absl/status/statusor.h"
#include "common/json_writer.h"
#include "event/parser.h"
#include "own_state/own_event.h"
#include "spdlog/spdlog.h"
#include "store/event_store.h"

namespace readside::projection {
namespace {

using event::EventType;

// What counts one entity of each type and what it amounts to (docs/consistency.md says why).
constexpr EntityTypeInfo kEntityTypes[] = {
    {"contact", EventType::kCrmContactCreated, ""},
    {"lead", EventType::kCrmLeadCreated, "payload.estimated_value (0 when absent)"},
    {"opportunity", EventType::kCrmOpportunityCreated, "payload.amount"},
    {"activity", EventType::kCrmActivityLogged, ""},
    {"employee", EventType::kHrmEmployeeCreated, ""},
    {"leave", EventType::kHrmLeaveRequested, ""},
    {"attendance", EventType::kHrmAttendanceCheckedIn, ""},
    {"payroll", EventType::kHrmPayrollProcessed, "payload.gross_total"},
    {"invoice", EventType::kFinanceInvoiceCreated, "payload.amount"},
    {"payment", EventType::kFinancePaymentReceived, "payload.amount"},
    {"account", EventType::kFinanceAccountCreated, ""},
    {"transaction", EventType::kFinanceTransactionPosted, "the sum of payload.lines[].debit"},
    {"product", EventType::kInventoryProductCreated, ""},
    {"stock", EventType::kInventoryStockUpdated, ""},
    {"order", EventType::kInventoryOrderCreated,
     "the sum of payload.lines[].quantity × unit_price"},
    {"reorder", EventType::kInventoryReorderTriggered, ""},
    {"project", EventType::kProjectCreated, "payload.budget_amount (0 when absent)"},
    {"task", EventType::kProjectTaskCreated, ""},
    {"time", EventType::kProjectTimeLogged, ""},
};

// The entity type counting events of `type`, or nullptr.
const EntityTypeInfo* CountedBy(EventType type) {
  for (const EntityTypeInfo& t : kEntityTypes) {
    if (t.counted == type) return &t;
  }
  return nullptr;
}

// The money field of the counted event that is the amount, by its catalog name.
std::string_view AmountField(EventType type) {
  switch (type) {
    case EventType::kCrmLeadCreated:
      return "estimated_value";
    case EventType::kCrmOpportunityCreated:
    case EventType::kFinanceInvoiceCreated:
    case EventType::kFinancePaymentReceived:
      return "amount";
    case EventType::kHrmPayrollProcessed:
      return "gross_total";
    case EventType::kProjectCreated:
      return "budget_amount";
    default:
      return "";
  }
}

}  // namespace

std::span<const EntityTypeInfo> EntityTypes() { return kEntityTypes; }

const EntityTypeInfo* FindEntityType(std::string_view name) {
  for (const EntityTypeInfo& t : kEntityTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Int128 AmountOf(const EntityTypeInfo& type, const event::Event& e) {
  if (!type.has_amount()) return 0;
  Int128 sum = 0;
  if (type.counted == EventType::kFinanceTransactionPosted) {
    for (const event::LedgerLine& l : e.ledger_lines) sum += l.debit.units();
    return sum;
  }
  if (type.counted == EventType::kInventoryOrderCreated) {
    for (const event::OrderLine& l : e.order_lines) {
      sum += static_cast<Int128>(l.quantity) * l.unit_price.units();
    }
    return sum;
  }
  int index = event::FieldIndex(type.counted, AmountField(type.counted));
  if (index < 0 || !e.field(index).present) return 0;
  return e.field(index).money.units();
}

void ControlTotalsBuilder::Add(const event::Event& e) {
  const EntityTypeInfo* type = CountedBy(e.type);
  if (type == nullptr) return;
  auto& ids = counted_[std::string(type->name)];
  if (!ids.insert(e.entity_id).second) return;  // counted at its first event
  Period month = PeriodContaining(Granularity::kMonth, calendar_.DayOf(e.timestamp_micros));
  TotalsCell& cell = cells_[{std::string(type->name), FormatPeriod(month)}];
  ++cell.count;
  cell.sum += AmountOf(*type, e);
  cell.ids.push_back(e.entity_id);
}

absl::StatusOr<uint64_t> CollectTenantTotals(const store::EventStore& store,
                                             const std::string& org, uint64_t until,
                                             ControlTotalsBuilder* builder,
                                             const std::atomic<bool>* cancel) {
  event::EventParser parser(
      {.assign_missing_event_id = false, .keep_json = false, .stored_input = true});
  event::Event e;
  std::vector<event::FieldError> errors;
  uint64_t read = 0;
  bool cancelled = false;
  store::EventQuery q{.organization_id = org, .limit = 1000};
  while (true) {
    absl::StatusOr<store::QueryPage> page = store.Query(q);
    if (!page.ok()) return page.status();
    for (const store::StoredEvent& stored : page->events) {
      if (stored.position > until) return read;
      if (cancel && cancel->load(std::memory_order_relaxed)) cancelled = true;
      if (cancelled) return absl::CancelledError("reconciliation cancelled");
      ++read;
      if (stored.event_type.starts_with(own_state::kOwnEventTypePrefix)) continue;
      errors.clear();
      if (parser.ParseOne(stored.json, &e, &errors)) {
        builder->Add(e);
      } else {
        spdlog::error("position {}: stored event no longer parses: {}", stored.position,
                      errors.empty() ? std::string() : errors[0].field + " " + errors[0].message);
      }
    }
    if (!page->next) return read;
    q.after_position = *page->next;
  }
}

std::string ControlTotalsBody(const std::string& organization_id, const std::string& timezone,
                              const TotalsMap& totals, bool with_ids) {
  JsonBuilder j;
  j.BeginObject().Key("organization_id").String(organization_id);
  j.Key("timezone").String(timezone).Key("totals").BeginArray();
  for (const auto& [key, cell] : totals) {
    const EntityTypeInfo* type = FindEntityType(key.first);
    j.BeginObject().Key("entity_type").String(key.first).Key("period").String(key.second);
    j.Key("count").Int(static_cast<int64_t>(cell.count));
    if (type && type->has_amount()) j.Key("sum").Raw(FormatScaled(cell.sum, 4));
    if (with_ids) {
      j.Key("ids").BeginArray();
      for (const std::string& id : cell.ids) j.String(id);
      j.EndArray();
    }
    j.EndObject();
  }
  j.EndArray().EndObject();
  return j.Take();
}

namespace {

// Writes up to `max` of `ids` as "key": [...], and "key_total": their number.
void IdList(JsonBuilder& j, std::string_view key, const std::vector<std::string>& ids,
            size_t max) {
  j.Key(key).BeginArray();
  for (size_t i = 0; i < ids.size() && i < max; ++i) j.String(ids[i]);
  j.EndArray();
  j.Key(std::string(key) + "_total").Int(static_cast<int64_t>(ids.size()));
}

// One row: control against readside.
bool WriteRow(JsonBuilder& j, const ControlRow& row, const TotalsCell& held,
              const ReconcileOptions& o) {
  const EntityTypeInfo* type = FindEntityType(row.entity_type);
  const bool money = type && type->has_amount();
  j.BeginObject().Key("entity_type").String(row.entity_type).Key("period").String(row.period);
  j.Key("control").BeginObject().Key("count").Int(static_cast<int64_t>(row.count));
  if (money) j.Key("sum").Raw(FormatScaled(row.sum.value_or(0), 4));
  j.EndObject();
  j.Key("readside").BeginObject().Key("count").Int(static_cast<int64_t>(held.count));
  if (money) j.Key("sum").Raw(FormatScaled(held.sum, 4));
  j.EndObject();
  const Int128 count_diff = static_cast<Int128>(held.count) - static_cast<Int128>(row.count);
  const Int128 sum_diff = held.sum - row.sum.value_or(0);
  j.Key("difference").BeginObject().Key("count").Raw(FormatScaled(count_diff, 0));
  if (money) j.Key("sum").Raw(FormatScaled(sum_diff, 4));
  j.EndObject();
  bool matches = count_diff == 0 && (!money || sum_diff == 0);
  if (row.ids) {
    std::vector<std::string> control = *row.ids, mine = held.ids, missing, extra;
    std::sort(control.begin(), control.end());
    std::sort(mine.begin(), mine.end());
    std::set_difference(control.begin(), control.end(), mine.begin(), mine.end(),
                        std::back_inserter(missing));
    std::set_difference(mine.begin(), mine.end(), control.begin(), control.end(),
                        std::back_inserter(extra));
    IdList(j, "missing", missing, o.max_ids);
    IdList(j, "extra", extra, o.max_ids);
    matches = matches && missing.empty() && extra.empty();
  }
  j.Key("matches").Bool(matches).EndObject();
  return matches;
}

}  // namespace

std::string ReconcileJson(const std::string& organization_id, const std::string& timezone,
                          uint64_t position, const std::vector<ControlRow>& control,
                          const TotalsMap& readside, const ReconcileOptions& options,
                          uint64_t* mismatches) {
  static const TotalsCell kNone;
  JsonBuilder rows;
  rows.BeginArray();
  uint64_t differing = 0;
  std::map<std::string, std::set<std::string>> listed;  // entity type → periods
  for (const ControlRow& row : control) {
    listed[row.entity_type].insert(row.period);
    auto it = readside.find({row.entity_type, row.period});
    if (!WriteRow(rows, row, it == readside.end() ? kNone : it->second, options)) ++differing;
  }
  rows.EndArray();
  // Readside's periods of a listed entity type that the control totals left out.
  JsonBuilder unlisted;
  unlisted.BeginArray();
  size_t unlisted_count = 0;
  for (const auto& [key, cell] : readside) {
    auto it = listed.find(key.first);
    if (it == listed.end() || it->second.contains(key.second)) continue;
    ++unlisted_count;
    const EntityTypeInfo* type = FindEntityType(key.first);
    unlisted.BeginObject().Key("entity_type").String(key.first).Key("period").String(key.second);
    unlisted.Key("count").Int(static_cast<int64_t>(cell.count));
    if (type && type->has_amount()) unlisted.Key("sum").Raw(FormatScaled(cell.sum, 4));
    unlisted.EndObject();
  }
  unlisted.EndArray();
  JsonBuilder j;
  j.BeginObject().Key("organization_id").String(organization_id);
  j.Key("timezone").String(timezone);
  j.Key("position").Int(static_cast<int64_t>(position));
  j.Key("consistent").Bool(differing == 0 && unlisted_count == 0);
  j.Key("rows_total").Int(static_cast<int64_t>(control.size()));
  j.Key("rows_differing").Int(static_cast<int64_t>(differing));
  j.Key("totals").Raw(rows.Take());
  j.Key("unlisted").Raw(unlisted.Take());
  j.EndObject();
  if (mismatches) *mismatches = differing;
  return j.Take();
}

}  // namespace readside::projection
