#pragma once
// POSTing OTLP/HTTP JSON bodies to the collector with libcurl (which stays in otlp_http.cc).
// One client keeps one connection alive between posts.
// Thread-safety: a client is used by one thread at a time (the exporter's); Create may be
// called from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace readside::trace {

struct PostAnswer {
  int status = 0;  // the HTTP status code
  // The collector's Retry-After in milliseconds (delta-seconds form only), or -1.
  int64_t retry_after_ms = -1;
};

class OtlpHttpClient {
 public:
  // InvalidArgument when `url` is not an http(s) URL with a host, or a header is not
  // "Name: value".
  static absl::StatusOr<std::unique_ptr<OtlpHttpClient>> Create(
      std::string url, const std::vector<std::string>& headers);
  ~OtlpHttpClient();
  OtlpHttpClient(const OtlpHttpClient&) = delete;
  OtlpHttpClient& operator=(const OtlpHttpClient&) = delete;

  // POSTs `body` as application/json. The collector's answer, whatever its status; or
  // Unavailable when it could not be reached or did not answer within `timeout_ms` (worth
  // retrying), FailedPrecondition for what a retry will not fix (TLS verification).
  // `abort_at`, when given and not 0, is a Unix time in nanoseconds that may be set while the
  // request is in flight (a shutdown's deadline): the request is abandoned then, within about
  // a second (libcurl's progress callback), as Unavailable.
  absl::StatusOr<PostAnswer> Post(std::string_view body, int64_t timeout_ms,
                                  const std::atomic<int64_t>* abort_at = nullptr);

 private:
  OtlpHttpClient() = default;
  std::string url_;
  struct Handles;
  std::unique_ptr<Handles> handles_;
};

// Whether a collector's answer is worth retrying (OTLP/HTTP: 429, 502, 503, 504).
bool IsRetryableStatus(int status);

}  // namespace readside::trace
