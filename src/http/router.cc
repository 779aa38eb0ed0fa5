#include "http/router.h"

#include <algorithm>
#include <cstdint>

#include "common/json_writer.h"

namespace readside::http {
namespace {

// The non-empty segments of a path (views into it).
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  out.reserve(8);
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0.
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && byte(1) >= 0xA0) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD: a problem
// echoes what the client sent (the path, a parameter's name or value), and JSON must be UTF-8.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    size_t n = Utf8SequenceLength(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
  }
  return out;
}

}  // namespace

Response ProblemResponse(const Problem& p, std::string_view instance) {
  JsonBuilder b;
  b.BeginObject().Key("type").String("about:blank").Key("title").String(ValidUtf8(p.title));
  b.Key("status").Int(p.status).Key("detail").String(ValidUtf8(p.detail));
  b.Key("instance").String(ValidUtf8(instance));
  if (!p.errors.empty()) {
    b.Key("errors").BeginArray();
    for (const auto& e : p.errors) {
      b.BeginObject().Key("field").String(ValidUtf8(e.field));
      b.Key("message").String(ValidUtf8(e.message)).EndObject();
    }
    b.EndArray();
  }
  b.EndObject();
  Response r{p.status, "application/problem+json", b.Take(), {}};
  if (p.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(p.retry_after_seconds));
  }
  return r;
}

std::string MediaType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  std::string out(t);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Response JsonResponse(std::string body, int status) {
  return Response{status, "application/json", std::move(body), {}};
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments;
  for (std::string_view seg : Split(pattern)) segments.emplace_back(seg);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments),
                     std::move(handler)});
}

// A path matches every route whose literal segments equal the path's; the routes whose
// literal segments come first (compared left to right) win, so "/reports/export/{format}"
// owns /reports/export/pdf for every method and "/reports/{report}/{org}" never sees it.
const Router::Route* Router::Match(const Request& req, bool* path_matched,
                                   std::string* allow) const {
  *path_matched = false;
  // Origin-form paths start with "/"; anything else (the empty path of an unparsable target)
  // is no route's, not "/"'s.
  if (!req.path.starts_with('/')) return nullptr;
  std::vector<std::string_view> segs = Split(req.path);
  const Route* found = nullptr;
  // Literal segments as bits, the first segment highest: a larger mask is more specific.
  uint64_t best = 0;
  std::vector<const Route*> winners;
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size() || segs.size() > 64) continue;
    bool ok = true;
    uint64_t literal = 0;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      bool param = p.size() > 2 && p.front() == '{' && p.back() == '}';
      if (!param) literal |= uint64_t{1} << (63 - i);
      ok = param ? !segs[i].empty() : p == segs[i];
    }
    if (!ok || (*path_matched && literal < best)) continue;
    if (!*path_matched || literal > best) {
      best = literal;
      winners.clear();
      found = nullptr;
    }
    *path_matched = true;
    winners.push_back(&r);
    if (found == nullptr &&
        (r.method == req.method || (req.method == "HEAD" && r.method == "GET"))) {
      found = &r;
    }
  }
  if (allow != nullptr) {
    std::vector<std::string_view> methods;
    for (const Route* r : winners) {
      if (std::find(methods.begin(), methods.end(), r->method) != methods.end()) continue;
      methods.push_back(r->method);
      *allow += (allow->empty() ? "" : ", ") + r->method;
    }
  }
  return found;
}

void Router::SetFallback(std::string label, std::function<bool(std::string_view)> accepts,
                         Handler handler) {
  fallback_label_ = std::move(label);
  fallback_accepts_ = std::move(accepts);
  fallback_ = std::move(handler);
}

std::string Router::RouteOf(const Request& req) const {
  if (req.route != nullptr) return *req.route;
  bool path_matched;
  const Route* r = Match(req, &path_matched, nullptr);
  return r ? r->pattern : "unmatched";
}

void Router::Dispatch(Request& req, Responder respond) const {
  bool path_matched;
  std::string allow;
  const Route* r = Match(req, &path_matched, &allow);
  if (r == nullptr) {
    if (path_matched) {
      Response resp = ProblemResponse({.status = 405, .title = "Method not allowed",
                                       .detail = req.method + " is not allowed on " + req.path},
                                      req.path);
      resp.headers.emplace_back("Allow", allow);
      respond(std::move(resp));
      return;
    }
    if (fallback_ && (req.method == "GET" || req.method == "HEAD") && fallback_accepts_(req.path)) {
      req.route = &fallback_label_;
      return fallback_(req, std::move(respond));
    }
    respond(ProblemResponse({.status = 404, .title = "Not found",
                             .detail = "no route for " + req.path},
                            req.path));
    return;
  }
  std::vector<std::string_view> segs = Split(req.path);
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& p = r->segments[i];
    if (p.size() > 2 && p.front() == '{') req.params[p.substr(1, p.size() - 2)] = segs[i];
  }
  req.route = &r->pattern;
  r->handler(req, std::move(respond));
}

}  // namespace readside::http
