#pragma once
// Dashboards (../shared/spec/dashboards.md "Widgets and dashboards"): who sees and changes
// which dashboard, their JSON with each widget's cached_data, and the service storing
// changes as readside.dashboard.* events.
//
// Dashboards of an organization:
//  - "default": the organization's default, everyone's until they change their own; until
//    an admin changes it, it is the executive template (version 0, nothing stored).
//  - "u-<hex of the token subject>": a user's own dashboard, created from the default (same
//    widget ids, so a layout saved over the default applies) on the user's first change.
//  - any other id (a UUID): made from a template, owned by its creator.
// Reading: the owner, an admin, the users and roles it is shared with (the default: every
// member of the organization). Changing: the owner or an admin (the default: an admin).
// Thread-safety: functions are pure; DashboardService is safe for concurrent calls.

#include "store/event_store.h"
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/json_writer.h"
#include "common/problem.h"
#include "own_state/dashboard.h"
#include "projection/tenant_view.h"
#include "query/section.h"

namespace readside::store { class EventStore; }
namespace readside::projection { class Projector; }

namespace readside::dashboard {

struct Caller {
  std::string subject;             // the token's `sub` ("" when absent)
  std::vector<std::string> roles;  // sorted
  bool admin = false;
  query::DomainMask readable = 0;  // the domains whose data the caller sees
};

// The id of the caller's own dashboard ("u-" + the subject in hex).
std::string OwnDashboardId(std::string_view subject);
inline constexpr size_t kMaxSubjectBytes = 200;

// The organization's default dashboard: the stored one, else the executive template.
own_state::Dashboard DefaultDashboard(const projection::DashboardBook& book, std::string_view org);
// What GET /dashboards/{org} shows the caller: their own dashboard, else the default.
own_state::Dashboard CallersDashboard(const projection::DashboardBook& book, std::string_view org,
                                      const Caller& caller);
bool MayRead(const own_state::Dashboard& d, const Caller& caller);
bool MayChange(const own_state::Dashboard& d, const Caller& caller);

// The JSON of a dashboard as the caller sees it: {dashboard_id, organization_id, name, owner,
// shared_with: {users, roles}, version, created_at, updated_at, position, as_of, widgets}.
// Each widget carries cached_data computed from `view` at `now_micros` (and cache_expires),
// or "forbidden": true and no data when it reads a domain the caller lacks.
struct RenderContext {
  const projection::TenantView& view;
  uint64_t position;
  int64_t now_micros;
  query::DomainMask readable;
};
std::string DashboardJson(const own_state::Dashboard& d, const RenderContext& c);
// Writes a widget's cached_data from `view` at `now_micros` (what DashboardJson shows), or
// null and returns why when its stored parameters no longer resolve. The caller checks that
// the viewer may see the widget's domains (widget_rules.h WidgetSources).
std::optional<std::string> WriteCachedData(const own_state::Widget& w,
                                           const projection::TenantView& view, int64_t now_micros,
                                           JsonBuilder& j);
std::string WidgetJson(const own_state::Widget& w, std::string_view dashboard_id,
                       const RenderContext& c);

class DashboardService {
 public:
  // Where changes are written (store::Appender); unset: the store. Set before serving.
  void SetAppender(store::Appender appender) { appender_ = std::move(appender); }
  DashboardService(store::EventStore* store, projection::Projector* projector,
                   const Clock* clock = &SystemClock::Get());
  ~DashboardService();  // runs what is queued, then stops the worker

  // After a change took effect: a view holding it (at `position`, which may hold later changes
  // too) and the dashboard as the change left it, with its versions (null after a deletion).
  struct Done {
    std::shared_ptr<const projection::TenantView> view;
    uint64_t position = 0;
    std::shared_ptr<const own_state::Dashboard> dashboard;
  };
  using Reply = std::variant<Done, Problem>;
  // Computes the changed dashboard from the current one (a copy), or a Problem. It may run
  // more than once: when a concurrent change of the same dashboard took effect first, it is
  // run again on the new state (up to kAttempts times), so it must re-check any If-Match.
  using ChangeFn = std::function<std::variant<own_state::Dashboard, Problem>(
      own_state::Dashboard current, const projection::TenantView& view)>;
  static constexpr int kAttempts = 4;

  // Changes dashboard `dashboard_id` of `org` (empty: the caller's own, created from the
  // default on the first change) for `caller`: 404 when it does not exist, 403 when the
  // caller may not change it, the change's Problem, 503 when the store fails, 409 when it lost
  // to concurrent changes kAttempts times; otherwise, once the change is applied, the view.
  // The change is judged once the read models hold what the store held when it came (after
  // a start they may still be loading); 503 with Retry-After when that takes over 30 s.
  // `done` runs once, on the calling thread or the service's worker thread (`rs-dashboards`,
  // which also re-runs lost changes), never on the store's or the applier's threads.
  void Change(const std::string& org, const Caller& caller, std::string dashboard_id,
              ChangeFn change, std::function<void(Reply)> done);
  // Creates dashboard `dashboard_id` (a new UUID) owned by the caller: `change` fills the
  // empty dashboard. 422 when the caller owns kMaxOwned dashboards already.
  void Create(const std::string& org, const Caller& caller, std::string dashboard_id,
              ChangeFn change, std::function<void(Reply)> done);
  static constexpr size_t kMaxOwned = 100;
  // Deletes a dashboard (the own one: back to the default; the default: back to the
  // template). `expected_version` ≥ 0 is an If-Match (412 when it differs).
  void Delete(const std::string& org, const Caller& caller, std::string dashboard_id,
              int64_t expected_version, std::function<void(Reply)> done);

 private:
  struct Attempt;
  void Run(std::shared_ptr<Attempt> a);
  // After the event at `position` was applied (or the wait ended): answers, or retries.
  void Finish(const std::shared_ptr<Attempt>& a, const std::shared_ptr<own_state::Dashboard>& saved,
              uint64_t position, bool applied);
  void Post(std::function<void()> task);  // onto the worker
  void Work();

  store::EventStore* store_;
  store::Appender appender_;
  projection::Projector* projector_;
  const Clock* clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  std::thread worker_;                       // last: starts after the members above
};

}  // namespace readside::dashboard
