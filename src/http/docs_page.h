#pragma once
// The API reference page served at GET /docs: the OpenAPI document rendered as plain HTML on
// the server (operations, parameters, responses), without scripts, so the page keeps a
// strict Content-Security-Policy. Public, like /openapi.json.
// Thread-safety: a pure function.

#include <string>
#include <string_view>

namespace readside::http {

// The page for `openapi_json`; a short page pointing to /openapi.json if it does not parse.
std::string RenderDocsPage(std::string_view openapi_json);

// The Content-Security-Policy the page needs (its own inline style, nothing else).
inline constexpr std::string_view kDocsPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

}  // namespace readside::http
