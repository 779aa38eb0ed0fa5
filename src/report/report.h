#pragma once
// Running a report: the catalog of ../shared/spec/reports.md (reports, types, parameters,
// the domain each needs), parameter validation, and building a Document from one published
// TenantView. HTTP-neutral: routes authorize and map errors to problem+json.
// Thread-safety: pure functions of immutable inputs; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/problem.h"
#include "projection/tenant_view.h"
#include "query/section.h"
#include "report/document.h"

namespace readside::report {

struct ParamSpec {
  std::string_view name;
  std::string_view description;
  std::vector<std::string_view> values;  // the accepted values; empty: free text (see check)
  std::string_view default_value;        // empty: no default (optional parameter)
};

struct ReportRequest;
using BuildFn = void (*)(const ReportRequest& request, Document* doc);

struct TypeSpec {
  std::string_view report;  // financial, sales, hr, inventory, projects
  std::string_view type;    // pnl, …
  std::string_view title;   // "Profit and loss"
  std::string_view description;
  query::Section domain;    // the domain role the report needs (finance, crm, …)
  std::vector<ParamSpec> params;  // beyond `type` and `period`
  BuildFn build = nullptr;
};

// Every report type, in catalog order.
const std::vector<TypeSpec>& Catalog();
// The entry for (report, type), or nullptr.
const TypeSpec* FindType(std::string_view report, std::string_view type);
bool IsReport(std::string_view report);
// GET /reports/catalog: {reports: [{report, domain, types: [{type, title, description,
// parameters: [{name, description, values?, default?}]}]}], formats: […]}
std::string CatalogJson();

// What a report runs with. `params` holds every parameter of the type, defaults filled in.
struct ReportRequest {
  const projection::TenantView& view;
  const TypeSpec& spec;
  projection::Period period;
  std::vector<std::pair<std::string, std::string>> params;
  int64_t now_micros = 0;
  // The store position of the published snapshot `view` was read from (the
  // X-Readside-Position of the answer); 0: the view's own position.
  uint64_t position = 0;

  // The value of parameter `name` ("" when absent).
  std::string_view Param(std::string_view name) const;
};

// Checks (report, type, parameters) against the catalog: unknown report, type or parameter
// and bad values answer a 400 Problem naming the field. `period_text` empty means the
// current month of the tenant's calendar at `now_micros`. On success fills *spec, *period and
// *params (defaults included).
std::optional<Problem> ResolveRequest(
    std::string_view report, std::string_view type, std::string_view period_text,
    const std::vector<std::pair<std::string, std::string>>& given,
    const projection::LocalCalendar& calendar, int64_t now_micros, const TypeSpec** spec,
    projection::Period* period, std::vector<std::pair<std::string, std::string>>* params);

// Builds the document: header fields from the request and view, sections from the builder.
Document BuildReport(const ReportRequest& request);

}  // namespace readside::report
