#include "sim/event_catalog.h"

#include "sim/json_writer.h"

namespace readside::sim {
namespace {

constexpr std::string_view kCrm = "erp-crm-service";
constexpr std::string_view kHrm = "erp-hrm-service";
constexpr std::string_view kFinance = "erp-finance-service";
constexpr std::string_view kInventory = "erp-inventory-service";
constexpr std::string_view kProjects = "erp-project-service";

constexpr EventTypeInfo kInfos[kEventTypeCount] = {
    {"crm.contact.created", "contact", "created", kCrm, EntityKind::kContact},
    {"crm.contact.updated", "contact", "updated", kCrm, EntityKind::kContact},
    {"crm.contact.deleted", "contact", "deleted", kCrm, EntityKind::kContact},
    {"crm.lead.created", "lead", "created", kCrm, EntityKind::kLead},
    {"crm.lead.converted", "lead", "converted", kCrm, EntityKind::kLead},
    {"crm.opportunity.created", "opportunity", "created", kCrm, EntityKind::kOpportunity},
    {"crm.opportunity.stage_changed", "opportunity", "stage_changed", kCrm,
     EntityKind::kOpportunity},
    {"crm.opportunity.won", "opportunity", "won", kCrm, EntityKind::kOpportunity},
    {"crm.opportunity.lost", "opportunity", "lost", kCrm, EntityKind::kOpportunity},
    {"crm.activity.logged", "activity", "logged", kCrm, EntityKind::kActivity},
    {"hrm.employee.created", "employee", "created", kHrm, EntityKind::kEmployee},
    {"hrm.employee.updated", "employee", "updated", kHrm, EntityKind::kEmployee},
    {"hrm.employee.terminated", "employee", "terminated", kHrm, EntityKind::kEmployee},
    {"hrm.leave.requested", "leave", "requested", kHrm, EntityKind::kLeave},
    {"hrm.leave.approved", "leave", "approved", kHrm, EntityKind::kLeave},
    {"hrm.attendance.checked_in", "attendance", "checked_in", kHrm, EntityKind::kAttendance},
    {"hrm.payroll.processed", "payroll", "processed", kHrm, EntityKind::kPayroll},
    {"finance.invoice.created", "invoice", "created", kFinance, EntityKind::kInvoice},
    {"finance.invoice.sent", "invoice", "sent", kFinance, EntityKind::kInvoice},
    {"finance.payment.received", "payment", "received", kFinance, EntityKind::kPayment},
    {"finance.account.created", "account", "created", kFinance, EntityKind::kAccount},
    {"finance.transaction.posted", "transaction", "posted", kFinance, EntityKind::kTransaction},
    {"inventory.product.created", "product", "created", kInventory, EntityKind::kProduct},
    {"inventory.stock.updated", "stock", "updated", kInventory, EntityKind::kStock},
    {"inventory.order.created", "order", "created", kInventory, EntityKind::kOrder},
    {"inventory.order.fulfilled", "order", "fulfilled", kInventory, EntityKind::kOrder},
    {"inventory.reorder.triggered", "reorder", "triggered", kInventory, EntityKind::kReorder},
    {"project.created", "project", "created", kProjects, EntityKind::kProject},
    {"project.updated", "project", "updated", kProjects, EntityKind::kProject},
    {"project.task.created", "task", "created", kProjects, EntityKind::kTask},
    {"project.task.completed", "task", "completed", kProjects, EntityKind::kTask},
    {"project.time.logged", "time", "logged", kProjects, EntityKind::kTimeLog},
};

constexpr std::string_view kPrefixes[kEntityKindCount] = {
    "con-", "lead-", "opp-",  "act-", "emp-", "leave-", "att-",  "payroll-", "acct-", "txn-",
    "inv-", "pay-",  "prod-", "stk-", "ord-", "ro-",    "proj-", "task-",    "tlog-",
};

void AppendPadded2(int64_t v, std::string* out) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

const EventTypeInfo& InfoOf(EventType type) { return kInfos[static_cast<int>(type)]; }

void AppendEntityId(EntityKind kind, uint64_t num, std::string* out) {
  out->append(kPrefixes[static_cast<int>(kind)]);
  switch (kind) {
    case EntityKind::kPayroll:
      AppendInt(static_cast<int64_t>(num / 100), out);
      out->push_back('-');
      AppendPadded2(static_cast<int64_t>(num % 100), out);
      return;
    case EntityKind::kStock:
      AppendInt(static_cast<int64_t>(num / kMaxWarehouses), out);
      out->push_back('-');
      out->append(kWarehouseNames[num % kMaxWarehouses]);
      return;
    default:
      AppendInt(static_cast<int64_t>(num), out);
  }
}

}  // namespace readside::sim
