#pragma once
// A small blocking HTTP/1.1 client (one keep-alive connection, reconnecting when the server
// closed it) for `readside ingest` and tests, and the ingest command built on it.
// Thread-safety: an HttpClient is used by one thread at a time.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace readside::ingest {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string retry_after;
  std::string body;
};

class HttpClient {
 public:
  // `base_url`: "http://host:port" (no TLS: put nginx in front for that).
  static absl::StatusOr<std::unique_ptr<HttpClient>> Create(std::string_view base_url,
                                                            std::string bearer_token = "");
  ~HttpClient();
  // Network failures are errors; HTTP error statuses are results.
  absl::StatusOr<HttpResult> Request(std::string_view method, std::string_view target,
                                     std::string_view content_type, std::string_view body);

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct IngestCommandOptions {
  std::string input;     // file path or "-" for stdin
  std::string url = "http://127.0.0.1:8080";
  std::string token;     // bearer token, optional
  size_t batch = 1000;   // events per POST
  int max_retries = 8;   // per batch, with exponential backoff (idempotent thanks to event_id)
  bool progress = true;  // progress bar on stderr
  // When set, every rejected line is appended here as one JSON object per line:
  // {"line": n, "errors": [{field, message}…], "raw": "<the line>"} — to fix and re-send.
  std::string rejects_file;
};

struct IngestSummary {
  uint64_t sent = 0, accepted = 0, duplicates = 0, conflicts = 0, rejected = 0, retries = 0;
  uint64_t last_position = 0;
  double seconds = 0;
};

// Posts the NDJSON input in batches. Lines without event_id get one here (a UUID) before
// the first attempt, so a retried batch can never store an event twice. Fails when a batch
// still fails after max_retries or the server answers a non-retryable error.
absl::StatusOr<IngestSummary> RunIngest(const IngestCommandOptions& options, std::ostream& err);

}  // namespace readside::ingest
