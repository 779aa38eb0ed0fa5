#pragma once
// The event catalog of ../shared/spec/events.md as data: every known event type with its
// domain and payload fields (kind, required, bound). The parser validates against these
// tables and projections read payload values by the field's index in them, so adding a
// field is one table row, not a new branch. The tables themselves are constexpr data in
// catalog_tables.h, where FieldIndexOf() checks such indexes at compile time.
// Thread-safety: immutable tables, safe everywhere.

#include <cstdint>
#include <span>
#include <string_view>

namespace readside::event {

enum class Domain : uint8_t { kCrm, kHrm, kFinance, kInventory, kProjects, kNone };
std::string_view DomainName(Domain d);

enum class EventType : uint8_t {
  kUnknown = 0,
  kCrmContactCreated,
  kCrmContactUpdated,
  kCrmContactDeleted,
  kCrmLeadCreated,
  kCrmLeadConverted,
  kCrmOpportunityCreated,
  kCrmOpportunityStageChanged,
  kCrmOpportunityWon,
  kCrmOpportunityLost,
  kCrmActivityLogged,
  kHrmEmployeeCreated,
  kHrmEmployeeUpdated,
  kHrmEmployeeTerminated,
  kHrmLeaveRequested,
  kHrmLeaveApproved,
  kHrmAttendanceCheckedIn,
  kHrmPayrollProcessed,
  kFinanceInvoiceCreated,
  kFinanceInvoiceSent,
  kFinancePaymentReceived,
  kFinanceAccountCreated,
  kFinanceTransactionPosted,
  kInventoryProductCreated,
  kInventoryStockUpdated,
  kInventoryOrderCreated,
  kInventoryOrderFulfilled,
  kInventoryReorderTriggered,
  kProjectCreated,
  kProjectUpdated,
  kProjectTaskCreated,
  kProjectTaskCompleted,
  kProjectTimeLogged,
  kCount,
};

enum class FieldKind : uint8_t {
  kString,
  kMoney,    // JSON number or decimal string, ≤ 4 decimals, |v| < 1e13 → Money
  kNumber,   // finite JSON number → double
  kInteger,  // JSON integer fitting int64
  kBool,
  kDateTime,        // RFC 3339 string → unix micros
  kDateOrDateTime,  // "YYYY-MM-DD" (end of day is the caller's business) or RFC 3339
  kLedgerLines,     // [{account_code, debit, credit}], ≥ 2 lines, Σdebit = Σcredit
  kOrderLines,      // [{product_id, quantity > 0, unit_price ≥ 0}], ≥ 1 line
};

enum class Bound : uint8_t { kNone, kNonNegative, kPositive, kHoursInDay /* (0, 24] */ };

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;
  Bound bound = Bound::kNone;
  std::span<const std::string_view> allowed = {};  // non-empty: the string must be one of these
};

struct TypeSpec {
  EventType type;
  std::string_view name;  // "crm.opportunity.won"
  Domain domain;
  std::span<const FieldSpec> fields;
};

inline constexpr int kMaxPayloadFields = 8;

// nullptr for a name outside the catalog.
const TypeSpec* FindType(std::string_view event_type);
const TypeSpec& GetTypeSpec(EventType type);  // REQUIRES: type != kUnknown, type < kCount
std::span<const TypeSpec> AllTypes();
// Index of `field` in the type's payload table, or -1.
int FieldIndex(EventType type, std::string_view field);

}  // namespace readside::event
