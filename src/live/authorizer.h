#pragma once
// Who a live connection's client is, and whether it may read an organization: the HTTP layer
// implements this with the same Authenticator and AccessPolicy its routes use
// (http/routes_live.cc), so a subscription is authorized exactly like the route it mirrors.
// Thread-safety: implementations must be safe for concurrent calls.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/jwt.h"
#include "common/problem.h"
#include "dashboard/dashboards.h"

namespace readside::live {

struct Identity {
  std::shared_ptr<const auth::Principal> principal;
  dashboard::Caller caller;  // subject, roles, admin, the readable domains
  int64_t expires_at = 0;    // the token's exp, seconds since the epoch
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // Verifies a bearer token; Unauthenticated with the reason ("token expired", …).
  virtual absl::StatusOr<Identity> Authenticate(std::string_view token) const = 0;
  // The HTTP routes' organization check (404 not one of the token's, 429 the tenant's
  // request budget); nullopt: allowed.
  virtual std::optional<Problem> Authorize(const Identity& who, std::string_view org) const = 0;
};

}  // namespace readside::live
