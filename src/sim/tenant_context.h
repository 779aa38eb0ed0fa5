// TenantContext: what the five domain simulators of one tenant share: the tenant's profile,
// the random source, the event being produced by the current step, the agenda of
// follow-ups, id counters, and pointers to the sibling domain simulators (a won deal asks
// finance for an invoice, payroll asks finance for a ledger posting, ...).
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstdint>
#include <utility>

#include "sim/agenda.h"
#include "sim/event_builder.h"
#include "sim/event_catalog.h"
#include "sim/rng.h"
#include "sim/sim_time.h"
#include "sim/tenant_profile.h"

namespace readside::sim {

class CrmSim;
class HrmSim;
class FinanceSim;
class InventorySim;
class ProjectsSim;

struct TenantContext {
  TenantContext(int tenant_index, TenantProfile tenant_profile, Rng* random,
                EventBuilder* event_builder)
      : index(tenant_index),
        profile(std::move(tenant_profile)),
        rng(*random),
        builder(*event_builder),
        start(0) {}

  // Starts event `type` about entity_num at the current step's time (see EventBuilder).
  JsonWriter& Begin(EventType type, uint64_t entity_num, uint64_t flow = 0) {
    return builder.Begin(ev, index, type, entity_num, now, flow);
  }
  void End(int64_t user_employee) { builder.End(user_employee); }

  uint64_t NewId(EntityKind kind) { return ++next_id[static_cast<int>(kind)]; }
  // A fresh non-zero id for a business flow (rendered as correlation_id).
  uint64_t NewFlow() { return rng.Next() | 1; }

  // Schedules a follow-up `delay` after now.
  void After(int64_t delay, Task task, uint32_t a = 0, uint32_t b = 0, int64_t c = 0) {
    agenda.Schedule(now + delay, task, a, b, c);
  }
  // A short delay: the next step of the same business moment (5 s .. 3 min).
  int64_t Moments() { return rng.Between(5, 180) * kMicrosPerSecond; }

  int64_t local_day() const { return LocalDay(now, profile.utc_offset_minutes); }
  int64_t local_time_of_day() const { return LocalTimeOfDay(now, profile.utc_offset_minutes); }
  int64_t LocalInstant(int64_t day, int64_t micros_of_day) const {
    return InstantOfLocal(day, micros_of_day, profile.utc_offset_minutes);
  }
  // True on Monday-Friday between 07:00 and 20:00 local time.
  bool InWorkingHours() const {
    int64_t tod = local_time_of_day();
    return IsBusinessDay(local_day()) && tod >= 7 * kMicrosPerHour && tod < 20 * kMicrosPerHour;
  }

  const int index;
  const TenantProfile profile;
  Rng& rng;
  EventBuilder& builder;
  Agenda agenda;
  int64_t start;           // go-live instant (first step)
  int64_t now = 0;         // the current step's event timestamp (whole milliseconds)
  SimEvent* ev = nullptr;  // where the current step writes its event
  uint64_t next_id[kEntityKindCount] = {};

  CrmSim* crm = nullptr;
  HrmSim* hrm = nullptr;
  FinanceSim* finance = nullptr;
  InventorySim* inventory = nullptr;
  ProjectsSim* projects = nullptr;
};

}  // namespace readside::sim
