// Tenant settings (../shared/spec/api.md "Tenants"): PUT and GET /admin/tenants/{org}.
// Settings are stored as `readside.tenant.configured` events holding the complete settings,
// so a replay rebuilds them; a change re-buckets the tenant (the projector rebuilds it) and
// the PUT answers once that is applied, so the caller reads its own write.

#include <boost/json.hpp>

#include "common/currency.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "event/parser.h"
#include "http/routes.h"
#include "projection/projector.h"
#include "projection/tenant_projection.h"

namespace readside::http {
namespace {

Problem BadField(std::string_view field, std::string_view message) {
  Problem p{.status = 400, .title = "Invalid tenant settings"};
  p.detail = std::string(field) + " " + std::string(message);
  p.errors.push_back({std::string(field), std::string(message)});
  return p;
}

std::string SettingsJson(const projection::TenantSettings& t) {
  JsonBuilder b;
  b.BeginObject().Key("organization_id").String(t.organization_id);
  b.Key("name").String(t.name).Key("timezone").String(t.timezone);
  b.Key("currency").String(t.currency).EndObject();
  return b.Take();
}

// Applies the PUT body onto `settings`; a Problem names the first bad field.
std::optional<Problem> MergeSettings(std::string_view body, projection::TenantSettings* settings) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return BadField("body", "must be a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (key != "timezone" && key != "currency" && key != "name") {
      return BadField(key, "is not a tenant setting (timezone, currency, name)");
    }
    if (!value.is_string()) return BadField(key, "must be a string");
    std::string text(value.as_string());
    if (key == "timezone") {
      if (!projection::LocalCalendar::Create(text).ok()) {
        return BadField("timezone", "must be an IANA time zone such as Europe/Berlin");
      }
      settings->timezone = text;
    } else if (key == "currency") {
      if (!IsIso4217Currency(text)) {
        return BadField("currency", "must be an ISO 4217 code such as EUR");
      }
      settings->currency = text;
    } else {
      if (text.size() > 200) return BadField("name", "must be at most 200 characters");
      settings->name = text;
    }
  }
  return std::nullopt;
}

store::EventToStore SettingsEvent(const projection::TenantSettings& t, int64_t now) {
  store::EventToStore e{.organization_id = t.organization_id,
                        .event_id = event::NewUuid(),
                        .event_id_assigned = true,
                        .entity_id = t.organization_id,
                        .event_type = std::string(projection::kTenantConfiguredType),
                        .timestamp_micros = now};
  JsonBuilder b;
  b.BeginObject().Key("event_id").String(e.event_id);
  b.Key("event_type").String(e.event_type).Key("organization_id").String(t.organization_id);
  b.Key("timestamp").String(FormatRfc3339(now)).Key("version").String("1.0");
  b.Key("source_service").String("readside").Key("data").BeginObject();
  b.Key("entity_id").String(t.organization_id).Key("entity_type").String("tenant");
  b.Key("action").String("configured").Key("payload").BeginObject();
  b.Key("name").String(t.name).Key("timezone").String(t.timezone);
  b.Key("currency").String(t.currency).EndObject().EndObject().EndObject();
  e.json = b.Take();
  return e;
}

std::optional<Problem> CheckOrg(const Services& s, const Request& req, const std::string& org) {
  return CheckOrganization(s, req, Action::kAdmin, org);
}

void GetTenant(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  projection::Projector::TenantRead read = s.projector->Read(org);
  Response r = JsonResponse(SettingsJson(read.view->settings));
  r.headers.emplace_back("X-Readside-Position", std::to_string(read.position));
  respond(std::move(r));
}

void PutTenant(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrg(s, req, org)) return respond(ProblemResponse(*problem, req.path));
  projection::TenantSettings settings = s.projector->Read(org).view->settings;
  if (auto problem = MergeSettings(req.body, &settings)) {
    return respond(ProblemResponse(*problem, req.path));
  }
  store::AppendRequest append;
  append.events.push_back(SettingsEvent(settings, s.clock->NowMicros()));
  projection::Projector* projector = s.projector;
  std::string path = req.path, body = SettingsJson(settings);
  s.store->AppendAsync(std::move(append), [=](absl::StatusOr<std::vector<store::AppendOutcome>>
                                                  outcomes) {
    if (!outcomes.ok()) {
      return respond(ProblemResponse({.status = 503, .title = "Event store unavailable",
                                      .detail = std::string(outcomes.status().message()),
                                      .retry_after_seconds = 1},
                                     path));
    }
    uint64_t position = outcomes->front().position;
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
  projection::RebuildStatus status = s.projector->GetRebuildStatus();
  if (status.scope != scope) status = {.state = "running", .scope = scope};  // ours already ended
  Response r = JsonResponse(RebuildJson(status), 202);
  r.headers.emplace_back("Location", "/admin/rebuild");
  respond(std::move(r));
}

void GetRebuild(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  respond(JsonResponse(RebuildJson(s.projector->GetRebuildStatus())));
}

}  // namespace

void AddTenantRoutes(Router* router, const Services& services) {
  router->Add("PUT", "/admin/tenants/{org}", Bind(services, PutTenant));
  router->Add("GET", "/admin/tenants/{org}", Bind(services, GetTenant));
  router->Add("POST", "/admin/rebuild", Bind(services, StartRebuild));
  router->Add("POST", "/admin/rebuild/{org}", Bind(services, StartRebuild));
  router->Add("GET", "/admin/rebuild", Bind(services, GetRebuild));
}

}  // namespace readside::http
