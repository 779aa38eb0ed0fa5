#pragma once
// Control totals (docs/consistency.md "Reconciliation"): per entity type of the event catalog
// (../shared/spec/events.md, the second segment of the event type) and month of the tenant's
// calendar, how many entities the command side recorded and the sum of their amounts, with
// their ids. The ERP's services report theirs; readside computes its own from the events it
// stored (CollectTenantTotals) and POST /admin/reconcile/{org} compares the two (Reconcile).
// `readside generate --control-totals` writes the totals of a generated stream with the same
// builder (ControlTotalsBody), in the request body's format.
//
// Which event counts one entity of a type, and what its amount is, is the table EntityTypes():
// an entity is counted once, at the first stored event of its counted type (a second one with
// the same entity id is a repeat the read models treat as an orphan), in the month of that
// event's timestamp.
// Thread-safety: a ControlTotalsBuilder is not thread-safe; the rest are pure functions.

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "event/event.h"
#include "projection/consistency.h"
#include "projection/period.h"

namespace readside::store { class EventStore; }

namespace readside::projection {

struct EntityTypeInfo {
  std::string_view name;          // "invoice"
  event::EventType counted;       // the event recording one entity: finance.invoice.created
  std::string_view amount;        // what is summed ("payload.amount"); empty: no amount
  bool has_amount() const { return !amount.empty(); }
};
// Every entity type of the catalog, in the catalog's order.
std::span<const EntityTypeInfo> EntityTypes();
const EntityTypeInfo* FindEntityType(std::string_view name);  // nullptr when unknown

// The totals of one (entity type, month).
struct TotalsCell {
  uint64_t count = 0;
  Int128 sum = 0;                // Money units (0 for a type without amount)
  std::vector<std::string> ids;  // in the order counted
};
// (entity type, month "2024-01") → totals, in that order.
using TotalsMap = std::map<std::pair<std::string, std::string>, TotalsCell>;

class ControlTotalsBuilder {
 public:
  // Months are those of `calendar` (the tenant's time zone).
  explicit ControlTotalsBuilder(LocalCalendar calendar) : calendar_(std::move(calendar)) {}
  // Counts `e` when it is the counted event of an entity type and its entity id was not
  // counted for that type yet. Events of other types are ignored.
  void Add(const event::Event& e);
  const TotalsMap& cells() const { return cells_; }
  const LocalCalendar& calendar() const { return calendar_; }

 private:
  LocalCalendar calendar_;
  TotalsMap cells_;
  std::map<std::string, absl::flat_hash_set<std::string>, std::less<>> counted_;  // type → ids
};

// The amount an event of `type`'s counted event carries, in Money units (0 without one).
Int128 AmountOf(const EntityTypeInfo& type, const event::Event& e);

// Adds every stored event of `org` up to position `until` to *builder (parsed as the read
// models parse them). Cancelled when *cancel is set; the store's error when a read fails.
// Returns the number of events read.
absl::StatusOr<uint64_t> CollectTenantTotals(const store::EventStore& store,
                                             const std::string& org, uint64_t until,
                                             ControlTotalsBuilder* builder,
                                             const std::atomic<bool>* cancel = nullptr);

// The request body of POST /admin/reconcile/{org} holding `totals` (docs/consistency.md):
// {"organization_id", "timezone", "totals": [{"entity_type", "period", "count", "sum"?,
// "ids"?}]}; sums as exact JSON numbers, ids only when `with_ids`.
std::string ControlTotalsBody(const std::string& organization_id, const std::string& timezone,
                              const TotalsMap& totals, bool with_ids);

// One row of the control totals an ERP service sent (validated by the HTTP layer).
struct ControlRow {
  std::string entity_type;
  std::string period;  // a month, "2024-01"
  uint64_t count = 0;
  std::optional<Int128> sum;                    // Money units; only for types with an amount
  std::optional<std::vector<std::string>> ids;  // distinct
};

struct ReconcileOptions {
  size_t max_ids = 1000;  // ids listed per row and kind (missing, extra); all are counted
};

// The JSON answer of POST /admin/reconcile/{org}: for each row, readside's count and sum
// against the control's, the differences (readside − control) and, when the row has ids,
// the missing and extra ids; then the periods the control totals did not list for an entity
// type they did list (readside's data there is unaccounted for). `*mismatches` counts the
// rows that differ in count, sum or ids.
std::string ReconcileJson(const std::string& organization_id, const std::string& timezone,
                          uint64_t position, const std::vector<ControlRow>& control,
                          const TotalsMap& readside, const ReconcileOptions& options,
                          uint64_t* mismatches);

}  // namespace readside::projection
