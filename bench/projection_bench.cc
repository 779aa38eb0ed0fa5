// Apply throughput of the read models on simulator events (one core each; items = events).
//
//   BM_ApplyPreParsed               TenantProjection::Apply on events parsed up front, one fresh
//                                   TenantProjection per tenant, a publication every 8192
//                                   events (the Projector's batch), the previous publication
//                                   held alive like the Projector's ModelSnapshot holds it (so
//                                   copy-on-write costs are included). Target ≥ 2,000,000/s.
//   BM_ApplyFromStoreIncludingParse the real Projector (its own applier thread) catching up from
//                                   position 0 on a RocksDB EventStore holding the same events:
//                                   ReadRange + EventParser::ParseOne + Apply + Publish.
//                                   Wall-clock time. Target ≥ 700,000/s.
//   BM_ApplyLateArrivals/4          the stream applied 4 times with the same instants: from the
//                                   2nd pass on every time log and stock move arrives late.
//   BM_ApplyPreParsedPublishOnce    breakdown: BM_ApplyPreParsed with one publication at the end.
//   BM_StoreReadRangeOnly           breakdown: EventStore::ReadRange alone (decoding records).
//   BM_StoreReadAndParse            breakdown: ReadRange + ParseOne, no Apply.
//   BM_StoreReadParseApplyInline    breakdown: the Projector's loop on the benchmark thread.
//
// Input: `readside generate --seed 1 --count 200000 --tenants acme-corp,beta-inc,gamma-llc,
// delta-co` (the simulator's defaults: no late events, duplicates or malformed lines), generated
// and parsed once per process; the store is written once (sync off) into a temporary directory
// under /tmp, then closed and reopened so that no index or memtable work runs during timing.
// Events: PROJECTION_BENCH_EVENTS (default 200000).

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"
#include "event/parser.h"
#include "projection/projector.h"
#include "projection/tenant_projection.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace {

using readside::event::Event;
using readside::event::EventParser;
using readside::event::FieldError;
using readside::projection::LocalCalendar;
using readside::projection::TenantProjection;
using readside::projection::TenantSettings;
using readside::projection::TenantView;

constexpr size_t kPublishEvery = 8192;              // ProjectorOptions::batch_events
constexpr int64_t kNowMicros = 1'750'000'000'000'000;  // wall clock passed to Apply

size_t EventCount() {
  const char* env = std::getenv("PROJECTION_BENCH_EVENTS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 200'000;
}

// The generated lines, parsed once (as ingest does: the stored form is Event::json).
const std::vector<Event>& Events() {
  static const std::vector<Event> events = [] {
    readside::sim::GeneratorOptions o;
    o.seed = 1;
    o.tenants = {"acme-corp", "beta-inc", "gamma-llc", "delta-co"};
    o.total_events = EventCount();
    readside::sim::Generator gen(o);
    EventParser parser;
    std::vector<FieldError> errors;
    std::vector<Event> out;
    out.reserve(o.total_events);
    std::string line;
    int64_t ts;
    size_t rejected = 0;
    while (gen.Next(&line, &ts)) {
      Event e;
      errors.clear();
      if (parser.ParseOne(line, &e, &errors)) {
        out.push_back(std::move(e));
      } else {
        ++rejected;
      }
    }
    if (rejected != 0) std::fprintf(stderr, "projection_bench: %zu lines rejected\n", rejected);
    return out;
  }();
  return events;
}

// A store holding Events() at positions 1..N, in a temporary directory removed at exit.
class BenchStore {
 public:
  BenchStore() {
    char tmpl[] = "/tmp/projection_bench.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    dir_ = tmpl;
    readside::store::StoreOptions options;
    options.path = dir_;
    options.sync = false;  // setup speed only; reads do not depend on it
    {
      std::unique_ptr<readside::store::EventStore> writer = Open(options);
      const std::vector<Event>& events = Events();
      for (size_t i = 0; i < events.size(); i += 1000) {
        readside::store::AppendRequest request;
        for (size_t j = i; j < std::min(events.size(), i + 1000); ++j) {
          const Event& e = events[j];
          request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned,
                                    e.entity_id, e.event_type, e.timestamp_micros, e.json});
        }
        auto outcomes = writer->Append(std::move(request));
        if (!outcomes.ok()) {
          std::fprintf(stderr, "append: %s\n", outcomes.status().ToString().c_str());
          std::abort();
        }
      }
    }  // closing drains the index thread and flushes
    store_ = Open(options);
    if (store_->LastPosition() != Events().size()) {
      std::fprintf(stderr, "store holds %llu events, expected %zu\n",
                   static_cast<unsigned long long>(store_->LastPosition()), Events().size());
      std::abort();
    }
  }
  ~BenchStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  readside::store::EventStore* get() const { return store_.get(); }

 private:
  static std::unique_ptr<readside::store::EventStore> Open(
      const readside::store::StoreOptions& options) {
    auto store = readside::store::EventStore::Open(options);
    if (!store.ok()) {
      std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
      std::abort();
    }
    return *std::move(store);
  }

  std::string dir_;
  std::unique_ptr<readside::store::EventStore> store_;
};

readside::store::EventStore* Store() {
  static BenchStore store;
  return store.get();
}

int64_t EventsTotal(const absl::flat_hash_map<std::string, std::shared_ptr<const TenantView>>& m) {
  int64_t n = 0;
  for (const auto& [org, view] : m) n += view->quality.events_total;
  return n;
}

// Applies Events() to fresh tenants, publishing every `publish_every` events and at the end.
void ApplyPreParsed(benchmark::State& state, size_t publish_every) {
  const std::vector<Event>& events = Events();
  using Views = absl::flat_hash_map<std::string, std::shared_ptr<const TenantView>>;
  int64_t applied_total = 0, orphans = 0;
  for (auto _ : state) {
    // Like the Projector: tenants created on their first event with default settings.
    absl::flat_hash_map<std::string, std::unique_ptr<TenantProjection>> tenants;
    auto snapshot = std::make_shared<const Views>();
    absl::flat_hash_map<std::string, TenantProjection*> touched;
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      auto& tenant = tenants[e.organization_id];
      if (!tenant) {
        TenantSettings settings;
        settings.organization_id = e.organization_id;
        tenant = std::make_unique<TenantProjection>(settings, LocalCalendar::Utc());
      }
      tenant->Apply(e, i + 1, kNowMicros);
      touched[e.organization_id] = tenant.get();
      if ((i + 1) % publish_every == 0 || i + 1 == events.size()) {
        // The next snapshot replaces the previous one, which is released (no readers here).
        auto next = std::make_shared<Views>(*snapshot);
        for (const auto& [org, t] : touched) (*next)[org] = t->Publish(i + 1);
        snapshot = std::move(next);
        touched.clear();
      }
    }
    state.PauseTiming();  // the product never tears a model down
    applied_total = EventsTotal(*snapshot);
    for (const auto& [org, view] : *snapshot) orphans += view->quality.orphans;
    snapshot.reset();
    tenants.clear();
    state.ResumeTiming();
  }
  if (applied_total != static_cast<int64_t>(events.size())) {
    state.SkipWithError("events_total of the published views differs from the input");
  }
  state.counters["events"] = static_cast<double>(events.size());
  state.counters["orphans"] = static_cast<double>(orphans) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events.size()));
}
void BM_ApplyPreParsed(benchmark::State& state) { ApplyPreParsed(state, kPublishEvery); }
BENCHMARK(BM_ApplyPreParsed)->Unit(benchmark::kMillisecond);

// Breakdown: the same with one publication at the end only, so no copy-on-write of series and
// chunks after publications. The difference to BM_ApplyPreParsed is what publishing costs.
void BM_ApplyPreParsedPublishOnce(benchmark::State& state) {
  ApplyPreParsed(state, std::numeric_limits<size_t>::max());
}
BENCHMARK(BM_ApplyPreParsedPublishOnce)->Unit(benchmark::kMillisecond);

// Late arrivals: the stream applied `passes` times over, every pass with the same instants
// (a new arrival position each), publishing every 8192 events. From pass 2 on each time log
// and stock move lands before its entity's latest point, in a history that grows every pass:
// the soak's old pattern (bench/RESULTS.md "Soak"), and the worst case of late data. Items =
// events applied over all passes.
void BM_ApplyLateArrivals(benchmark::State& state) {
  const std::vector<Event>& events = Events();
  const size_t passes = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    absl::flat_hash_map<std::string, std::unique_ptr<TenantProjection>> tenants;
    uint64_t seq = 0;
    for (size_t pass = 0; pass < passes; ++pass) {
      for (const Event& e : events) {
        auto& tenant = tenants[e.organization_id];
        if (!tenant) {
          TenantSettings settings;
          settings.organization_id = e.organization_id;
          tenant = std::make_unique<TenantProjection>(settings, LocalCalendar::Utc());
        }
        tenant->Apply(e, ++seq, kNowMicros);
        if (seq % kPublishEvery == 0) {
          for (auto& [org, t] : tenants) benchmark::DoNotOptimize(t->Publish(seq));
        }
      }
    }
    state.PauseTiming();
    tenants.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * passes * events.size()));
}
BENCHMARK(BM_ApplyLateArrivals)->Arg(4)->Unit(benchmark::kMillisecond);

void BM_ApplyFromStoreIncludingParse(benchmark::State& state) {
  readside::store::EventStore* store = Store();
  const uint64_t last = store->LastPosition();
  bool ok = true;
  int64_t applied_total = 0;
  for (auto _ : state) {
    // Each Start() adds a commit listener to the store that is never removed; harmless here
    // because nothing is appended after setup.
    auto projector = std::make_unique<readside::projection::Projector>(
        store, &readside::SystemClock::Get());
    projector->Start();
    ok &= projector->WaitForPosition(last, std::chrono::minutes(5));
    state.PauseTiming();
    applied_total = 0;
    auto current = projector->Current();  // a range-for does not keep a temporary alive
    for (const auto& [org, view] : current->tenants) {
      applied_total += view->quality.events_total;
    }
    projector.reset();  // stops the applier, tears down the models: not timed
    state.ResumeTiming();
  }
  if (!ok) state.SkipWithError("the projector did not catch up within 5 minutes");
  if (applied_total != static_cast<int64_t>(last)) {
    state.SkipWithError("events_total of the published views differs from the store");
  }
  state.counters["events"] = static_cast<double>(last);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * last));
}
// The applier runs on its own thread: items_per_second uses wall-clock time; the CPU column is
// the process CPU time (the benchmark thread only waits and the store is idle), which is less
// sensitive to the neighbours of a shared machine.
BENCHMARK(BM_ApplyFromStoreIncludingParse)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// Breakdown of BM_ApplyFromStoreIncludingParse: the store read alone (RocksDB iteration and
// record decoding into StoredEvent, through the std::function callback).
void BM_StoreReadRangeOnly(benchmark::State& state) {
  readside::store::EventStore* store = Store();
  const uint64_t last = store->LastPosition();
  size_t bytes = 0;
  for (auto _ : state) {
    absl::Status s = store->ReadRange(0, last, [&](const readside::store::StoredEvent& e) {
      bytes += e.json.size();
      return true;
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * last));
}
BENCHMARK(BM_StoreReadRangeOnly)->Unit(benchmark::kMillisecond);

// Breakdown: store read + parse with the Projector's parser options, no Apply.
void BM_StoreReadAndParse(benchmark::State& state) {
  readside::store::EventStore* store = Store();
  const uint64_t last = store->LastPosition();
  EventParser parser({.assign_missing_event_id = false});
  Event e;
  std::vector<FieldError> errors;
  size_t ok = 0;
  for (auto _ : state) {
    absl::Status s = store->ReadRange(0, last, [&](const readside::store::StoredEvent& stored) {
      errors.clear();
      ok += parser.ParseOne(stored.json, &e, &errors);
      return true;
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  if (ok != static_cast<size_t>(state.iterations()) * last) state.SkipWithError("stored events failed to parse");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * last));
}
BENCHMARK(BM_StoreReadAndParse)->Unit(benchmark::kMillisecond);

// Breakdown: the Projector's work as one loop on the benchmark thread (one ReadRange over the
// whole store, one parser, tenants routed by a hash lookup, a publication every 8192 events).
// The difference to BM_ApplyFromStoreIncludingParse is the Projector's own overhead (per-batch
// ReadRange seeks and parser construction, two string-keyed map lookups per event, the thread).
void BM_StoreReadParseApplyInline(benchmark::State& state) {
  readside::store::EventStore* store = Store();
  const uint64_t last = store->LastPosition();
  using Views = absl::flat_hash_map<std::string, std::shared_ptr<const TenantView>>;
  EventParser parser({.assign_missing_event_id = false});
  Event e;
  std::vector<FieldError> errors;
  int64_t applied_total = 0;
  for (auto _ : state) {
    absl::flat_hash_map<std::string, std::unique_ptr<TenantProjection>> tenants;
    auto snapshot = std::make_shared<const Views>();
    absl::flat_hash_map<std::string, TenantProjection*> touched;
    absl::Status s = store->ReadRange(0, last, [&](const readside::store::StoredEvent& stored) {
      auto& tenant = tenants[stored.organization_id];
      if (!tenant) {
        TenantSettings settings;
        settings.organization_id = stored.organization_id;
        tenant = std::make_unique<TenantProjection>(settings, LocalCalendar::Utc());
      }
      errors.clear();
      if (parser.ParseOne(stored.json, &e, &errors)) tenant->Apply(e, stored.position, kNowMicros);
      touched[stored.organization_id] = tenant.get();
      if (stored.position % kPublishEvery == 0 || stored.position == last) {
        auto next = std::make_shared<Views>(*snapshot);
        for (const auto& [org, t] : touched) (*next)[org] = t->Publish(stored.position);
        snapshot = std::move(next);
        touched.clear();
      }
      return true;
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    state.PauseTiming();
    applied_total = EventsTotal(*snapshot);
    snapshot.reset();
    tenants.clear();
    state.ResumeTiming();
  }
  if (applied_total != static_cast<int64_t>(last)) {
    state.SkipWithError("events_total of the published views differs from the store");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * last));
}
BENCHMARK(BM_StoreReadParseApplyInline)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
