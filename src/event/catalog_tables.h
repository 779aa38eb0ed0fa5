#pragma once
// The catalog's tables (catalog.h) as constexpr data, so that code reading payload values by
// field index can check at compile time that each index names the intended field:
//
//   constexpr int kOppAmount = 1;
//   static_assert(event::FieldIndexOf(E::kCrmOpportunityCreated, "amount") == kOppAmount);
//
// catalog.cc serves these same tables at run time (FindType, GetTypeSpec, FieldIndex).
// Thread-safety: immutable tables, safe everywhere.

#include <iterator>
#include <string_view>

#include "event/catalog.h"

namespace readside::event {
namespace catalog_data {

using K = FieldKind;
using B = Bound;
inline constexpr bool kReq = true, kOpt = false;

inline constexpr std::string_view kAccountTypes[] = {"asset", "liability", "equity", "revenue",
                                                     "expense"};
inline constexpr std::string_view kProjectStatuses[] = {"active", "on_hold", "completed",
                                                        "cancelled"};

inline constexpr FieldSpec kContactCreated[] = {{"name", K::kString, kReq},
                                                {"email", K::kString, kOpt},
                                                {"company", K::kString, kOpt},
                                                {"owner_id", K::kString, kOpt}};
inline constexpr FieldSpec kContactUpdated[] = {{"name", K::kString, kOpt},
                                                {"email", K::kString, kOpt},
                                                {"company", K::kString, kOpt},
                                                {"owner_id", K::kString, kOpt}};
inline constexpr FieldSpec kLeadCreated[] = {{"source", K::kString, kReq},
                                             {"owner_id", K::kString, kReq},
                                             {"name", K::kString, kOpt},
                                             {"estimated_value", K::kMoney, kOpt}};
inline constexpr FieldSpec kLeadConverted[] = {{"owner_id", K::kString, kOpt},
                                               {"opportunity_id", K::kString, kOpt}};
inline constexpr FieldSpec kOppCreated[] = {{"stage", K::kString, kReq},
                                            {"amount", K::kMoney, kReq, B::kNonNegative},
                                            {"owner_id", K::kString, kReq},
                                            {"name", K::kString, kOpt},
                                            {"lead_id", K::kString, kOpt}};
inline constexpr FieldSpec kOppStageChanged[] = {{"stage", K::kString, kReq},
                                                 {"amount", K::kMoney, kOpt, B::kNonNegative}};
inline constexpr FieldSpec kOppWon[] = {{"amount", K::kMoney, kOpt, B::kNonNegative},
                                        {"owner_id", K::kString, kOpt}};
inline constexpr FieldSpec kOppLost[] = {{"reason", K::kString, kOpt}};
inline constexpr FieldSpec kActivityLogged[] = {{"activity_type", K::kString, kReq},
                                                {"owner_id", K::kString, kReq},
                                                {"contact_id", K::kString, kOpt}};
inline constexpr FieldSpec kEmployeeCreated[] = {{"name", K::kString, kReq},
                                                 {"department", K::kString, kReq},
                                                 {"role", K::kString, kReq},
                                                 {"employment_type", K::kString, kOpt}};
inline constexpr FieldSpec kEmployeeUpdated[] = {
    {"name", K::kString, kOpt}, {"department", K::kString, kOpt}, {"role", K::kString, kOpt}};
inline constexpr FieldSpec kEmployeeTerminated[] = {{"reason", K::kString, kOpt}};
inline constexpr FieldSpec kLeaveRequested[] = {{"employee_id", K::kString, kReq},
                                                {"leave_type", K::kString, kReq},
                                                {"days", K::kNumber, kReq, B::kPositive}};
inline constexpr FieldSpec kLeaveApproved[] = {{"employee_id", K::kString, kOpt}};
inline constexpr FieldSpec kCheckedIn[] = {{"employee_id", K::kString, kReq},
                                           {"scheduled_start", K::kDateTime, kReq},
                                           {"checked_in_at", K::kDateTime, kReq}};
inline constexpr FieldSpec kPayroll[] = {{"gross_total", K::kMoney, kReq, B::kNonNegative},
                                         {"net_total", K::kMoney, kReq, B::kNonNegative},
                                         {"employee_count", K::kInteger, kReq, B::kNonNegative},
                                         {"pay_period", K::kString, kOpt}};
inline constexpr FieldSpec kInvoiceCreated[] = {{"customer_id", K::kString, kReq},
                                                {"amount", K::kMoney, kReq, B::kPositive},
                                                {"due_date", K::kDateOrDateTime, kReq},
                                                {"recurring", K::kBool, kOpt}};
inline constexpr FieldSpec kPaymentReceived[] = {{"invoice_id", K::kString, kReq},
                                                 {"amount", K::kMoney, kReq, B::kPositive}};
inline constexpr FieldSpec kAccountCreated[] = {{"code", K::kString, kReq},
                                                {"name", K::kString, kReq},
                                                {"type", K::kString, kReq, B::kNone, kAccountTypes},
                                                {"subtype", K::kString, kOpt}};
inline constexpr FieldSpec kTransactionPosted[] = {{"lines", K::kLedgerLines, kReq},
                                                   {"description", K::kString, kOpt}};
inline constexpr FieldSpec kProductCreated[] = {
    {"sku", K::kString, kReq},
    {"name", K::kString, kReq},
    {"category", K::kString, kReq},
    {"unit_cost", K::kMoney, kReq, B::kNonNegative},
    {"unit_price", K::kMoney, kReq, B::kNonNegative},
    {"reorder_point", K::kInteger, kReq, B::kNonNegative}};
inline constexpr FieldSpec kStockUpdated[] = {{"product_id", K::kString, kReq},
                                              {"warehouse_id", K::kString, kReq},
                                              {"quantity_delta", K::kInteger, kReq},
                                              {"reason", K::kString, kReq}};
inline constexpr FieldSpec kOrderCreated[] = {{"lines", K::kOrderLines, kReq},
                                              {"customer_id", K::kString, kOpt}};
inline constexpr FieldSpec kReorderTriggered[] = {
    {"product_id", K::kString, kReq},
    {"quantity_on_hand", K::kInteger, kReq},
    {"reorder_point", K::kInteger, kReq},
    {"reorder_quantity", K::kInteger, kReq, B::kPositive}};
inline constexpr FieldSpec kProjectCreatedF[] = {
    {"name", K::kString, kReq},
    {"budget_hours", K::kNumber, kOpt, B::kNonNegative},
    {"budget_amount", K::kMoney, kOpt, B::kNonNegative},
    {"manager_id", K::kString, kOpt}};
inline constexpr FieldSpec kProjectUpdatedF[] = {
    {"status", K::kString, kOpt, B::kNone, kProjectStatuses},
    {"name", K::kString, kOpt},
    {"budget_hours", K::kNumber, kOpt, B::kNonNegative}};
inline constexpr FieldSpec kTaskCreated[] = {{"project_id", K::kString, kReq},
                                             {"estimate_hours", K::kNumber, kOpt, B::kNonNegative},
                                             {"assignee_id", K::kString, kOpt},
                                             {"name", K::kString, kOpt}};
inline constexpr FieldSpec kTaskCompleted[] = {{"project_id", K::kString, kOpt}};
inline constexpr FieldSpec kTimeLogged[] = {{"project_id", K::kString, kReq},
                                            {"employee_id", K::kString, kReq},
                                            {"hours", K::kNumber, kReq, B::kHoursInDay},
                                            {"billable", K::kBool, kReq},
                                            {"task_id", K::kString, kOpt}};

using E = EventType;
using D = Domain;
inline constexpr TypeSpec kTypes[] = {
    {E::kCrmContactCreated, "crm.contact.created", D::kCrm, kContactCreated},
    {E::kCrmContactUpdated, "crm.contact.updated", D::kCrm, kContactUpdated},
    {E::kCrmContactDeleted, "crm.contact.deleted", D::kCrm, {}},
    {E::kCrmLeadCreated, "crm.lead.created", D::kCrm, kLeadCreated},
    {E::kCrmLeadConverted, "crm.lead.converted", D::kCrm, kLeadConverted},
    {E::kCrmOpportunityCreated, "crm.opportunity.created", D::kCrm, kOppCreated},
    {E::kCrmOpportunityStageChanged, "crm.opportunity.stage_changed", D::kCrm, kOppStageChanged},
    {E::kCrmOpportunityWon, "crm.opportunity.won", D::kCrm, kOppWon},
    {E::kCrmOpportunityLost, "crm.opportunity.lost", D::kCrm, kOppLost},
    {E::kCrmActivityLogged, "crm.activity.logged", D::kCrm, kActivityLogged},
    {E::kHrmEmployeeCreated, "hrm.employee.created", D::kHrm, kEmployeeCreated},
    {E::kHrmEmployeeUpdated, "hrm.employee.updated", D::kHrm, kEmployeeUpdated},
    {E::kHrmEmployeeTerminated, "hrm.employee.terminated", D::kHrm, kEmployeeTerminated},
    {E::kHrmLeaveRequested, "hrm.leave.requested", D::kHrm, kLeaveRequested},
    {E::kHrmLeaveApproved, "hrm.leave.approved", D::kHrm, kLeaveApproved},
    {E::kHrmAttendanceCheckedIn, "hrm.attendance.checked_in", D::kHrm, kCheckedIn},
    {E::kHrmPayrollProcessed, "hrm.payroll.processed", D::kHrm, kPayroll},
    {E::kFinanceInvoiceCreated, "finance.invoice.created", D::kFinance, kInvoiceCreated},
    {E::kFinanceInvoiceSent, "finance.invoice.sent", D::kFinance, {}},
    {E::kFinancePaymentReceived, "finance.payment.received", D::kFinance, kPaymentReceived},
    {E::kFinanceAccountCreated, "finance.account.created", D::kFinance, kAccountCreated},
    {E::kFinanceTransactionPosted, "finance.transaction.posted", D::kFinance, kTransactionPosted},
    {E::kInventoryProductCreated, "inventory.product.created", D::kInventory, kProductCreated},
    {E::kInventoryStockUpdated, "inventory.stock.updated", D::kInventory, kStockUpdated},
    {E::kInventoryOrderCreated, "inventory.order.created", D::kInventory, kOrderCreated},
    {E::kInventoryOrderFulfilled, "inventory.order.fulfilled", D::kInventory, {}},
    {E::kInventoryReorderTriggered, "inventory.reorder.triggered", D::kInventory,
     kReorderTriggered},
    {E::kProjectCreated, "project.created", D::kProjects, kProjectCreatedF},
    {E::kProjectUpdated, "project.updated", D::kProjects, kProjectUpdatedF},
    {E::kProjectTaskCreated, "project.task.created", D::kProjects, kTaskCreated},
    {E::kProjectTaskCompleted, "project.task.completed", D::kProjects, kTaskCompleted},
    {E::kProjectTimeLogged, "project.time.logged", D::kProjects, kTimeLogged},
};
static_assert(std::size(kTypes) == static_cast<size_t>(EventType::kCount) - 1);

constexpr bool TablesAreConsistent() {
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    if (static_cast<size_t>(kTypes[i].type) != i + 1) return false;
    if (kTypes[i].fields.size() > kMaxPayloadFields) return false;
  }
  return true;
}
static_assert(TablesAreConsistent(), "kTypes must list EventType values in order");

}  // namespace catalog_data

// Index of `field` in the payload table of `type`, or -1 (also for kUnknown and kCount).
// The compile-time twin of FieldIndex().
constexpr int FieldIndexOf(EventType type, std::string_view field) {
  if (type == EventType::kUnknown || type >= EventType::kCount) return -1;
  const TypeSpec& spec = catalog_data::kTypes[static_cast<size_t>(type) - 1];
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (spec.fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace readside::event
