#include "http/gate.h"

#include <algorithm>
#include <functional>

#include "http/static_files.h"

namespace readside::http {
namespace {

constexpr std::string_view kAllowMethods = "GET, HEAD, POST, PUT, OPTIONS";
constexpr std::string_view kAllowHeaders = "Authorization, Content-Type";
constexpr std::string_view kExposeHeaders =
    "X-Readside-Position, X-Request-Id, Retry-After, Location";

bool IsPublic(const Request& req, const GateOptions& options) {
  if (req.path.starts_with("/health/")) return true;
  // The API's description is public (api.md): clients and tools read it before they hold a
  // token.
  if (req.path == "/openapi.json" || req.path == "/docs") return true;
  // The web app's files (web.md "Serving"): the same for every caller.
  if (options.web_app && (req.method == "GET" || req.method == "HEAD") && !IsApiPath(req.path)) {
    return true;
  }
  return options.metrics_public && req.path == "/metrics";
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string media = MediaType(content_type);
  return media == "application/json" || media == "application/x-ndjson" ||
         (media.starts_with("application/") && media.ends_with("+json"));
}

// RFC 6750 §3: the challenge; error only when a token was presented.
std::string Challenge(bool token_given, std::string_view reason) {
  std::string c = "Bearer realm=\"readside\"";
  if (token_given) {
    c += ", error=\"invalid_token\", error_description=\"";
    for (char ch : reason) c.push_back(ch == '"' || ch == '\\' ? '\'' : ch);
    c += '"';
  }
  return c;
}

// `origin` empty: the request's origin is not allowed (only Vary is added, since the answer
// still depends on the Origin header).
void AddCorsHeaders(Response& r, std::string_view origin) {
  r.headers.emplace_back("Vary", "Origin");
  if (origin.empty()) return;
  r.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  r.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposeHeaders));
}

}  // namespace

Gate::Gate(const Router* router, const auth::Authenticator* authenticator, GateOptions options,
           const Clock* clock)
    : router_(router),
      authenticator_(authenticator),
      options_(std::move(options)),
      clock_(clock),
      tokens_(options_.per_token) {}

bool Gate::OriginAllowed(std::string_view origin) const {
  if (origin.empty()) return false;
  for (const std::string& o : options_.cors_origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

Response Gate::Preflight(const Request& req, bool allowed) const {
  if (!allowed) {
    return ProblemResponse({.status = 403,
                            .title = "Forbidden",
                            .detail = "origin '" + std::string(req.Header("origin")) +
                                      "' is not allowed (--cors-origins)"},
                           req.path);
  }
  Response r{204, "text/plain", "", {}};
  AddCorsHeaders(r, req.Header("origin"));  // allowed: not empty
  r.headers.emplace_back("Access-Control-Allow-Methods", std::string(kAllowMethods));
  r.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowHeaders));
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

std::optional<Response> Gate::Admit(Request& req) const {
  if (authenticator_ == nullptr || IsPublic(req, options_)) return std::nullopt;
  std::string_view authorization = req.Header("authorization");
  auto principal = authenticator_->Authenticate(authorization, clock_->NowMicros() / 1'000'000);
  if (!principal.ok()) {
    std::string reason(principal.status().message());
    Response r =
        ProblemResponse({.status = 401, .title = "Unauthorized", .detail = reason}, req.path);
    r.headers.emplace_back("WWW-Authenticate", Challenge(!authorization.empty(), reason));
    return r;
  }
  req.principal = std::move(*principal);
  std::string_view token = authorization.substr(std::min(authorization.find(' ') + 1, authorization.size()));
  if (auto limited = ChargeToken(token)) return ProblemResponse(*limited, req.path);
  if (!req.body.empty() && !IsJsonMediaType(req.Header("content-type"))) {
    return ProblemResponse(
        {.status = 415,
         .title = "Unsupported media type",
         .detail = "request bodies must be application/json or application/x-ndjson, not '" +
                   MediaType(req.Header("content-type")) + "'"},
        req.path);
  }
  return std::nullopt;
}

std::optional<Problem> Gate::ChargeToken(std::string_view token) const {
  if (!tokens_.enabled()) return std::nullopt;
  // Keyed by the signed part of the token (header.payload): spelling the scheme in another
  // case or re-encoding an ECDSA signature must not open a fresh bucket.
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  token = token.substr(0, token.rfind('.'));
  std::string key = std::to_string(std::hash<std::string_view>{}(token));
  if (int64_t wait = tokens_.Take(key, clock_->MonotonicNanos())) {
    return Problem{.status = 429,
                   .title = "Too many requests",
                   .detail = "this token is over its request rate; retry after " +
                             std::to_string(wait) + " s",
                   .retry_after_seconds = static_cast<int>(std::min<int64_t>(wait, 86400))};
  }
  return std::nullopt;
}

void Gate::Handle(Request& req, Responder respond) const {
  std::string_view origin = req.Header("origin");
  bool allowed = OriginAllowed(origin);
  if (req.method == "OPTIONS" && !req.Header("access-control-request-method").empty()) {
    return respond(Preflight(req, allowed));
  }
  bool cors = !options_.cors_origins.empty();
  if (!allowed) origin = {};
  if (std::optional<Response> refused = Admit(req)) {
    if (cors) AddCorsHeaders(*refused, origin);
    return respond(std::move(*refused));
  }
  if (!cors) return router_->Dispatch(req, std::move(respond));
  router_->Dispatch(req, [origin = std::string(origin), respond = std::move(respond)](Response r) {
    AddCorsHeaders(r, origin);
    respond(std::move(r));
  });
}

}  // namespace readside::http
