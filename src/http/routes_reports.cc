// Reports (../shared/spec/reports.md): the catalog, a report's JSON preview, and its export
// to CSV, XLSX and PDF. A report is built from one published view (the X-Readside-Position
// it answers with is the document's position); the export renders the same Document.

#include "common/json_writer.h"
#include "http/analytics_params.h"
#include "http/routes.h"
#include "http/view_route.h"
#include "report/report.h"

namespace readside::http {
namespace {

// The query parameters every report route reads itself; the rest are the type's parameters.
constexpr std::string_view kReadParams[] = {"type", "period", "min_position", "wait_ms"};

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
              report::Document doc =
                  report::BuildReport(report::ReportRequest{*read.view, *spec, p, params, now});
              return JsonResponse(report::ToJson(doc));
            });
}

}  // namespace

void AddReportRoutes(Router* router, const Services& s) {
  router->Add("GET", "/reports/catalog", Bind(s, Catalog));
  router->Add("GET", "/reports/{report}/{org}", Bind(s, Preview));
}

}  // namespace readside::http
