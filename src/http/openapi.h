#pragma once
// The OpenAPI 3.1 document served at /openapi.json, compiled in from docs/openapi.json (the
// single source, edited together with the routes).

#include <string_view>

namespace readside::http {
std::string_view OpenApiDocument();
}
