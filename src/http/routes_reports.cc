// Reports (../shared/spec/reports.md): the catalog, a report's JSON preview, and its export
// to CSV, XLSX and PDF. A report is built from one published view (the X-Readside-Position
// it answers with is the document's position); the export renders the same Document on a
// rendering thread (render_pool.h).

#include <boost/json.hpp>

#include <chrono>
#include <memory>

#include "common/json_writer.h"
#include "common/time_util.h"
#include "http/analytics_params.h"
#include "http/render_pool.h"
#include "http/routes.h"
#include "http/view_route.h"
#include "render/render.h"
#include "report/report.h"
#include "schedule/cron.h"
#include "schedule/scheduler.h"

namespace readside::http {
namespace {

// The query parameters every report route reads itself; the rest are the type's parameters.
constexpr std::string_view kReadParams[] = {"type", "period", "min_position", "min_offsets",
                                            "wait_ms"};

bool IsReadParam(std::string_view name) {
  for (std::string_view p : kReadParams) {
    if (p == name) return true;
  }
  return false;
}

void Catalog(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kReadAnalytics, "")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  if (auto problem = CheckKnownParameters(req, {})) {
    return respond(ProblemResponse(*problem, req.path));
  }
  static const std::string body = report::CatalogJson();
  respond(JsonResponse(body));
}

// Resolves and authorizes one report request against the view it will read. On failure
// returns the response to send.
std::optional<Response> Resolve(const Services& s, const Request& r,
                                const projection::TenantView& view, std::string_view report,
                                std::string_view type, std::string_view period,
                                const std::vector<std::pair<std::string, std::string>>& given,
                                int64_t now, const report::TypeSpec** spec,
                                projection::Period* p,
                                std::vector<std::pair<std::string, std::string>>* params) {
  if (auto problem = report::ResolveRequest(report, type, period, given, view.calendar, now, spec,
                                            p, params)) {
    return ProblemResponse(*problem, r.path);
  }
  if ((query::DomainBit((*spec)->domain) & s.access->ReadableDomains(r)) == 0) {
    return ForbiddenDomain(query::SectionName((*spec)->domain), r.path);
  }
  return std::nullopt;
}

void Preview(const Services& s, Request& req, Responder respond) {
  ServeView(s, req, std::move(respond), {},
            [s](const projection::Projector::TenantRead& read, const Request& r, int64_t now) {
              std::vector<std::pair<std::string, std::string>> given;
              for (const auto& [name, value] : r.query) {
                if (!IsReadParam(name)) given.emplace_back(name, value);
              }
              const std::string* type = r.Query("type");
              const std::string* period = r.Query("period");
              const report::TypeSpec* spec = nullptr;
              projection::Period p;
              std::vector<std::pair<std::string, std::string>> params;
              if (auto denied = Resolve(s, r, *read.view, r.params.at("report"),
                                        type ? *type : "", period ? *period : "", given, now,
                                        &spec, &p, &params)) {
                return *denied;
              }
              report::Document doc = report::BuildReport(
                  report::ReportRequest{*read.view, *spec, p, params, now, read.position});
              return JsonResponse(report::ToJson(doc));
            });
}

// ---------------------------------------------------------------------------------------
// JSON bodies

Problem BodyProblem(std::string field, std::string message) {
  Problem p;
  p.status = 400;
  p.title = "Invalid request body";
  p.detail = field + ": " + message;
  p.errors.push_back({std::move(field), std::move(message)});
  return p;
}

// The body's members, checked against `allowed`; strings, string arrays and string maps only.
struct Body {
  boost::json::object object;
  std::string Str(std::string_view key) const {
    const boost::json::value* v = object.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
};

std::optional<Problem> ParseBody(const Request& req, std::initializer_list<std::string_view> allowed,
                                 std::initializer_list<std::string_view> required, Body* out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(req.body, ec);
  if (ec || !v.is_object()) return BodyProblem("body", "must be a JSON object");
  out->object = std::move(v.as_object());
  for (const auto& [key, value] : out->object) {
    std::string_view k(key.data(), key.size());
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return BodyProblem(std::string(k), "is not a member of this request");
    }
    bool ok = value.is_string();
    if (k == "parameters") {
      ok = value.is_object();
      for (const auto& [pk, pv] : ok ? value.as_object() : boost::json::object()) {
        if (!pv.is_string()) return BodyProblem("parameters." + std::string(pk), "must be a string");
      }
    } else if (k == "recipients") {
      ok = value.is_array();
      size_t i = 0;
      for (const auto& e : ok ? value.as_array() : boost::json::array()) {
        if (!e.is_string()) {
          return BodyProblem("recipients[" + std::to_string(i) + "]", "must be a string");
        }
        ++i;
      }
    }
    if (!ok) {
      return BodyProblem(std::string(k), k == "parameters"   ? "must be an object of strings"
                                         : k == "recipients" ? "must be an array of strings"
                                                             : "must be a string");
    }
  }
  for (std::string_view k : required) {
    if (!out->object.contains(k)) return BodyProblem(std::string(k), "is required");
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Parameters(const Body& b) {
  std::vector<std::pair<std::string, std::string>> out;
  if (const boost::json::value* v = b.object.if_contains("parameters")) {
    for (const auto& [k, e] : v->as_object()) out.emplace_back(std::string(k), std::string(e.as_string()));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Export

Response FileResponse(std::string bytes, std::string content_type, const std::string& filename) {
  Response r;
  r.content_type = std::move(content_type);
  r.body = std::move(bytes);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  return r;
}

// What an export's rendering failed with, as the answer.
Response RenderProblem(const absl::Status& status, const std::string& path) {
  if (absl::IsInvalidArgument(status) || absl::IsNotFound(status)) {
    return ProblemResponse(BodyProblem("section", std::string(status.message())), path);
  }
  if (absl::IsResourceExhausted(status)) {
    return ProblemResponse({.status = 413,
                            .title = "Export too large",
                            .detail = std::string(status.message())},
                           path);
  }
  return ProblemResponse(
      {.status = 500, .title = "Rendering failed", .detail = std::string(status.message())}, path);
}

void Export(const Services& s, Request& req, Responder respond) {
  std::optional<render::Format> format = render::ParseFormat(req.params["format"]);
  if (!format || req.params["format"] == "xlsx") {
    Problem p = BadParameter("format", "must be pdf, excel or csv");
    p.title = "Invalid path parameter";
    return respond(ProblemResponse(p, req.path));
  }
  auto body = std::make_shared<Body>();
  if (auto problem = ParseBody(req,
                               {"organization_id", "report", "type", "period", "parameters",
                                "section"},
                               {"organization_id", "report", "type"}, body.get())) {
    // Authorize first when the organization is readable, so a stranger learns nothing.
    if (auto denied = s.access->Authorize(req, Action::kReadAnalytics, "")) {
      return respond(ProblemResponse(*denied, req.path));
    }
    return respond(ProblemResponse(*problem, req.path));
  }
  req.params["org"] = body->Str("organization_id");
  ServeViewAsync(
      s, req, std::move(respond), {"min_position", "wait_ms"},
      [s, body, format](const projection::Projector::TenantRead& read, const Request& r,
                        int64_t now, Responder answer) {
        const report::TypeSpec* spec = nullptr;
        projection::Period p;
        std::vector<std::pair<std::string, std::string>> params;
        if (auto denied = Resolve(s, r, *read.view, body->Str("report"), body->Str("type"),
                                  body->Str("period"), Parameters(*body), now, &spec, &p,
                                  &params)) {
          return answer(std::move(*denied));
        }
        // Building and rendering: on a rendering thread (render_pool.h), never here.
        auto job = [s, body, format, read, spec, p, params = std::move(params), now,
                    path = r.path, answer]() {
          report::Document doc = report::BuildReport(
              report::ReportRequest{*read.view, *spec, p, params, now, read.position});
          absl::StatusOr<render::Rendered> file =
              render::Render(doc, *format, body->Str("section"), s.render_limits);
          if (!file.ok()) return answer(RenderProblem(file.status(), path));
          answer(Attach(FileResponse(std::move(file->bytes), std::move(file->content_type),
                                     file->filename),
                        read.position));
        };
        if (s.render_pool == nullptr) return job();
        if (!s.render_pool->TrySubmit(job)) {
          answer(ProblemResponse(
              {.status = 503,
               .title = "Exports busy",
               .detail = "every export thread is busy and " +
                         std::to_string(s.render_pool->queue_capacity()) +
                         " exports are waiting; retry shortly",
               .retry_after_seconds = 1},
              r.path));
        }
      });
}

// ---------------------------------------------------------------------------------------
// Schedules

std::string ScheduleJson(const own_state::ReportSchedule& sc, int64_t next_run_at) {
  JsonBuilder j;
  j.BeginObject().Key("id").String(sc.id).Key("organization_id").String(sc.organization_id);
  j.Key("report").String(sc.report).Key("type").String(sc.type).Key("period").String(sc.period);
  j.Key("parameters").BeginObject();
  for (const auto& [k, v] : sc.parameters) j.Key(k).String(v);
  j.EndObject().Key("format").String(sc.format).Key("cron").String(sc.cron);
  j.Key("timezone").String(sc.timezone).Key("recipients").BeginArray();
  for (const std::string& r : sc.recipients) j.String(r);
  j.EndArray().Key("subject").String(sc.subject);
  j.Key("created_at").String(FormatRfc3339(sc.created_at_micros));
  j.Key("next_run_at");
  if (next_run_at == schedule::kNoCronRun) {
    j.Null();
  } else {
    j.String(FormatRfc3339(next_run_at));
  }
  j.EndObject();
  return j.Take();
}

bool Readable(const Services& s, const Request& r, std::string_view report, std::string_view type) {
  const report::TypeSpec* spec = report::FindType(report, type);
  return spec != nullptr && (query::DomainBit(spec->domain) & s.access->ReadableDomains(r)) != 0;
}

void CreateSchedule(const Services& s, Request& req, Responder respond) {
  Body body;
  if (auto problem = ParseBody(req,
                               {"organization_id", "report", "type", "period", "parameters",
                                "format", "cron", "timezone", "recipients", "subject"},
                               {"organization_id", "report", "type", "period", "format", "cron",
                                "recipients"},
                               &body)) {
    if (auto denied = s.access->Authorize(req, Action::kReadAnalytics, "")) {
      return respond(ProblemResponse(*denied, req.path));
    }
    return respond(ProblemResponse(*problem, req.path));
  }
  std::string org = body.Str("organization_id");
  if (auto problem = CheckOrganization(s, req, Action::kReadAnalytics, org)) {
    return respond(ProblemResponse(*problem, req.path));
  }
  own_state::ReportSchedule sc;
  sc.organization_id = org;
  sc.report = body.Str("report");
  sc.type = body.Str("type");
  sc.period = body.Str("period");
  sc.parameters = Parameters(body);
  sc.format = body.Str("format");
  sc.cron = body.Str("cron");
  sc.timezone = body.Str("timezone");
  sc.subject = body.Str("subject");
  for (const auto& e : body.object.at("recipients").as_array()) sc.recipients.emplace_back(e.as_string());
  if (const report::TypeSpec* spec = report::FindType(sc.report, sc.type)) {
    if ((query::DomainBit(spec->domain) & s.access->ReadableDomains(req)) == 0) {
      return respond(ForbiddenDomain(query::SectionName(spec->domain), req.path));
    }
  }
  if (s.scheduler == nullptr) {
    return respond(ProblemResponse({.status = 503, .title = "Schedules unavailable",
                                    .detail = "this server runs no report scheduler"},
                                   req.path));
  }
  std::string path = req.path;
  s.scheduler->Create(std::move(sc), [respond, path](schedule::ReportScheduler::CreateReply reply) {
    if (const Problem* p = std::get_if<Problem>(&reply)) return respond(ProblemResponse(*p, path));
    const schedule::Created& c = std::get<schedule::Created>(reply);
    Response r = JsonResponse(ScheduleJson(c.schedule, c.next_run_at_micros), 201);
    r.headers.emplace_back("Location", "/reports/scheduled/" + c.schedule.id);
    r.headers.emplace_back("X-Readside-Position", std::to_string(c.position));
    respond(std::move(r));
  });
}

void ListSchedules(const Services& s, Request& req, Responder respond) {
  ServeView(s, req, std::move(respond), {"min_position", "wait_ms"},
            [s](const projection::Projector::TenantRead& read, const Request& r, int64_t now) {
              JsonBuilder j;
              j.BeginObject().Key("organization_id").String(read.view->settings.organization_id);
              j.Key("schedules").BeginArray();
              for (const auto& [id, sc] : read.view->schedules->schedules) {
                if (!Readable(s, r, sc.report, sc.type)) continue;
                j.Raw(ScheduleJson(sc, schedule::ReportScheduler::NextRunAt(sc, now)));
              }
              j.EndArray().EndObject();
              return JsonResponse(j.Take());
            });
}

// The organization whose view holds `id` (a schedule when `runs` is false, else a run), if
// the caller may see it; otherwise the response to send (404 for everyone else's).
struct Found {
  std::string org;
  std::shared_ptr<const projection::TenantView> view;
};
std::variant<Found, Response> FindOwner(const Services& s, const Request& req, const std::string& id,
                                        bool runs) {
  std::shared_ptr<const projection::ModelSnapshot> snapshot = s.projector->Current();
  for (const auto& [org, view] : snapshot->tenants) {
    const projection::ScheduleBook& b = *view->schedules;
    bool has = runs ? b.runs.contains(id) : b.schedules.contains(id);
    if (!has) continue;
    if (auto denied = s.access->Authorize(req, Action::kReadAnalytics, org)) {
      if (denied->status == 404) break;  // someone else's: the same answer as none at all
      return ProblemResponse(*denied, req.path);
    }
    return Found{org, view};
  }
  if (auto denied = s.access->Authorize(req, Action::kReadAnalytics, "")) {
    return ProblemResponse(*denied, req.path);
  }
  return ProblemResponse({.status = 404, .title = "Not found",
                          .detail = std::string(runs ? "no report run '" : "no report schedule '") +
                                    id + "'"},
                         req.path);
}

void DeleteSchedule(const Services& s, Request& req, Responder respond) {
  const std::string id = req.params["id"];
  auto found = FindOwner(s, req, id, false);
  if (Response* r = std::get_if<Response>(&found)) return respond(std::move(*r));
  const Found& f = std::get<Found>(found);
  const own_state::ReportSchedule& sc = f.view->schedules->schedules.at(id);
  if (const report::TypeSpec* spec = report::FindType(sc.report, sc.type);
      spec && (query::DomainBit(spec->domain) & s.access->ReadableDomains(req)) == 0) {
    return respond(ForbiddenDomain(query::SectionName(spec->domain), req.path));
  }
  if (s.scheduler == nullptr) {
    return respond(ProblemResponse({.status = 503, .title = "Schedules unavailable",
                                    .detail = "this server runs no report scheduler"},
                                   req.path));
  }
  std::string path = req.path;
  s.scheduler->Delete(f.org, id, [respond, path](std::optional<Problem> problem) {
    if (problem) return respond(ProblemResponse(*problem, path));
    Response r;
    r.status = 204;
    r.content_type.clear();
    respond(std::move(r));
  });
}

const own_state::ReportSchedule* ScheduleOf(const projection::ScheduleBook& b, const std::string& id) {
  if (auto it = b.schedules.find(id); it != b.schedules.end()) return &it->second;
  if (auto it = b.deleted.find(id); it != b.deleted.end()) return &it->second;
  return nullptr;
}

void History(const Services& s, Request& req, Responder respond) {
  ServeView(s, req, std::move(respond), {"schedule_id", "limit", "min_position", "wait_ms"},
            [s](const projection::Projector::TenantRead& read, const Request& r, int64_t) {
              size_t limit = 100;
              if (const std::string* l = r.Query("limit")) {
                char* end = nullptr;
                unsigned long v = std::strtoul(l->c_str(), &end, 10);
                if (l->empty() || *end != '\0' || v < 1 || v > 1000) {
                  return ProblemResponse(BadParameter("limit", "must be an integer 1..1000"), r.path);
                }
                limit = v;
              }
              const std::string* only = r.Query("schedule_id");
              const projection::ScheduleBook& b = *read.view->schedules;
              std::vector<const projection::RunRecord*> runs;
              for (const auto& [id, run] : b.runs) {
                if (only && run.schedule_id != *only) continue;
                const own_state::ReportSchedule* sc = ScheduleOf(b, run.schedule_id);
                if (sc == nullptr || !Readable(s, r, sc->report, sc->type)) continue;
                runs.push_back(&run);
              }
              std::sort(runs.begin(), runs.end(), [](const auto* a, const auto* c) {
                return a->due_at_micros != c->due_at_micros ? a->due_at_micros > c->due_at_micros
                                                            : a->run_id < c->run_id;
              });
              if (runs.size() > limit) runs.resize(limit);
              JsonBuilder j;
              j.BeginObject().Key("organization_id").String(read.view->settings.organization_id);
              j.Key("runs").BeginArray();
              auto time = [&](std::string_view key, int64_t micros) {
                j.Key(key);
                if (micros == 0) {
                  j.Null();
                } else {
                  j.String(FormatRfc3339(micros));
                }
              };
              for (const projection::RunRecord* run : runs) {
                const own_state::ReportSchedule* sc = ScheduleOf(b, run->schedule_id);
                j.BeginObject().Key("id").String(run->run_id).Key("schedule_id").String(run->schedule_id);
                j.Key("report").String(sc->report).Key("type").String(sc->type);
                time("due_at", run->due_at_micros);
                time("started_at", run->started_at_micros);
                time("finished_at", run->finished_at_micros);
                j.Key("status").String(own_state::RunStatusName(run->status));
                j.Key("attempts").Int(run->attempts);
                j.Key("error");
                if (run->error.empty()) {
                  j.Null();
                } else {
                  j.String(run->error);
                }
                j.Key("size").Int(run->size);
                time("next_attempt_at", run->next_attempt_at_micros);
                j.Key("message_id");
                if (run->message_id.empty()) {
                  j.Null();
                } else {
                  j.String(run->message_id);
                }
                j.Key("file");
                if (run->file.empty()) {
                  j.Null();
                } else {
                  j.String("/reports/runs/" + run->run_id + "/file");
                }
                j.EndObject();
              }
              j.EndArray().EndObject();
              return JsonResponse(j.Take());
            });
}

void RunFile(const Services& s, Request& req, Responder respond) {
  const std::string id = req.params["id"];
  auto found = FindOwner(s, req, id, true);
  if (Response* r = std::get_if<Response>(&found)) return respond(std::move(*r));
  const Found& f = std::get<Found>(found);
  const projection::RunRecord& run = f.view->schedules->runs.at(id);
  const own_state::ReportSchedule* sc = ScheduleOf(*f.view->schedules, run.schedule_id);
  if (sc == nullptr || !Readable(s, req, sc->report, sc->type)) {
    std::string domain = "report's";
    if (sc) {
      if (const report::TypeSpec* spec = report::FindType(sc->report, sc->type)) {
        domain = std::string(query::SectionName(spec->domain));
      }
    }
    return respond(ForbiddenDomain(domain, req.path));
  }
  if (run.file.empty() || s.scheduler == nullptr) {
    return respond(ProblemResponse({.status = 404, .title = "Not found",
                                    .detail = "run '" + id + "' has no file"},
                                   req.path));
  }
  absl::StatusOr<std::string> bytes = s.scheduler->ReadRunFile(run.file);
  if (!bytes.ok()) {
    return respond(ProblemResponse({.status = 404, .title = "Not found",
                                    .detail = "the file of run '" + id + "' is not on this node: " +
                                              std::string(bytes.status().message())},
                                   req.path));
  }
  std::string name = run.file.substr(std::min(run.file.size(), run.run_id.size() + 1));
  std::string type = "application/octet-stream";
  if (name.ends_with(".pdf")) type = "application/pdf";
  if (name.ends_with(".csv")) type = "text/csv; charset=utf-8";
  if (name.ends_with(".xlsx")) type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  respond(FileResponse(*std::move(bytes), type, name));
}

// Schedule changes are judged against the schedules and tenant settings as stored: right
// after a start the read models may not have loaded them yet (an existing schedule would look
// missing: 404; a new one would get UTC for the tenant's time zone). So a change first waits
// until the read models hold what the store held when it came, as a dashboard change does;
// 503 with Retry-After when that takes longer than 30 s. Found by the crash test's
// start-kill rounds.
void AfterCatchUp(const Services& s, Request& req, Responder respond, ServiceHandler next) {
  uint64_t stored = s.store->LastPosition();
  if (s.projector->AppliedPosition() >= stored) return next(s, req, std::move(respond));
  auto shared = std::make_shared<Request>(req);  // the server reads `req` after we return
  s.projector->WhenApplied(
      stored, std::chrono::seconds(30),
      [s, shared, respond = std::move(respond), next, stored](bool applied) mutable {
        if (!applied) {
          return respond(ProblemResponse(
              {.status = 503,
               .title = "Read models catching up",
               .detail = "the read models have not yet applied position " +
                         std::to_string(stored) +
                         ", where the schedules stood when the change came; nothing was changed",
               .retry_after_seconds = 1},
              shared->path));
        }
        next(s, *shared, std::move(respond));
      });
}

void CreateScheduleCaughtUp(const Services& s, Request& req, Responder respond) {
  AfterCatchUp(s, req, std::move(respond), CreateSchedule);
}

void DeleteScheduleCaughtUp(const Services& s, Request& req, Responder respond) {
  AfterCatchUp(s, req, std::move(respond), DeleteSchedule);
}

}  // namespace

void AddReportRoutes(Router* router, const Services& s) {
  router->Add("GET", "/reports/catalog", Bind(s, Catalog));
  router->Add("POST", "/reports/export/{format}", Bind(s, Export));
  router->Add("POST", "/reports/schedule", Bind(s, CreateScheduleCaughtUp));
  router->Add("GET", "/reports/scheduled/{org}", Bind(s, ListSchedules));
  router->Add("DELETE", "/reports/scheduled/{id}", Bind(s, DeleteScheduleCaughtUp));
  router->Add("GET", "/reports/history/{org}", Bind(s, History));
  router->Add("GET", "/reports/runs/{id}/file", Bind(s, RunFile));
  router->Add("GET", "/reports/{report}/{org}", Bind(s, Preview));
}

}  // namespace readside::http
