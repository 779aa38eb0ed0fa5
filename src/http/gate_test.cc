// The Gate (docs/security.md "Where each check happens"): bearer-token authentication with
// RFC 6750 challenges, public routes, CORS preflight and headers, the per-token rate limit and
// request media types, in front of a stub Router. Tokens are verified by the real
// Authenticator; time is a ManualClock.

#include "http/gate.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <optional>
#include <string>

#include "auth/test_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/static_files.h"
#include "http/test_tokens.h"

namespace readside::http {
namespace {

using ::testing::HasSubstr;
using testing::kNow;
using testing::kNowMicros;
using ::testing::Not;
using testing::TestTokens;
using testing::TokenSpec;

constexpr char kErp[] = "https://erp.example";

// The value of header `name` (case-insensitive), if the response has exactly one.
std::optional<std::string> HeaderOf(const Response& r, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [n, v] : r.headers) {
    if (n.size() != name.size() ||
        !std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      continue;
    }
    if (found) return "(repeated)";
    found = v;
  }
  return found;
}

class GateTest : public ::testing::Test {
 protected:
  GateTest() {
    Handler echo = [this](Request& req, Responder respond) {
      ++handled_;
      respond(JsonResponse("{\"sub\":\"" + (req.principal ? req.principal->subject : "-") + "\"}"));
    };
    router_.Add("GET", "/data/{org}", echo);
    router_.Add("POST", "/data/{org}", echo);
    router_.Add("OPTIONS", "/data/{org}", echo);
    router_.Add("GET", "/health/live", echo);
    router_.Add("GET", "/metrics", echo);
    router_.Add("GET", "/openapi.json", echo);
    router_.Add("GET", "/docs", echo);
  }

  std::unique_ptr<Gate> MakeGate(GateOptions options = {}) {
    return std::make_unique<Gate>(&router_, tokens_.authenticator(), std::move(options), &clock_);
  }
  static Request Get(std::string path, std::string authorization = "") {
    Request req{.method = "GET", .path = std::move(path)};
    if (!authorization.empty()) req.headers["authorization"] = std::move(authorization);
    return req;
  }
  // Handles `req` and returns the one answer.
  static Response Call(const Gate& gate, Request req) {
    std::promise<Response> answered;
    std::future<Response> answer = answered.get_future();
    gate.Handle(req, [&answered](Response r) { answered.set_value(std::move(r)); });
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return answer.get();
  }
  std::string Analyst(std::string subject = "user-1") const {
    return tokens_.Bearer({.orgs = {"acme"}, .roles = {"analyst"}, .subject = subject});
  }

  TestTokens tokens_;
  ManualClock clock_{kNowMicros};
  Router router_;
  std::atomic<int> handled_{0};
};

TEST_F(GateTest, ValidTokenReachesTheRouteWithItsPrincipal) {
  auto gate = MakeGate();
  Response r = Call(*gate, Get("/data/acme", Analyst("user-42")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"sub":"user-42"})");
  EXPECT_EQ(handled_, 1);
}

TEST_F(GateTest, MissingTokenIs401WithABareChallenge) {
  auto gate = MakeGate();
  Response r = Call(*gate, Get("/data/acme"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_THAT(r.body, HasSubstr(R"("detail":"missing bearer token")"));
  // RFC 6750 §3: no error code when the request carried no token.
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Bearer realm=\"readside\"");
  EXPECT_EQ(handled_, 0);
}

TEST_F(GateTest, InvalidTokensAre401WithInvalidTokenAndTheReason) {
  using namespace auth::testkit;
  auto claims = BaseClaims();
  std::string forged = MakeToken(Header("HS256"), ToJson(claims),
                                 HsSigner("another secret of at least thirty-two bytes!!"));
  std::string none =
      MakeToken(Header("none"), ToJson(claims), [](std::string_view) { return std::string(); });
  std::string tampered = tokens_.Token({.orgs = {"acme"}, .roles = {"analyst"}});
  char& ch = tampered[tampered.size() - 10];  // inside the signature
  ch = ch == 'A' ? 'B' : 'A';
  struct Case {
    std::string authorization, reason;
  } const cases[] = {
      {"Bearer not-a-jwt", "token is not header.payload.signature"},
      {"Bearer " + forged, "signature does not verify"},
      {"Bearer " + none, "algorithm none is not accepted"},
      {"Basic YTpi", "authorization scheme is not Bearer"},
      {"Bearer " + tampered, "signature does not verify"},
  };
  auto gate = MakeGate();
  for (const Case& c : cases) {
    Response r = Call(*gate, Get("/data/acme", c.authorization));
    EXPECT_EQ(r.status, 401) << c.authorization;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_THAT(r.body, HasSubstr("\"detail\":\"" + c.reason + "\"")) << c.authorization;
    EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"),
              "Bearer realm=\"readside\", error=\"invalid_token\", error_description=\"" +
                  c.reason + "\"");
    // The token is never echoed.
    std::string signature = c.authorization.substr(c.authorization.rfind('.') + 1);
    if (signature.size() > 8) {
      EXPECT_THAT(r.body, Not(HasSubstr(signature)));
    }
  }
  EXPECT_EQ(handled_, 0);
}

TEST_F(GateTest, ExpiredTokenIs401OnceTheLeewayHasPassed) {
  auto gate = MakeGate();
  std::string token =
      tokens_.Bearer({.orgs = {"acme"}, .roles = {"analyst"}, .expires_at = kNow + 60});
  EXPECT_EQ(Call(*gate, Get("/data/acme", token)).status, 200);
  clock_.Set((kNow + 60 + 30) * 1'000'000);  // within the 30 s leeway
  EXPECT_EQ(Call(*gate, Get("/data/acme", token)).status, 200);
  clock_.Set((kNow + 60 + 31) * 1'000'000);
  Response r = Call(*gate, Get("/data/acme", token));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, HasSubstr(R"("detail":"token expired")"));
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"),
            R"(Bearer realm="readside", error="invalid_token", error_description="token expired")");
  EXPECT_EQ(handled_, 2);
}

TEST_F(GateTest, HealthAndMetricsArePublicUnlessMetricsAreConfiguredPrivate) {
  auto gate = MakeGate();
  EXPECT_EQ(Call(*gate, Get("/health/live")).status, 200);
  EXPECT_EQ(Call(*gate, Get("/metrics")).status, 200);
  EXPECT_EQ(Call(*gate, Get("/metricsx")).status, 401);
  EXPECT_EQ(Call(*gate, Get("/health")).status, 401);
  auto closed = MakeGate({.metrics_public = false});
  EXPECT_EQ(Call(*closed, Get("/metrics")).status, 401);
  EXPECT_EQ(Call(*closed, Get("/metrics", Analyst())).status, 200);
  EXPECT_EQ(Call(*closed, Get("/health/live")).status, 200);
}

TEST_F(GateTest, TheApiDescriptionIsPublic) {
  auto gate = MakeGate({.metrics_public = false});
  EXPECT_EQ(Call(*gate, Get("/openapi.json")).status, 200);
  EXPECT_EQ(Call(*gate, Get("/docs")).status, 200);
  EXPECT_EQ(Call(*gate, Get("/docs/")).status, 401);
  EXPECT_EQ(Call(*gate, Get("/openapi.jsonx")).status, 401);
}

TEST_F(GateTest, WebAppPathsArePublicWhenTheAppIsServed) {
  Handler app = [this](Request&, Responder respond) {
    ++handled_;
    respond(Response{200, "text/html; charset=utf-8", "app", {}});
  };
  router_.Add("GET", "/", app);
  router_.SetFallback("/{web}", [](std::string_view path) { return !IsApiPath(path); }, app);
  EXPECT_EQ(Call(*MakeGate(), Get("/")).status, 401);  // not serving the app: as any route
  auto gate = MakeGate({.metrics_public = false, .web_app = true});
  for (std::string path : {"/", "/dashboard/sales", "/assets/app-1a2b.js", "/favicon.svg",
                           "/docsx", "/metricsx"}) {
    EXPECT_EQ(Call(*gate, Get(path)).status, 200) << path;
    Request head{.method = "HEAD", .path = path};
    EXPECT_EQ(Call(*gate, head).status, 200) << path;
    // A token is not looked at: a bad one does not turn the app away.
    EXPECT_EQ(Call(*gate, Get(path, "Bearer not-a-jwt")).status, 200) << path;
  }
  // The API's prefixes and other methods still need a token.
  for (std::string path : {"/analytics/nope", "/docs/", "/health", "/metrics",
                           "/tenants/acme/settings"}) {
    EXPECT_EQ(Call(*gate, Get(path)).status, 401) << path;
  }
  Request post{.method = "POST", .path = "/", .body = "{}"};
  post.headers["content-type"] = "application/json";
  EXPECT_EQ(Call(*gate, post).status, 401);
}

// --- CORS ---

Request Preflight(std::string origin) {
  Request req{.method = "OPTIONS", .path = "/data/acme"};
  req.headers["origin"] = std::move(origin);
  req.headers["access-control-request-method"] = "GET";
  req.headers["access-control-request-headers"] = "authorization";
  return req;
}

TEST_F(GateTest, PreflightFromAnAllowedOriginIs204WithoutAToken) {
  auto gate = MakeGate({.cors_origins = {kErp, "https://bi.example"}});
  Response r = Call(*gate, Preflight(kErp));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), kErp);
  EXPECT_EQ(HeaderOf(r, "Vary"), "Origin");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Methods"), "GET, HEAD, POST, PUT, OPTIONS");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Headers"), "Authorization, Content-Type");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(handled_, 0) << "a preflight is answered by the Gate";
}

TEST_F(GateTest, PreflightFromAnotherOriginIs403WithoutCorsHeaders) {
  auto gate = MakeGate({.cors_origins = {kErp}});
  for (std::string origin : {"https://evil.example", "https://erp.example.evil", "null", ""}) {
    Response r = Call(*gate, Preflight(origin));
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), std::nullopt) << origin;
  }
  // Without an allow-list no origin is allowed.
  EXPECT_EQ(Call(*MakeGate(), Preflight(kErp)).status, 403);
  EXPECT_EQ(handled_, 0);
}

TEST_F(GateTest, OptionsWithoutRequestMethodIsNoPreflight) {
  auto gate = MakeGate({.cors_origins = {kErp}});
  Request req = Preflight(kErp);
  req.headers.erase("access-control-request-method");
  EXPECT_EQ(Call(*gate, req).status, 401) << "an ordinary request, which needs a token";
}

TEST_F(GateTest, AnswersToAnAllowedOriginCarryAllowOriginAndVary) {
  auto gate = MakeGate({.cors_origins = {kErp}});
  Request req = Get("/data/acme", Analyst());
  req.headers["origin"] = kErp;
  Response r = Call(*gate, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), kErp);
  EXPECT_EQ(HeaderOf(r, "Vary"), "Origin");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Expose-Headers"),
            "X-Readside-Position, X-Request-Id, Retry-After, Location");
  // Refusals too, so that the browser lets the page read the 401.
  Request anonymous = Get("/data/acme");
  anonymous.headers["origin"] = kErp;
  Response refused = Call(*gate, anonymous);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(HeaderOf(refused, "Access-Control-Allow-Origin"), kErp);
  EXPECT_EQ(HeaderOf(refused, "Vary"), "Origin");
}

TEST_F(GateTest, AnswersToOtherOriginsVaryOnOriginButAllowNothing) {
  auto gate = MakeGate({.cors_origins = {kErp}});
  for (bool with_origin : {true, false}) {
    Request req = Get("/data/acme", Analyst());
    if (with_origin) req.headers["origin"] = "https://evil.example";
    Response r = Call(*gate, req);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), std::nullopt);
    EXPECT_EQ(HeaderOf(r, "Access-Control-Expose-Headers"), std::nullopt);
    EXPECT_EQ(HeaderOf(r, "Vary"), "Origin") << "the answer depends on Origin";
  }
}

TEST_F(GateTest, WithoutCorsConfiguredNoCorsHeaders) {
  auto gate = MakeGate();
  Request req = Get("/data/acme", Analyst());
  req.headers["origin"] = kErp;
  Response r = Call(*gate, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers.empty());
}

TEST_F(GateTest, WildcardAllowsAnyOriginByName) {
  auto gate = MakeGate({.cors_origins = {"*"}});
  Response pre = Call(*gate, Preflight("https://anyone.example"));
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(HeaderOf(pre, "Access-Control-Allow-Origin"), "https://anyone.example");
}

// --- Per-token rate limit ---

TEST_F(GateTest, PerTokenLimitIs429WithRetryAfter) {
  auto gate = MakeGate({.per_token = {.rate = 1, .burst = 2}});
  std::string a = Analyst("a");
  std::string b = Analyst("b");
  EXPECT_EQ(Call(*gate, Get("/data/acme", a)).status, 200);
  EXPECT_EQ(Call(*gate, Get("/data/acme", a)).status, 200);
  Response r = Call(*gate, Get("/data/acme", a));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "1");
  EXPECT_EQ(handled_, 2);
  // The same token with the scheme spelled otherwise shares the bucket; another token has its
  // own.
  EXPECT_EQ(Call(*gate, Get("/data/acme", "bEARER " + a.substr(7))).status, 429);
  EXPECT_EQ(Call(*gate, Get("/data/acme", b)).status, 200);
  clock_.Advance(1'000'000);
  EXPECT_EQ(Call(*gate, Get("/data/acme", a)).status, 200);
}

TEST_F(GateTest, PerTokenLimitSparesPublicRoutesAndAnswers401First) {
  auto gate = MakeGate({.per_token = {.rate = 1, .burst = 1}});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call(*gate, Get("/health/live")).status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call(*gate, Get("/data/acme", "Bearer x.y.z")).status, 401);
  EXPECT_EQ(Call(*gate, Get("/data/acme", Analyst())).status, 200);
}

// --- Media types ---

TEST_F(GateTest, RequestBodiesMustBeJson) {
  auto gate = MakeGate();
  auto post = [&](std::string content_type, std::string body = "{}") {
    Request req{.method = "POST", .path = "/data/acme", .body = std::move(body)};
    req.headers["authorization"] = Analyst();
    if (!content_type.empty()) req.headers["content-type"] = std::move(content_type);
    return Call(*gate, std::move(req));
  };
  for (const char* ok : {"application/json", "Application/JSON; charset=utf-8",
                         "application/x-ndjson", "application/merge-patch+json"}) {
    EXPECT_EQ(post(ok).status, 200) << ok;
  }
  for (const char* bad : {"text/plain", "application/xml", "application/jsonx",
                          "multipart/form-data; boundary=x", ""}) {
    Response r = post(bad);
    EXPECT_EQ(r.status, 415) << bad;
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
  EXPECT_THAT(post("text/plain").body, HasSubstr("not 'text/plain'"));
  EXPECT_EQ(post("", "").status, 200) << "no body, no media type needed";
  // Authentication comes first.
  Request anonymous{.method = "POST", .path = "/data/acme", .body = "x"};
  anonymous.headers["content-type"] = "text/plain";
  EXPECT_EQ(Call(*gate, anonymous).status, 401);
}

}  // namespace
}  // namespace readside::http
