#pragma once
// A tiny OTLP/HTTP collector for tests: an HTTP/1.1 server on 127.0.0.1 (an ephemeral port)
// that records every request and answers with scripted status codes, one connection at a
// time (keep-alive honoured), on a thread of its own.
// Thread-safety: every method may be called from any thread.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace readside::trace::testing {

class FakeCollector {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::string content_type;
    std::string body;
  };

  static absl::StatusOr<std::unique_ptr<FakeCollector>> Start();
  ~FakeCollector();  // stops the thread, closing any connection

  // "http://127.0.0.1:PORT/v1/traces".
  std::string url() const;

  // The statuses of the next answers, in order; 200 after them.
  void ScriptStatuses(std::vector<int> statuses);
  // A Retry-After header value sent with every answer that is not 2xx ("" for none).
  void SetRetryAfter(std::string value);
  // While held, requests are read and recorded but answered only after Release().
  void Hold();
  void Release();

  // Waits until `n` requests have arrived; false after `timeout`.
  bool WaitForRequests(size_t n, absl::Duration timeout);
  std::vector<Request> requests() const;

 private:
  explicit FakeCollector(int listen_fd, int port);
  void Run();
  void Serve(int fd);
  // Reads one request from `fd` (what is left of the last read is in `buffer`); false when
  // the peer closed or the collector stops.
  bool ReadRequest(int fd, std::string* buffer, Request* request);
  bool Stopping();

  const int listen_fd_;
  const int port_;
  mutable absl::Mutex mu_;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  std::deque<int> statuses_ ABSL_GUARDED_BY(mu_);
  std::string retry_after_ ABSL_GUARDED_BY(mu_);
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace readside::trace::testing
