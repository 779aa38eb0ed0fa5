// The event catalog of spec/events.md as the simulator sees it: every event type with its
// entity type, action and publishing service, the kinds of entities the simulator creates,
// and how their ids are spelled ("lead-42", "stk-7-wh-east", "payroll-2024-01", ...).
//
// Thread-safety: immutable tables and stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace readside::sim {

enum class EventType : uint8_t {
  kContactCreated,
  kContactUpdated,
  kContactDeleted,
  kLeadCreated,
  kLeadConverted,
  kOpportunityCreated,
  kOpportunityStageChanged,
  kOpportunityWon,
  kOpportunityLost,
  kActivityLogged,
  kEmployeeCreated,
  kEmployeeUpdated,
  kEmployeeTerminated,
  kLeaveRequested,
  kLeaveApproved,
  kAttendanceCheckedIn,
  kPayrollProcessed,
  kInvoiceCreated,
  kInvoiceSent,
  kPaymentReceived,
  kAccountCreated,
  kTransactionPosted,
  kProductCreated,
  kStockUpdated,
  kOrderCreated,
  kOrderFulfilled,
  kReorderTriggered,
  kProjectCreated,
  kProjectUpdated,
  kTaskCreated,
  kTaskCompleted,
  kTimeLogged,
  kCount,
};
inline constexpr int kEventTypeCount = static_cast<int>(EventType::kCount);

enum class EntityKind : uint8_t {
  kContact,
  kLead,
  kOpportunity,
  kActivity,
  kEmployee,
  kLeave,
  kAttendance,
  kPayroll,  // num = year * 100 + month
  kAccount,  // num = account code
  kTransaction,
  kInvoice,
  kPayment,
  kProduct,
  kStock,  // num = product * kMaxWarehouses + warehouse index
  kOrder,
  kReorder,
  kProject,
  kTask,
  kTimeLog,
  kCount,
};
inline constexpr int kEntityKindCount = static_cast<int>(EntityKind::kCount);

inline constexpr int kMaxWarehouses = 4;
inline constexpr std::string_view kWarehouseNames[kMaxWarehouses] = {"wh-east", "wh-west",
                                                                     "wh-central", "wh-north"};

struct EventTypeInfo {
  std::string_view event_type;      // "crm.opportunity.won"
  std::string_view entity_type;     // "opportunity"
  std::string_view action;          // "won"
  std::string_view source_service;  // "erp-crm-service"
  EntityKind entity_kind;           // kind of data.entity_id
};

const EventTypeInfo& InfoOf(EventType type);

// Appends the id of entity (kind, num) without quotes.
void AppendEntityId(EntityKind kind, uint64_t num, std::string* out);

// A process-wide unique key for an entity of one tenant, used to keep one entity's events in
// order and to release the creation of referenced entities first. REQUIRES: num < 2^48.
inline uint64_t EntityKey(int tenant, EntityKind kind, uint64_t num) {
  return (static_cast<uint64_t>(tenant) << 56) | (static_cast<uint64_t>(kind) << 48) | num;
}

}  // namespace readside::sim
