#include <cmath>

#include "absl/strings/str_cat.h"
#include "trace/batch_exporter.h"
#include "trace/otlp_http.h"
#include "trace/span_data.h"
#include "trace/trace.h"

namespace readside::trace {
namespace {

absl::Status ValidateOptions(const TracerOptions& o) {
  auto invalid = [](const char* option, const char* rule) {
    return absl::InvalidArgumentError(absl::StrCat("tracing: ", option, ": ", rule));
  };
  if (!(o.sample_ratio >= 0 && o.sample_ratio <= 1)) {
    return invalid("sample_ratio", "must be between 0 and 1");
  }
  if (o.max_batch_spans < 1) return invalid("max_batch_spans", "must be at least 1");
  if (o.max_queue_spans < o.max_batch_spans) {
    return invalid("max_queue_spans", "must be at least max_batch_spans");
  }
  if (o.flush_interval_ms < 1) return invalid("flush_interval_ms", "must be positive");
  if (o.max_attempts < 1) return invalid("max_attempts", "must be at least 1");
  if (o.initial_backoff_ms < 0 || o.max_backoff_ms < o.initial_backoff_ms) {
    return invalid("initial_backoff_ms", "must be between 0 and max_backoff_ms");
  }
  if (o.request_timeout_ms < 1) return invalid("request_timeout_ms", "must be positive");
  if (o.shutdown_timeout_ms < 0) return invalid("shutdown_timeout_ms", "must not be negative");
  return absl::OkStatus();
}

// Roots whose trace id's 53 low random bits fall below ratio * 2^53 are sampled: exact for
// 0 and 1, and the same answer for the same trace id on every node.
uint64_t SampleThreshold(double ratio) { return static_cast<uint64_t>(std::ldexp(ratio, 53)); }

}  // namespace

absl::StatusOr<std::unique_ptr<Tracer>> Tracer::Create(TracerOptions options, const Clock* clock) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  std::unique_ptr<OtlpHttpClient> client;
  if (!options.endpoint.empty()) {
    absl::StatusOr<std::unique_ptr<OtlpHttpClient>> created =
        OtlpHttpClient::Create(options.endpoint, options.headers);
    if (!created.ok()) return created.status();
    client = std::move(*created);
  }
  std::unique_ptr<Tracer> tracer(new Tracer(std::move(options), clock));
  if (client != nullptr) {
    tracer->exporter_ =
        std::make_unique<BatchExporter>(tracer->options_, std::move(client), &tracer->counters_);
  }
  return tracer;
}

Tracer& Tracer::Disabled() {
  static Tracer* const disabled = new Tracer(TracerOptions{}, &SystemClock::Get());
  return *disabled;
}

Tracer::Tracer(TracerOptions options, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock),
      enabled_(!options_.endpoint.empty()),
      sample_threshold_(SampleThreshold(options_.sample_ratio)) {}

Tracer::~Tracer() { Shutdown(options_.shutdown_timeout_ms); }

void Tracer::Shutdown(int64_t timeout_ms) {
  shut_down_.store(true, std::memory_order_relaxed);
  if (exporter_ != nullptr) exporter_->Shutdown(absl::Milliseconds(timeout_ms));
}

bool Tracer::SampleRoot(const TraceId& trace_id) const {
  if (options_.sample_ratio >= 1) return true;
  return (trace_id.lo >> 11) < sample_threshold_;
}

Span Tracer::StartEnabled(std::string_view name, const SpanContext& parent, SpanKind kind) {
  SpanContext context;
  context.trace_id = parent.valid() ? parent.trace_id : NewTraceId();
  context.span_id = NewSpanId();
  bool sampled = parent.valid() ? parent.sampled() : SampleRoot(context.trace_id);
  if (!sampled || shut_down_.load(std::memory_order_relaxed)) return Span(context, nullptr);
  context.flags = SpanContext::kSampledFlag;

  SpanData* d = exporter_ != nullptr ? exporter_->Acquire().release() : new SpanData;
  d->tracer = this;
  d->context = context;
  if (parent.valid()) d->parent_span_id = parent.span_id;
  d->text.reserve(256);  // the name and a few short attributes: one allocation
  d->SetName(name);
  d->kind = kind;
  d->start_unix_nanos = clock_->NowMicros() * 1000;
  d->start_monotonic_nanos = clock_->MonotonicNanos();
  counters_.spans_started.Add();
  return Span(context, d);
}

void Tracer::Export(SpanData* span) {
  std::unique_ptr<SpanData> owned(span);
  owned->end_unix_nanos =
      owned->start_unix_nanos + (clock_->MonotonicNanos() - owned->start_monotonic_nanos);
  exporter_->Enqueue(std::move(owned));  // drops (and counts) once shut down
}

void Tracer::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    const TracerCounters& c = counters_;
    RenderCounter("readside_trace_spans_started_total", "Spans recorded (sampled) since start.",
                  c.spans_started.value(), out);
    RenderCounter("readside_trace_spans_exported_total", "Spans the OTLP collector accepted.",
                  c.spans_exported.value(), out);
    RenderCounter("readside_trace_spans_dropped_total",
                  "Spans never exported: queue full, batch given up after retries, or left at "
                  "shutdown.",
                  c.spans_dropped.value(), out);
    RenderCounter("readside_trace_export_failures_total",
                  "OTLP export requests that failed (retried ones included).",
                  c.export_failures.value(), out);
    RenderCounter("readside_trace_batches_sent_total", "Span batches the OTLP collector accepted.",
                  c.batches_sent.value(), out);
  });
}

}  // namespace readside::trace
