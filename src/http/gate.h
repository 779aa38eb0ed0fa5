#pragma once
// The Gate stands in front of the Router and applies what holds for every route
// (../shared/spec/api.md "Auth"):
//   - CORS: answers preflight requests (OPTIONS with Access-Control-Request-Method) for
//     allow-listed origins without a token, and adds Access-Control-* headers to answers for
//     them; other origins get no CORS headers (the browser then blocks the answer);
//   - authentication: every route except the public ones (/health/*, /openapi.json, /docs,
//     /metrics unless configured otherwise, and with GateOptions::web_app the GET and HEAD
//     requests outside the API's prefixes) needs `Authorization: Bearer <JWT>`; the verified
//     Principal is put on the request for the routes' AccessPolicy; failures are 401 with
//     WWW-Authenticate (RFC 6750);
//   - the per-token rate limit (429 with Retry-After);
//   - media types: a request body must be JSON (application/json, application/*+json or
//     application/x-ndjson), else 415.
// Tenant isolation, roles and the per-tenant limit are the routes' AccessPolicy's work, since
// only the route knows which organization a request is about.
// Thread-safety: Handle is safe from any thread.

#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "common/clock.h"
#include "http/rate_limiter.h"
#include "http/router.h"

namespace readside::http {

struct GateOptions {
  std::vector<std::string> cors_origins;  // exact origins ("https://erp.example.com"); "*": any
  bool metrics_public = true;             // GET /metrics without a token
  RateLimit per_token;                    // 0: off
  // GET and HEAD of paths outside the API's prefixes (static_files.h IsApiPath) without a
  // token: the web app's files (routes_web.cc), which hold no tenant data.
  bool web_app = false;
};

class Gate {
 public:
  // `authenticator` may be null only in tests that are not about access: then every request
  // passes unauthenticated.
  Gate(const Router* router, const auth::Authenticator* authenticator, GateOptions options,
       const Clock* clock);
  void Handle(Request& req, Responder respond) const;
  // The per-token rate limit for requests that do not pass Handle (live-update handshakes and
  // messages): takes one request from `token`'s bucket (the compact JWS), the bucket its HTTP
  // requests use. A 429 problem when it is empty.
  std::optional<Problem> ChargeToken(std::string_view token) const;

 private:
  bool OriginAllowed(std::string_view origin) const;
  Response Preflight(const Request& req, bool allowed) const;
  std::optional<Response> Admit(Request& req) const;  // nullopt: go on to the route

  const Router* router_;
  const auth::Authenticator* authenticator_;
  GateOptions options_;
  const Clock* clock_;
  mutable RateLimiter tokens_;
};

}  // namespace readside::http
