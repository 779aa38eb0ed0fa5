// TenantSim: one simulated company. Owns the tenant's context and its five domain
// simulators, bootstraps the company at go-live (chart of accounts, opening balances,
// initial staff, catalog and stock, customers, projects), and then fills every event slot
// the Generator gives it: first any due follow-up from the agenda, otherwise a spontaneous
// business action drawn from a fixed mix.
//
// Thread-safety: not thread-safe; owned by one Generator.
#pragma once

#include <cstdint>

#include "sim/crm_sim.h"
#include "sim/event_builder.h"
#include "sim/finance_sim.h"
#include "sim/hrm_sim.h"
#include "sim/inventory_sim.h"
#include "sim/projects_sim.h"
#include "sim/rng.h"
#include "sim/tenant_context.h"
#include "sim/tenant_profile.h"

namespace readside::sim {

class TenantSim {
 public:
  TenantSim(int index, TenantProfile profile, Rng* rng, EventBuilder* builder);
  TenantSim(const TenantSim&) = delete;
  TenantSim& operator=(const TenantSim&) = delete;

  // Writes the tenant's next event into *ev with timestamp `timestamp` (ms-aligned, never
  // earlier than the previous step's). Always writes exactly one event.
  void Step(int64_t timestamp, SimEvent* ev);

  // This tenant's relative share of the event slots at instant t: its size times how busy
  // a company is at that local hour (working hours > evenings > nights and weekends).
  uint64_t SlotWeight(int64_t t) const;

 private:
  bool StepBootstrap();
  bool RunDueTask();
  void RunSpontaneous();
  bool RunAction(size_t action);

  TenantContext ctx_;
  CrmSim crm_;
  HrmSim hrm_;
  FinanceSim finance_;
  InventorySim inventory_;
  ProjectsSim projects_;
  bool started_ = false;
  int bootstrap_phase_ = 0;
  int bootstrap_step_ = 0;
};

}  // namespace readside::sim
