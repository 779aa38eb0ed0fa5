// Dashboards (../shared/spec/dashboards.md "Widgets and dashboards"): reading the caller's
// dashboard with each widget's cached_data, widgets, layouts, templates and sharing. Reads
// come from the projector's published views; changes go through the DashboardService, which
// stores them as events and answers once they are applied (so the answer shows them).

#include <boost/json.hpp>

#include "common/json_writer.h"
#include "dashboard/dashboards.h"
#include "dashboard/widget_rules.h"
#include "event/uuid.h"
#include "http/analytics_params.h"
#include "http/routes.h"
#include "http/view_route.h"
#include "projection/projector.h"

namespace readside::http {
namespace {

namespace json = boost::json;
using dashboard::Caller;
using dashboard::DashboardService;
using own_state::Dashboard;
using own_state::Widget;

constexpr std::string_view kRoles[] = {"admin",      "analyst", "sales",          "hr",
                                       "finance",    "operations", "project_manager"};

Caller CallerOf(const Services& s, const Request& req) { return DashboardCallerOf(s, req); }

}  // namespace

Caller DashboardCallerOf(const Services& s, const Request& req) {
  Caller c;
  c.readable = s.access->ReadableDomains(req);
  if (const auth::Principal* p = req.principal.get()) {
    c.subject = p->subject;
    c.roles = p->roles;
    c.admin = p->HasRole("admin");
  }
  return c;
}

namespace {

Response Unavailable(const std::string& path) {
  return ProblemResponse({.status = 503, .title = "Dashboards unavailable",
                          .detail = "this server runs no dashboard service"},
                         path);
}

Response WithEtag(Response r, int64_t version) {
  r.headers.emplace_back("ETag", "\"" + std::to_string(version) + "\"");
  return r;
}

// If-Match: "<n>", W/"<n>" or <n> → n; "*" or absent → -1. A Problem when malformed.
std::optional<Problem> ParseIfMatch(const Request& req, int64_t* out) {
  *out = -1;
  std::string_view v = req.Header("if-match");
  if (v.empty() || v == "*") return std::nullopt;
  if (v.starts_with("W/")) {  // If-Match compares strongly (RFC 9110): a weak tag never matches
    *out = INT64_MAX;
    return std::nullopt;
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t n = 0;
  bool ok = !v.empty() && v.size() <= 18;
  for (char c : v) {
    if (c < '0' || c > '9') ok = false;
    n = n * 10 + (c - '0');
  }
  if (!ok) {
    Problem p{.status = 400, .title = "Invalid header",
              .detail = "If-Match must be a version ETag such as \"3\""};
    p.errors.push_back({"If-Match", "must be a version ETag such as \"3\""});
    return p;
  }
  *out = n;
  return std::nullopt;
}

Problem PreconditionFailed(std::string_view what, int64_t version, int64_t expected) {
  return Problem{.status = 412, .title = "Precondition failed",
                 .detail = std::string(what) + " is at version " + std::to_string(version) +
                           ", not " + std::to_string(expected) + ": it changed since you read it"};
}

// A dashboard id given as ?dashboard_id= (empty: the caller's own).
std::optional<Problem> DashboardParam(const Request& req, std::string* id) {
  if (const std::string* v = req.Query("dashboard_id")) {
    if (v->empty() || v->size() > 512) return BadParameter("dashboard_id", "must be a dashboard id");
    *id = *v;
  }
  return std::nullopt;
}

// The checks every dashboard change starts with; nullopt: go on.
std::optional<Response> CheckChange(const Services& s, const Request& req,
                                    std::initializer_list<std::string_view> params) {
  if (auto problem = CheckOrganization(s, req, Action::kReadAnalytics, req.params.at("org"))) {
    return ProblemResponse(*problem, req.path);
  }
  if (auto problem = CheckKnownParameters(req, params)) return ProblemResponse(*problem, req.path);
  if (s.dashboards == nullptr) return Unavailable(req.path);
  return std::nullopt;
}

// Answers a change with `render`'s response once it is applied (or the change's problem).
std::function<void(DashboardService::Reply)> Answer(
    const Services& s, Request& req, Responder respond,
    std::function<Response(const DashboardService::Done&, const dashboard::RenderContext&)> render) {
  return [respond = std::move(respond), path = req.path, render = std::move(render),
          readable = s.access->ReadableDomains(req), clock = s.clock](DashboardService::Reply reply) {
    if (const Problem* p = std::get_if<Problem>(&reply)) return respond(ProblemResponse(*p, path));
    const auto& done = std::get<DashboardService::Done>(reply);
    dashboard::RenderContext c{*done.view, done.position, clock->NowMicros(), readable};
    respond(Attach(render(done, c), done.position));
  };
}

Response DashboardResponse(const Dashboard& d, const dashboard::RenderContext& c, int status = 200) {
  return WithEtag(JsonResponse(dashboard::DashboardJson(d, c), status), d.version);
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

// Answers a change with the dashboard as the change left it.
std::function<void(DashboardService::Reply)> AnswerDashboard(const Services& s, Request& req,
                                                             Responder respond) {
  return Answer(s, req, std::move(respond),
                [](const DashboardService::Done& done, const dashboard::RenderContext& c) {
                  return DashboardResponse(*done.dashboard, c);
                });
}

// Answers a deletion with 204.
std::function<void(DashboardService::Reply)> AnswerNoContent(const Services& s, Request& req,
                                                             Responder respond) {
  return Answer(s, req, std::move(respond),
                [](const DashboardService::Done&, const dashboard::RenderContext&) {
                  return NoContent();
                });
}

// 412 when an If-Match (≥ 0) names another version of the dashboard.
std::optional<Problem> CheckDashboardVersion(const Dashboard& d, int64_t if_match) {
  if (if_match < 0 || if_match == d.version) return std::nullopt;
  return PreconditionFailed("dashboard '" + d.id + "'", d.version, if_match);
}

// The widget the caller's domains must allow: 403 when it reads one they lack.
std::optional<Problem> CheckDomains(const Widget& w, query::DomainMask readable) {
  if ((dashboard::WidgetSources(w) & ~readable) == 0) return std::nullopt;
  return Problem{.status = 403, .title = "Forbidden",
                 .detail = "your roles do not include every domain widget data source '" +
                           w.data_source + "' metric '" + w.query.metric + "' reads"};
}

// A widget that is not on `d`: 409 when it was deleted, else 404.
Problem MissingWidget(const Dashboard& d, const std::string& id) {
  for (const std::string& gone : d.deleted_widgets) {
    if (gone == id) {
      return Problem{.status = 409, .title = "Conflict",
                     .detail = "widget '" + id + "' was deleted from dashboard '" + d.id + "'"};
    }
  }
  return Problem{.status = 404, .title = "Not found",
                 .detail = "dashboard '" + d.id + "' has no widget '" + id + "'"};
}

// Dashboard `id` of the view's organization if the caller may read it (the default too, before
// anything is stored); otherwise the 404 or 403 to answer.
std::variant<Dashboard, Response> ReadableDashboard(const projection::TenantView& view,
                                                    const std::string& id, const Caller& caller,
                                                    const std::string& path) {
  Dashboard d;
  if (const Dashboard* found = view.dashboards->Find(id)) {
    d = *found;
  } else if (id == own_state::kDefaultDashboardId) {
    d = dashboard::DefaultDashboard(*view.dashboards, view.settings.organization_id);
  } else {
    return ProblemResponse({.status = 404, .title = "Not found",
                            .detail = "no dashboard '" + id + "' in this organization"},
                           path);
  }
  if (!dashboard::MayRead(d, caller)) {
    return ProblemResponse({.status = 403, .title = "Forbidden",
                            .detail = "dashboard '" + id + "' is not shared with you"},
                           path);
  }
  return d;
}

void GetCallers(const Services& s, Request& req, Responder respond) {
  Caller caller = CallerOf(s, req);
  ServeView(s, req, std::move(respond), {"min_position", "wait_ms"},
            [caller](const projection::Projector::TenantRead& read, const Request&, int64_t now) {
              Dashboard d = dashboard::CallersDashboard(*read.view->dashboards,
                                                        read.view->settings.organization_id,
                                                        caller);
              return DashboardResponse(d, {*read.view, read.position, now, caller.readable});
            });
}

void GetOne(const Services& s, Request& req, Responder respond) {
  Caller caller = CallerOf(s, req);
  ServeView(s, req, std::move(respond), {"min_position", "wait_ms"},
            [caller](const projection::Projector::TenantRead& read, const Request& r,
                     int64_t now) {
              auto found = ReadableDashboard(*read.view, r.params.at("dashboard_id"), caller, r.path);
              if (Response* denied = std::get_if<Response>(&found)) return *std::move(denied);
              return DashboardResponse(std::get<Dashboard>(found),
                                       {*read.view, read.position, now, caller.readable});
            });
}

// GET /dashboards/{org}/widgets/{id}[?dashboard_id=]: one widget with its cached_data.
void GetWidget(const Services& s, Request& req, Responder respond) {
  Caller caller = CallerOf(s, req);
  ServeView(s, req, std::move(respond), {"dashboard_id", "min_position", "wait_ms"},
            [caller](const projection::Projector::TenantRead& read, const Request& r,
                     int64_t now) {
              std::string dashboard_id;
              if (auto p = DashboardParam(r, &dashboard_id)) return ProblemResponse(*p, r.path);
              Dashboard d;
              if (dashboard_id.empty()) {
                d = dashboard::CallersDashboard(*read.view->dashboards,
                                                read.view->settings.organization_id, caller);
              } else {
                auto found = ReadableDashboard(*read.view, dashboard_id, caller, r.path);
                if (Response* denied = std::get_if<Response>(&found)) return *std::move(denied);
                d = std::get<Dashboard>(std::move(found));
              }
              const std::string& id = r.params.at("id");
              const Widget* w = d.FindWidget(id);
              if (w == nullptr) return ProblemResponse(MissingWidget(d, id), r.path);
              return WithEtag(JsonResponse(dashboard::WidgetJson(
                                  *w, d.id, {*read.view, read.position, now, caller.readable})),
                              w->version);
            });
}

void PostWidget(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {})) return respond(*std::move(r));
  Caller caller = CallerOf(s, req);
  projection::Projector::TenantRead read = s.projector->Read(req.params.at("org"));
  int64_t now = s.clock->NowMicros();
  std::string dashboard_id;
  Widget fresh;
  auto parsed = dashboard::ParseWidget(req.body, fresh, true, &dashboard_id, read.view->calendar, now);
  if (Problem* p = std::get_if<Problem>(&parsed)) return respond(ProblemResponse(*p, req.path));
  Widget w = std::get<Widget>(std::move(parsed));
  if (auto p = CheckDomains(w, caller.readable)) return respond(ProblemResponse(*p, req.path));
  bool grid_given = false;
  if (boost::system::error_code ec; json::parse(req.body, ec).as_object().contains("grid")) {
    grid_given = true;
  }
  w.id = event::NewUuid();
  std::string id = w.id;
  auto change = [w, grid_given](Dashboard d, const projection::TenantView&)
      -> std::variant<Dashboard, Problem> {
    if (d.widgets.size() >= dashboard::kMaxWidgets) {
      return dashboard::BadLayout("dashboard", "holds " + std::to_string(d.widgets.size()) +
                                                   " widgets, the most a dashboard may hold");
    }
    Widget added = w;
    if (!grid_given) {
      own_state::Grid size = dashboard::DefaultSize(added.type);
      added.grid = dashboard::AutoPlace(d.widgets, size.w, size.h);
    }
    if (auto p = dashboard::CheckPlace(d.widgets, added, "grid")) return *std::move(p);
    d.widgets.push_back(std::move(added));
    if (auto p = dashboard::CheckLayout(d.widgets)) return *std::move(p);
    return d;
  };
  s.dashboards->Change(
      req.params.at("org"), caller, dashboard_id, change,
      Answer(s, req, std::move(respond),
             [id](const DashboardService::Done& done, const dashboard::RenderContext& c) {
               const Widget* added = done.dashboard->FindWidget(id);
               Response r = JsonResponse(dashboard::WidgetJson(*added, done.dashboard->id, c), 201);
               r.headers.emplace_back("Location", "/dashboards/" +
                                                      c.view.settings.organization_id +
                                                      "/widgets/" + id + "?dashboard_id=" +
                                                      done.dashboard->id);
               return WithEtag(std::move(r), added->version);
             }));
}

void PutWidget(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {"dashboard_id"})) return respond(*std::move(r));
  std::string dashboard_id;
  int64_t if_match;
  if (auto p = DashboardParam(req, &dashboard_id)) return respond(ProblemResponse(*p, req.path));
  if (auto p = ParseIfMatch(req, &if_match)) return respond(ProblemResponse(*p, req.path));
  Caller caller = CallerOf(s, req);
  std::string id = req.params.at("id");
  const Clock* clock = s.clock;
  auto change = [id, if_match, body = req.body, caller, clock](
                    Dashboard d, const projection::TenantView& view)
      -> std::variant<Dashboard, Problem> {
    Widget* w = d.FindWidget(id);
    if (w == nullptr) return MissingWidget(d, id);
    if (if_match >= 0 && if_match != w->version) {
      return PreconditionFailed("widget '" + id + "'", w->version, if_match);
    }
    if (auto p = CheckDomains(*w, caller.readable)) return *std::move(p);
    int64_t now = clock->NowMicros();
    auto parsed = dashboard::ParseWidget(body, *w, false, nullptr, view.calendar, now);
    if (Problem* p = std::get_if<Problem>(&parsed)) return *std::move(p);
    Widget next = std::get<Widget>(std::move(parsed));
    if (auto p = CheckDomains(next, caller.readable)) return *std::move(p);
    if (auto p = dashboard::CheckPlace(d.widgets, next, "grid")) return *std::move(p);
    *w = std::move(next);
    if (auto p = dashboard::CheckLayout(d.widgets)) return *std::move(p);
    return d;
  };
  s.dashboards->Change(
      req.params.at("org"), caller, dashboard_id, change,
      Answer(s, req, std::move(respond),
             [id](const DashboardService::Done& done, const dashboard::RenderContext& c) {
               const Widget* w = done.dashboard->FindWidget(id);
               return WithEtag(JsonResponse(dashboard::WidgetJson(*w, done.dashboard->id, c)),
                               w->version);
             }));
}

void DeleteWidget(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {"dashboard_id"})) return respond(*std::move(r));
  std::string dashboard_id;
  int64_t if_match;
  if (auto p = DashboardParam(req, &dashboard_id)) return respond(ProblemResponse(*p, req.path));
  if (auto p = ParseIfMatch(req, &if_match)) return respond(ProblemResponse(*p, req.path));
  std::string id = req.params.at("id");
  auto change = [id, if_match](Dashboard d, const projection::TenantView&)
      -> std::variant<Dashboard, Problem> {
    Widget* w = d.FindWidget(id);
    if (w == nullptr) return MissingWidget(d, id);
    if (if_match >= 0 && if_match != w->version) {
      return PreconditionFailed("widget '" + id + "'", w->version, if_match);
    }
    d.widgets.erase(d.widgets.begin() + (w - d.widgets.data()));
    d.deleted_widgets.push_back(id);
    if (d.deleted_widgets.size() > own_state::kDeletedWidgetsKept) {
      d.deleted_widgets.erase(d.deleted_widgets.begin());
    }
    return d;
  };
  s.dashboards->Change(req.params.at("org"), CallerOf(s, req), dashboard_id, change,
                       AnswerNoContent(s, req, std::move(respond)));
}

struct Position {
  std::string widget_id;
  own_state::Grid grid;
};

std::variant<std::vector<Position>, Problem> ParsePositions(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return dashboard::BadField("body", "must be a JSON object {positions: [...]}");
  for (const auto& [key, value] : v.as_object()) {
    if (key != "positions") return dashboard::BadField(key, "is not a layout member (positions)");
  }
  const json::value* list = v.as_object().if_contains("positions");
  if (list == nullptr || !list->is_array()) {
    return dashboard::BadField("positions", "must be an array of {widget_id, x, y, w, h}");
  }
  if (list->as_array().size() > dashboard::kMaxWidgets) {
    return dashboard::BadField("positions", "must hold at most " +
                                                std::to_string(dashboard::kMaxWidgets) + " entries");
  }
  std::vector<Position> out;
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    std::string field = "positions[" + std::to_string(i) + "]";
    const json::value& e = list->as_array()[i];
    if (!e.is_object()) return dashboard::BadField(field, "must be an object {widget_id, x, y, w, h}");
    Position p;
    for (const auto& [key, value] : e.as_object()) {
      std::string f = field + "." + std::string(key);
      if (key == "widget_id") {
        if (!value.is_string() || value.as_string().empty()) return dashboard::BadField(f, "must be a widget id");
        p.widget_id.assign(value.as_string().data(), value.as_string().size());
        continue;
      }
      int* member = key == "x" ? &p.grid.x : key == "y" ? &p.grid.y : key == "w" ? &p.grid.w
                  : key == "h" ? &p.grid.h : nullptr;
      if (member == nullptr) return dashboard::BadField(f, "is not a position member (widget_id, x, y, w, h)");
      if (!value.is_int64() || value.as_int64() < INT32_MIN || value.as_int64() > INT32_MAX) {
        return dashboard::BadField(f, "must be an integer");
      }
      *member = static_cast<int>(value.as_int64());
    }
    for (const char* required : {"widget_id", "x", "y", "w", "h"}) {
      if (!e.as_object().contains(required)) {
        return dashboard::BadField(field + "." + required, "is required");
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

void PutLayout(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {"dashboard_id"})) return respond(*std::move(r));
  std::string dashboard_id;
  int64_t if_match;
  if (auto p = DashboardParam(req, &dashboard_id)) return respond(ProblemResponse(*p, req.path));
  if (auto p = ParseIfMatch(req, &if_match)) return respond(ProblemResponse(*p, req.path));
  auto parsed = ParsePositions(req.body);
  if (Problem* p = std::get_if<Problem>(&parsed)) return respond(ProblemResponse(*p, req.path));
  auto change = [positions = std::get<std::vector<Position>>(std::move(parsed)), if_match](
                    Dashboard d, const projection::TenantView&) -> std::variant<Dashboard, Problem> {
    if (auto p = CheckDashboardVersion(d, if_match)) return *std::move(p);
    for (size_t i = 0; i < positions.size(); ++i) {
      std::string field = "positions[" + std::to_string(i) + "]";
      for (size_t j = 0; j < i; ++j) {
        if (positions[j].widget_id == positions[i].widget_id) {
          return dashboard::BadLayout(field + ".widget_id", "repeats widget '" +
                                                                positions[i].widget_id + "'");
        }
      }
      Widget* w = d.FindWidget(positions[i].widget_id);
      if (w == nullptr) {
        Problem missing = MissingWidget(d, positions[i].widget_id);
        if (missing.status == 409) return missing;  // deleted meanwhile
        return dashboard::BadLayout(field + ".widget_id",
                                    "'" + positions[i].widget_id + "' is not a widget of dashboard '" +
                                        d.id + "'");
      }
      if (auto p = dashboard::CheckGrid(positions[i].grid, field)) return *std::move(p);
      w->grid = positions[i].grid;
    }
    if (auto p = dashboard::CheckLayout(d.widgets)) return *std::move(p);
    return d;
  };
  s.dashboards->Change(req.params.at("org"), CallerOf(s, req), dashboard_id, change,
                       AnswerDashboard(s, req, std::move(respond)));
}

void ListTemplates(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kReadAnalytics, "")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  if (auto problem = CheckKnownParameters(req, {})) {
    return respond(ProblemResponse(*problem, req.path));
  }
  static const std::string body = [] {
    JsonBuilder j;
    j.BeginObject().Key("templates").BeginArray();
    for (const dashboard::Template& t : dashboard::Templates()) {
      j.BeginObject().Key("name").String(t.name).Key("title").String(t.title);
      j.Key("description").String(t.description).Key("widgets").BeginArray();
      for (const Widget& w : t.widgets) {
        j.BeginObject().Key("widget_type").String(w.type).Key("title").String(w.title);
        j.Key("data_source").String(w.data_source);
        j.Key("query_params").BeginObject().Key("metric").String(w.query.metric);
        if (w.query.limit != 0) j.Key("limit").Int(w.query.limit);
        j.EndObject();
        if (!w.chart_type.empty()) j.Key("chart_type").String(w.chart_type);
        j.Key("grid").BeginObject().Key("x").Int(w.grid.x).Key("y").Int(w.grid.y);
        j.Key("w").Int(w.grid.w).Key("h").Int(w.grid.h).EndObject().EndObject();
      }
      j.EndArray().EndObject();
    }
    j.EndArray().EndObject();
    return j.Take();
  }();
  respond(JsonResponse(body));
}

void FromTemplate(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {})) return respond(*std::move(r));
  const dashboard::Template* t = dashboard::FindTemplate(req.params.at("name"));
  if (t == nullptr) {
    std::string names;
    for (const dashboard::Template& each : dashboard::Templates()) {
      names += (names.empty() ? "" : ", ") + std::string(each.name);
    }
    return respond(ProblemResponse({.status = 404, .title = "Not found",
                                    .detail = "no template '" + req.params.at("name") +
                                              "'; there are: " + names},
                                   req.path));
  }
  query::DomainMask readable = s.access->ReadableDomains(req);
  for (const Widget& w : t->widgets) {
    if (auto p = CheckDomains(w, readable)) {
      p->detail = "template '" + std::string(t->name) + "' has a widget on " + w.data_source +
                  " ('" + w.title + "'), which your roles do not include";
      return respond(ProblemResponse(*p, req.path));
    }
  }
  std::string name(t->title), target = "new";
  if (!req.body.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec || !v.is_object()) {
      return respond(ProblemResponse(dashboard::BadField("body", "must be a JSON object {name?, target?}"), req.path));
    }
    for (const auto& [key, value] : v.as_object()) {
      if (key != "name" && key != "target") {
        return respond(ProblemResponse(dashboard::BadField(key, "is not a member (name, target)"), req.path));
      }
      if (!value.is_string() || value.as_string().empty() || value.as_string().size() > 200) {
        return respond(ProblemResponse(dashboard::BadField(key, "must be a string of 1 to 200 bytes"), req.path));
      }
      (key == "name" ? name : target).assign(value.as_string().data(), value.as_string().size());
    }
    if (target != "new" && target != "own" && target != "default") {
      return respond(ProblemResponse(dashboard::BadField("target", "must be one of new, own, default"), req.path));
    }
  }
  auto change = [t, name](Dashboard d, const projection::TenantView&)
      -> std::variant<Dashboard, Problem> {
    // Replaced widgets are remembered as deleted (a stale change of one answers 409).
    for (const Widget& old : d.widgets) {
      if (t->widgets.end() == std::find_if(t->widgets.begin(), t->widgets.end(),
                                           [&](const Widget& w) { return w.id == old.id; })) {
        d.deleted_widgets.push_back(old.id);
      }
    }
    while (d.deleted_widgets.size() > own_state::kDeletedWidgetsKept) {
      d.deleted_widgets.erase(d.deleted_widgets.begin());
    }
    d.widgets = t->widgets;  // the service versions what changed
    d.name = name;
    return d;
  };
  auto answer = Answer(s, req, std::move(respond),
                       [](const DashboardService::Done& done, const dashboard::RenderContext& c) {
                         return DashboardResponse(*done.dashboard, c, 201);
                       });
  Caller caller = CallerOf(s, req);
  const std::string& org = req.params.at("org");
  if (target == "new") return s.dashboards->Create(org, caller, event::NewUuid(), change, answer);
  s.dashboards->Change(org, caller,
                       target == "own" ? std::string() : std::string(own_state::kDefaultDashboardId),
                       change, answer);
}

std::variant<std::vector<std::string>, Problem> ReadNames(const json::value& v, std::string_view field,
                                                          bool roles) {
  if (!v.is_array()) return dashboard::BadField(field, "must be an array of strings");
  if (v.as_array().size() > 100) return dashboard::BadField(field, "must hold at most 100 entries");
  std::vector<std::string> out;
  for (const json::value& e : v.as_array()) {
    if (!e.is_string() || e.as_string().empty() || e.as_string().size() > 200) {
      return dashboard::BadField(field, "must hold strings of 1 to 200 bytes");
    }
    std::string name(e.as_string().data(), e.as_string().size());
    if (roles && std::find(std::begin(kRoles), std::end(kRoles), name) == std::end(kRoles)) {
      return dashboard::BadField(field, "'" + name + "' is not a role (admin, analyst, sales, hr, "
                                                     "finance, operations, project_manager)");
    }
    out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Share(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {})) return respond(*std::move(r));
  int64_t if_match;
  if (auto p = ParseIfMatch(req, &if_match)) return respond(ProblemResponse(*p, req.path));
  const std::string& id = req.params.at("dashboard_id");
  if (id == own_state::kDefaultDashboardId) {
    return respond(ProblemResponse(
        dashboard::BadField("dashboard_id", "is the organization's default, which everyone sees"),
        req.path));
  }
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) {
    return respond(ProblemResponse(dashboard::BadField("body", "must be a JSON object {users?, roles?}"), req.path));
  }
  std::optional<std::vector<std::string>> users, roles;
  for (const auto& [key, value] : v.as_object()) {
    if (key != "users" && key != "roles") {
      return respond(ProblemResponse(dashboard::BadField(key, "is not a member (users, roles)"), req.path));
    }
    auto names = ReadNames(value, key, key == "roles");
    if (Problem* p = std::get_if<Problem>(&names)) return respond(ProblemResponse(*p, req.path));
    (key == "users" ? users : roles) = std::get<std::vector<std::string>>(std::move(names));
  }
  auto change = [users, roles, if_match](Dashboard d, const projection::TenantView&)
      -> std::variant<Dashboard, Problem> {
    if (auto p = CheckDashboardVersion(d, if_match)) return *std::move(p);
    if (users) d.shared_users = *users;
    if (roles) d.shared_roles = *roles;
    return d;
  };
  s.dashboards->Change(req.params.at("org"), CallerOf(s, req), id, change,
                       AnswerDashboard(s, req, std::move(respond)));
}

void DeleteDashboard(const Services& s, Request& req, Responder respond) {
  if (auto r = CheckChange(s, req, {})) return respond(*std::move(r));
  int64_t if_match;
  if (auto p = ParseIfMatch(req, &if_match)) return respond(ProblemResponse(*p, req.path));
  s.dashboards->Delete(req.params.at("org"), CallerOf(s, req), req.params.at("dashboard_id"),
                       if_match,
                       AnswerNoContent(s, req, std::move(respond)));
}

}  // namespace

void AddDashboardRoutes(Router* router, const Services& s) {
  router->Add("GET", "/dashboard-templates", Bind(s, ListTemplates));
  router->Add("GET", "/dashboards/{org}", Bind(s, GetCallers));
  router->Add("POST", "/dashboards/{org}/widgets", Bind(s, PostWidget));
  router->Add("GET", "/dashboards/{org}/widgets/{id}", Bind(s, GetWidget));
  router->Add("PUT", "/dashboards/{org}/widgets/{id}", Bind(s, PutWidget));
  router->Add("DELETE", "/dashboards/{org}/widgets/{id}", Bind(s, DeleteWidget));
  router->Add("PUT", "/dashboards/{org}/layout", Bind(s, PutLayout));
  router->Add("POST", "/dashboards/{org}/from-template/{name}", Bind(s, FromTemplate));
  router->Add("GET", "/dashboards/{org}/{dashboard_id}", Bind(s, GetOne));
  router->Add("DELETE", "/dashboards/{org}/{dashboard_id}", Bind(s, DeleteDashboard));
  router->Add("POST", "/dashboards/{org}/{dashboard_id}/share", Bind(s, Share));
}

}  // namespace readside::http
