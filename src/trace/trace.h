#pragma once
// Tracing (../shared/spec/operations.md "Tracing", issue 16): spans for ingest, store commit,
// apply and query, sampled parent-based, batched and exported as OTLP/HTTP JSON to the
// collector given by --otlp-endpoint. Off by default, and off costs nothing: a disabled
// Tracer's StartSpan is an inline branch that returns an inert Span (no allocation, no clock
// read, no lock), so hot paths may always write
//   trace::Span span = tracer->StartSpan("store.commit", parent);
// Thread-safety: Tracer is safe for concurrent use. A Span belongs to one thread at a time
// (like a std::string); it may be moved to and ended on another thread.

#include <atomic>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "trace/trace_context.h"

namespace readside::trace {

// OTLP's SpanKind numbers.
enum class SpanKind : uint8_t {
  kInternal = 1,  // work inside the process (store commit, apply)
  kServer = 2,    // handling a request from outside (HTTP routes)
  kClient = 3,    // a request to a peer
  kProducer = 4,  // handing a message to a broker (POST /events through Kafka)
  kConsumer = 5,  // processing a message from a broker (the Kafka consumer)
};

// OTLP's status codes.
enum class SpanStatus : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// An attribute key. Written as a string literal (the usual case) it is checked when compiling
// to need no JSON escaping (plain printable ASCII) and is recorded by reference, neither copied
// nor escaped again on export; a std::string or std::string_view key is copied.
class AttributeKey {
 public:
  template <size_t N>
  consteval AttributeKey(const char (&literal)[N]) : view_(literal, N - 1), literal_(true) {
    for (char c : view_) {
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        throw "an attribute key literal must be printable ASCII without '\"' or '\\'";
      }
    }
  }
  AttributeKey(std::string_view key) : view_(key), literal_(false) {}
  AttributeKey(const std::string& key) : view_(key), literal_(false) {}

  std::string_view view() const { return view_; }
  // A literal: its characters live as long as the program.
  bool literal() const { return literal_; }

 private:
  std::string_view view_;
  bool literal_;
};

struct SpanData;      // span_data.h
class BatchExporter;  // batch_exporter.h
class Tracer;

// One operation being timed. Move-only. A Span is *recording* when tracing is on and it was
// sampled; every setter of a span that is not recording does nothing (an inline test), so
// callers need not check — except to skip computing an expensive attribute value.
// Ending it (End(), or the destructor) stamps the end time and hands it to the exporter's
// queue; a later End() or setter does nothing.
class Span {
 public:
  Span() = default;  // inert: not recording, invalid context
  ~Span() {
    if (data_ != nullptr) Finish();
  }
  Span(Span&& other) noexcept
      : context_(other.context_), data_(std::exchange(other.data_, nullptr)) {}
  Span& operator=(Span&& other) noexcept {
    if (this != &other) {
      End();
      context_ = other.context_;
      data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
  }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  bool recording() const { return data_ != nullptr; }
  // What to propagate (the `traceparent` of outgoing requests and responses, the parent of
  // child spans): this span's trace, id and sampled flag. With tracing off it is the parent
  // the span was started with, passed through unchanged (invalid when there was none).
  const SpanContext& context() const { return context_; }

  // Renames the span (OpenTelemetry's UpdateName): an HTTP server span is named after its
  // route, known only once the request was routed.
  void SetName(std::string_view name) {
    if (data_ != nullptr) SetNameSlow(name);
  }

  // Sets an attribute (OTLP's string, int, double or bool value), replacing one of the same
  // key. Keys should follow OpenTelemetry's conventions ("http.request.method") or be
  // "readside."-prefixed. String values are cut at 4 KiB; invalid UTF-8 is replaced on export.
  // At most 128 attributes per span, and 64 KiB of names, keys and string values; further
  // keys are counted as dropped. Recording copies the value and a key that is not a literal
  // (AttributeKey): neither need outlive the call.
  void SetAttribute(AttributeKey key, std::string_view value) {
    if (data_ != nullptr) SetString(key, value);
  }
  void SetAttribute(AttributeKey key, const char* value) {
    SetAttribute(key, std::string_view(value));
  }
  // Integers (uint64_t above INT64_MAX wrap) and bool.
  template <std::integral T>
  void SetAttribute(AttributeKey key, T value) {
    if (data_ == nullptr) return;
    if constexpr (std::is_same_v<T, bool>) {
      SetBool(key, value);
    } else {
      SetInt(key, static_cast<int64_t>(value));
    }
  }
  void SetAttribute(AttributeKey key, double value) {
    if (data_ != nullptr) SetDouble(key, value);
  }

  // Links this span to another span (another trace's, or the one that stored the event this
  // span applies). Invalid contexts are ignored; at most 128 links per span.
  void AddLink(const SpanContext& linked) {
    if (data_ != nullptr && linked.valid()) AddLinkSlow(linked);
  }

  // OTLP keeps the message only with kError.
  void SetStatus(SpanStatus status, std::string_view message = {}) {
    if (data_ != nullptr) SetStatusSlow(status, message);
  }
  // kOk for an OK status, else kError with status.ToString().
  void SetStatus(const absl::Status& status) {
    if (data_ != nullptr) SetStatusSlow(status);
  }

  void End() {
    if (data_ != nullptr) Finish();
  }

 private:
  friend class Tracer;
  Span(const SpanContext& context, SpanData* data) : context_(context), data_(data) {}
  void SetNameSlow(std::string_view name);
  void SetString(AttributeKey key, std::string_view value);
  void SetInt(AttributeKey key, int64_t value);
  void SetDouble(AttributeKey key, double value);
  void SetBool(AttributeKey key, bool value);
  void AddLinkSlow(const SpanContext& linked);
  void SetStatusSlow(SpanStatus status, std::string_view message);
  void SetStatusSlow(const absl::Status& status);
  void Finish();

  SpanContext context_;
  SpanData* data_ = nullptr;  // owned; null unless recording
};

// What --otlp-endpoint and its companions configure. The batching defaults are
// OpenTelemetry's batch span processor's, with a 1 s interval instead of 5 s.
struct TracerOptions {
  // The OTLP/HTTP traces URL, in full: "http://collector:4318/v1/traces" (http or https).
  // Empty: tracing is off.
  std::string endpoint;
  // Extra request headers, "Name: value" each (a hosted collector's Authorization).
  std::vector<std::string> headers;
  // The resource's service.name, and further resource attributes (service.instance.id, …).
  std::string service_name = "readside";
  std::vector<std::pair<std::string, std::string>> resource_attributes;
  // The share of new traces (spans without a parent) that are recorded, 0..1. A parent's
  // decision is always followed: a sampled parent's children are recorded, an unsampled
  // parent's are not. The decision is a function of the trace id.
  double sample_ratio = 1.0;
  // A batch is sent when this many spans are queued, or (however few) flush_interval_ms after
  // the previous batch.
  size_t max_batch_spans = 512;
  int64_t flush_interval_ms = 1000;
  // Spans ended while this many wait are dropped (and counted): ending a span never blocks
  // on the collector. REQUIRES: >= max_batch_spans.
  size_t max_queue_spans = 2048;
  // Tries per batch (the first included) when the collector answers 429, 502, 503 or 504 or
  // cannot be reached; waits initial_backoff_ms, doubling up to max_backoff_ms (or the
  // collector's Retry-After, capped the same) between tries. Then the batch is dropped.
  int max_attempts = 4;
  int64_t initial_backoff_ms = 200;
  int64_t max_backoff_ms = 5000;
  // One POST (connecting included) may take this long.
  int64_t request_timeout_ms = 10'000;
  // The destructor's Shutdown deadline.
  int64_t shutdown_timeout_ms = 5000;
};

// Counts since the tracer was created; all zero while tracing is off. Every recorded span
// ends up exported or dropped: started = exported + dropped + queued/in flight.
struct TracerCounters {
  Counter spans_started;   // recording spans started
  Counter spans_exported;  // spans the collector accepted (2xx)
  // Spans never exported: the queue was full, their batch was given up, or they were still
  // queued at the shutdown deadline (or ended after it).
  Counter spans_dropped;
  Counter export_failures;  // POSTs that failed (retried ones included)
  Counter batches_sent;     // batches the collector accepted
};

class Tracer {
 public:
  // A tracer exporting to options.endpoint, with its exporter's thread started; or, when the
  // endpoint is empty, a disabled one. InvalidArgument (naming the option) when the endpoint
  // is not an http(s) URL with a host or a limit is out of range.
  // REQUIRES: `clock` outlives the tracer.
  static absl::StatusOr<std::unique_ptr<Tracer>> Create(TracerOptions options,
                                                        const Clock* clock = &SystemClock::Get());
  // A process-wide disabled tracer, for components that were given none.
  static Tracer& Disabled();

  // Shutdown(options.shutdown_timeout_ms). REQUIRES: every Span of this tracer has ended.
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  bool enabled() const { return enabled_; }

  // Starts a span as a child of `parent` (from ParseTraceparent, or another span's
  // context()), or of nothing when `parent` is invalid — then it starts a new trace.
  // Disabled: an inert span carrying `parent` (see Span::context). Enabled but not sampled
  // (or after Shutdown): a span that records nothing but has its own id in the trace, with
  // the sampled flag clear, so propagation stays consistent.
  Span StartSpan(std::string_view name, const SpanContext& parent = {},
                 SpanKind kind = SpanKind::kInternal) {
    if (!enabled_) return Span(parent, nullptr);
    return StartEnabled(name, parent, kind);
  }

  // Stops taking spans, sends what is queued (retrying within the deadline) and stops the
  // exporter's thread; what is left at the deadline is dropped and counted. Idempotent.
  void Shutdown(int64_t timeout_ms);

  const TracerCounters& counters() const { return counters_; }
  // Renders readside_trace_spans_started_total, _spans_exported_total,
  // _spans_dropped_total, _export_failures_total and _batches_sent_total.
  // REQUIRES: the tracer outlives the registry's renderings.
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  friend class Span;
  Tracer(TracerOptions options, const Clock* clock);
  Span StartEnabled(std::string_view name, const SpanContext& parent, SpanKind kind);
  bool SampleRoot(const TraceId& trace_id) const;
  // Takes an ended span from Span::Finish.
  void Export(SpanData* span);

  const TracerOptions options_;
  const Clock* const clock_;
  const bool enabled_;
  const uint64_t sample_threshold_;  // roots with (trace_id.lo >> 11) < this are sampled
  TracerCounters counters_;
  std::unique_ptr<BatchExporter> exporter_;  // null when disabled
  std::atomic<bool> shut_down_{false};
};

}  // namespace readside::trace
