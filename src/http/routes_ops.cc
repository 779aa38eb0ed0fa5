// Operational routes: health, Prometheus metrics, the OpenAPI document.

#include "common/json_writer.h"
#include "http/openapi.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "projection/projector.h"

namespace readside::http {
namespace {

std::string HealthBody(std::string_view status, uint64_t applied, uint64_t stored) {
  JsonBuilder b;
  b.BeginObject().Key("status").String(status);
  b.Key("applied_position").Int(static_cast<int64_t>(applied));
  b.Key("stored_position").Int(static_cast<int64_t>(stored)).EndObject();
  return b.Take();
}

}  // namespace

void AddOpsRoutes(Router* router, const Services& s) {
  router->Add("GET", "/health/live", [s](Request&, Responder respond) {
    uint64_t stored = s.store->LastPosition();
    respond(JsonResponse(HealthBody("live", s.projector->AppliedPosition(), stored)));
  });
  router->Add("GET", "/health/ready", [s](Request&, Responder respond) {
    // Stored position first: a commit between the two reads can only make us look behind.
    uint64_t stored = s.store->LastPosition();
    uint64_t applied = s.projector->AppliedPosition();
    bool ready = s.projector->Ready();
    Response r = JsonResponse(HealthBody(ready ? "ready" : "catching_up", applied, stored),
                              ready ? 200 : 503);
    if (!ready) r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  });
  router->Add("GET", "/metrics", [s](Request& req, Responder respond) {
    // Public by default (Prometheus scrapes it; no tenant appears in it). When the Gate asks
    // for a token here (--metrics-public=false), it is an operator's: admin for every tenant.
    if (req.principal) {
      if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
        return respond(ProblemResponse(*denied, req.path));
      }
    }
    std::string text = s.metrics->Render();
    RenderGauge("readside_store_position", "position of the last durable event",
                static_cast<double>(s.store->LastPosition()), &text);
    RenderGauge("readside_applied_position", "position the read models have applied",
                static_cast<double>(s.projector->AppliedPosition()), &text);
    RenderGauge("readside_projection_events_applied", "events applied since start",
                static_cast<double>(s.projector->EventsApplied()), &text);
    if (s.cache) {
      RenderGauge("readside_response_cache_hits", "analytics answers served from the cache",
                  static_cast<double>(s.cache->hits()), &text);
      RenderGauge("readside_response_cache_misses", "analytics answers computed",
                  static_cast<double>(s.cache->misses()), &text);
    }
    respond(Response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}});
  });
  router->Add("GET", "/openapi.json", [](Request&, Responder respond) {
    respond(JsonResponse(std::string(OpenApiDocument())));
  });
}

}  // namespace readside::http
