#pragma once
// The exporter behind an enabled Tracer: a bounded queue of ended spans and one thread
// ("rs-trace") that sends them in batches (max_batch_spans, or every flush_interval_ms) as
// OTLP/HTTP JSON, retrying what is worth retrying with capped exponential backoff.
// Thread-safety: Enqueue may be called from any thread and only takes a short lock (never
// waits for the collector); Shutdown may be called from any thread, once effective.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "trace/otlp_http.h"
#include "trace/otlp_json.h"
#include "trace/span_data.h"
#include "trace/trace.h"

namespace readside::trace {

class BatchExporter {
 public:
  // Starts the thread. REQUIRES: `counters` outlives the exporter.
  BatchExporter(const TracerOptions& options, std::unique_ptr<OtlpHttpClient> client,
                TracerCounters* counters);
  ~BatchExporter();  // Shutdown(0) unless already shut down
  BatchExporter(const BatchExporter&) = delete;
  BatchExporter& operator=(const BatchExporter&) = delete;

  // A cleared SpanData for a span being started: one the exporter sent before (with its
  // buffers' capacity), or a new one. Sent spans are kept for this, up to max_queue_spans.
  std::unique_ptr<SpanData> Acquire();

  // Queues an ended span, or drops and counts it when the queue is full or shut down.
  void Enqueue(std::unique_ptr<SpanData> span);

  // Sends what is queued within `timeout`, then stops the thread. Idempotent.
  void Shutdown(absl::Duration timeout);

 private:
  using Batch = std::vector<std::unique_ptr<SpanData>>;
  void Run();
  // Waits until a batch is due (full, the interval passed, or shutting down) and takes it;
  // an empty batch means: stop.
  Batch NextBatch();
  // Sends `batch`, retrying; counts it as exported or dropped.
  void Send(const Batch& batch);
  // Clears the spans of a sent batch and keeps them for Acquire.
  void Recycle(Batch batch);
  // Waits `delay`, cut short by the shutdown deadline. False when the deadline has passed.
  bool Backoff(absl::Duration delay);
  // How long the next try may take: the request timeout, cut to the shutdown deadline
  // (zero when it has passed).
  absl::Duration TimeLeft();

  const size_t max_batch_;
  const size_t max_queue_;
  const absl::Duration flush_interval_;
  const int max_attempts_;
  const absl::Duration initial_backoff_;
  const absl::Duration max_backoff_;
  const absl::Duration request_timeout_;
  std::vector<std::pair<std::string, std::string>> resource_;
  OtlpBuffer body_buffer_;  // kept between batches (EncodeOtlpJson); the exporter's thread's
  std::unique_ptr<OtlpHttpClient> client_;  // the thread's only
  TracerCounters* const counters_;

  absl::Mutex mu_;
  absl::CondVar cv_;  // signalled when a batch fills and on shutdown
  std::deque<std::unique_ptr<SpanData>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<SpanData>> spare_ ABSL_GUARDED_BY(mu_);  // for Acquire
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // deadline_ in Unix nanoseconds once stopping (0 before): a request in flight when Shutdown
  // is called (sent with the whole request timeout) is abandoned at it.
  std::atomic<int64_t> abort_at_{0};
  // When the spans queued (fewer than a batch) are sent anyway.
  absl::Time next_flush_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace readside::trace
