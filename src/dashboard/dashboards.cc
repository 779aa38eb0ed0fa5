#include "dashboard/dashboards.h"

#include <pthread.h>

#include <algorithm>

#include "common/crash_point.h"
#include "common/time_util.h"
#include "dashboard/widget_rules.h"
#include "event/uuid.h"
#include "projection/projector.h"
#include "query/widget_data.h"
#include "store/event_store.h"

namespace readside::dashboard {
namespace {

using own_state::Dashboard;
using own_state::Widget;

constexpr auto kApplyTimeout = std::chrono::seconds(30);

void WriteTime(JsonBuilder& j, std::string_view key, int64_t micros) {
  j.Key(key);
  if (micros == 0) {
    j.Null();
  } else {
    j.String(FormatRfc3339(micros));
  }
}

}  // namespace

std::optional<std::string> WriteCachedData(const Widget& w, const projection::TenantView& view,
                                           int64_t now_micros, JsonBuilder& j) {
  auto resolved = ResolveWidget(w, view.calendar, now_micros);
  if (const Problem* p = std::get_if<Problem>(&resolved)) {
    j.Null();
    return p->detail;
  }
  ResolvedWidget& r = std::get<ResolvedWidget>(resolved);
  query::WriteWidgetData({.view = view,
                          .type = w.type,
                          .metric = r.metric,
                          .period = r.period,
                          .series = std::move(r.series),
                          .limit = w.query.limit,
                          .as_of_micros = now_micros},
                         j);
  return std::nullopt;
}

namespace {

void WriteWidget(const Widget& w, std::string_view dashboard_id, const RenderContext& c,
                 JsonBuilder& j) {
  j.BeginObject().Key("widget_id").String(w.id).Key("dashboard_id").String(dashboard_id);
  j.Key("organization_id").String(c.view.settings.organization_id);
  j.Key("widget_type").String(w.type).Key("title").String(w.title);
  j.Key("data_source").String(w.data_source);
  j.Key("query_params").BeginObject().Key("metric").String(w.query.metric);
  if (!w.query.period.empty()) j.Key("period").String(w.query.period);
  if (!w.query.from.empty()) j.Key("from").String(w.query.from);
  if (!w.query.to.empty()) j.Key("to").String(w.query.to);
  if (!w.query.granularity.empty()) j.Key("granularity").String(w.query.granularity);
  if (w.query.limit != 0) j.Key("limit").Int(w.query.limit);
  j.EndObject().Key("refresh_interval").Int(w.refresh_interval);
  if (!w.chart_type.empty()) j.Key("chart_type").String(w.chart_type);
  j.Key("grid").BeginObject().Key("x").Int(w.grid.x).Key("y").Int(w.grid.y);
  j.Key("w").Int(w.grid.w).Key("h").Int(w.grid.h).EndObject();
  WriteTime(j, "created_at", w.created_at_micros);
  WriteTime(j, "updated_at", w.updated_at_micros);
  j.Key("version").Int(w.version);
  j.Key("position").Int(static_cast<int64_t>(c.position));
  j.Key("as_of").String(FormatRfc3339(c.now_micros));
  if ((WidgetSources(w) & ~c.readable) != 0) {
    j.Key("forbidden").Bool(true).Key("cached_data").Null().Key("cache_expires").Null();
    j.EndObject();
    return;
  }
  j.Key("cached_data");
  if (std::optional<std::string> error = WriteCachedData(w, c.view, c.now_micros, j)) {
    // A stored widget whose parameters no longer resolve (never one this server accepted).
    j.Key("cache_expires").Null().Key("error").String(*error);
    j.EndObject();
    return;
  }
  WriteTime(j, "cache_expires", c.now_micros + int64_t{w.refresh_interval} * 1'000'000);
  j.EndObject();
}

// Equal but for the version and the times.
bool SameWidget(const Widget& a, const Widget& b) {
  return a.id == b.id && a.type == b.type && a.title == b.title && a.data_source == b.data_source &&
         a.query == b.query && a.refresh_interval == b.refresh_interval &&
         a.chart_type == b.chart_type && a.grid == b.grid;
}

bool Contains(const std::vector<std::string>& sorted, std::string_view v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

}  // namespace

std::string OwnDashboardId(std::string_view subject) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "u-";
  for (unsigned char c : subject) {
    id += kHex[c >> 4];
    id += kHex[c & 15];
  }
  return id;
}

Dashboard DefaultDashboard(const projection::DashboardBook& book, std::string_view org) {
  if (const Dashboard* d = book.Find(own_state::kDefaultDashboardId)) return *d;
  Dashboard d;
  d.id = own_state::kDefaultDashboardId;
  d.organization_id = org;
  const Template& t = *FindTemplate("executive");
  d.name = t.title;
  d.widgets = t.widgets;
  return d;
}

Dashboard CallersDashboard(const projection::DashboardBook& book, std::string_view org,
                           const Caller& caller) {
  if (!caller.subject.empty()) {
    if (const Dashboard* own = book.Find(OwnDashboardId(caller.subject))) return *own;
  }
  return DefaultDashboard(book, org);
}

bool MayRead(const Dashboard& d, const Caller& caller) {
  if (d.id == own_state::kDefaultDashboardId || caller.admin) return true;
  if (!caller.subject.empty() && d.owner == caller.subject) return true;
  if (!caller.subject.empty() && Contains(d.shared_users, caller.subject)) return true;
  for (const std::string& role : caller.roles) {
    if (Contains(d.shared_roles, role)) return true;
  }
  return false;
}

bool MayChange(const Dashboard& d, const Caller& caller) {
  if (caller.admin) return true;
  if (d.id == own_state::kDefaultDashboardId) return false;
  return !caller.subject.empty() && d.owner == caller.subject;
}

std::string DashboardJson(const Dashboard& d, const RenderContext& c) {
  JsonBuilder j;
  j.str().reserve(512 + 700 * d.widgets.size());
  j.BeginObject().Key("dashboard_id").String(d.id);
  j.Key("organization_id").String(c.view.settings.organization_id);
  j.Key("name").String(d.name).Key("owner");
  if (d.owner.empty()) {
    j.Null();
  } else {
    j.String(d.owner);
  }
  j.Key("shared_with").BeginObject().Key("users").BeginArray();
  for (const std::string& u : d.shared_users) j.String(u);
  j.EndArray().Key("roles").BeginArray();
  for (const std::string& r : d.shared_roles) j.String(r);
  j.EndArray().EndObject();
  j.Key("version").Int(d.version);
  WriteTime(j, "created_at", d.created_at_micros);
  WriteTime(j, "updated_at", d.updated_at_micros);
  j.Key("position").Int(static_cast<int64_t>(c.position));
  j.Key("as_of").String(FormatRfc3339(c.now_micros));
  j.Key("widgets").BeginArray();
  for (const Widget& w : d.widgets) WriteWidget(w, d.id, c, j);
  j.EndArray().EndObject();
  return j.Take();
}

std::string WidgetJson(const Widget& w, std::string_view dashboard_id, const RenderContext& c) {
  JsonBuilder j;
  WriteWidget(w, dashboard_id, c, j);
  return j.Take();
}

struct DashboardService::Attempt {
  std::string org;
  Caller caller;
  std::string id;  // empty: the caller's own
  ChangeFn change;
  bool deleting = false;
  bool creating = false;
  int64_t expected_version = -1;  // deletions: If-Match
  std::function<void(Reply)> done;
  int tries = 0;
  bool caught_up = false;  // the read models held every event stored when it began
};

DashboardService::DashboardService(store::EventStore* store, projection::Projector* projector,
                                   const Clock* clock)
    : store_(store), projector_(projector), clock_(clock), worker_([this] { Work(); }) {}

void DashboardService::Change(const std::string& org, const Caller& caller,
                              std::string dashboard_id, ChangeFn change,
                              std::function<void(Reply)> done) {
  auto a = std::make_shared<Attempt>(Attempt{org, caller, std::move(dashboard_id)});
  a->change = std::move(change);
  a->done = std::move(done);
  Run(std::move(a));
}

void DashboardService::Create(const std::string& org, const Caller& caller,
                              std::string dashboard_id, ChangeFn change,
                              std::function<void(Reply)> done) {
  auto a = std::make_shared<Attempt>(Attempt{org, caller, std::move(dashboard_id)});
  a->creating = true;
  a->change = std::move(change);
  a->done = std::move(done);
  Run(std::move(a));
}

void DashboardService::Delete(const std::string& org, const Caller& caller,
                              std::string dashboard_id, int64_t expected_version,
                              std::function<void(Reply)> done) {
  auto a = std::make_shared<Attempt>(Attempt{org, caller, std::move(dashboard_id)});
  a->deleting = true;
  a->expected_version = expected_version;
  a->done = std::move(done);
  Run(std::move(a));
}

void DashboardService::Run(std::shared_ptr<Attempt> a) {
  // A change is judged against the dashboards as stored: first the read models apply what the
  // store held when the change came (after a start they may not have loaded yet, and an
  // existing widget would look missing). Nothing is written meanwhile.
  if (!a->caught_up) {
    a->caught_up = true;
    uint64_t stored = store_->LastPosition();
    if (projector_->AppliedPosition() < stored) {
      projector_->WhenApplied(stored, kApplyTimeout, [this, a, stored](bool ok) {
        Post([this, a, stored, ok] {
          if (ok) return Run(a);
          a->done(Problem{.status = 503,
                          .title = "Read models catching up",
                          .detail = "the read models have not yet applied position " +
                                    std::to_string(stored) +
                                    ", where the dashboards stood when the change came; nothing "
                                    "was changed",
                          .retry_after_seconds = 1});
        });
      });
      return;
    }
  }
  projection::Projector::TenantRead read = projector_->Read(a->org);
  const projection::DashboardBook& book = *read.view->dashboards;
  const Caller& caller = a->caller;
  if ((a->id.empty() || a->creating) && caller.subject.empty()) {
    return a->done(Problem{.status = 403, .title = "Forbidden",
                           .detail = "the token has no subject (sub): it cannot own a dashboard"});
  }
  if ((a->id.empty() || a->creating) && caller.subject.size() > kMaxSubjectBytes) {
    return a->done(Problem{.status = 403, .title = "Forbidden",
                           .detail = "the token's subject is too long to own a dashboard"});
  }
  std::string own = caller.subject.empty() ? std::string() : OwnDashboardId(caller.subject);
  std::string id = a->id.empty() ? own : a->id;
  Dashboard current;
  const bool stored = book.Find(id) != nullptr;
  if (const Dashboard* d = book.Find(id)) {
    current = *d;
  } else if (a->creating) {
    size_t owned = 0;
    for (const auto& [other_id, d] : book.dashboards) owned += d->owner == caller.subject;
    if (owned >= kMaxOwned) {
      return a->done(Problem{.status = 422, .title = "Too many dashboards",
                             .detail = "you own " + std::to_string(owned) +
                                       " dashboards, the most one user may own"});
    }
    current.id = id;
    current.organization_id = a->org;
    current.owner = caller.subject;
  } else if (id == own_state::kDefaultDashboardId) {
    current = DefaultDashboard(book, a->org);
  } else if (!own.empty() && id == own) {
    current = DefaultDashboard(book, a->org);  // the first change copies the default
    current.id = own;
    current.owner = caller.subject;
    current.name = "My dashboard";
    current.shared_users.clear();
    current.shared_roles.clear();
    current.deleted_widgets.clear();
    current.created_at_micros = 0;
    current.version = 0;
  } else {
    return a->done(Problem{.status = 404, .title = "Not found",
                           .detail = "no dashboard '" + id + "' in this organization"});
  }
  if (!MayChange(current, caller)) {
    std::string why = !MayRead(current, caller)
                          ? "dashboard '" + id + "' is not yours"
                          : id == own_state::kDefaultDashboardId
                                ? "only an admin changes the organization's default dashboard"
                                : "dashboard '" + id +
                                      "' is shared with you read-only: only its owner or an "
                                      "admin changes it";
    return a->done(Problem{.status = 403, .title = "Forbidden", .detail = why});
  }
  int64_t now = clock_->NowMicros();
  store::EventToStore e{.organization_id = a->org,
                        .event_id = event::NewUuid(),
                        .event_id_assigned = true,
                        .entity_id = id,
                        .timestamp_micros = now};
  std::shared_ptr<Dashboard> saved;  // what the event sets (versions filled in once applied)
  if (a->deleting) {
    if (a->expected_version >= 0 && a->expected_version != current.version) {
      return a->done(Problem{.status = 412, .title = "Precondition failed",
                             .detail = "dashboard '" + id + "' is at version " +
                                       std::to_string(current.version) + ", not " +
                                       std::to_string(a->expected_version)});
    }
    if (!stored) {  // nothing stored: it already is what deleting leaves
      return a->done(Done{read.view, read.position, nullptr});
    }
    e.event_type = std::string(own_state::kDashboardDeletedType);
    e.json = own_state::EncodeDashboardDeleted(a->org, id, current.version, e.event_id, now);
  } else {
    Dashboard before = current;
    auto changed = a->change(std::move(current), *read.view);
    if (Problem* p = std::get_if<Problem>(&changed)) return a->done(*std::move(p));
    saved = std::make_shared<Dashboard>(std::get<Dashboard>(std::move(changed)));
    Dashboard& next = *saved;
    next.id = id;
    next.organization_id = a->org;
    next.version = 0;  // the projection sets the event's position
    next.created_at_micros = before.created_at_micros != 0 ? before.created_at_micros : now;
    next.updated_at_micros = now;
    // The widgets this change touches get the event's position as their version (0 here).
    for (Widget& w : next.widgets) {
      const Widget* old = before.FindWidget(w.id);
      if (old != nullptr && SameWidget(*old, w)) {
        w.version = old->version;
        w.created_at_micros = old->created_at_micros;
        w.updated_at_micros = old->updated_at_micros;
        continue;
      }
      w.version = 0;
      w.created_at_micros = old != nullptr && old->created_at_micros != 0 ? old->created_at_micros
                                                                          : now;
      w.updated_at_micros = now;
    }
    e.event_type = std::string(own_state::kDashboardSavedType);
    e.json = own_state::EncodeDashboardSaved(next, before.version, e.event_id, now);
  }
  store::AppendRequest append;
  append.events.push_back(std::move(e));
  auto appended = [this, a, saved](absl::StatusOr<std::vector<store::AppendOutcome>> outcomes) {
    if (!outcomes.ok()) return a->done(store::AppendFailureProblem(outcomes.status()));
    READSIDE_CRASH_POINT("dashboard.change.after_append");
    uint64_t position = outcomes->front().position;
    // Runs on the applier (or, when already applied, this store writer) thread: hand on.
    projector_->WhenApplied(position, kApplyTimeout, [this, a, saved, position](bool ok) {
      Post([this, a, saved, position, ok] { Finish(a, saved, position, ok); });
    });
  };
  READSIDE_CRASH_POINT("dashboard.change.before_append");
  if (appender_) {
    appender_(std::move(append), std::move(appended));
  } else {
    store_->AppendAsync(std::move(append), std::move(appended));
  }
}

void DashboardService::Finish(const std::shared_ptr<Attempt>& a,
                              const std::shared_ptr<Dashboard>& saved, uint64_t position,
                              bool applied) {
  std::string id = saved ? saved->id : a->id;
  if (!applied) {
    return a->done(Problem{
        .status = 503,
        .title = "Change not applied yet",
        .detail = "the change is stored at position " + std::to_string(position) +
                  " but the read models have not applied it yet; it takes effect unless a "
                  "concurrent change came first (read with min_position=" +
                  std::to_string(position) + ")",
        .retry_after_seconds = 1});
  }
  projection::Projector::TenantRead after = projector_->Read(a->org);
  std::optional<bool> outcome = after.view->dashboards->OutcomeAt(position);
  if (outcome.value_or(false)) {
    if (saved) {  // as the projection stored it
      saved->version = static_cast<int64_t>(position);
      for (Widget& w : saved->widgets) {
        if (w.version == 0) w.version = saved->version;
      }
    }
    return a->done(Done{after.view, after.position, saved});
  }
  if (!outcome.has_value()) {  // too many dashboard changes since: unknown, say so
    return a->done(Problem{.status = 409, .title = "Conflict",
                           .detail = "the outcome of the change at position " +
                                     std::to_string(position) +
                                     " is no longer known; read the dashboard again"});
  }
  if (++a->tries < kAttempts) return Run(a);  // a concurrent change came first: on the new state
  a->done(Problem{.status = 409, .title = "Conflict",
                  .detail = "the dashboard kept changing concurrently; read it again and retry"});
}

void DashboardService::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void DashboardService::Work() {
  pthread_setname_np(pthread_self(), "rs-dashboards");
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and every task ran
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

DashboardService::~DashboardService() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

}  // namespace readside::dashboard
