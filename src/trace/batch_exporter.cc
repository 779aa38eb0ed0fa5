#include "trace/batch_exporter.h"

#include <pthread.h>

#include <algorithm>

#include "trace/otlp_json.h"

namespace readside::trace {

BatchExporter::BatchExporter(const TracerOptions& options, std::unique_ptr<OtlpHttpClient> client,
                             TracerCounters* counters)
    : max_batch_(options.max_batch_spans),
      max_queue_(options.max_queue_spans),
      flush_interval_(absl::Milliseconds(options.flush_interval_ms)),
      max_attempts_(options.max_attempts),
      initial_backoff_(absl::Milliseconds(options.initial_backoff_ms)),
      max_backoff_(absl::Milliseconds(options.max_backoff_ms)),
      request_timeout_(absl::Milliseconds(options.request_timeout_ms)),
      client_(std::move(client)),
      counters_(counters) {
  resource_.emplace_back("service.name", options.service_name);
  for (const auto& attribute : options.resource_attributes) resource_.push_back(attribute);
  {
    // The first interval starts now: a thread that starts late (a busy machine) must not find
    // it over and send the first span at once, with the whole request timeout.
    absl::MutexLock lock(&mu_);
    next_flush_ = absl::Now() + flush_interval_;
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-trace");
    Run();
  });
}

BatchExporter::~BatchExporter() { Shutdown(absl::ZeroDuration()); }

std::unique_ptr<SpanData> BatchExporter::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!spare_.empty()) {
      std::unique_ptr<SpanData> span = std::move(spare_.back());
      spare_.pop_back();
      return span;
    }
  }
  return std::make_unique<SpanData>();
}

void BatchExporter::Recycle(Batch batch) {
  for (std::unique_ptr<SpanData>& span : batch) span->Clear();
  absl::MutexLock lock(&mu_);
  for (std::unique_ptr<SpanData>& span : batch) {
    if (spare_.size() >= max_queue_) break;  // the rest are freed with `batch`
    spare_.push_back(std::move(span));
  }
}

void BatchExporter::Enqueue(std::unique_ptr<SpanData> span) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < max_queue_) {
      queue_.push_back(std::move(span));
      if (queue_.size() == max_batch_) cv_.Signal();
      return;
    }
  }
  counters_->spans_dropped.Add();  // `span` is freed outside the lock
}

void BatchExporter::Shutdown(absl::Duration timeout) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = absl::Now() + timeout;
      abort_at_.store(deadline_ == absl::InfiniteFuture() ? 0 : absl::ToUnixNanos(deadline_));
    }
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void BatchExporter::Run() {
  for (Batch batch = NextBatch(); !batch.empty(); batch = NextBatch()) {
    Send(batch);
    Recycle(std::move(batch));
  }
  // Stopped at the deadline: what is still queued is lost.
  absl::MutexLock lock(&mu_);
  counters_->spans_dropped.Add(queue_.size());
  queue_.clear();
}

BatchExporter::Batch BatchExporter::NextBatch() {
  absl::MutexLock lock(&mu_);
  while (!stopping_ && queue_.size() < max_batch_) {
    absl::Time now = absl::Now();
    if (now >= next_flush_) {
      if (!queue_.empty()) break;
      next_flush_ = now + flush_interval_;  // nothing waited: a new interval starts
    }
    cv_.WaitWithDeadline(&mu_, next_flush_);
  }
  next_flush_ = absl::Now() + flush_interval_;
  Batch batch;
  if (stopping_ && absl::Now() >= deadline_) return batch;
  size_t n = std::min(queue_.size(), max_batch_);
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void BatchExporter::Send(const Batch& batch) {
  std::string_view body = EncodeOtlpJson(resource_, batch, &body_buffer_);
  absl::Duration delay = initial_backoff_;
  for (int attempt = 1;; ++attempt) {
    absl::Duration time_left = TimeLeft();
    if (time_left <= absl::ZeroDuration()) break;
    absl::StatusOr<PostAnswer> answer =
        client_->Post(body, std::max<int64_t>(absl::ToInt64Milliseconds(time_left), 1), &abort_at_);
    if (answer.ok() && answer->status >= 200 && answer->status < 300) {
      counters_->spans_exported.Add(batch.size());
      counters_->batches_sent.Add();
      return;
    }
    counters_->export_failures.Add();
    bool retryable =
        answer.ok() ? IsRetryableStatus(answer->status) : absl::IsUnavailable(answer.status());
    if (!retryable || attempt >= max_attempts_) break;
    absl::Duration wait = delay;
    if (answer.ok() && answer->retry_after_ms >= 0) {
      wait = absl::Milliseconds(answer->retry_after_ms);
    }
    if (!Backoff(std::min(wait, max_backoff_))) break;
    delay = std::min(delay * 2, max_backoff_);
  }
  counters_->spans_dropped.Add(batch.size());
}

bool BatchExporter::Backoff(absl::Duration delay) {
  absl::Time wake = absl::Now() + delay;
  absl::MutexLock lock(&mu_);
  while (true) {
    absl::Time until = stopping_ ? std::min(wake, deadline_) : wake;
    if (absl::Now() >= until) break;
    cv_.WaitWithDeadline(&mu_, until);
  }
  return !stopping_ || absl::Now() < deadline_;
}

absl::Duration BatchExporter::TimeLeft() {
  absl::MutexLock lock(&mu_);
  if (!stopping_) return request_timeout_;
  return std::min(request_timeout_, deadline_ - absl::Now());
}

}  // namespace readside::trace
