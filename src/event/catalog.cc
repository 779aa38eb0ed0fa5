#include "event/catalog.h"

#include <array>
#include <cassert>

namespace readside::event {
namespace {

using K = FieldKind;
using B = Bound;
constexpr bool kReq = true, kOpt = false;

constexpr std::string_view kAccountTypes[] = {"asset", "liability", "equity", "revenue", "expense"};
constexpr std::string_view kProjectStatuses[] = {"active", "on_hold", "completed", "cancelled"};

constexpr FieldSpec kContactCreated[] = {{"name", K::kString, kReq},
                                         {"email", K::kString, kOpt},
                                         {"company", K::kString, kOpt},
                                         {"owner_id", K::kString, kOpt}};
constexpr FieldSpec kContactUpdated[] = {{"name", K::kString, kOpt},
                                         {"email", K::kString, kOpt},
                                         {"company", K::kString, kOpt},
                                         {"owner_id", K::kString, kOpt}};
constexpr FieldSpec kLeadCreated[] = {{"source", K::kString, kReq},
                                      {"owner_id", K::kString, kReq},
                                      {"name", K::kString, kOpt},
                                      {"estimated_value", K::kMoney, kOpt}};
constexpr FieldSpec kLeadConverted[] = {{"owner_id", K::kString, kOpt},
                                        {"opportunity_id", K::kString, kOpt}};
constexpr FieldSpec kOppCreated[] = {{"stage", K::kString, kReq},
                                     {"amount", K::kMoney, kReq, B::kNonNegative},
                                     {"owner_id", K::kString, kReq},
                                     {"name", K::kString, kOpt},
                                     {"lead_id", K::kString, kOpt}};
constexpr FieldSpec kOppStageChanged[] = {{"stage", K::kString, kReq},
                                          {"amount", K::kMoney, kOpt, B::kNonNegative}};
constexpr FieldSpec kOppWon[] = {{"amount", K::kMoney, kOpt, B::kNonNegative},
                                 {"owner_id", K::kString, kOpt}};
constexpr FieldSpec kOppLost[] = {{"reason", K::kString, kOpt}};
constexpr FieldSpec kActivityLogged[] = {{"activity_type", K::kString, kReq},
                                         {"owner_id", K::kString, kReq},
                                         {"contact_id", K::kString, kOpt}};
constexpr FieldSpec kEmployeeCreated[] = {{"name", K::kString, kReq},
                                          {"department", K::kString, kReq},
                                          {"role", K::kString, kReq},
                                          {"employment_type", K::kString, kOpt}};
constexpr FieldSpec kEmployeeUpdated[] = {
    {"name", K::kString, kOpt}, {"department", K::kString, kOpt}, {"role", K::kString, kOpt}};
constexpr FieldSpec kEmployeeTerminated[] = {{"reason", K::kString, kOpt}};
constexpr FieldSpec kLeaveRequested[] = {{"employee_id", K::kString, kReq},
                                         {"leave_type", K::kString, kReq},
                                         {"days", K::kNumber, kReq, B::kPositive}};
constexpr FieldSpec kLeaveApproved[] = {{"employee_id", K::kString, kOpt}};
constexpr FieldSpec kCheckedIn[] = {{"employee_id", K::kString, kReq},
                                    {"scheduled_start", K::kDateTime, kReq},
                                    {"checked_in_at", K::kDateTime, kReq}};
constexpr FieldSpec kPayroll[] = {{"gross_total", K::kMoney, kReq, B::kNonNegative},
                                  {"net_total", K::kMoney, kReq, B::kNonNegative},
                                  {"employee_count", K::kInteger, kReq, B::kNonNegative},
                                  {"pay_period", K::kString, kOpt}};
constexpr FieldSpec kInvoiceCreated[] = {{"customer_id", K::kString, kReq},
                                         {"amount", K::kMoney, kReq, B::kPositive},
                                         {"due_date", K::kDateOrDateTime, kReq},
                                         {"recurring", K::kBool, kOpt}};
constexpr FieldSpec kPaymentReceived[] = {{"invoice_id", K::kString, kReq},
                                          {"amount", K::kMoney, kReq, B::kPositive}};
constexpr FieldSpec kAccountCreated[] = {{"code", K::kString, kReq},
                                         {"name", K::kString, kReq},
                                         {"type", K::kString, kReq, B::kNone, kAccountTypes},
                                         {"subtype", K::kString, kOpt}};
constexpr FieldSpec kTransactionPosted[] = {{"lines", K::kLedgerLines, kReq},
                                            {"description", K::kString, kOpt}};
constexpr FieldSpec kProductCreated[] = {{"sku", K::kString, kReq},
                                         {"name", K::kString, kReq},
                                         {"category", K::kString, kReq},
                                         {"unit_cost", K::kMoney, kReq, B::kNonNegative},
                                         {"unit_price", K::kMoney, kReq, B::kNonNegative},
                                         {"reorder_point", K::kInteger, kReq, B::kNonNegative}};
constexpr FieldSpec kStockUpdated[] = {{"product_id", K::kString, kReq},
                                       {"warehouse_id", K::kString, kReq},
                                       {"quantity_delta", K::kInteger, kReq},
                                       {"reason", K::kString, kReq}};
constexpr FieldSpec kOrderCreated[] = {{"lines", K::kOrderLines, kReq},
                                       {"customer_id", K::kString, kOpt}};
constexpr FieldSpec kReorderTriggered[] = {{"product_id", K::kString, kReq},
                                           {"quantity_on_hand", K::kInteger, kReq},
                                           {"reorder_point", K::kInteger, kReq},
                                           {"reorder_quantity", K::kInteger, kReq, B::kPositive}};
constexpr FieldSpec kProjectCreatedF[] = {{"name", K::kString, kReq},
                                          {"budget_hours", K::kNumber, kOpt, B::kNonNegative},
                                          {"budget_amount", K::kMoney, kOpt, B::kNonNegative},
                                          {"manager_id", K::kString, kOpt}};
constexpr FieldSpec kProjectUpdatedF[] = {{"status", K::kString, kOpt, B::kNone, kProjectStatuses},
                                          {"name", K::kString, kOpt},
                                          {"budget_hours", K::kNumber, kOpt, B::kNonNegative}};
constexpr FieldSpec kTaskCreated[] = {{"project_id", K::kString, kReq},
                                      {"estimate_hours", K::kNumber, kOpt, B::kNonNegative},
                                      {"assignee_id", K::kString, kOpt},
                                      {"name", K::kString, kOpt}};
constexpr FieldSpec kTaskCompleted[] = {{"project_id", K::kString, kOpt}};
constexpr FieldSpec kTimeLogged[] = {{"project_id", K::kString, kReq},
                                     {"employee_id", K::kString, kReq},
                                     {"hours", K::kNumber, kReq, B::kHoursInDay},
                                     {"billable", K::kBool, kReq},
                                     {"task_id", K::kString, kOpt}};

using E = EventType;
using D = Domain;
constexpr TypeSpec kTypes[] = {
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

}  // namespace

std::string_view DomainName(Domain d) {
  switch (d) {
    case Domain::kCrm:
      return "crm";
    case Domain::kHrm:
      return "hrm";
    case Domain::kFinance:
      return "finance";
    case Domain::kInventory:
      return "inventory";
    case Domain::kProjects:
      return "projects";
    case Domain::kNone:
      return "none";
  }
  return "none";
}

const TypeSpec* FindType(std::string_view name) {
  // 32 entries: a linear scan over short strings beats hashing here, and the first byte
  // prunes most candidates.
  for (const TypeSpec& t : kTypes) {
    if (t.name.size() == name.size() && t.name == name) return &t;
  }
  return nullptr;
}

const TypeSpec& GetTypeSpec(EventType type) {
  assert(type != EventType::kUnknown && type < EventType::kCount);
  return kTypes[static_cast<size_t>(type) - 1];
}

std::span<const TypeSpec> AllTypes() { return kTypes; }

int FieldIndex(EventType type, std::string_view field) {
  const TypeSpec& spec = GetTypeSpec(type);
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (spec.fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace readside::event
