#pragma once
// The one place where requests are authorized. Every route that touches tenant data asks the
// AccessPolicy before doing anything; the policy answers with a Problem (401/403/404/429) or
// nothing. TokenAccess (access_policy.h) is the production policy: the caller is the
// Principal of a verified bearer token (set on the Request by the Gate).
// Thread-safety: implementations must be safe for concurrent calls.

#include <optional>
#include <string_view>

#include "common/problem.h"
#include "http/request.h"
#include "query/section.h"

namespace readside::http {

// kReadSettings: the tenant's settings (time zone, currency, name), which any caller of the
// organization may read whatever its roles (clients format numbers with them).
enum class Action { kIngest, kReadEvents, kReadAnalytics, kAdmin, kReadSettings };

class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;
  // `organization_id` is the tenant the request is about; "*" for operations over every
  // tenant; empty for actions bound to no tenant (POST /events checks each event's
  // organization through MayWriteOrganization instead). Routes call this once per request
  // (the per-tenant rate limit is charged here).
  virtual std::optional<Problem> Authorize(const Request& req, Action action,
                                           std::string_view organization_id) const = 0;
  // The domains whose metrics the (already authorized) caller may read: 403 on a domain's
  // own routes, and left out of composite responses.
  virtual query::DomainMask ReadableDomains(const Request& req) const { return query::kAllDomains; }
  // Whether the caller may store events for `organization_id` (POST /events, per event).
  virtual bool MayWriteOrganization(const Request& req, std::string_view organization_id) const {
    return true;
  }
};

}  // namespace readside::http
