// The web app's files in memory, and the answer to each path (static_files.h).

#include "http/static_files.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <vector>

namespace readside::http {
namespace {

namespace fs = std::filesystem;

struct TypeOfExtension {
  std::string_view extension;
  std::string_view content_type;
};
constexpr TypeOfExtension kTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    // RFC 9239: text/javascript is the one JavaScript media type (application/javascript is
    // obsolete); browsers run module scripts of either.
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
    {"wasm", "application/wasm"},
    {"gz", "application/gzip"},
};

// A strong ETag of `bytes`: FNV-1a (64 bits), stable across restarts and builds.
std::string EtagOf(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) etag += kHex[(h >> shift) & 15];
  etag += '"';
  return etag;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(item) for each comma-separated item of a header value, trimmed.
template <typename Fn>
void ForEachItem(std::string_view value, Fn fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    fn(Trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 §12.5.3: gzip is acceptable when listed (or `*` is) with a q-value above 0.
bool AcceptsGzip(std::string_view accept_encoding) {
  double gzip = -1, any = -1;
  ForEachItem(accept_encoding, [&](std::string_view item) {
    std::string_view coding = Trim(item.substr(0, item.find(';')));
    double q = 1;
    if (size_t at = item.find(";"); at != std::string_view::npos) {
      std::string_view param = Trim(item.substr(at + 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        param.remove_prefix(2);
        if (std::from_chars(param.data(), param.data() + param.size(), q).ec != std::errc()) q = 0;
      }
    }
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) gzip = q;
    if (coding == "*") any = q;
  });
  return gzip >= 0 ? gzip > 0 : any > 0;
}

// RFC 9110 §13.1.2: If-None-Match compares weakly (a W/ prefix is ignored); `*` matches.
bool NoneMatchHolds(std::string_view if_none_match, std::string_view etag) {
  bool found = false;
  ForEachItem(if_none_match, [&](std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    found |= tag == "*" || tag == etag;
  });
  return found;
}

Response NotFound(const Request& req, std::string detail) {
  return ProblemResponse({.status = 404, .title = "Not found", .detail = std::move(detail)},
                         req.path);
}

// Splits `path` into its non-empty segments; false when one is "." or "..", or holds a
// backslash or a NUL.
bool SafeSegments(std::string_view path, std::vector<std::string_view>* out) {
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(i, slash - i);
    i = slash + 1;
    if (seg.empty()) continue;
    if (seg == "." || seg == ".." || seg.find('\\') != std::string_view::npos ||
        seg.find('\0') != std::string_view::npos) {
      return false;
    }
    out->push_back(seg);
  }
  return true;
}

constexpr std::string_view kNotBuiltPage = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>readside</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
code { background: #eff1f3; padding: 0.1em 0.35em; border-radius: 4px; }
a { color: #0550ae; }
</style>
</head>
<body>
<h1>readside</h1>
<p>The web app is not built. Install Node.js 20 and npm, then run <code>make build</code>.</p>
<p>The server and its API are running: read the <a href="/docs">API reference</a> or the
<a href="/openapi.json">OpenAPI document</a>.</p>
</body>
</html>
)";

}  // namespace

bool IsApiPath(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  std::string_view first = path.substr(0, path.find('/'));
  return std::find(std::begin(kApiPrefixes), std::end(kApiPrefixes), first) !=
         std::end(kApiPrefixes);
}

std::string_view ContentTypeOf(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && name.find('/', dot) == std::string_view::npos) {
    std::string_view extension = name.substr(dot + 1);
    for (const TypeOfExtension& t : kTypes) {
      if (EqualsIgnoreCase(t.extension, extension)) return t.content_type;
    }
  }
  return "application/octet-stream";
}

std::string_view NotBuiltPage() { return kNotBuiltPage; }

absl::StatusOr<std::unique_ptr<const StaticFiles>> StaticFiles::Load(const std::string& dir,
                                                                     StaticFilesLimits limits,
                                                                     Env* env) {
  std::error_code ec;
  fs::file_status status = fs::status(dir, ec);
  if (ec || !fs::exists(status)) {
    return absl::NotFoundError("web app directory " + dir + " does not exist");
  }
  if (!fs::is_directory(status)) {
    return absl::InvalidArgumentError("web app directory " + dir + " is not a directory");
  }
  auto files = std::make_unique<StaticFiles>();
  std::vector<std::pair<std::string, std::string>> gzipped;  // (relative name, path)
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (name.starts_with('.') || entry.is_symlink(ec)) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    std::string relative = entry.path().lexically_relative(dir).generic_string();
    uint64_t size = entry.file_size(ec);
    if (ec) break;
    files->total_bytes_ += size;
    if (files->total_bytes_ > limits.max_total_bytes ||
        files->files_.size() + gzipped.size() >= limits.max_files) {
      return absl::ResourceExhaustedError("web app directory " + dir + " holds more than " +
                                          std::to_string(limits.max_total_bytes >> 20) +
                                          " MiB or " + std::to_string(limits.max_files) +
                                          " files: is it the app's build?");
    }
    if (relative.ends_with(".gz")) {
      gzipped.emplace_back(relative, entry.path().string());
      continue;
    }
    absl::StatusOr<std::string> bytes = env->ReadFile(entry.path().string());
    if (!bytes.ok()) return bytes.status();
    File& file = files->files_[relative];
    file.content_type = ContentTypeOf(relative);
    file.cache_control = relative.starts_with("assets/") ? kCacheImmutable
                         : relative == "index.html"      ? kCacheRevalidate
                                                         : kCacheShort;
    file.plain.etag = EtagOf(*bytes);
    file.plain.bytes = *std::move(bytes);
  }
  if (ec) return absl::UnavailableError("cannot list " + dir + ": " + ec.message());
  for (auto& [relative, path] : gzipped) {
    absl::StatusOr<std::string> bytes = env->ReadFile(path);
    if (!bytes.ok()) return bytes.status();
    auto plain = files->files_.find(relative.substr(0, relative.size() - 3));
    Representation* into = nullptr;
    if (plain != files->files_.end()) {
      into = &plain->second.gzip;
    } else {  // a .gz of its own (no X beside X.gz)
      File& file = files->files_[relative];
      file.content_type = ContentTypeOf(relative);
      file.cache_control = relative.starts_with("assets/") ? kCacheImmutable : kCacheShort;
      into = &file.plain;
    }
    into->etag = EtagOf(*bytes);
    into->bytes = *std::move(bytes);
  }
  return files;
}

Response StaticFiles::Answer(const File& file, const Request& req) {
  bool has_gzip = !file.gzip.bytes.empty();
  const Representation& r =
      has_gzip && AcceptsGzip(req.Header("accept-encoding")) ? file.gzip : file.plain;
  Response resp{200, file.content_type, {}, {}};
  resp.headers.emplace_back("ETag", r.etag);
  resp.headers.emplace_back("Cache-Control", std::string(file.cache_control));
  resp.headers.emplace_back("Content-Security-Policy", std::string(kWebAppPolicy));
  if (has_gzip) resp.headers.emplace_back("Vary", "Accept-Encoding");
  if (std::string_view inm = req.Header("if-none-match");
      !inm.empty() && NoneMatchHolds(inm, r.etag)) {
    resp.status = 304;
    return resp;
  }
  if (&r == &file.gzip) resp.headers.emplace_back("Content-Encoding", "gzip");
  resp.body = r.bytes;
  return resp;
}

Response StaticFiles::Serve(const Request& req) const {
  std::vector<std::string_view> segments;
  if (!SafeSegments(req.path, &segments)) return NotFound(req, "no route for " + req.path);
  std::string relative;
  for (std::string_view seg : segments) {
    if (!relative.empty()) relative += '/';
    relative += seg;
  }
  auto file = files_.find(relative);
  bool asset = !segments.empty() && segments.front() == "assets";
  if (file != files_.end() && !(asset && segments.size() < 2)) return Answer(file->second, req);
  // Hashed assets are named by index.html: one that is missing is a stale or mistyped name,
  // and HTML in its place would only fail later, as a script or style that does not parse.
  if (asset) return NotFound(req, "no file " + relative + " in the web app");
  if (auto index = files_.find("index.html"); index != files_.end()) {
    return Answer(index->second, req);
  }
  Response page{200, "text/html; charset=utf-8", std::string(kNotBuiltPage), {}};
  page.headers.emplace_back("Cache-Control", std::string(kCacheRevalidate));
  page.headers.emplace_back("Content-Security-Policy", std::string(kNotBuiltPagePolicy));
  return page;
}

}  // namespace readside::http
