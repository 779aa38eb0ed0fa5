#pragma once
// TokenAccess: the production AccessPolicy (../shared/spec/api.md "Auth"). The caller is the
// Principal the Gate put on the request. Checks, in this order, so that an answer never tells
// more than the caller may know:
//   1. the organization is one of the token's (else 404, the same answer whether or not the
//      tenant exists; "*" operations need a token for every organization, else 403);
//   2. the roles allow the action (else 403);
//   3. the tenant's request budget (token bucket; else 429 with Retry-After).
// Roles → domains: crm: admin, analyst, sales · hrm: admin, hr · finance: admin, analyst,
// finance · inventory: admin, analyst, operations · projects: admin, analyst, project_manager.
// `ingest` may POST events for its organizations; `admin` may do everything for its
// organizations, including reading raw events and the admin routes. Any role may read its
// organizations' settings.
// Thread-safety: safe for concurrent calls.

#include <span>
#include <string>

#include "common/clock.h"
#include "http/auth.h"
#include "http/rate_limiter.h"

namespace readside::http {

// The domains a set of roles may read (unknown roles grant nothing).
query::DomainMask DomainsOfRoles(std::span<const std::string> roles);

class TokenAccess final : public AccessPolicy {
 public:
  TokenAccess(RateLimit per_tenant, const Clock* clock);

  std::optional<Problem> Authorize(const Request& req, Action action,
                                   std::string_view organization_id) const override;
  query::DomainMask ReadableDomains(const Request& req) const override;
  bool MayWriteOrganization(const Request& req, std::string_view organization_id) const override;

 private:
  mutable RateLimiter tenants_;
  const Clock* clock_;
};

}  // namespace readside::http
