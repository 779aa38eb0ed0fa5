#include "report/report.h"

#include <algorithm>

#include "report/builders.h"

namespace readside::report {
namespace {

Problem BadParameter(std::string field, std::string message) {
  Problem p;
  p.status = 400;
  p.title = "Invalid report request";
  p.detail = field + ": " + message;
  p.errors.push_back({std::move(field), std::move(message)});
  return p;
}

std::string Joined(const std::vector<std::string_view>& values) {
  std::string out;
  for (std::string_view v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

}  // namespace

std::string_view ReportRequest::Param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (n == name) return v;
  }
  return {};
}

std::optional<Problem> ResolveRequest(
    std::string_view report, std::string_view type, std::string_view period_text,
    const std::vector<std::pair<std::string, std::string>>& given,
    const projection::LocalCalendar& calendar, int64_t now_micros, const TypeSpec** spec,
    projection::Period* period, std::vector<std::pair<std::string, std::string>>* params) {
  std::vector<std::string_view> reports, types;
  for (const TypeSpec& t : Catalog()) {
    if (std::find(reports.begin(), reports.end(), t.report) == reports.end()) {
      reports.push_back(t.report);
    }
    if (t.report == report) types.push_back(t.type);
  }
  if (types.empty()) {
    return BadParameter("report", "unknown report '" + std::string(report) +
                                      "'; known reports: " + Joined(reports));
  }
  if (type.empty()) {
    return BadParameter("type", "is required; types of " + std::string(report) + ": " +
                                    Joined(types));
  }
  const TypeSpec* t = FindType(report, type);
  if (t == nullptr) {
    return BadParameter("type", "unknown type '" + std::string(type) + "' of report " +
                                    std::string(report) + "; known types: " + Joined(types));
  }
  if (period_text.empty()) {
    projection::LocalCalendar cal = calendar;
    *period = projection::PeriodContaining(projection::Granularity::kMonth, cal.DayOf(now_micros));
  } else {
    absl::StatusOr<projection::Period> p = projection::ParsePeriod(period_text);
    if (!p.ok()) return BadParameter("period", std::string(p.status().message()));
    *period = *p;
  }
  params->clear();
  for (const auto& given_param : given) {
    const std::string& name = given_param.first;
    const std::string& value = given_param.second;
    auto it = std::find_if(t->params.begin(), t->params.end(),
                           [&](const ParamSpec& p) { return p.name == name; });
    if (it == t->params.end()) {
      std::vector<std::string_view> names = {"type", "period"};
      for (const ParamSpec& p : t->params) names.push_back(p.name);
      return BadParameter(name, "unknown parameter of " + std::string(report) + "/" +
                                    std::string(type) + "; accepted: " + Joined(names));
    }
    if (!it->values.empty() &&
        std::find(it->values.begin(), it->values.end(), value) == it->values.end()) {
      return BadParameter(name, "'" + value + "' is not one of " + Joined(it->values));
    }
  }
  for (const ParamSpec& p : t->params) {
    auto it = std::find_if(given.begin(), given.end(),
                           [&](const auto& g) { return g.first == p.name; });
    if (it != given.end()) {
      params->emplace_back(it->first, it->second);
    } else if (!p.default_value.empty()) {
      params->emplace_back(std::string(p.name), std::string(p.default_value));
    }
  }
  *spec = t;
  return std::nullopt;
}

Document BuildReport(const ReportRequest& request) {
  Document doc;
  doc.organization_id = request.view.settings.organization_id;
  doc.title = std::string(request.spec.title);
  doc.report = std::string(request.spec.report);
  doc.type = std::string(request.spec.type);
  doc.period = projection::FormatPeriod(request.period);
  doc.parameters = request.params;
  doc.generated_at_micros = request.now_micros;
  doc.position = request.position != 0 ? request.position : request.view.position;
  doc.currency = request.view.settings.currency;
  request.spec.build(request, &doc);
  return doc;
}

}  // namespace readside::report
