// Operational routes: health, Prometheus metrics, the OpenAPI document.

#include "common/json_writer.h"
#include "http/docs_page.h"
#include "http/openapi.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "projection/projector.h"
#include "search/search_follower.h"

namespace readside::http {
namespace {

// `writable`: the store's write status (OK, or why appends are refused). `search`: the
// search follower, whose position is reported (search_position) but does not decide
// readiness: search lags the read models by design and says so in X-Readside-Position.
std::string HealthBody(std::string_view status, uint64_t applied, uint64_t stored,
                       const absl::Status& writable, const search::SearchFollower* search,
                       const ingest::ExternalSource* kafka,
                       const std::vector<DependencyState>& dependencies = {}) {
  JsonBuilder b;
  b.BeginObject().Key("status").String(status);
  b.Key("applied_position").Int(static_cast<int64_t>(applied));
  b.Key("stored_position").Int(static_cast<int64_t>(stored));
  if (search != nullptr) b.Key("search_position").Int(static_cast<int64_t>(search->Position()));
  b.Key("writable").Bool(writable.ok());
  if (!writable.ok()) b.Key("reason").String(std::string(writable.message()));
  if (kafka != nullptr) b.Key("kafka").Raw(kafka->HealthJson());
  if (!dependencies.empty()) {
    b.Key("dependencies").BeginObject();
    for (const DependencyState& d : dependencies) {
      b.Key(d.name).BeginObject().Key("up").Bool(d.up).Key("breaker").String(d.state).EndObject();
    }
    b.EndObject();
  }
  b.EndObject();
  return b.Take();
}

// readside_dependency_up: one family for every optional dependency, whoever owns it.
void RenderDependencies(const std::vector<DependencyState>& dependencies, std::string* out) {
  if (dependencies.empty()) return;
  out->append(
      "# HELP readside_dependency_up whether the dependency's last call succeeded (1) or not "
      "(0)\n# TYPE readside_dependency_up gauge\n");
  for (const DependencyState& d : dependencies) {
    out->append("readside_dependency_up{dependency=\"" + d.name + "\"} " + (d.up ? "1" : "0") +
                "\n");
  }
  out->append(
      "# HELP readside_dependency_breaker_state the circuit breaker in front of the dependency: "
      "1 for its current state (closed, open, half_open; fatal: stopped until a restart)\n"
      "# TYPE readside_dependency_breaker_state gauge\n");
  for (const DependencyState& d : dependencies) {
    for (std::string_view state : {"closed", "open", "half_open", "fatal"}) {
      out->append("readside_dependency_breaker_state{dependency=\"" + d.name + "\",state=\"" +
                  std::string(state) + "\"} " + (d.state == state ? "1" : "0") + "\n");
    }
  }
}

}  // namespace

void AddOpsRoutes(Router* router, const Services& s) {
  router->Add("GET", "/health/live", [s](Request&, Responder respond) {
    uint64_t stored = s.store->LastPosition();
    respond(JsonResponse(
        HealthBody("live", s.projector->AppliedPosition(), stored, s.store->WriteStatus(),
                   s.search, s.kafka)));
  });
  router->Add("GET", "/health/ready", [s](Request&, Responder respond) {
    // Stored position first: a commit between the two reads can only make us look behind.
    uint64_t stored = s.store->LastPosition();
    uint64_t applied = s.projector->AppliedPosition();
    // With Kafka on, a node is ready once it also caught up with its partitions after start
    // (then it stays ready while Kafka is away, serving what it holds; "kafka" says so).
    bool ready = s.projector->Ready() && (s.kafka == nullptr || s.kafka->CaughtUp());
    // Readiness is about reads (api.md): a store that refuses appends (a full disk) still
    // serves every read, so the answer stays 200 and says why ingest is refused.
    absl::Status writable = s.store->WriteStatus();
    std::string_view status = !ready ? "catching_up" : writable.ok() ? "ready" : "read_only";
    // Optional dependencies are information: they never decide readiness.
    std::vector<DependencyState> dependencies;
    if (s.dependencies) dependencies = s.dependencies();
    Response r = JsonResponse(
        HealthBody(status, applied, stored, writable, s.search, s.kafka, dependencies),
        ready ? 200 : 503);
    if (!ready) r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  });
  router->Add("GET", "/metrics", [s](Request& req, Responder respond) {
    // Public by default (Prometheus scrapes it; no tenant data in it, only the organization ids
    // of the few worst-lagging tenants; deploy/nginx does not offer it at the edge). When the
    // Gate asks for a token here (--metrics-public=false), it is an operator's: admin for
    // every tenant.
    if (req.principal) {
      if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
        return respond(ProblemResponse(*denied, req.path));
      }
    }
    std::string text = s.metrics->Render();
    if (s.dependencies) RenderDependencies(s.dependencies(), &text);
    respond(Response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}});
  });
  router->Add("GET", "/openapi.json", [](Request&, Responder respond) {
    respond(JsonResponse(std::string(OpenApiDocument())));
  });
  router->Add("GET", "/docs", [](Request&, Responder respond) {
    static const std::string page = RenderDocsPage(OpenApiDocument());
    Response r{200, "text/html; charset=utf-8", page, {}};
    r.headers.emplace_back("Content-Security-Policy", std::string(kDocsPagePolicy));
    respond(std::move(r));
  });
}

}  // namespace readside::http
