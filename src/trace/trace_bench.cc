// What a span costs at a call site: tracing off (the inert span every hot path pays for),
// on but not sampled, and recorded (allocation, clock reads, queueing; the exporter's thread
// sends to a collector that is not there, so batches are dropped after one try).
#include <benchmark/benchmark.h>

#include "trace/trace.h"

namespace readside::trace {
namespace {

void BM_StartSpanDisabled(benchmark::State& state) {
  Tracer& tracer = Tracer::Disabled();
  SpanContext parent{NewTraceId(), NewSpanId(), 1};
  for (auto _ : state) {
    Span span = tracer.StartSpan("store.commit", parent);
    span.SetAttribute("readside.events", 100);
    benchmark::DoNotOptimize(span);
  }
}
BENCHMARK(BM_StartSpanDisabled);

std::unique_ptr<Tracer> Enabled(double ratio) {
  return *Tracer::Create({.endpoint = "http://127.0.0.1:1/v1/traces",
                          .sample_ratio = ratio,
                          .max_queue_spans = 1 << 16,
                          .max_attempts = 1,
                          .shutdown_timeout_ms = 0});
}

void BM_StartSpanNotSampled(benchmark::State& state) {
  std::unique_ptr<Tracer> tracer = Enabled(0.0);
  for (auto _ : state) {
    Span span = tracer->StartSpan("store.commit");
    span.SetAttribute("readside.events", 100);
    benchmark::DoNotOptimize(span);
  }
}
BENCHMARK(BM_StartSpanNotSampled);

void BM_StartSpanRecorded(benchmark::State& state) {
  std::unique_ptr<Tracer> tracer = Enabled(1.0);
  for (auto _ : state) {
    Span span = tracer->StartSpan("store.commit");
    span.SetAttribute("readside.events", 100);
    benchmark::DoNotOptimize(span);
  }
}
BENCHMARK(BM_StartSpanRecorded);

}  // namespace
}  // namespace readside::trace

BENCHMARK_MAIN();
