#include "sim/tenant_sim.h"

#include <utility>

namespace readside::sim {
namespace {

enum Action : uint8_t {
  kLead,
  kActivity,
  kContact,
  kContactUpdate,
  kContactDelete,
  kUpsell,
  kOrder,
  kStockAdjust,
  kProduct,
  kTimeLog,
  kNewTask,
  kProject,
  kProjectUpdate,
  kLeave,
  kEmployeeUpdate,
  kHire,
  kTerminate,
  kExpense,
};
// The spontaneous mix; actions that have nothing to act on fall back to an activity.
constexpr uint32_t kActionWeights[] = {25,  200, 45, 40, 10, 10, 45, 10, 6,
                                       240, 45,  5,  3,  10, 6,  8,  4,  12};

enum BootstrapPhase {
  kAccounts,
  kCapital,
  kStaff,
  kCatalog,
  kStockValue,
  kCustomers,
  kProjects,
  kDone
};

}  // namespace

TenantSim::TenantSim(int index, TenantProfile profile, Rng* rng, EventBuilder* builder)
    : ctx_(index, std::move(profile), rng, builder),
      crm_(&ctx_),
      hrm_(&ctx_),
      finance_(&ctx_),
      inventory_(&ctx_),
      projects_(&ctx_) {
  ctx_.crm = &crm_;
  ctx_.hrm = &hrm_;
  ctx_.finance = &finance_;
  ctx_.inventory = &inventory_;
  ctx_.projects = &projects_;
}

uint64_t TenantSim::SlotWeight(int64_t t) const {
  int64_t day = LocalDay(t, ctx_.profile.utc_offset_minutes);
  int64_t hour = LocalTimeOfDay(t, ctx_.profile.utc_offset_minutes) / kMicrosPerHour;
  uint64_t busy;
  if (IsBusinessDay(day)) {
    busy = hour >= 8 && hour < 18 ? 10 : (hour >= 7 && hour < 21 ? 4 : 1);
  } else {
    busy = hour >= 9 && hour < 17 ? 2 : 1;
  }
  return busy * ctx_.profile.volume_weight;
}

void TenantSim::Step(int64_t timestamp, SimEvent* ev) {
  ctx_.now = timestamp;
  ctx_.ev = ev;
  if (!started_) {
    started_ = true;
    ctx_.start = timestamp;
  }
  if (bootstrap_phase_ != kDone && StepBootstrap()) return;
  if (RunDueTask()) return;
  RunSpontaneous();
}

// Go-live: one event per step, phase by phase; returns false once everything is published.
bool TenantSim::StepBootstrap() {
  const TenantProfile& p = ctx_.profile;
  while (bootstrap_phase_ != kDone) {
    int i = bootstrap_step_++;
    switch (bootstrap_phase_) {
      case kAccounts:
        if (i < FinanceSim::AccountCount()) return finance_.CreateAccount(i);
        break;
      case kCapital:
        if (i == 0) {
          Posting capital;
          capital.reason = PostingReason::kOpeningCapital;
          int64_t amount = int64_t{p.target_headcount} * 650000 * 8 + 25000000;
          capital.Debit(kCash, amount);
          capital.Credit(kOwnerEquity, amount);
          return finance_.PostNow(capital);
        }
        break;
      case kStaff:
        if (i < hrm_.initial_headcount()) return hrm_.Hire(i < kDepartmentCount ? i : -1, true);
        break;
      case kCatalog: {  // each product, then its opening stock in every warehouse
        int per_product = 1 + p.warehouses;
        if (i < p.catalog_size * 7 / 10 * per_product) {
          int warehouse = i % per_product - 1;
          if (warehouse < 0) return inventory_.CreateProduct(true);
          return inventory_.ReceiveOpeningStock(inventory_.product_count(), warehouse);
        }
        break;
      }
      case kStockValue:
        if (i == 0) {
          Posting stock;
          stock.reason = PostingReason::kOpeningInventory;
          stock.Debit(kInventoryAsset, inventory_.StockValueCents());
          stock.Credit(kOwnerEquity, inventory_.StockValueCents());
          return finance_.PostNow(stock);
        }
        break;
      case kCustomers:
        if (i < p.initial_customers) {
          if (crm_.CreateContact(true)) return true;
          continue;
        }
        break;
      case kProjects:
        if (i < p.max_active_projects / 2 + 1) {
          if (projects_.CreateInternalProject(true)) return true;
          continue;
        }
        break;
    }
    ++bootstrap_phase_;
    bootstrap_step_ = 0;
  }
  hrm_.StartSchedules();
  finance_.StartSchedules();
  return false;
}

bool TenantSim::RunDueTask() {
  AgendaItem item;
  while (ctx_.agenda.PopDue(ctx_.now, &item)) {
    bool written;
    switch (item.task) {
      case Task::kConvertLeadContact:
      case Task::kCreateOpportunity:
      case Task::kMarkLeadConverted:
      case Task::kAdvanceOpportunity:
      case Task::kLogDealActivity:
        written = crm_.RunTask(item);
        break;
      case Task::kPlanWorkday:
      case Task::kCheckIn:
      case Task::kApproveLeave:
      case Task::kRunPayroll:
      case Task::kTerminate:
        written = hrm_.RunTask(item);
        break;
      case Task::kFulfilOrder:
      case Task::kMoveStock:
      case Task::kCheckReorder:
      case Task::kReceiveStock:
        written = inventory_.RunTask(item);
        break;
      case Task::kCreateClientProject:
      case Task::kCreateProjectTasks:
      case Task::kCompleteTask:
      case Task::kCloseProject:
      case Task::kResumeProject:
        written = projects_.RunTask(item);
        break;
      default:
        written = finance_.RunTask(item);
    }
    if (written) return true;
  }
  return false;
}

bool TenantSim::RunAction(size_t action) {
  switch (action) {
    case kLead:
      return crm_.CreateLead();
    case kActivity:
      return crm_.LogActivity();
    case kContact:
      return crm_.CreateContact(false);
    case kContactUpdate:
      return crm_.UpdateContact();
    case kContactDelete:
      return crm_.DeleteContact();
    case kUpsell:
      return crm_.CreateUpsellOpportunity();
    case kOrder:
      return inventory_.CreateOrder();
    case kStockAdjust:
      return inventory_.AdjustStock();
    case kProduct:
      return inventory_.CreateProduct(false);
    case kTimeLog:
      return projects_.LogTime();
    case kNewTask:
      return projects_.CreateTask();
    case kProject:
      return projects_.CreateInternalProject(false);
    case kProjectUpdate:
      return projects_.UpdateProject();
    case kLeave:
      return hrm_.RequestLeave();
    case kEmployeeUpdate:
      return hrm_.UpdateEmployee();
    case kHire:
      return hrm_.Hire(-1, false);
    case kTerminate:
      return hrm_.TerminateEmployee(false);
    case kExpense:
      return finance_.RecordExpense();
    default:
      return false;
  }
}

void TenantSim::RunSpontaneous() {
  if (RunAction(ctx_.rng.Choose(kActionWeights))) return;
  if (crm_.LogActivity()) return;
  if (crm_.CreateContact(false)) return;
  hrm_.Hire(-1, true);  // always writes
}

}  // namespace readside::sim
