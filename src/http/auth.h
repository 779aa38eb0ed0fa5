#pragma once
// The one place where requests are authorized. Every route that touches tenant data asks the
// AccessPolicy before doing anything; the policy answers with a Problem (401/403/404) or
// nothing. JWT verification and the role matrix plug in here (issue 4); until then the
// OpenAccess policy admits every request.
// Thread-safety: implementations must be safe for concurrent calls.

#include <optional>
#include <string_view>

#include "common/problem.h"
#include "http/request.h"

namespace readside::http {

enum class Action { kIngest, kReadEvents, kReadAnalytics, kAdmin };

class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;
  // `organization_id` is empty for actions not bound to one tenant (POST /events checks each
  // event's organization through AuthorizeEventOrganization instead).
  virtual std::optional<Problem> Authorize(const Request& req, Action action,
                                           std::string_view organization_id) const = 0;
  // Whether the (already authorized) caller may read a domain's metrics ("crm", "hrm",
  // "finance", "inventory", "projects", "cross"): 403 on the domain's own routes, and the
  // section is left out of composite responses.
  virtual bool MayReadDomain(const Request& req, std::string_view domain) const { return true; }
};

class OpenAccess final : public AccessPolicy {
 public:
  std::optional<Problem> Authorize(const Request&, Action, std::string_view) const override {
    return std::nullopt;
  }
};

}  // namespace readside::http
