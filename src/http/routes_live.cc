// The live-update endpoints (docs/live.md): WebSocket handshakes on /analytics/real-time/{org}
// and /dashboards/live/{org} — Origin, token and organization checked like the HTTP routes
// (the same Authenticator and AccessPolicy), then a live::Connection drives the socket. A
// plain GET on either path is answered 426.

#include <algorithm>

#include "auth/authenticator.h"
#include "http/routes.h"
#include "live/connection.h"

namespace readside::http {
namespace {

constexpr std::string_view kAnalyticsPrefix = "/analytics/real-time/";
constexpr std::string_view kDashboardsPrefix = "/dashboards/live/";

class TokenAuthorizer final : public live::Authorizer {
 public:
  TokenAuthorizer(const Services& s, const auth::Authenticator* authenticator)
      : s_(s), authenticator_(authenticator) {}

  absl::StatusOr<live::Identity> Authenticate(std::string_view token) const override {
    if (authenticator_ == nullptr) return absl::UnauthenticatedError("no keys are configured");
    auto principal = authenticator_->Authenticate("Bearer " + std::string(token),
                                                  s_.clock->NowMicros() / 1'000'000);
    if (!principal.ok()) return principal.status();
    Request req;
    req.principal = *principal;
    live::Identity who;
    who.principal = *principal;
    who.expires_at = (*principal)->expires_at;
    who.caller = DashboardCallerOf(s_, req);
    return who;
  }

  std::optional<Problem> Authorize(const live::Identity& who, std::string_view org) const override {
    Request req;
    req.principal = who.principal;
    return CheckOrganization(s_, req, Action::kReadAnalytics, std::string(org));
  }

 private:
  Services s_;
  const auth::Authenticator* authenticator_;
};

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// `Sec-WebSocket-Protocol: bearer, <token>`: the token, or "" when the client did not offer
// the bearer subprotocol. `bad`: bearer offered without a token.
std::string BearerToken(std::string_view header, bool* bad) {
  *bad = false;
  std::vector<std::string_view> offered;
  while (!header.empty()) {
    size_t comma = header.find(',');
    offered.push_back(Trim(header.substr(0, comma)));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  for (size_t i = 0; i < offered.size(); ++i) {
    if (offered[i] != "bearer") continue;
    if (i + 1 < offered.size() && !offered[i + 1].empty()) return std::string(offered[i + 1]);
    *bad = true;
  }
  return "";
}

// The origin (scheme://host[:port]) names this server: the web app it serves.
bool SameOrigin(std::string_view origin, std::string_view host) {
  size_t scheme = origin.find("://");
  return scheme != std::string_view::npos && !host.empty() && origin.substr(scheme + 3) == host;
}

Response Refuse(int status, std::string title, std::string detail, const Request& req) {
  return ProblemResponse({.status = status, .title = std::move(title), .detail = std::move(detail)},
                         req.path);
}

}  // namespace

Upgrade LiveUpgrade(const LiveEndpoints& endpoints, Request& req) {
  const Services& s = endpoints.services;
  std::string_view path = req.path;
  live::Endpoint endpoint;
  if (path.starts_with(kAnalyticsPrefix)) {
    endpoint = live::Endpoint::kAnalytics;
    path.remove_prefix(kAnalyticsPrefix.size());
  } else if (path.starts_with(kDashboardsPrefix)) {
    endpoint = live::Endpoint::kDashboards;
    path.remove_prefix(kDashboardsPrefix.size());
  } else {
    return {.refusal = Refuse(404, "Not found",
                              "no WebSocket endpoint at this path (/analytics/real-time/{org}, "
                              "/dashboards/live/{org})",
                              req)};
  }
  if (path.empty() || path.find('/') != std::string_view::npos) {
    return {.refusal = Refuse(404, "Not found", "the path needs one organization id", req)};
  }
  std::string org(path);
  req.params["org"] = org;
  std::string_view origin = req.Header("origin");
  if (!origin.empty() && !SameOrigin(origin, req.Header("host")) &&
      std::none_of(endpoints.allowed_origins.begin(), endpoints.allowed_origins.end(),
                   [&](const std::string& o) { return o == "*" || o == origin; })) {
    return {.refusal = Refuse(403, "Forbidden",
                              "origin '" + std::string(origin.substr(0, 200)) +
                                  "' is not allowed (--cors-origins)",
                              req)};
  }
  if (!req.query.empty()) {
    return {.refusal = Refuse(400, "Bad request",
                              "query parameter '" + req.query.begin()->first.substr(0, 64) +
                                  "' is not accepted: the token goes in Sec-WebSocket-Protocol "
                                  "or the first message, never in the URL",
                              req)};
  }
  if (s.live == nullptr) {
    return {.refusal = Refuse(503, "Live updates unavailable", "this server runs no live hub", req)};
  }
  bool bad = false;
  std::string token = BearerToken(req.Header("sec-websocket-protocol"), &bad);
  if (bad) {
    return {.refusal = Refuse(401, "Unauthorized",
                              "Sec-WebSocket-Protocol offers 'bearer' without a token after it "
                              "(bearer, <token>)",
                              req)};
  }
  std::optional<live::Identity> identity;
  if (!token.empty()) {
    absl::StatusOr<live::Identity> who = endpoints.authorizer->Authenticate(token);
    if (!who.ok()) {
      Response r = Refuse(401, "Unauthorized", std::string(who.status().message()), req);
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"readside\", error=\"invalid_token\"");
      return {.refusal = std::move(r)};
    }
    if (auto refused = endpoints.authorizer->Authorize(*who, org)) {
      return {.refusal = ProblemResponse(*refused, req.path)};
    }
    req.principal = who->principal;  // the access log names the subject
    identity = std::move(*who);
  }
  auto connection = std::make_shared<live::Connection>(endpoint, org, s.live, endpoints.authorizer,
                                                       endpoints.connection, std::move(identity));
  return {.handler = std::move(connection), .subprotocol = token.empty() ? "" : "bearer"};
}

LiveEndpoints::LiveEndpoints(const Services& s, const auth::Authenticator* authenticator,
                             std::vector<std::string> origins, live::ConnectionOptions options)
    : services(s),
      authorizer(std::make_shared<TokenAuthorizer>(s, authenticator)),
      allowed_origins(std::move(origins)),
      connection(options) {}

void AddLiveRoutes(Router* router, const Services& s) {
  // Access first, as on every route about an organization (another tenant's: 404).
  auto upgrade_required = [s](Request& req, Responder respond) {
    if (auto problem = CheckOrganization(s, req, Action::kReadAnalytics, req.params["org"])) {
      return respond(ProblemResponse(*problem, req.path));
    }
    Response r = ProblemResponse(
        {.status = 426,
         .title = "Upgrade required",
         .detail = "this is a WebSocket endpoint: connect with Upgrade: websocket (docs/live.md)"},
        req.path);
    r.headers.emplace_back("Upgrade", "websocket");
    r.headers.emplace_back("Connection", "Upgrade");
    respond(std::move(r));
  };
  router->Add("GET", "/analytics/real-time/{org}", upgrade_required);
  router->Add("GET", "/dashboards/live/{org}", upgrade_required);
}

}  // namespace readside::http
