// Operator routes for the dead-letter store (../shared/spec/events.md: rejected input from a
// source with no caller "can be listed and re-submitted").
//   GET  /admin/dead-letters?after=&limit=   → {"dead_letters": [...], "next": id|null}
//   POST /admin/dead-letters/{id}/resubmit   → the ingest answer; the letter is removed when
//                                              its event was stored (accepted or duplicate)

#include <atomic>
#include <charconv>
#include <optional>
#include <string_view>

#include "common/base64.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "http/render_pool.h"
#include "http/routes.h"

namespace readside::http {
namespace {

bool ParseUint(const std::string& s, uint64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Response BadParam(const Request& req, std::string field, std::string message) {
  Problem p{.status = 400, .title = "Invalid query parameter", .detail = field + " " + message};
  p.errors.push_back({std::move(field), std::move(message)});
  return ProblemResponse(p, req.path);
}

// A Kafka dead letter's coordinates, from its source "kafka:<topic>/<partition>/<offset>"
// (ingest::SourceMessage; topic names have no '/'); nullopt for other sources.
struct KafkaAt {
  std::string_view topic;
  int64_t partition = 0, offset = 0;
};
std::optional<KafkaAt> KafkaCoordinates(std::string_view source) {
  constexpr std::string_view kPrefix = "kafka:";
  if (!source.starts_with(kPrefix)) return std::nullopt;
  source.remove_prefix(kPrefix.size());
  size_t last = source.rfind('/');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  size_t mid = source.rfind('/', last - 1);
  if (mid == std::string_view::npos || mid == 0) return std::nullopt;
  KafkaAt at{.topic = source.substr(0, mid)};
  auto number = [](std::string_view t, int64_t* out) {
    auto r = std::from_chars(t.data(), t.data() + t.size(), *out);
    return !t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size() && *out >= 0;
  };
  if (!number(source.substr(mid + 1, last - mid - 1), &at.partition) ||
      !number(source.substr(last + 1), &at.offset)) {
    return std::nullopt;
  }
  return at;
}

void ListDeadLetters(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  uint64_t after = 0, limit = 100;
  if (const std::string* v = req.Query("after"); v && !ParseUint(*v, &after)) {
    return respond(BadParam(req, "after", "must be a non-negative integer"));
  }
  if (const std::string* v = req.Query("limit");
      v && (!ParseUint(*v, &limit) || limit < 1 || limit > 1000)) {
    return respond(BadParam(req, "limit", "must be an integer from 1 to 1000"));
  }
  auto letters = s.store->ListDeadLetters(after, limit + 1);
  if (!letters.ok()) {
    return respond(ProblemResponse({.status = 503,
                                    .title = "Event store unavailable",
                                    .detail = std::string(letters.status().message()),
                                    .retry_after_seconds = 1},
                                   req.path));
  }
  JsonBuilder b;
  b.BeginObject().Key("dead_letters").BeginArray();
  for (size_t i = 0; i < letters->size() && i < limit; ++i) {
    const store::DeadLetter& d = (*letters)[i];
    b.BeginObject().Key("id").Int(static_cast<int64_t>(d.id));
    b.Key("received_at").String(FormatRfc3339(d.received_micros));
    b.Key("source").String(d.source);
    if (auto at = KafkaCoordinates(d.source)) {
      b.Key("kafka").BeginObject().Key("topic").String(at->topic);
      b.Key("partition").Int(at->partition).Key("offset").Int(at->offset).EndObject();
    }
    b.Key("reason").String(d.reason);
    b.Key("raw_base64").String(Base64Encode(d.raw)).EndObject();
  }
  b.EndArray().Key("next");
  if (letters->size() > limit) {
    b.Int(static_cast<int64_t>((*letters)[limit - 1].id));
  } else {
    b.Null();
  }
  b.EndObject();
  respond(JsonResponse(b.Take()));
}

void Resubmit(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  uint64_t id;
  if (!ParseUint(req.params["id"], &id)) {
    return respond(ProblemResponse(
        {.status = 404, .title = "Not found", .detail = "no dead letter " + req.params["id"]},
        req.path));
  }
  auto letters = s.store->ListDeadLetters(id - 1, 1);
  if (!letters.ok() || letters->empty() || (*letters)[0].id != id) {
    return respond(ProblemResponse(
        {.status = 404, .title = "Not found", .detail = "no dead letter " + std::to_string(id)},
        req.path));
  }
  // An operator may have fixed the producer; the raw bytes are re-judged as they are.
  std::string raw = std::move((*letters)[0].raw);
  store::EventStore* store = s.store;
  std::string path = req.path;
  s.ingest->Ingest(raw, event::BodyFormat::kJson,
                   [store, id, path, respond](ingest::IngestReply r) {
                     if (auto* problem = std::get_if<Problem>(&r))
                       return respond(ProblemResponse(*problem, path));
                     ingest::IngestAnswer& answer = std::get<ingest::IngestAnswer>(r);
                     bool stored = answer.accepted + answer.duplicates == 1;
                     if (stored) store->DeleteDeadLetter(id).IgnoreError();
                     respond(JsonResponse(std::move(answer.json), stored ? 200 : 422));
                   });
}

// POST /admin/backup: an online backup of the event store (operations.md); operators only.
void Backup(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  if (!s.backup) {
    return respond(ProblemResponse(
        {.status = 404, .title = "Not found", .detail = "backups are not available here"},
        req.path));
  }
  // One at a time: a second request while one runs is told to wait.
  static std::atomic<bool> running{false};
  Problem busy{.status = 409,
               .title = "Backup already running",
               .detail = "another backup is being written; retry when it is done",
               .retry_after_seconds = 5};
  if (running.exchange(true)) return respond(ProblemResponse(busy, req.path));
  // Copying files takes a while: on a worker thread, never the HTTP ones.
  auto job = [backup = s.backup, respond, path = req.path] {
    absl::StatusOr<std::string> made = backup();
    running.store(false);
    if (!made.ok()) {
      return respond(ProblemResponse({.status = 500,
                                      .title = "Backup failed",
                                      .detail = std::string(made.status().message())},
                                     path));
    }
    respond(JsonResponse(std::move(*made), 201));
  };
  if (s.render_pool == nullptr) return job();
  if (!s.render_pool->TrySubmit(job)) {
    running.store(false);
    busy.detail = "the worker threads are busy; retry in a few seconds";
    busy.title = "Busy";
    busy.status = 503;
    respond(ProblemResponse(busy, req.path));
  }
}

}  // namespace

void AddAdminRoutes(Router* router, const Services& services) {
  router->Add("POST", "/admin/backup", Bind(services, Backup));
  router->Add("GET", "/admin/dead-letters", Bind(services, ListDeadLetters));
  router->Add("POST", "/admin/dead-letters/{id}/resubmit", Bind(services, Resubmit));
}

}  // namespace readside::http
