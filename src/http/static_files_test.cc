// The web app's files (static_files.h): what each path answers, with which type, caching and
// policy; traversal; gzip'd variants and ETags; a directory without a build; loading errors.

#include "http/static_files.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "http/router.h"
#include "http/routes.h"

namespace readside::http {
namespace {

namespace fs = std::filesystem;

constexpr char kIndex[] = "<!doctype html><script type=module src=/assets/app-1a2b.js></script>";
constexpr char kApp[] = "console.log('app')";

std::optional<std::string> HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// A temporary directory: `root/web` is the app's build; `root/secret.txt` lies beside it.
class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFilesTest() {
    char tmpl[] = "/tmp/readside-static-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    web_ = root_ + "/web";
    fs::create_directories(web_ + "/assets");
    Write(root_ + "/secret.txt", "top secret");
  }
  ~StaticFilesTest() override { fs::remove_all(root_); }

  static void Write(const std::string& path, std::string_view bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }
  void WriteBuild() {
    Write(web_ + "/index.html", kIndex);
    Write(web_ + "/assets/app-1a2b.js", kApp);
    Write(web_ + "/assets/app-3c4d.css", "body{}");
    Write(web_ + "/assets/font-5e6f.woff2", "wOF2");
    Write(web_ + "/favicon.svg", "<svg/>");
    Write(web_ + "/robots.txt", "User-agent: *\n");
  }
  std::unique_ptr<const StaticFiles> Load(StaticFilesLimits limits = {}) {
    auto files = StaticFiles::Load(web_, limits);
    EXPECT_TRUE(files.ok()) << files.status();
    return files.ok() ? *std::move(files) : std::make_unique<StaticFiles>();
  }
  static Response Get(const StaticFiles& files, std::string path,
                      std::map<std::string, std::string, std::less<>> headers = {}) {
    Request req{.method = "GET", .path = std::move(path), .headers = std::move(headers)};
    return files.Serve(req);
  }

  std::string root_, web_;
};

TEST(WebPathsTest, ApiPrefixesAreWholeFirstSegments) {
  for (std::string_view api :
       {"/analytics/crm/pipeline/a", "/analytics", "/dashboards/a", "/dashboard-templates",
        "/reports/catalog", "/search/a", "/events", "/admin/rebuild", "/tenants/a/settings",
        "/health/live", "/metrics", "/openapi.json", "/docs", "/docs/", "/analytics/nope"}) {
    EXPECT_TRUE(IsApiPath(api)) << api;
  }
  for (std::string_view web : {"/", "", "/dashboard/sales", "/assets/app.js", "/docsx", "/metricsx",
                               "/analyticsx/a", "/favicon.svg", "/reports-page"}) {
    EXPECT_FALSE(IsApiPath(web)) << web;
  }
}

// A route under a new first segment must join kApiPrefixes, or its mistyped paths would
// answer the app's HTML instead of the API's 404.
TEST(WebPathsTest, EveryRegisteredRouteIsTheApiOrTheWebApp) {
  Router router;
  Services s;
  AddEventRoutes(&router, s);
  AddOpsRoutes(&router, s);
  AddAdminRoutes(&router, s);
  AddAnalyticsRoutes(&router, s);
  AddTenantRoutes(&router, s);
  AddReportRoutes(&router, s);
  AddDashboardRoutes(&router, s);
  AddSearchRoutes(&router, s);
  AddLiveRoutes(&router, s);
  AddWebRoutes(&router, s);
  for (const auto& [method, pattern] : router.Routes()) {
    bool web = pattern == "/" || pattern == "/assets/{file}";
    EXPECT_NE(IsApiPath(pattern), web) << method << " " << pattern;
  }
}

TEST(WebPathsTest, ContentTypesByExtension) {
  EXPECT_EQ(ContentTypeOf("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("assets/app-1a2b.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("assets/worker.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("assets/app.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeOf("logo.png"), "image/png");
  EXPECT_EQ(ContentTypeOf("assets/inter.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeOf("manifest.json"), "application/json");
  EXPECT_EQ(ContentTypeOf("favicon.ico"), "image/x-icon");
  EXPECT_EQ(ContentTypeOf("robots.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("assets/app.js.map"), "application/json");
  EXPECT_EQ(ContentTypeOf("LICENSE"), "application/octet-stream");
  EXPECT_EQ(ContentTypeOf("dir.v2/LICENSE"), "application/octet-stream");
}

TEST_F(StaticFilesTest, TheAppAndClientRoutesAnswerIndexHtmlRevalidatedEachTime) {
  WriteBuild();
  auto files = Load();
  ASSERT_TRUE(files->has_index());
  EXPECT_EQ(files->file_count(), 6u);
  for (std::string path : {"/", "/index.html", "/dashboard/sales", "/reports-page/", "//x//y",
                           "/favicon.svg/x", "/no-such-file.js"}) {
    Response r = Get(*files, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, kIndex) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache") << path;
    EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"), std::string(kWebAppPolicy)) << path;
    EXPECT_TRUE(HeaderOf(r, "ETag").has_value()) << path;
  }
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndMissingOnes404) {
  WriteBuild();
  auto files = Load();
  Response js = Get(*files, "/assets/app-1a2b.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, kApp);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(js, "Content-Security-Policy"), std::string(kWebAppPolicy));
  EXPECT_EQ(Get(*files, "/assets/app-3c4d.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get(*files, "/assets/font-5e6f.woff2").content_type, "font/woff2");
  for (std::string path : {"/assets/missing.js", "/assets", "/assets/", "/assets/x/y.js"}) {
    Response r = Get(*files, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/problem+json") << path;
  }
}

TEST_F(StaticFilesTest, OtherRootFilesHaveAShortCache) {
  WriteBuild();
  auto files = Load();
  Response svg = Get(*files, "/favicon.svg");
  EXPECT_EQ(svg.status, 200);
  EXPECT_EQ(svg.body, "<svg/>");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(svg, "Cache-Control"), "public, max-age=3600");
  EXPECT_EQ(Get(*files, "/robots.txt").content_type, "text/plain; charset=utf-8");
}

TEST_F(StaticFilesTest, TraversalNeverLeavesTheDirectoryAndIs404) {
  WriteBuild();
  auto files = Load();
  // Paths as the server hands them over: percent-decoded (%2e%2e is "..", %5c "\", %00 NUL).
  for (std::string path : std::vector<std::string>{
           "/../secret.txt", "/assets/../../secret.txt", "/assets/../index.html", "/..",
           "/./index.html", "/a/./b", "/..\\secret.txt", "/assets\\app-1a2b.js", "/x\\y",
           std::string("/index.html\0.js", 15), std::string("/\0", 2), "/....//x/../../y"}) {
    Response r = Get(*files, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/problem+json") << path;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << path;
  }
  // "...." is an ordinary name (no file: the app).
  EXPECT_EQ(Get(*files, "/..../x").status, 200);
}

TEST_F(StaticFilesTest, DotFilesAndSymbolicLinksAreNotServed) {
  WriteBuild();
  Write(web_ + "/.env", "PASSWORD=x");
  Write(web_ + "/.vite/manifest.json", "{}");
  fs::create_symlink(root_ + "/secret.txt", web_ + "/linked.txt");
  fs::create_directory_symlink(root_, web_ + "/up");
  auto files = Load();
  EXPECT_EQ(files->file_count(), 6u);
  for (std::string path : {"/.env", "/.vite/manifest.json", "/linked.txt", "/up/secret.txt"}) {
    Response r = Get(*files, path);
    EXPECT_EQ(r.body, kIndex) << path;  // not a file of the app: a client-side route
  }
}

TEST_F(StaticFilesTest, EtagsAnswer304) {
  WriteBuild();
  auto files = Load();
  Response first = Get(*files, "/assets/app-1a2b.js");
  std::string etag = *HeaderOf(first, "ETag");
  EXPECT_EQ(etag.size(), 18u);
  EXPECT_EQ(etag.front(), '"');
  for (std::string inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    Response r = Get(*files, "/assets/app-1a2b.js", {{"if-none-match", inm}});
    EXPECT_EQ(r.status, 304) << inm;
    EXPECT_EQ(r.body, "") << inm;
    EXPECT_EQ(HeaderOf(r, "ETag"), etag) << inm;
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=31536000, immutable");
  }
  EXPECT_EQ(Get(*files, "/assets/app-1a2b.js", {{"if-none-match", "\"other\""}}).status, 200);
  // The same bytes, the same tag, across loads; another file, another tag.
  EXPECT_EQ(HeaderOf(Get(*Load(), "/assets/app-1a2b.js"), "ETag"), etag);
  EXPECT_NE(HeaderOf(Get(*files, "/"), "ETag"), etag);
  // index.html: no-cache means "revalidate", which the ETag makes cheap.
  std::string index_etag = *HeaderOf(Get(*files, "/dashboard/x"), "ETag");
  EXPECT_EQ(Get(*files, "/", {{"if-none-match", index_etag}}).status, 304);
}

TEST_F(StaticFilesTest, GzipVariantsWhenTheClientAcceptsThem) {
  WriteBuild();
  Write(web_ + "/assets/app-1a2b.js.gz", "GZIPPED");
  Write(web_ + "/assets/lone.bin.gz", "LONE");
  auto files = Load();
  EXPECT_EQ(files->file_count(), 7u);  // the variant is part of its file; the lone one is not
  Response plain = Get(*files, "/assets/app-1a2b.js");
  EXPECT_EQ(plain.body, kApp);
  EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), std::nullopt);
  EXPECT_EQ(HeaderOf(plain, "Vary"), "Accept-Encoding");
  for (std::string accept : {"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*", "GZIP"}) {
    Response r = Get(*files, "/assets/app-1a2b.js", {{"accept-encoding", accept}});
    EXPECT_EQ(r.body, "GZIPPED") << accept;
    EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8") << accept;
    EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "gzip") << accept;
    EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Encoding") << accept;
    EXPECT_NE(HeaderOf(r, "ETag"), HeaderOf(plain, "ETag")) << accept;
  }
  for (std::string accept : {"br", "gzip;q=0", "*, gzip;q=0", "identity", "*;q=0"}) {
    Response r = Get(*files, "/assets/app-1a2b.js", {{"accept-encoding", accept}});
    EXPECT_EQ(r.body, kApp) << accept;
    EXPECT_EQ(HeaderOf(r, "Content-Encoding"), std::nullopt) << accept;
  }
  EXPECT_EQ(Get(*files, "/assets/app-1a2b.js.gz").status, 404);
  Response lone = Get(*files, "/assets/lone.bin.gz", {{"accept-encoding", "gzip"}});
  EXPECT_EQ(lone.body, "LONE");
  EXPECT_EQ(lone.content_type, "application/gzip");
  EXPECT_EQ(HeaderOf(lone, "Content-Encoding"), std::nullopt);
  // No variant: no Vary.
  EXPECT_EQ(HeaderOf(Get(*files, "/favicon.svg", {{"accept-encoding", "gzip"}}), "Vary"),
            std::nullopt);
}

TEST_F(StaticFilesTest, WithoutIndexHtmlTheAppPathsSayHowToBuildIt) {
  Write(web_ + "/favicon.svg", "<svg/>");
  auto files = Load();
  EXPECT_FALSE(files->has_index());
  for (const StaticFiles* f : {files.get(), static_cast<const StaticFiles*>(nullptr)}) {
    StaticFiles none;
    const StaticFiles& serving = f != nullptr ? *f : none;
    for (std::string path : {"/", "/dashboard/sales", "/index.html"}) {
      Response r = Get(serving, path);
      EXPECT_EQ(r.status, 200) << path;
      EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
      EXPECT_NE(r.body.find("The web app is not built. Install Node.js 20 and npm, then run "
                            "<code>make build</code>."),
                std::string::npos);
      EXPECT_NE(r.body.find("href=\"/docs\""), std::string::npos);
      EXPECT_NE(r.body.find("href=\"/openapi.json\""), std::string::npos);
      EXPECT_EQ(r.body.find("<script"), std::string::npos);
      EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
      EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"), std::string(kNotBuiltPagePolicy));
    }
    EXPECT_EQ(Get(serving, "/assets/app.js").status, 404);
  }
  EXPECT_EQ(Get(*files, "/favicon.svg").body, "<svg/>");
}

TEST_F(StaticFilesTest, LoadingFailsWithAMessageNamingTheDirectory) {
  auto missing = StaticFiles::Load(root_ + "/nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(root_ + "/nope"), std::string::npos);
  auto file = StaticFiles::Load(root_ + "/secret.txt");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  WriteBuild();
  auto big = StaticFiles::Load(web_, {.max_total_bytes = 20});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find(web_), std::string::npos);
  EXPECT_EQ(StaticFiles::Load(web_, {.max_files = 3}).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(StaticFiles::Load(web_ + "/").ok());
}

// Through the router: the web routes and the fallback, beside an API route.
TEST_F(StaticFilesTest, TheRouterSendsEveryPathOutsideTheApiToTheApp) {
  WriteBuild();
  auto files = Load();
  Router router;
  router.Add("GET", "/analytics/dashboard/{org}",
             [](Request&, Responder respond) { respond(JsonResponse("{}")); });
  Services s;
  s.web = files.get();
  AddWebRoutes(&router, s);
  auto call = [&](std::string method, std::string path) {
    Request req{.method = std::move(method), .path = std::move(path)};
    Response out;
    router.Dispatch(req, [&](Response r) { out = std::move(r); });
    return std::make_pair(out, router.RouteOf(req));
  };
  EXPECT_EQ(call("GET", "/").first.body, kIndex);
  EXPECT_EQ(call("GET", "/").second, "/");
  EXPECT_EQ(call("HEAD", "/").first.body, kIndex);  // the server drops the body of a HEAD
  EXPECT_EQ(call("GET", "/assets/app-1a2b.js").second, "/assets/{file}");
  auto [client, label] = call("GET", "/dashboard/sales");
  EXPECT_EQ(client.body, kIndex);
  EXPECT_EQ(label, "/{web}");
  EXPECT_EQ(call("HEAD", "/favicon.svg").first.body, "<svg/>");
  EXPECT_EQ(call("GET", "/assets/x/missing.js").first.status, 404);
  // The API's paths keep the API's answers.
  EXPECT_EQ(call("GET", "/analytics/dashboard/a").first.body, "{}");
  Response api_404 = call("GET", "/analytics/nope").first;
  EXPECT_EQ(api_404.status, 404);
  EXPECT_EQ(api_404.content_type, "application/problem+json");
  EXPECT_EQ(call("GET", "/analytics/nope").second, "unmatched");
  EXPECT_EQ(call("GET", "/docs/x").first.content_type, "application/problem+json");
  // Other methods are not the app's.
  EXPECT_EQ(call("POST", "/dashboard/sales").first.status, 404);
  EXPECT_EQ(call("POST", "/").first.status, 405);
}

}  // namespace
}  // namespace readside::http
