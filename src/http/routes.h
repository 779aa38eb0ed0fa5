#pragma once
// Registers readside's HTTP routes on a Router. Each group lives in its own file
// (routes_events.cc, routes_ops.cc) and reaches the rest of the system only through Services.
// Thread-safety: the handlers are safe for concurrent requests.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "http/auth.h"
#include "http/router.h"
#include "http/upgrade.h"
#include "dashboard/dashboards.h"
#include "live/connection.h"
#include "ingest/ingest_service.h"
#include "render/render.h"
#include "store/event_store.h"
#include "trace/trace.h"

namespace readside::projection { class LagProbe; class Projector; struct RebuildStatus; }
namespace readside::projection { class ConsistencyService; }
namespace readside::own_state { class TenantSettingsService; }

namespace readside::http { class ResponseCache; class RenderPool; class Gate; class StaticFiles; }
namespace readside::schedule { class ReportScheduler; }
namespace readside::dashboard { class DashboardService; }
namespace readside::search { class SearchFollower; }
namespace readside::live { class Hub; class Authorizer; }
namespace readside::auth { class Authenticator; }

namespace readside::http {

// An optional dependency's state: /health/ready reports it as information only (a down
// dependency never makes readside unready: the API does not need it), and /metrics as
// readside_dependency_up{dependency="<name>"}.
struct DependencyState {
  std::string name;   // "redis"
  bool up = false;    // its last call succeeded
  std::string state;  // its circuit breaker: closed | open | half_open
};

struct Services {
  store::EventStore* store = nullptr;
  ingest::IngestService* ingest = nullptr;
  const AccessPolicy* access = nullptr;
  MetricsRegistry* metrics = nullptr;
  projection::Projector* projector = nullptr;
  const projection::LagProbe* lag = nullptr;  // stale answers' stale_seconds; may be null
  const Clock* clock = nullptr;
  ResponseCache* cache = nullptr;  // analytics answers (optional)
  own_state::TenantSettingsService* tenant_settings = nullptr;  // /admin/tenants routes
  schedule::ReportScheduler* scheduler = nullptr;  // report schedules (optional)
  dashboard::DashboardService* dashboards = nullptr;  // dashboard changes (optional: 503)
  // Report exports render here (null: on the calling thread, for tests of other routes).
  RenderPool* render_pool = nullptr;
  render::RenderLimits render_limits;  // the table rows one export may hold
  // The per-tenant search indexes (/search routes answer 503 without; /admin/rebuild also
  // rebuilds them).
  search::SearchFollower* search = nullptr;
  // Live updates (routes_live.cc); null: the WebSocket endpoints answer 503.
  live::Hub* live = nullptr;
  // The web app's files (routes_web.cc); null: its paths answer the "not built" page.
  const StaticFiles* web = nullptr;
  // Kafka's consumer when Kafka is on (health, min_offsets); null: off.
  ingest::ExternalSource* kafka = nullptr;
  // Optional dependencies (the Redis sink) for /health/ready and /metrics; null: none.
  std::function<std::vector<DependencyState>()> dependencies;
  // POST /admin/backup: writes a backup, answers its JSON description (path, position).
  std::function<absl::StatusOr<std::string>()> backup;
  // Consistency checks and reconciliations (routes_consistency.cc); null: they answer 503.
  projection::ConsistencyService* consistency = nullptr;
};

// Adapts a route function taking the services to a Router handler.
using ServiceHandler = void (*)(const Services&, Request&, Responder);
inline Handler Bind(const Services& services, ServiceHandler handler) {
  return [services, handler](Request& req, Responder respond) {
    handler(services, req, std::move(respond));
  };
}

// The checks every route about one organization starts with: the access policy, then the
// {org} path parameter's syntax (400 naming it). nullopt: go on.
std::optional<Problem> CheckOrganization(const Services& s, const Request& req, Action action,
                                         const std::string& org);

void AddEventRoutes(Router* router, const Services& services);
void AddOpsRoutes(Router* router, const Services& services);
void AddAdminRoutes(Router* router, const Services& services);
void AddAnalyticsRoutes(Router* router, const Services& services);
void AddTenantRoutes(Router* router, const Services& services);
void AddReportRoutes(Router* router, const Services& services);
void AddDashboardRoutes(Router* router, const Services& services);
void AddSearchRoutes(Router* router, const Services& services);  // routes_search.cc
// POST/GET /admin/consistency/{org}, GET /admin/consistency, POST /admin/reconcile/{org}
// (routes_consistency.cc, docs/consistency.md).
void AddConsistencyRoutes(Router* router, const Services& services);
// GET on the WebSocket paths without an upgrade: 426 (routes_live.cc).
void AddLiveRoutes(Router* router, const Services& services);
// The web app: GET /, /assets/{file} and the fallback for other paths outside the API
// (routes_web.cc, static_files.h).
void AddWebRoutes(Router* router, const Services& services);

// The live endpoints' WebSocket handshakes (routes_live.cc, docs/live.md): the server's
// ServerOptions::upgrade is [endpoints](Request& r) { return LiveUpgrade(*endpoints, r); }.
struct LiveEndpoints {
  // `gate` (may be null): its per-token request budget applies to handshakes and messages.
  LiveEndpoints(const Services& s, const auth::Authenticator* authenticator, const Gate* gate,
                std::vector<std::string> allowed_origins, live::ConnectionOptions options);
  Services services;
  std::shared_ptr<const live::Authorizer> authorizer;
  std::vector<std::string> allowed_origins;  // --cors-origins ("*": any)
  live::ConnectionOptions connection;
};
Upgrade LiveUpgrade(const LiveEndpoints& endpoints, Request& req);

// The dashboard caller of an authenticated request: subject, roles, admin, readable domains.
dashboard::Caller DashboardCallerOf(const Services& s, const Request& req);

// What GET /admin/rebuild/{org} shows an admin of `org` of the latest rebuild (`latest`): a
// rebuild of `org`, or of every tenant ("*"), as it is, except that a failed rebuild of every
// tenant gives its error only at GET /admin/rebuild; another tenant's rebuild, or none, reads
// as state "idle" with scope `org` and nothing else (no other organization, no positions).
projection::RebuildStatus TenantRebuildStatus(const projection::RebuildStatus& latest,
                                              const std::string& org);
// What GET /admin/rebuild/{org} shows with the rebuild queue (docs/consistency.md): the
// tenant's own rebuild (`own`: Projector::GetRebuildStatus(org)) while it is queued or runs;
// else a rebuild of every tenant (`every`) that runs; else the later-ended of the two (the
// one of every tenant as TenantRebuildStatus shows it); else idle.
projection::RebuildStatus TenantRebuildView(const projection::RebuildStatus& own,
                                            const projection::RebuildStatus& every,
                                            const std::string& org);

// The service behind the /admin/tenants routes, reading the settings in force from the
// projector's published views (for Services::tenant_settings).
std::unique_ptr<own_state::TenantSettingsService> NewTenantSettingsService(
    store::EventStore* store, projection::Projector* projector, const Clock* clock);

}  // namespace readside::http
