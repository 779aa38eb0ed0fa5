#pragma once
// Transport-neutral request and response types: handlers and their tests never see Beast.
// Thread-safety: value types.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <map>

#include "auth/jwt.h"
#include "common/problem.h"
#include "trace/trace.h"
#include "trace/trace_context.h"

namespace readside::http {

struct Request {
  std::string method;  // "GET", "POST", …
  std::string path;    // decoded path without the query
  std::map<std::string, std::string, std::less<>> query;    // decoded
  std::map<std::string, std::string, std::less<>> headers;  // names lower-case
  std::map<std::string, std::string, std::less<>> params;   // from the route pattern
  std::string body;
  std::string request_id;
  std::string remote;  // the peer's address (for the access log)
  const std::string* route = nullptr;  // the matched route's pattern (set by Router::Dispatch)
  trace::SpanContext trace;  // the server span of this request (tracing on), else invalid
  // The server span itself while the request is handled (tracing on), else null: a route adds
  // its own attributes to it (an analytics answer its tenant, period and position) rather
  // than timing an in-process read in a child span of its own. Not to be used once answered.
  trace::Span* span = nullptr;
  std::shared_ptr<const auth::Principal> principal;  // the verified caller (set by the Gate)

  std::string_view Header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  }
  const std::string* Query(std::string_view name) const {
    auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When valid, the answer's `traceparent` header (W3C Trace Context), written by the server
  // straight into the header block.
  trace::SpanContext traceparent;
};

// Handlers answer through a Responder exactly once, from any thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&, Responder)>;

// The media type of a Content-Type value: without parameters, lower-cased
// ("Application/JSON; charset=utf-8" → "application/json").
std::string MediaType(std::string_view content_type);

// application/problem+json for a Problem; `instance` is the request path.
Response ProblemResponse(const Problem& problem, std::string_view instance);
Response JsonResponse(std::string body, int status = 200);

}  // namespace readside::http
