#pragma once
// The JSON access log: one line per answered request with the time, request id, peer,
// method, path (no query string), route pattern, tenant, token subject, status and handling
// latency. Never the Authorization header, the query string or any body: tokens and secrets
// do not reach the log.
//
// Cost per request: the line is formatted straight into a buffer owned by the recording
// thread (no lock shared between threads, no condition variable, no allocation once the
// buffer has grown to its working size); a writer thread takes every thread's buffer each
// `flush_interval` and writes them with one writev. So a slow terminal or disk does not slow
// requests: if a thread's buffer holds more than `max_buffer_bytes` that the writer has not
// taken yet, its lines are dropped and counted (readside_access_log_dropped_total); Record
// never blocks on the writer. A write error drops (and counts) the lines of that batch.
// Lines of one thread keep their order; lines of different threads interleave batch by
// batch, so timestamps in the file are ordered per thread, not across threads.
// Thread-safety: Record and Flush are safe from any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "http/request.h"

namespace readside::http {

struct AccessLogOptions {
  // Bytes one recording thread may hold that the writer has not taken yet; lines beyond it
  // are dropped and counted. Memory: up to about twice this per recording thread (the buffer
  // being filled and the one being written keep their capacity).
  size_t max_buffer_bytes = 8 << 20;
  // How often the writer takes the buffers. Shorter: lines reach the file sooner, more
  // writes; at ~100k requests/s and 10 ms a write carries ~250 KB.
  absl::Duration flush_interval = absl::Milliseconds(10);
};

class AccessLog {
 public:
  // `destination`: "-" for stderr, or a file path (appended to, created if missing).
  // On failure (the file cannot be opened): InvalidArgument naming the path and the reason.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& destination,
                                                         const Clock* clock,
                                                         AccessLogOptions options = {});
  // Writes to the file descriptor `fd`; closes it on destruction if `owned` (tests: a pipe).
  static std::unique_ptr<AccessLog> ForFd(int fd, bool owned, const Clock* clock,
                                          AccessLogOptions options = {});
  // Writes every line recorded before it began, then stops the writer.
  // REQUIRES: no Record call is running or starts.
  ~AccessLog();

  void Record(const Request& req, std::string_view route, int status, uint64_t micros);
  void RegisterMetrics(MetricsRegistry* registry) const;
  // Blocks until every line recorded before the call is written (or dropped and counted).
  void Flush();
  uint64_t dropped() const { return dropped_.value(); }

 private:
  struct Shard;
  AccessLog(int fd, bool owned, const Clock* clock, AccessLogOptions options);
  Shard* ThisThreadShard();
  void WriterLoop();
  void WritePass();  // takes every shard's buffer and writes them; writer thread only

  const int fd_;
  const bool owned_;
  const Clock* const clock_;
  const AccessLogOptions options_;
  const uint64_t id_;  // tells this log from a destroyed one at the same address

  absl::Mutex shards_mu_;  // taken when a thread records for the first time, and per pass
  std::vector<std::pair<std::thread::id, std::unique_ptr<Shard>>> shards_
      ABSL_GUARDED_BY(shards_mu_);

  absl::Mutex writer_mu_;
  absl::CondVar wake_writer_, flushed_;
  bool stop_ ABSL_GUARDED_BY(writer_mu_) = false;
  uint64_t flush_requested_ ABSL_GUARDED_BY(writer_mu_) = 0;
  uint64_t flush_done_ ABSL_GUARDED_BY(writer_mu_) = 0;

  Counter dropped_;
  std::thread writer_;
};

}  // namespace readside::http
