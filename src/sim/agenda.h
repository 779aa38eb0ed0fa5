// Agenda: one tenant's scheduled follow-ups ("send invoice inv-12 at t", "check in emp-3 at
// 08:52"), popped in (due time, scheduling order) order. Items carry a task code and three
// small operands whose meaning belongs to the domain simulator that owns the task.
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace readside::sim {

enum class Task : uint8_t {
  // CRM
  kConvertLeadContact,  // a = opportunity slot
  kCreateOpportunity,   // a = opportunity slot
  kMarkLeadConverted,   // a = opportunity slot
  kAdvanceOpportunity,  // a = opportunity slot
  kLogDealActivity,     // a = opportunity slot
  // HRM
  kPlanWorkday,
  kCheckIn,       // a = employee, c = planned check-in instant
  kApproveLeave,  // a = leave num, b = employee, c = start day * 1024 + days in halves
  kRunPayroll,    // c = local day of the first day of the month being paid
  kTerminate,     // first (notice-period) termination after go-live
  // Finance
  kCreateInvoice,    // a = pending invoice slot
  kSendInvoice,      // a = invoice slot
  kReceivePayment,   // a = invoice slot, c = amount in cents
  kPost,             // a = posting slot
  kBillRecurring,    // a = contract slot
  kMonthlyExpenses,  // c = local day of the first of the month
  kRepayLoan,        // a = loan slot
  // Inventory
  kFulfilOrder,   // a = order slot
  kMoveStock,     // a = stock move slot
  kCheckReorder,  // a = product
  kReceiveStock,  // a = product, b = warehouse, c = quantity
  // Projects
  kCreateClientProject,  // a = project request slot
  kCreateProjectTasks,   // a = project, b = how many
  kCompleteTask,         // a = project, b = task num
  kCloseProject,         // a = project
  kResumeProject,        // a = project
};

struct AgendaItem {
  int64_t due = 0;
  uint64_t seq = 0;  // scheduling order; breaks ties deterministically
  int64_t c = 0;
  uint32_t a = 0;
  uint32_t b = 0;
  Task task = Task::kPlanWorkday;
};

class Agenda {
 public:
  void Schedule(int64_t due, Task task, uint32_t a = 0, uint32_t b = 0, int64_t c = 0);
  // Pops the earliest item due at or before now into *item. Returns false if none is due.
  bool PopDue(int64_t now, AgendaItem* item);
  size_t size() const { return heap_.size(); }

 private:
  std::vector<AgendaItem> heap_;  // min-heap on (due, seq)
  uint64_t next_seq_ = 0;
};

}  // namespace readside::sim
