#pragma once
// An RFC 9457 problem: what went wrong with a request, independent of the transport.
// Components return Problems; the HTTP layer serializes them as application/problem+json.
// Thread-safety: value type.

#include <string>
#include <vector>

namespace readside {

struct ProblemField {
  std::string field;
  std::string message;
};

struct Problem {
  int status = 400;
  std::string title;   // short, the same for every occurrence of this kind
  std::string detail;  // this occurrence
  std::vector<ProblemField> errors;
  int retry_after_seconds = 0;  // > 0: sent as Retry-After (429, 503)
};

}  // namespace readside
