// POST /events and GET /events/{org} (../shared/spec/api.md, "Ingest").

#include <charconv>

#include "common/json_writer.h"
#include "common/time_util.h"
#include "event/parser.h"
#include "http/routes.h"

namespace readside::http {
namespace {

void PostEvents(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kIngest, "")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  std::string media = MediaType(req.Header("content-type"));
  event::BodyFormat format;
  if (media == "application/json") {
    format = event::BodyFormat::kJson;
  } else if (media == "application/x-ndjson") {
    format = event::BodyFormat::kNdjson;
  } else {
    return respond(ProblemResponse(
        {.status = 415,
         .title = "Unsupported media type",
         .detail = "send application/json (an event or an array) or application/x-ndjson, not '" +
                   media + "'"},
        req.path));
  }
  std::string path = req.path;
  const AccessPolicy* access = s.access;
  s.ingest->Ingest(
      req.body, format,
      [respond, path](ingest::IngestReply reply) {
        if (auto* problem = std::get_if<Problem>(&reply)) {
          respond(ProblemResponse(*problem, path));
        } else {
          auto& answer = std::get<ingest::IngestAnswer>(reply);
          Response r = JsonResponse(std::move(answer.json));
          // With Kafka on: what min_offsets waits for on any node.
          if (!answer.offsets.empty()) r.headers.emplace_back("X-Readside-Offsets", answer.offsets);
          respond(std::move(r));
        }
      },
      [access, &req](std::string_view org) { return access->MayWriteOrganization(req, org); },
      req.trace);
}

// Parses the GET /events query; on error returns a Problem naming the parameter.
std::optional<Problem> ParseEventQuery(const Request& req, store::EventQuery* q) {
  Problem p{.status = 400, .title = "Invalid query parameter"};
  auto bad = [&](std::string field, std::string message) {
    p.detail = field + " " + message;
    p.errors.push_back({std::move(field), std::move(message)});
    return p;
  };
  auto parse_uint = [](const std::string& s, uint64_t* out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
  };
  if (const std::string* v = req.Query("limit")) {
    uint64_t n;
    if (!parse_uint(*v, &n) || n < 1 || n > 1000)
      return bad("limit", "must be an integer from 1 to 1000");
    q->limit = n;
  }
  if (const std::string* v = req.Query("after_position")) {
    if (!parse_uint(*v, &q->after_position))
      return bad("after_position", "must be a non-negative integer");
  }
  if (const std::string* v = req.Query("from")) {
    if (!ParseRfc3339(*v, &q->from_micros)) return bad("from", "must be an RFC 3339 date-time");
  }
  if (const std::string* v = req.Query("to")) {
    if (!ParseRfc3339(*v, &q->to_micros)) return bad("to", "must be an RFC 3339 date-time");
  }
  if (q->from_micros > q->to_micros) return bad("from", "must not be after to");
  if (const std::string* v = req.Query("aggregate_id")) {
    // The entity_id rule, so every stored entity can be asked for (128 characters, not bytes).
    if (!event::IsValidId(*v)) {
      return bad("aggregate_id", "must be 1 to 128 characters without control characters");
    }
    q->aggregate_id = *v;
  }
  if (const std::string* v = req.Query("event_type")) q->event_type = *v;
  for (const auto& [key, value] : req.query) {
    if (key != "limit" && key != "after_position" && key != "from" && key != "to" &&
        key != "aggregate_id" && key != "event_type") {
      return bad(key, "is not a parameter of this route");
    }
  }
  return std::nullopt;
}

void GetEvents(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto problem = CheckOrganization(s, req, Action::kReadEvents, org)) {
    return respond(ProblemResponse(*problem, req.path));
  }
  store::EventQuery q{.organization_id = org};
  if (auto problem = ParseEventQuery(req, &q)) return respond(ProblemResponse(*problem, req.path));
  absl::StatusOr<store::QueryPage> page = s.store->Query(q);
  if (!page.ok()) {
    return respond(ProblemResponse({.status = 503,
                                    .title = "Event store unavailable",
                                    .detail = std::string(page.status().message()),
                                    .retry_after_seconds = 1},
                                   req.path));
  }
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < page->events.size(); ++i) {
    const store::StoredEvent& e = page->events[i];
    if (i) body.push_back(',');
    body.append("{\"position\":");
    AppendJsonInt(&body, static_cast<int64_t>(e.position));
    body.push_back(',');
    body.append(std::string_view(e.json).substr(1));  // the stored object without its '{'
  }
  body.append("],\"next\":");
  if (page->next) {
    AppendJsonInt(&body, static_cast<int64_t>(*page->next));
  } else {
    body.append("null");
  }
  body.push_back('}');
  respond(JsonResponse(std::move(body)));
}

}  // namespace

std::optional<Problem> CheckOrganization(const Services& s, const Request& req, Action action,
                                         const std::string& org) {
  if (auto denied = s.access->Authorize(req, action, org)) return denied;
  if (event::IsValidOrganizationId(org)) return std::nullopt;
  constexpr std::string_view kRule = "must match ^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$";
  Problem p{.status = 400, .title = "Invalid path parameter", .detail = "org " + std::string(kRule)};
  p.errors.push_back({"org", std::string(kRule)});
  return p;
}

void AddEventRoutes(Router* router, const Services& services) {
  router->Add("POST", "/events", Bind(services, PostEvents));
  router->Add("GET", "/events/{org}", Bind(services, GetEvents));
}

}  // namespace readside::http
