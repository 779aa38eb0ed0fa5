#include "http/access_policy.h"

#include <algorithm>

namespace readside::http {
namespace {

using query::DomainBit;
using query::Section;

struct RoleDomains {
  std::string_view role;
  query::DomainMask domains;
};

constexpr RoleDomains kRoles[] = {
    {"admin", query::kAllDomains},
    {"analyst", DomainBit(Section::kCrm) | DomainBit(Section::kFinance) |
                    DomainBit(Section::kInventory) | DomainBit(Section::kProjects)},
    {"sales", DomainBit(Section::kCrm)},
    {"hr", DomainBit(Section::kHrm)},
    {"finance", DomainBit(Section::kFinance)},
    {"operations", DomainBit(Section::kInventory)},
    {"project_manager", DomainBit(Section::kProjects)},
};

Problem Forbidden(std::string detail) {
  return {.status = 403, .title = "Forbidden", .detail = std::move(detail)};
}

}  // namespace

query::DomainMask DomainsOfRoles(std::span<const std::string> roles) {
  query::DomainMask mask = 0;
  for (const std::string& role : roles) {
    for (const RoleDomains& r : kRoles) {
      if (r.role == role) mask |= r.domains;
    }
  }
  return mask;
}

TokenAccess::TokenAccess(RateLimit per_tenant, const Clock* clock)
    : tenants_(per_tenant), clock_(clock) {}

std::optional<Problem> TokenAccess::Authorize(const Request& req, Action action,
                                              std::string_view org) const {
  const auth::Principal* p = req.principal.get();
  if (p == nullptr) {
    return Problem{.status = 401, .title = "Unauthorized", .detail = "missing bearer token"};
  }
  if (org == "*") {
    if (!p->all_organizations) {
      return Forbidden(
          "this operation spans every organization: it needs a token whose orgs "
          "claim is [\"*\"]");
    }
  } else if (!org.empty() && !p->HasOrganization(org)) {
    return Problem{.status = 404,
                   .title = "Not found",
                   .detail = "no organization '" + std::string(org) + "'"};
  }
  bool admin = p->HasRole("admin");
  switch (action) {
    case Action::kIngest:
      if (!admin && !p->HasRole("ingest")) {
        return Forbidden("storing events needs the ingest or admin role");
      }
      break;
    case Action::kReadEvents:
      if (!admin) return Forbidden("reading stored events needs the admin role");
      break;
    case Action::kAdmin:
      if (!admin) return Forbidden("this operation needs the admin role");
      break;
    case Action::kReadAnalytics:
      if (DomainsOfRoles(p->roles) == 0) {
        return Forbidden("your roles include no analytics domain");
      }
      break;
    case Action::kReadSettings:
      break;  // any role of the organization
  }
  // POST /events (no organization in the path) is charged to a single-tenant token's tenant.
  std::string_view tenant = org;
  if (tenant.empty() && !p->all_organizations && p->organizations.size() == 1) {
    tenant = p->organizations.front();
  }
  if (!tenant.empty() && tenant != "*" && tenants_.enabled()) {
    if (int64_t wait = tenants_.Take(tenant, clock_->MonotonicNanos())) {
      return Problem{.status = 429,
                     .title = "Too many requests",
                     .detail = "organization '" + std::string(tenant) +
                               "' is over its request rate; retry after " + std::to_string(wait) +
                               " s",
                     .retry_after_seconds = static_cast<int>(std::min<int64_t>(wait, 86400))};
    }
  }
  return std::nullopt;
}

query::DomainMask TokenAccess::ReadableDomains(const Request& req) const {
  return req.principal ? DomainsOfRoles(req.principal->roles) : 0;
}

bool TokenAccess::MayWriteOrganization(const Request& req, std::string_view org) const {
  return req.principal && req.principal->HasOrganization(org);
}

}  // namespace readside::http
