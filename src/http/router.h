#pragma once
// Maps (method, path) to handlers. Patterns are literal segments and `{name}` parameters:
// "/events/{org}". A path that matches a pattern with another method answers 405.
// Thread-safety: build before serving; Dispatch is then safe from any thread.

#include <string>
#include <vector>

#include "http/request.h"

namespace readside::http {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Fills req.params and calls the handler, or answers 404/405 problem+json.
  void Dispatch(Request& req, Responder respond) const;
  // The matched pattern for metrics labels ("/events/{org}"), or "unmatched".
  std::string RouteOf(const Request& req) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  const Route* Match(const Request& req, bool* path_matched) const;
  std::vector<Route> routes_;
};

}  // namespace readside::http
