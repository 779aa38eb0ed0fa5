#include "http/router.h"

#include <gtest/gtest.h>

namespace readside::http {
namespace {

Response Call(const Router& r, std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  Response out;
  r.Dispatch(req, [&](Response resp) { out = std::move(resp); });
  return out;
}

TEST(RouterTest, MatchesParamsAndAnswers404And405) {
  Router r;
  r.Add("GET", "/events/{org}", [](Request& req, Responder respond) {
    respond(JsonResponse("\"" + req.params["org"] + "\""));
  });
  r.Add("POST", "/events", [](Request&, Responder respond) { respond(JsonResponse("1")); });
  EXPECT_EQ(Call(r, "GET", "/events/acme").body, "\"acme\"");
  EXPECT_EQ(Call(r, "HEAD", "/events/acme").status, 200);
  EXPECT_EQ(Call(r, "POST", "/events").body, "1");
  Response nf = Call(r, "GET", "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.content_type, "application/problem+json");
  Response na = Call(r, "DELETE", "/events/acme");
  EXPECT_EQ(na.status, 405);
  ASSERT_EQ(na.headers.size(), 1u);
  EXPECT_EQ(na.headers[0].second, "GET");
  EXPECT_EQ(Call(r, "GET", "/events/acme/extra").status, 404);
}

// The reports routes: a literal segment beats a parameter whatever the method, so a GET of
// the export route is its 405, not a preview of a report called "export".
TEST(RouterTest, TheMostSpecificPatternOwnsThePathForEveryMethod) {
  Router r;
  auto named = [](std::string name) {
    return [name](Request& req, Responder respond) {
      respond(JsonResponse("\"" + name + ":" + req.params["format"] + req.params["org"] + "\""));
    };
  };
  r.Add("POST", "/reports/export/{format}", named("export"));
  r.Add("GET", "/reports/scheduled/{org}", named("list"));
  r.Add("DELETE", "/reports/scheduled/{id}", named("delete"));
  r.Add("GET", "/reports/{report}/{org}", named("preview"));
  EXPECT_EQ(Call(r, "POST", "/reports/export/pdf").body, "\"export:pdf\"");
  EXPECT_EQ(Call(r, "GET", "/reports/financial/acme").body, "\"preview:acme\"");
  EXPECT_EQ(Call(r, "GET", "/reports/scheduled/acme").body, "\"list:acme\"");
  for (std::string method : {"GET", "HEAD", "PUT", "DELETE"}) {
    Response na = Call(r, method, "/reports/export/pdf");
    EXPECT_EQ(na.status, 405) << method;
    ASSERT_EQ(na.headers.size(), 1u);
    EXPECT_EQ(na.headers[0].first, "Allow");
    EXPECT_EQ(na.headers[0].second, "POST");
  }
  Response put = Call(r, "PUT", "/reports/scheduled/x");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers.at(0).second, "GET, DELETE");
  EXPECT_EQ(Call(r, "POST", "/reports/financial/acme").headers.at(0).second, "GET");
}

TEST(RouterTest, ProblemResponseCarriesFieldsAndRetryAfter) {
  Response p = ProblemResponse({.status = 429, .title = "Too many requests", .detail = "slow down",
                                .errors = {{"limit", "too big"}}, .retry_after_seconds = 2},
                               "/x");
  EXPECT_EQ(p.body,
            R"({"type":"about:blank","title":"Too many requests","status":429,"detail":"slow down","instance":"/x","errors":[{"field":"limit","message":"too big"}]})");
  EXPECT_EQ(p.headers[0].first, "Retry-After");
}

// A problem echoes what the client sent (the path, a parameter's name): bytes that are not
// UTF-8 there made the body invalid JSON (found by the hostile-client test, issue 17). They
// become U+FFFD; well-formed UTF-8 (two, three and four bytes) is kept as is.
TEST(RouterTest, ProblemResponseIsValidUtf8WhateverTheClientSent) {
  Response p = ProblemResponse(
      {.status = 400, .title = "t", .detail = "d \xff", .errors = {{"\xc0\xaf", "\xed\xa0\x80"}}},
      "/a/\xff\xfe\xe2\x82/\xf4\x90\x80\x80/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(p.body, R"({"type":"about:blank","title":"t","status":400,"detail":"d )" + r +
                        R"(","instance":"/a/)" + r + r + r + r + "/" + r + r + r + r +
                        "/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" +
                        R"(","errors":[{"field":")" + r + r + R"(","message":")" + r + r + r +
                        R"("}]})");
}

// The web app's fallback (routes_web.cc): GET and HEAD of paths no pattern matches, when it
// accepts them; a path some pattern matches keeps its 405, and other methods their 404.
TEST(RouterTest, FallbackTakesUnmatchedGetsItAccepts) {
  Router r;
  r.Add("GET", "/", [](Request&, Responder respond) { respond(JsonResponse("\"root\"")); });
  r.Add("POST", "/events", [](Request&, Responder respond) { respond(JsonResponse("1")); });
  r.SetFallback("/{web}", [](std::string_view path) { return !path.starts_with("/api"); },
                [](Request&, Responder respond) { respond(JsonResponse("\"app\"")); });
  EXPECT_EQ(Call(r, "GET", "/").body, "\"root\"");
  EXPECT_EQ(Call(r, "GET", "/dashboard/x").body, "\"app\"");
  EXPECT_EQ(Call(r, "HEAD", "/dashboard/x").body, "\"app\"");
  EXPECT_EQ(Call(r, "POST", "/dashboard/x").status, 404);
  EXPECT_EQ(Call(r, "GET", "/api/x").status, 404);
  EXPECT_EQ(Call(r, "GET", "/events").status, 405);
  Request req{.method = "GET", .path = "/dashboard/x"};
  r.Dispatch(req, [](Response) {});
  EXPECT_EQ(r.RouteOf(req), "/{web}");
  // The empty path of a target that did not parse is no route's, "/" included.
  EXPECT_EQ(r.RouteOf(Request{.method = "GET", .path = ""}), "unmatched");
}

}  // namespace
}  // namespace readside::http
