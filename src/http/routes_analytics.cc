// The Analytics API (../shared/spec/api.md "Analytics"): domain routes, the dashboard,
// series, live activity and data quality, all read from the projector's published views.

#include <array>
#include <cmath>
#include <memory>
#include <optional>

#include "http/analytics_params.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "http/view_route.h"
#include "projection/lag_probe.h"
#include "projection/projector.h"
#include "query/analytics.h"

namespace readside::http {
namespace {

using query::Section;

constexpr Section kAllSections[] = {Section::kCrm,       Section::kHrm,
                                    Section::kFinance,   Section::kInventory,
                                    Section::kProjects,  Section::kCross};

std::vector<Section> Visible(query::DomainMask readable) {
  std::vector<Section> out;
  for (Section sec : kAllSections) {
    if (query::SectionVisible(sec, readable)) out.push_back(sec);
  }
  return out;
}

// The cached answer for `key`, or a fresh one from `build` (then cached until it may change,
// when `cacheable`).
Response Cached(const Services& s, const projection::Projector::TenantRead& read,
                std::string key, bool cacheable, int64_t now,
                const std::function<std::string()>& build,
                const std::function<int64_t()>& valid_until) {
  if (s.cache == nullptr) return JsonResponse(build());
  ResponseCache::Lookup lookup{.key = std::move(key),
                               .position = read.position,
                               .counts_version = s.store->CountsVersion(),
                               .now_micros = now,
                               .cacheable = cacheable};
  return JsonResponse(s.cache->GetOrBuild(lookup, build, valid_until));
}

// `period`: FormatPeriod of the answer's period.
std::string CacheKey(std::string_view route, const projection::Projector::TenantRead& read,
                     std::string_view period, uint64_t extra, bool stale) {
  std::string key(route);
  key += '|';
  key += read.view->settings.organization_id;
  key += '|';
  key += period;
  key += '|';
  key += std::to_string(extra);
  key += stale ? "|s" : "|f";
  return key;
}

// How far behind the node's answers are: the lag probe's view (the read models and, with Kafka
// on, the upstream), else the projector's own.
projection::LagProbe::Staleness Freshness(const Services& s) {
  return s.lag != nullptr ? s.lag->Freshness()
                          : projection::LagProbe::Staleness{.stale = s.projector->Stale()};
}

// Answers a body over one period (`period`, `as_of` parameters) from the cache while it is
// exact, else from `build`. `sections_mask` tells apart answers over different sections.
Response PeriodAnswer(const Services& s, const projection::Projector::TenantRead& read,
                      const Request& r, int64_t now, std::string_view route,
                      uint64_t sections_mask, query::DomainMask readable, bool includes_finance,
                      const std::function<std::string(const query::AnalyticsRequest&)>& build) {
  projection::Period period;
  int64_t as_of;
  if (auto p = ParsePeriodParam(r, read.view->calendar, now, &period)) {
    return ProblemResponse(*p, r.path);
  }
  if (auto p = ParseAsOf(r, now, &as_of)) return ProblemResponse(*p, r.path);
  std::string period_text = projection::FormatPeriod(period);  // formatted once: key and span
  // Tracing: the query is the request's server span (docs/decisions.md, "One span per
  // analytics answer"): its tenant, period and the position it was answered at.
  if (r.span != nullptr && r.span->recording()) {
    r.span->SetAttribute("readside.organization_id", read.view->settings.organization_id);
    r.span->SetAttribute("readside.period", period_text);
    r.span->SetAttribute("readside.position", static_cast<int64_t>(read.position));
  }
  projection::LagProbe::Staleness fresh = Freshness(s);
  bool stale = fresh.stale;
  query::AnalyticsRequest q{*read.view, period, as_of, stale, readable};
  q.stale_seconds = fresh.seconds;
  // An explicit as_of is the client's choice: caching it would let clients fill the cache.
  // A stale answer says how stale: it is built each time.
  bool cacheable = r.Query("as_of") == nullptr && !stale;
  return Cached(
      s, read, CacheKey(route, read, period_text, (sections_mask << 8) | readable, stale), cacheable,
      now, [&] { return build(q); },
      [&] { return query::AnswerValidUntil(q, includes_finance, r.Query("as_of"), now); });
}

// GET /analytics/<domain>/<name>/{org}
Handler SectionRoute(const Services& s, Section section) {
  return [s, section](Request& req, Responder respond) {
    auto params = {std::string_view("period"), std::string_view("as_of"),
                   std::string_view("min_position"), std::string_view("wait_ms")};
    ServeView(s, req, std::move(respond), params,
              [s, section](const projection::Projector::TenantRead& read, const Request& r,
                           int64_t now) {
                return PeriodAnswer(s, read, r, now, query::SectionName(section), 0,
                                    s.access->ReadableDomains(r),
                                    section == Section::kFinance,
                                    [section](const query::AnalyticsRequest& q) {
                                      return query::SectionBody(section, q);
                                    });
              },
              section);
  };
}

void Dashboard(const Services& s, Request& req, Responder respond) {
  query::DomainMask readable = s.access->ReadableDomains(req);
  std::vector<Section> sections = Visible(readable);
  bool quality = !sections.empty();
  bool finance = std::find(sections.begin(), sections.end(), Section::kFinance) != sections.end();
  uint64_t mask = 0;
  for (Section sec : sections) mask |= uint64_t{1} << static_cast<int>(sec);
  ServeView(s, req, std::move(respond), {"period", "as_of", "min_position", "wait_ms"},
            [s, sections, quality, finance, mask, readable](
                const projection::Projector::TenantRead& read, const Request& r, int64_t now) {
              return PeriodAnswer(
                  s, read, r, now, "dashboard", mask, readable, finance,
                  [&](const query::AnalyticsRequest& q) {
                    store::TenantCounts c =
                        s.store->GetTenantCounts(read.view->settings.organization_id);
                    return query::DashboardBody(q, sections, quality,
                                                {c.duplicates, c.conflicts, c.rejected});
                  });
            });
}

// `body` (a JSON object) with the node's freshness in front: "stale", and "stale_seconds"
// while stale (operations.md: answers built while the data is behind say so). The domain
// bodies write theirs themselves (query::WriteStale); this is for the other analytics answers.
std::string WithFreshness(const Services& s, std::string body) {
  projection::LagProbe::Staleness fresh = Freshness(s);
  if (body.size() < 2 || body.front() != '{') return body;
  std::string head = fresh.stale ? "{\"stale\":true,\"stale_seconds\":" +
                                       std::to_string(static_cast<int64_t>(std::ceil(fresh.seconds)))
                                 : std::string("{\"stale\":false");
  if (body[1] != '}') head += ',';
  head.append(body, 1, std::string::npos);
  return head;
}

Response SeriesResponse(const Services& s, const projection::Projector::TenantRead& read,
                        const Request& r, int64_t now) {
  Section section;
  const std::string* domain = r.Query("domain");
  if (domain == nullptr || !query::ParseSection(*domain, &section)) {
    return ProblemResponse(
        BadParameter("domain", "is required: one of crm, hrm, finance, inventory, projects, cross"),
        r.path);
  }
  const std::string* metric_name = r.Query("metric");
  const query::ScalarMetric* metric =
      metric_name ? query::FindScalarMetric(section, *metric_name) : nullptr;
  if (metric == nullptr) {
    std::string names;
    for (const query::ScalarMetric& m : query::ScalarMetrics()) {
      if (m.section == section) names += (names.empty() ? "" : ", ") + std::string(m.name);
    }
    return ProblemResponse(
        BadParameter("metric", "must be a numeric metric of " + *domain + ": " + names), r.path);
  }
  if ((query::SourcesOf(*metric) & ~s.access->ReadableDomains(r)) != 0) {
    return ForbiddenDomain(*domain, r.path);
  }
  std::vector<projection::Period> periods;
  int64_t as_of;
  if (auto p = ParseSeriesPeriods(r, read.view->calendar, now, &periods)) {
    return ProblemResponse(*p, r.path);
  }
  if (auto p = ParseAsOf(r, now, &as_of)) return ProblemResponse(*p, r.path);
  return JsonResponse(WithFreshness(s, query::SeriesBody(*read.view, *metric, periods, as_of)));
}

void Series(const Services& s, Request& req, Responder respond) {
  ServeView(s, req, std::move(respond),
            {"domain", "metric", "granularity", "from", "to", "as_of", "min_position", "wait_ms"},
            [s](const projection::Projector::TenantRead& read, const Request& r, int64_t now) {
              return SeriesResponse(s, read, r, now);
            });
}

void Live(const Services& s, Request& req, Responder respond) {
  std::vector<Section> sections = Visible(s.access->ReadableDomains(req));
  ServeView(s, req, std::move(respond), {"min_position", "wait_ms"},
            [s, sections](const projection::Projector::TenantRead& read, const Request&,
                          int64_t now) {
              return JsonResponse(WithFreshness(
                  s, query::LiveBody({*read.view, now, read.position, s.store->LastPosition(),
                                      sections})));
            });
}

void Quality(const Services& s, Request& req, Responder respond) {
  ServeView(s, req, std::move(respond), {"min_position", "wait_ms"},
            [s](const projection::Projector::TenantRead& read, const Request&, int64_t) {
              store::TenantCounts c = s.store->GetTenantCounts(read.view->settings.organization_id);
              return JsonResponse(WithFreshness(
                  s, query::QualityBody(*read.view, {c.duplicates, c.conflicts, c.rejected})));
            });
}

}  // namespace

void AddAnalyticsRoutes(Router* router, const Services& s) {
  router->Add("GET", "/analytics/dashboard/{org}", Bind(s, Dashboard));
  router->Add("GET", "/analytics/crm/pipeline/{org}", SectionRoute(s, Section::kCrm));
  router->Add("GET", "/analytics/hrm/headcount/{org}", SectionRoute(s, Section::kHrm));
  router->Add("GET", "/analytics/finance/revenue/{org}", SectionRoute(s, Section::kFinance));
  router->Add("GET", "/analytics/inventory/turnover/{org}", SectionRoute(s, Section::kInventory));
  router->Add("GET", "/analytics/projects/utilization/{org}", SectionRoute(s, Section::kProjects));
  router->Add("GET", "/analytics/cross/{org}", SectionRoute(s, Section::kCross));
  router->Add("GET", "/analytics/series/{org}", Bind(s, Series));
  router->Add("GET", "/analytics/metrics/live/{org}", Bind(s, Live));
  router->Add("GET", "/analytics/data-quality/{org}", Bind(s, Quality));
}

}  // namespace readside::http
