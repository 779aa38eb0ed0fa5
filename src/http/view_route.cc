// Serving a read of one organization's published view (view_route.h).
#include "http/view_route.h"

#include <algorithm>
#include <memory>

#include "http/analytics_params.h"
#include "projection/projector.h"
#include "query/metric_table.h"

namespace readside::http {

Response Attach(Response r, uint64_t position) {
  r.headers.emplace_back("X-Readside-Position", std::to_string(position));
  return r;
}

Response ForbiddenDomain(std::string_view domain, const std::string& path) {
  return ProblemResponse({.status = 403, .title = "Forbidden",
                          .detail = "your roles do not include the " + std::string(domain) +
                                    " domain"},
                         path);
}

// Waits (without holding a server thread) until consistency.min_position is applied, then
// answers with fn.
static void WaitThenServe(const Services& s, Request& req, Responder respond,
                          const ReadConsistency& consistency, AsyncViewFn fn);

void ServeView(const Services& s, Request& req, Responder respond,
               std::initializer_list<std::string_view> params, ViewFn fn,
               std::optional<query::Section> section) {
  ServeViewAsync(
      s, req, std::move(respond), params,
      [fn = std::move(fn)](const projection::Projector::TenantRead& read, const Request& r,
                           int64_t now, Responder answer) {
        answer(Attach(fn(read, r, now), read.position));
      },
      section);
}

void ServeViewAsync(const Services& s, Request& req, Responder respond,
                    std::initializer_list<std::string_view> params, AsyncViewFn fn,
                    std::optional<query::Section> section) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrganization(s, req, Action::kReadAnalytics, org)) {
    return respond(ProblemResponse(*problem, req.path));
  }
  if (section && !query::SectionVisible(*section, s.access->ReadableDomains(req))) {
    return respond(ForbiddenDomain(query::SectionName(*section), req.path));
  }
  if (params.size() > 0) {
    if (auto problem = CheckKnownParameters(req, params)) {
      return respond(ProblemResponse(*problem, req.path));
    }
  }
  ReadConsistency consistency;
  if (auto problem = ParseConsistency(req, &consistency)) {
    return respond(ProblemResponse(*problem, req.path));
  }
  if (consistency.min_offsets.empty()) {  // the common read: no callback to build
    return WaitThenServe(s, req, std::move(respond), consistency, std::move(fn));
  }
  ResolveOffsets(s, req, std::move(respond), consistency,
                 [s, fn = std::move(fn)](const ReadConsistency& c, Request& r, Responder done) {
                   WaitThenServe(s, r, std::move(done), c, fn);
                 });
}

void ResolveOffsets(const Services& s, Request& req, Responder respond,
                    const ReadConsistency& consistency, PositionFn then) {
  if (consistency.min_offsets.empty()) return then(consistency, req, std::move(respond));
  if (s.kafka == nullptr) {
    return respond(ProblemResponse(
        BadParameter("min_offsets", "needs Kafka (serve --kafka-brokers); use min_position"),
        req.path));
  }
  if (std::optional<std::string> why = s.kafka->Unreachable(consistency.min_offsets)) {
    return respond(ProblemResponse(BadParameter("min_offsets", *why), req.path));
  }
  // First until the offsets are stored here, then (`then`) until their position is applied.
  // The server still reads the request after the handler returns: work on a copy.
  auto shared = std::make_shared<Request>(req);
  auto started = std::chrono::steady_clock::now();
  std::string offsets = ingest::FormatPartitionOffsets(consistency.min_offsets);
  s.kafka->WhenStored(
      consistency.min_offsets, consistency.wait,
      [shared, respond, then = std::move(then), consistency, started,
       offsets](std::optional<uint64_t> at) mutable {
        if (!at) {
          return respond(ProblemResponse(
              {.status = 503,
               .title = "Read model behind",
               .detail = "offsets " + offsets + " were not consumed within " +
                         std::to_string(consistency.wait.count()) + " ms",
               .retry_after_seconds = 1},
              shared->path));
        }
        ReadConsistency c = consistency;
        c.min_position = std::max(c.min_position, *at);
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        c.wait = std::max(std::chrono::milliseconds(0), c.wait - spent);
        then(c, *shared, std::move(respond));
      });
}

void WaitThenServe(const Services& s, Request& req, Responder respond,
                   const ReadConsistency& consistency, AsyncViewFn fn) {
  const std::string& org = req.params["org"];
  projection::Projector* projector = s.projector;
  const Clock* clock = s.clock;
  uint64_t wanted = consistency.min_position;
  if (projector->AppliedPosition() >= wanted) {  // nothing to wait for: answer on this thread
    projection::Projector::TenantRead read = projector->Read(org);
    return fn(read, req, clock->NowMicros(), std::move(respond));
  }
  // The server still reads the request after the handler returns: work on a copy.
  auto shared = std::make_shared<Request>(req);
  auto wait_ms = consistency.wait.count();
  projector->WhenApplied(wanted, consistency.wait, [=](bool reached) {
    if (!reached && projector->WaitsCancelled()) {
      return respond(ProblemResponse({.status = 503,
                                      .title = "Shutting down",
                                      .detail = "the server is shutting down; position " +
                                                std::to_string(wanted) +
                                                " was not applied yet. Retry on another node "
                                                "or after the restart",
                                      .retry_after_seconds = 1},
                                     shared->path));
    }
    if (!reached) {
      return respond(ProblemResponse(
          {.status = 503,
           .title = "Read model behind",
           .detail = "position " + std::to_string(wanted) + " was not applied within " +
                     std::to_string(wait_ms) + " ms (applied: " +
                     std::to_string(projector->AppliedPosition()) + ")",
           .retry_after_seconds = 1},
          shared->path));
    }
    projection::Projector::TenantRead read = projector->Read(shared->params.at("org"));
    fn(read, *shared, clock->NowMicros(), respond);
  });
}

}  // namespace readside::http
