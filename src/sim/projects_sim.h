// ProjectsSim: one tenant's project service. Runs internal projects and client projects for
// won deals (budget_hours, budget_amount, manager), creates and completes their tasks,
// logs employees' time (at most 10 hours a day each, billable on client work), puts
// projects on hold and resumes them, raises budgets, cancels a few, and completes each
// project when its work is done; about 30% of projects overrun their budget_hours.
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/agenda.h"
#include "sim/slot_pool.h"
#include "sim/tenant_context.h"

namespace readside::sim {

class ProjectsSim {
 public:
  explicit ProjectsSim(TenantContext* ctx) : ctx_(*ctx) {}

  // An internal project; spontaneous ones (force == false) only below the active limit.
  bool CreateInternalProject(bool force);
  // A client project for a won deal, created after `delay`.
  // company_seed names the customer's company (see names.h).
  void ScheduleClientProject(uint64_t customer, uint64_t company_seed, int64_t deal_cents,
                             uint64_t flow, int64_t delay);
  bool CreateTask();
  bool LogTime();
  bool UpdateProject();
  bool RunTask(const AgendaItem& item);

  int open_count() const { return static_cast<int>(projects_.size()); }

 private:
  struct OpenTask {
    uint64_t num;
    int32_t estimate_quarters;
    int32_t logged_quarters;
    uint32_t assignee;
    bool completing;
  };
  struct Project {
    uint64_t num = 0;
    uint64_t flow = 0;
    uint64_t name_seed = 0;
    int64_t budget_quarters = 0;
    int64_t logged_quarters = 0;
    int64_t target_quarters = 0;  // work needed before the project completes
    uint32_t manager = 0;
    int year = 0;
    int phase = 1;
    bool client = false;
    bool on_hold = false;
    bool closing = false;
    std::vector<OpenTask> tasks;
  };
  struct ClientRequest {
    uint64_t customer;
    uint64_t company_seed;
    int64_t deal_cents;
    uint64_t flow;
  };

  bool CreateProject(const ClientRequest* client);
  void AppendName(const Project& project, std::string* out) const;
  Project* Find(uint64_t num);
  Project* PickWorkable();
  bool WriteTask(Project& project);
  bool CompleteTask(uint64_t project, uint64_t task);
  bool CloseProject(uint64_t project);
  bool ResumeProject(uint64_t project);

  TenantContext& ctx_;
  std::vector<Project> projects_;  // open projects (active or on hold)
  SlotPool<ClientRequest> client_requests_;
};

}  // namespace readside::sim
