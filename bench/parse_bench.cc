// Parse + validate throughput of the event parser on simulator events (one core).

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "event/parser.h"
#include "sim/generator.h"

namespace {

const std::vector<std::string>& Events() {
  static const std::vector<std::string> events = [] {
    readside::sim::GeneratorOptions o;
    o.seed = 7;
    o.total_events = 100'000;
    readside::sim::Generator gen(o);
    std::vector<std::string> out;
    std::string line;
    int64_t ts;
    while (gen.Next(&line, &ts)) out.push_back(line);
    return out;
  }();
  return events;
}

void BM_ParseAndValidate(benchmark::State& state) {
  const auto& events = Events();
  readside::event::EventParser parser;
  readside::event::Event ev;
  std::vector<readside::event::FieldError> errors;
  size_t i = 0, bytes = 0, ok = 0;
  for (auto _ : state) {
    const std::string& e = events[i];
    ok += parser.ParseOne(e, &ev, &errors);
    bytes += e.size();
    if (++i == events.size()) i = 0;
  }
  benchmark::DoNotOptimize(ok);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseAndValidate);

// Peer: simdjson's DOM parser on the same events, parsing only (no field reads, no rules, no
// stored form). The ratio BM_ParseAndValidate / BM_SimdjsonDomParseOnly shows what the
// contract's validation costs on top of a raw parse, on the same noisy machine in the same run.
void BM_SimdjsonDomParseOnly(benchmark::State& state) {
  const auto& events = Events();
  simdjson::dom::parser parser;
  size_t i = 0, ok = 0;
  for (auto _ : state) {
    simdjson::dom::element doc;
    ok += parser.parse(events[i]).get(doc) == simdjson::SUCCESS;
    if (++i == events.size()) i = 0;
  }
  benchmark::DoNotOptimize(ok);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SimdjsonDomParseOnly);

void BM_ParseNdjsonBatch(benchmark::State& state) {
  const auto& events = Events();
  std::string body;
  for (size_t i = 0; i < 1000; ++i) body += events[i] + "\n";
  readside::event::EventParser parser;
  size_t accepted = 0;
  for (auto _ : state) {
    parser.ParseBody(body, readside::event::BodyFormat::kNdjson,
                     [&](size_t, readside::event::Event&, const readside::event::ItemResult& r) {
                       accepted += r.ok;
                     });
  }
  benchmark::DoNotOptimize(accepted);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_ParseNdjsonBatch);

}  // namespace

BENCHMARK_MAIN();
