#pragma once
// The web app's files (../shared/spec/web.md "Serving"; docs/web.md): the directory the Vite
// build writes (index.html, content-hashed files under assets/, root files such as
// favicon.svg), read into memory once, and what a GET or HEAD of a path outside the API
// answers:
//   - /assets/<file> that exists: the file with `Cache-Control: public, max-age=31536000,
//     immutable` (its name carries its content hash); any other /assets/ path: 404;
//   - another file that exists (/favicon.svg, /robots.txt, /index.html): the file with a short
//     cache (`public, max-age=3600`; index.html: `no-cache`);
//   - any other path (/, a client-side route such as /dashboard/sales): index.html with
//     `Cache-Control: no-cache` (the single-page app routes in the browser), or, when the
//     directory holds no index.html, a short page saying how to build the app;
//   - a path with a "." or ".." segment, a backslash or a NUL: 404. Only files read at load are
//     ever answered, so no path reaches outside the directory; these are refused outright.
// Files carry the app's Content-Security-Policy (kWebAppPolicy) and a strong ETag
// (If-None-Match → 304); when the build left a gzip'd sibling (`app.js.gz` beside `app.js`) and
// the client accepts gzip, its bytes are answered with `Content-Encoding: gzip`.
// Paths under the API's prefixes (IsApiPath) are never the app's: the API answers them.
// Thread-safety: immutable after Load; Serve is safe from any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/env.h"
#include "http/request.h"

namespace readside::http {

// The first path segments that belong to the API (web.md "Serving"). A route added under a new
// first segment must be listed here (router_test checks every registered route).
inline constexpr std::string_view kApiPrefixes[] = {
    "analytics", "dashboards",   "dashboard-templates",
    "reports",   "search",       "events",
    "admin",     "tenants",      "health",
    "metrics",   "openapi.json", "docs"};

// Whether `path` (decoded, from the request target) is under one of kApiPrefixes: its first
// segment equals one ("/analytics/x" and "/docs/" are; "/dashboard/x" and "/docsx" are not).
bool IsApiPath(std::string_view path);

// The app's policy: everything from this origin only, no inline script or style, no framing.
// connect-src 'self' covers the live-update WebSockets of the same host (CSP Level 3 matches
// ws:/wss: of the page's host and port to 'self'). Inline style *attributes* set from script
// (charts) go through the CSSOM, which style-src does not govern.
inline constexpr std::string_view kWebAppPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'";

inline constexpr std::string_view kCacheImmutable = "public, max-age=31536000, immutable";
inline constexpr std::string_view kCacheShort = "public, max-age=3600";
inline constexpr std::string_view kCacheRevalidate = "no-cache";

struct StaticFilesLimits {
  // Bytes of every file (gzip'd variants included) kept in memory. A Vite build of the app is
  // a few MB; a directory far larger is most likely the wrong one.
  uint64_t max_total_bytes = 64 << 20;
  size_t max_files = 10'000;
};

class StaticFiles {
 public:
  // No files: every app path answers the "not built" page, /assets/ paths 404.
  StaticFiles() = default;

  // Reads every regular file under `dir` (recursively) into memory through `env`. Skipped:
  // names starting with "." (and what is under them), symbolic links, and `X.gz` when `X`
  // exists (it is X's gzip'd variant). On failure: NotFound when `dir` does not exist,
  // InvalidArgument when it is not a directory, ResourceExhausted over `limits`, or the read
  // error; each names the path.
  static absl::StatusOr<std::unique_ptr<const StaticFiles>> Load(const std::string& dir,
                                                                 StaticFilesLimits limits = {},
                                                                 Env* env = Env::Default());

  bool has_index() const { return files_.contains("index.html"); }
  size_t file_count() const { return files_.size(); }
  uint64_t total_bytes() const { return total_bytes_; }

  // The answer to GET or HEAD `req.path` (a path outside the API: IsApiPath is false) with
  // the request's If-None-Match and Accept-Encoding. The body is always filled; the server
  // leaves it out for HEAD.
  Response Serve(const Request& req) const;

 private:
  struct Representation {
    std::string bytes;
    std::string etag;  // quoted, strong
  };
  struct File {
    std::string content_type;
    std::string_view cache_control;
    Representation plain;
    Representation gzip;  // empty bytes: no variant
  };
  // The file's answer, or 304 when `req`'s If-None-Match holds its ETag.
  static Response Answer(const File& file, const Request& req);

  absl::flat_hash_map<std::string, File> files_;  // "assets/app-1a2b.js" → the file
  uint64_t total_bytes_ = 0;
};

// The Content-Type for a file name by its extension ("app.js" → "text/javascript;
// charset=utf-8"); application/octet-stream when unknown.
std::string_view ContentTypeOf(std::string_view name);

// The page answered for app paths when the directory has no index.html, and its policy.
std::string_view NotBuiltPage();
inline constexpr std::string_view kNotBuiltPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

}  // namespace readside::http
