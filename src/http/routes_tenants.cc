// Tenant settings (../shared/spec/api.md "Tenants"): PUT and GET /admin/tenants/{org}, served
// by own_state::TenantSettingsService, which validates a change and stores it as a
// `readside.tenant.configured` event. A change re-buckets the tenant (the projector rebuilds
// it) and the PUT answers once that is applied, so the caller reads its own write.
// GET /tenants/{org}/settings answers the same JSON to any role of the organization
// (../shared/spec/web.md "Quality": clients format numbers in the tenant's currency and zone).
// Also the rebuild routes: POST /admin/rebuild[/{org}], GET /admin/rebuild[/{org}].

#include "common/json_writer.h"
#include "common/time_util.h"
#include "http/routes.h"
#include "search/search_follower.h"
#include "own_state/tenant_settings_service.h"
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

std::string RebuildJson(const projection::RebuildStatus& r) {
  JsonBuilder b;
  b.BeginObject().Key("state").String(r.state).Key("scope").String(r.scope);
  b.Key("target_position").Int(static_cast<int64_t>(r.target_position));
  b.Key("events_read").Int(static_cast<int64_t>(r.events_read));
  b.Key("started_at");
  if (r.started_micros) b.String(FormatRfc3339(r.started_micros)); else b.Null();
  b.Key("finished_at");
  if (r.finished_micros) b.String(FormatRfc3339(r.finished_micros)); else b.Null();
  if (!r.error.empty()) b.Key("error").String(r.error);
  b.EndObject();
  return b.Take();
}

// POST /admin/rebuild (every tenant) and /admin/rebuild/{org}: 202 and the status to poll.
void StartRebuild(const Services& s, Request& req, Responder respond) {
  auto it = req.params.find("org");
  std::string org = it == req.params.end() ? std::string() : it->second;
  if (!org.empty()) {
    if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  } else if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  std::string scope = org.empty() ? "*" : org;
  if (absl::Status st = s.projector->StartRebuild(org); !st.ok()) {
    // One rebuild runs at a time. Which tenant's is running is not this caller's business
    // unless its token covers every tenant.
    bool global = req.principal == nullptr || req.principal->all_organizations;
    return respond(ProblemResponse(
        {.status = 409,
         .title = "Rebuild already running",
         .detail = global ? std::string(st.message())
                          : "another rebuild is running; retry in a few seconds",
         .retry_after_seconds = 5},
        req.path));
  }
  // The search indexes are derived from the same store: rebuilt with the read models (in
  // place, on the search follower's thread; see search_follower.h).
  if (s.search != nullptr) s.search->Rebuild(org);
  projection::RebuildStatus status = s.projector->GetRebuildStatus();
  if (status.scope != scope) status = {.state = "running", .scope = scope};  // ours already ended
  Response r = JsonResponse(RebuildJson(status), 202);
  // Where to poll: a tenant's admin may read only its own tenant's status.
  r.headers.emplace_back("Location", org.empty() ? "/admin/rebuild" : "/admin/rebuild/" + org);
  respond(std::move(r));
}

// GET /admin/rebuild: the latest rebuild, whichever it is (every organization).
void GetRebuild(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  respond(JsonResponse(RebuildJson(s.projector->GetRebuildStatus())));
}

// GET /admin/rebuild/{org}: what a tenant's admin may see of the latest rebuild.
void GetTenantRebuild(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  respond(JsonResponse(RebuildJson(TenantRebuildStatus(s.projector->GetRebuildStatus(), org))));
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
