#pragma once
// Maps (method, path) to handlers. Patterns are literal segments and `{name}` parameters:
// "/events/{org}". Where several patterns match a path, the one with literal segments first
// wins ("/reports/export/{format}" over "/reports/{report}/{org}"); a path whose winning
// patterns have other methods answers 405 with Allow. A fallback may take the GET and HEAD
// requests that no pattern matches (the web app's paths, routes_web.cc).
// Thread-safety: build before serving; Dispatch is then safe from any thread.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"

namespace readside::http {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // GET and HEAD requests whose path no pattern matches, and for which `accepts(path)` holds,
  // go to `handler` instead of the 404; RouteOf names them `label` (for metrics, a bounded
  // name such as "/{web}").
  void SetFallback(std::string label, std::function<bool(std::string_view path)> accepts,
                   Handler handler);
  // Fills req.params and calls the handler, or answers 404/405 problem+json.
  void Dispatch(Request& req, Responder respond) const;
  // The matched pattern for metrics labels ("/events/{org}"), or "unmatched".
  std::string RouteOf(const Request& req) const;
  // Every (method, pattern) added, in order (the OpenAPI test checks each is documented).
  std::vector<std::pair<std::string, std::string>> Routes() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
    return out;
  }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  // The route for (method, path) among the most specific patterns matching the path, or
  // nullptr; *path_matched says whether any pattern matched, *allow (when not null) lists
  // the methods of those most specific patterns.
  const Route* Match(const Request& req, bool* path_matched, std::string* allow) const;
  std::vector<Route> routes_;
  std::string fallback_label_;
  std::function<bool(std::string_view)> fallback_accepts_;
  Handler fallback_;
};

}  // namespace readside::http
