// Tenant settings (../shared/spec/api.md "Tenants"): PUT and GET /admin/tenants/{org}, served
// by own_state::TenantSettingsService, which validates a change and stores it as a
// `readside.tenant.configured` event. A change re-buckets the tenant (the projector rebuilds
// it) and the PUT answers once that is applied, so the caller reads its own write.
// GET /tenants/{org}/settings answers the same JSON to any role of the organization
// (../shared/spec/web.md "Quality": clients format numbers in the tenant's currency and zone).
// Also the rebuild routes: POST /admin/rebuild[/{org}], GET /admin/rebuild[/{org}], over the
// projector's rebuild queue (docs/consistency.md "Rebuild queue").

#include <algorithm>

#include "common/json_writer.h"
#include "common/time_util.h"
#include "http/routes.h"
#include "search/search_follower.h"
#include "own_state/tenant_settings_service.h"
#include "projection/consistency.h"
#include "projection/projector.h"

namespace readside::http {
namespace {

std::string SettingsJson(const own_state::TenantSettings& t) {
  JsonBuilder b;
  b.BeginObject().Key("organization_id").String(t.organization_id);
  b.Key("name").String(t.name).Key("timezone").String(t.timezone);
  b.Key("currency").String(t.currency).EndObject();
  return b.Take();
}

std::optional<Problem> CheckOrg(const Services& s, const Request& req, const std::string& org) {
  return CheckOrganization(s, req, Action::kAdmin, org);
}

// GET /admin/tenants/{org} (admin) and GET /tenants/{org}/settings (any role).
void AnswerSettings(const Services& s, Request& req, Responder respond, Action action) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrganization(s, req, action, org)) {
    return respond(ProblemResponse(*problem, req.path));
  }
  own_state::TenantSettingsAt current = s.tenant_settings->Get(org);
  Response r = JsonResponse(SettingsJson(current.settings));
  r.headers.emplace_back("X-Readside-Position", std::to_string(current.position));
  respond(std::move(r));
}

void GetTenant(const Services& s, Request& req, Responder respond) {
  AnswerSettings(s, req, std::move(respond), Action::kAdmin);
}

void GetSettings(const Services& s, Request& req, Responder respond) {
  AnswerSettings(s, req, std::move(respond), Action::kReadSettings);
}

void PutTenant(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  projection::Projector* projector = s.projector;
  std::string path = req.path;
  s.tenant_settings->Put(org, req.body, [=](own_state::TenantSettingsService::PutReply reply) {
    if (const Problem* problem = std::get_if<Problem>(&reply)) {
      return respond(ProblemResponse(*problem, path));
    }
    const own_state::TenantSettingsAt& stored = std::get<own_state::TenantSettingsAt>(reply);
    uint64_t position = stored.position;
    std::string body = SettingsJson(stored.settings);
    // Answer once the tenant is rebuilt with the new settings (read-your-writes). The
    // settings are durable either way; a slow rebuild answers 202.
    projector->WhenApplied(position, std::chrono::seconds(10), [=](bool applied) {
      Response r = JsonResponse(body, applied ? 200 : 202);
      r.headers.emplace_back("X-Readside-Position", std::to_string(position));
      respond(std::move(r));
    });
  });
}

// How far a rebuild is, in percent with one decimal: events read over the events to read;
// 100 once done; a running one stays below 100 (the tail is still to apply).
std::string Percent(const projection::RebuildStatus& r) {
  if (r.state == "done") return "100";
  if (r.events_target == 0) return "0";
  int64_t tenths = static_cast<int64_t>(std::min<uint64_t>(r.events_read, r.events_target) *
                                        1000 / r.events_target);
  if (r.state != "failed") tenths = std::min<int64_t>(tenths, 999);
  return projection::FormatScaled(tenths, 1);
}

// The members of a rebuild's status (docs/consistency.md "Rebuild queue"): these six always
// (an idle status has only them), the error of a failed one, the queue position while
// queued, the progress once started.
void RebuildMembers(JsonBuilder& b, const projection::RebuildStatus& r) {
  b.Key("state").String(r.state).Key("scope").String(r.scope);
  b.Key("target_position").Int(static_cast<int64_t>(r.target_position));
  b.Key("events_read").Int(static_cast<int64_t>(r.events_read));
  b.Key("started_at");
  if (r.started_micros) b.String(FormatRfc3339(r.started_micros)); else b.Null();
  b.Key("finished_at");
  if (r.finished_micros) b.String(FormatRfc3339(r.finished_micros)); else b.Null();
  if (!r.error.empty()) b.Key("error").String(r.error);
  if (r.state == "queued") {
    b.Key("queue_position").Int(static_cast<int64_t>(r.queue_position));
    b.Key("enqueued_at").String(FormatRfc3339(r.enqueued_micros));
  } else if (r.state != "idle") {
    b.Key("events_target").Int(static_cast<int64_t>(r.events_target));
    b.Key("percent").Raw(Percent(r));
  }
}

std::string RebuildJson(const projection::RebuildStatus& r) {
  JsonBuilder b;
  b.BeginObject();
  RebuildMembers(b, r);
  b.EndObject();
  return b.Take();
}

// POST /admin/rebuild (every tenant) and /admin/rebuild/{org}: queues the rebuild (it starts
// at once when none runs) and answers 202 with its status, its place in the queue and where
// to poll. A scope already queued or running is not queued twice.
void StartRebuild(const Services& s, Request& req, Responder respond) {
  auto it = req.params.find("org");
  std::string org = it == req.params.end() ? std::string() : it->second;
  if (!org.empty()) {
    if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  } else if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  absl::StatusOr<projection::RebuildTicket> ticket = s.projector->RequestRebuild(org);
  if (!ticket.ok()) {
    // Which tenants wait is not this caller's business unless its token covers them all.
    bool global = req.principal == nullptr || req.principal->all_organizations;
    bool full = absl::IsResourceExhausted(ticket.status());
    return respond(ProblemResponse(
        {.status = 503,
         .title = full ? "Rebuild queue full" : "Server stopping",
         .detail = global || !full ? std::string(ticket.status().message())
                                   : "the rebuild queue is full; retry later",
         .retry_after_seconds = full ? 30 : 1},
        req.path));
  }
  // The search indexes are derived from the same store: rebuilt with the read models (in
  // place, on the search follower's thread; see search_follower.h). A request joining a
  // queued or running rebuild asked for that already.
  if (s.search != nullptr && !ticket->coalesced) s.search->Rebuild(org);
  JsonBuilder b;
  b.BeginObject();
  RebuildMembers(b, ticket->status);
  b.Key("coalesced").Bool(ticket->coalesced);
  b.EndObject();
  Response r = JsonResponse(b.Take(), 202);
  // Where to poll: a tenant's admin may read only its own tenant's status.
  r.headers.emplace_back("Location", org.empty() ? "/admin/rebuild" : "/admin/rebuild/" + org);
  respond(std::move(r));
}

// GET /admin/rebuild: the latest rebuild (its members at the top, as before the queue), the
// running one, the queue and the status of the rebuild of every tenant (every organization).
void GetRebuild(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  projection::RebuildOverview o = s.projector->GetRebuildOverview();
  JsonBuilder b;
  b.BeginObject();
  RebuildMembers(b, o.latest);
  b.Key("running");
  if (o.running) b.Raw(RebuildJson(*o.running)); else b.Null();
  b.Key("queue").BeginArray();
  for (const projection::RebuildStatus& q : o.queue) {
    b.BeginObject().Key("position").Int(static_cast<int64_t>(q.queue_position));
    b.Key("scope").String(q.scope).Key("enqueued_at").String(FormatRfc3339(q.enqueued_micros));
    b.EndObject();
  }
  b.EndArray().Key("queue_limit").Int(static_cast<int64_t>(o.queue_limit));
  b.Key("every_tenant").Raw(RebuildJson(s.projector->GetRebuildStatus("*")));
  b.EndObject();
  respond(JsonResponse(b.Take()));
}

// GET /admin/rebuild/{org}: what a tenant's admin may see (TenantRebuildView).
void GetTenantRebuild(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  respond(JsonResponse(RebuildJson(TenantRebuildView(s.projector->GetRebuildStatus(org),
                                                     s.projector->GetRebuildStatus("*"), org))));
}

}  // namespace

projection::RebuildStatus TenantRebuildStatus(const projection::RebuildStatus& latest,
                                              const std::string& org) {
  if (latest.scope == org) return latest;
  if (latest.scope != "*") return {.state = "idle", .scope = org};  // another tenant's, or none
  projection::RebuildStatus every = latest;
  if (!every.error.empty()) {
    // The store's errors may name positions of other tenants' events.
    every.error = "the rebuild of every tenant failed; GET /admin/rebuild says why";
  }
  return every;
}

projection::RebuildStatus TenantRebuildView(const projection::RebuildStatus& own,
                                            const projection::RebuildStatus& every,
                                            const std::string& org) {
  if (own.active()) return own;
  auto ended = [](const projection::RebuildStatus& r) {
    return r.state == "done" || r.state == "failed";
  };
  if (every.active() && every.state != "queued") return TenantRebuildStatus(every, org);
  if (ended(own) && (!ended(every) || own.finished_micros >= every.finished_micros)) return own;
  if (every.state != "idle") return TenantRebuildStatus(every, org);
  return {.state = "idle", .scope = org};
}

void AddTenantRoutes(Router* router, const Services& services) {
  router->Add("PUT", "/admin/tenants/{org}", Bind(services, PutTenant));
  router->Add("GET", "/admin/tenants/{org}", Bind(services, GetTenant));
  router->Add("GET", "/tenants/{org}/settings", Bind(services, GetSettings));
  router->Add("POST", "/admin/rebuild", Bind(services, StartRebuild));
  router->Add("POST", "/admin/rebuild/{org}", Bind(services, StartRebuild));
  router->Add("GET", "/admin/rebuild", Bind(services, GetRebuild));
  router->Add("GET", "/admin/rebuild/{org}", Bind(services, GetTenantRebuild));
}

std::unique_ptr<own_state::TenantSettingsService> NewTenantSettingsService(
    store::EventStore* store, projection::Projector* projector, const Clock* clock) {
  return std::make_unique<own_state::TenantSettingsService>(
      store,
      [projector](const std::string& org) {
        projection::Projector::TenantRead read = projector->Read(org);
        return own_state::TenantSettingsAt{read.view->settings, read.position};
      },
      clock);
}

}  // namespace readside::http
