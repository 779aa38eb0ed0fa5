// libFuzzer target: report parameters (report/report.h, http/routes_reports.cc), through the
// routes over real read models (route_stack.h) and on the catalog's resolver directly. The
// first byte chooses how the rest is sent:
//   % 3 == 0  preview: the first line is the report's name, each further line a `name=value`
//             query parameter → GET /reports/{report}/fuzz-a (200, or a 400 naming a field);
//   % 3 == 1  export: the rest is the JSON body of POST /reports/export/{format} (csv, excel
//             or pdf by the first byte's upper bits) → 200, a 400 naming a member, 404 for an
//             organization the caller lacks, 413 for an export over the row limit;
//   % 3 == 2  schedule: the rest is the JSON body of POST /reports/schedule → a 400 naming a
//             member, 404, or (the body valid) 503 from this stack, which runs no scheduler.
// In preview mode the parameters also go to report::ResolveRequest: a refusal is a 400 whose
// field is the report, the type, the period or a given parameter; an acceptance fills every
// parameter that has a default and builds a document whose JSON parses.

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "report/report.h"
#include "route_stack.h"

namespace {

using namespace readside;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "report_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void CheckResolve(std::string_view report, const http::Request& req) {
  std::vector<std::pair<std::string, std::string>> given;
  std::string type, period;
  for (const auto& [k, v] : req.query) {
    if (k == "type") {
      type = v;
    } else if (k == "period") {
      period = v;
    } else if (k != "min_position" && k != "wait_ms" && k != "min_offsets") {
      given.emplace_back(k, v);
    }
  }
  projection::Projector::TenantRead read = fuzz::TheRouteStack().projector->Read("fuzz-a");
  if (read.view == nullptr) Fail("no view", "fuzz-a");
  const report::TypeSpec* spec = nullptr;
  projection::Period p;
  std::vector<std::pair<std::string, std::string>> params;
  int64_t now = fuzz::kSimEnd;
  if (auto problem = report::ResolveRequest(report, type, period, given, read.view->calendar, now,
                                            &spec, &p, &params)) {
    if (problem->status != 400 || problem->errors.empty()) Fail("problem", problem->detail);
    const std::string& field = problem->errors[0].field;
    bool named = field == "report" || field == "type" || field == "period";
    for (const auto& g : given) named = named || g.first == field;
    if (!named) Fail("refusal names no given field", field);
    return;
  }
  if (spec == nullptr || p.first_day >= p.end_day)
    Fail("accepted without a spec or period", report);
  for (const report::ParamSpec& ps : spec->params) {
    if (ps.default_value.empty()) continue;
    bool present = false;
    for (const auto& q : params) present = present || q.first == ps.name;
    if (!present) Fail("default not filled in", ps.name);
  }
  report::Document doc =
      report::BuildReport(report::ReportRequest{*read.view, *spec, p, params, now, read.position});
  boost::system::error_code ec;
  boost::json::parse(report::ToJson(doc), ec);
  if (ec) Fail("report JSON does not parse", report);
}

constexpr std::string_view kFormats[] = {"csv", "csv", "excel", "pdf"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  fuzz::RouteStack& stack = fuzz::TheRouteStack();
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  http::Request req;
  switch (data[0] % 3) {
    case 0: {
      size_t nl = rest.find('\n');
      std::string report(rest.substr(0, nl));
      if (report.empty() || report.find('/') != std::string::npos) return 0;  // not a path segment
      req.method = "GET";
      req.path = "/reports/" + report + "/fuzz-a";
      rest = nl == std::string_view::npos ? "" : rest.substr(nl + 1);
      fuzz::ParseQueryLines(rest, &req);
      bool waits = req.query.contains("min_position") || req.query.contains("min_offsets");
      if (waits) req.query["wait_ms"] = "0";
      CheckResolve(report, req);
      http::Request sent = req;
      http::Response r = stack.Call(std::move(req));
      if (waits) {
        fuzz::CheckAnswer(sent, r, {200, 400, 503});
      } else {
        fuzz::CheckAnswer(sent, r, {200, 400});
      }
      return 0;
    }
    case 1: {
      req.method = "POST";
      req.path = "/reports/export/" + std::string(kFormats[(data[0] >> 2) % std::size(kFormats)]);
      req.headers["content-type"] = "application/json";
      req.body = std::string(rest);
      http::Request sent = req;
      fuzz::CheckAnswer(sent, stack.Call(std::move(req)), {200, 400, 404, 413});
      return 0;
    }
    default: {
      req.method = "POST";
      req.path = "/reports/schedule";
      req.headers["content-type"] = "application/json";
      req.body = std::string(rest);
      http::Request sent = req;
      fuzz::CheckAnswer(sent, stack.Call(std::move(req)), {400, 404, 503});
      return 0;
    }
  }
}

// LeakSanitizer: fontconfig (under Pango, for PDF exports) keeps its configuration and font
// patterns for the whole process and never frees them; as in report_export_test.cc.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
