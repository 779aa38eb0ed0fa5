#pragma once
// The JSON access log: one line per answered request with the time, request id, peer,
// method, path (no query string), route pattern, tenant, token subject, status and handling
// latency. Never the Authorization header, the query string or any body: tokens and secrets
// do not reach the log. Lines are buffered and written by a background thread, so a slow
// terminal or disk does not slow requests; if the writer falls more than `max_buffer_bytes`
// behind, lines are dropped and counted (readside_access_log_dropped_total).
// Thread-safety: Record is safe from any thread.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "http/request.h"

namespace readside::http {

class AccessLog {
 public:
  // `destination`: "-" for stderr, or a file path (appended to).
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& destination,
                                                         const Clock* clock,
                                                         size_t max_buffer_bytes = 8 << 20);
  ~AccessLog();  // writes what is buffered

  void Record(const Request& req, const std::string& route, int status, uint64_t micros);
  void RegisterMetrics(MetricsRegistry* registry) const;
  void Flush();  // blocks until everything recorded so far is written

 private:
  AccessLog(FILE* out, bool owned, const Clock* clock, size_t max_buffer_bytes);
  void WriterLoop();

  FILE* out_;
  bool owned_;
  const Clock* clock_;
  size_t max_buffer_bytes_;
  absl::Mutex mu_;
  absl::CondVar wake_;     // buffer_ filled, or stop_
  absl::CondVar written_;  // flushed_ advanced
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  uint64_t appended_ ABSL_GUARDED_BY(mu_) = 0;  // lines
  uint64_t flushed_ ABSL_GUARDED_BY(mu_) = 0;   // lines
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  Counter dropped_;
  std::thread writer_;
};

}  // namespace readside::http
