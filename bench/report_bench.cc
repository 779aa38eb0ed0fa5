// JSON financial statements over a year of a busy tenant (issue 11: p99 ≤ 5 ms): the
// simulator's large company for all of 2024 applied to one TenantProjection, then the P&L
// (the year against the previous one) and the balance sheet (as of the year's end, with the
// 12 month-end points of its trend chart) built and serialized as the preview route does.
// Each benchmark records every iteration's time and reports p50/p99 as counters.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "event/parser.h"
#include "projection/tenant_projection.h"
#include "report/report.h"
#include "sim/generator.h"

namespace {

using readside::projection::TenantProjection;
using readside::projection::TenantView;

constexpr int64_t kNow = 1738368000000000;  // 2025-02-01: every 2024 period is over

struct Tenant {
  std::shared_ptr<const TenantView> view;
  size_t events = 0;
};

const Tenant& BusyYear() {
  static const Tenant tenant = [] {
    readside::sim::GeneratorOptions o;
    o.seed = 1;
    o.tenants = {"acme-corp"};
    o.start_unix_micros = 1704067200000000;  // 2024-01-01
    o.end_unix_micros = 1735689600000000;    // 2025-01-01
    o.events_per_second = 0.02;
    readside::sim::Generator gen(o);
    readside::event::EventParser parser;
    std::vector<readside::event::FieldError> errors;
    auto projection = TenantProjection::WithDefaults("acme-corp");
    std::string line;
    int64_t ts;
    uint64_t position = 0;
    while (gen.Next(&line, &ts)) {
      readside::event::Event e;
      errors.clear();
      if (parser.ParseOne(line, &e, &errors)) projection->Apply(e, ++position, 0);
    }
    std::fprintf(stderr, "report_bench: %llu events of acme-corp over 2024\n",
                 static_cast<unsigned long long>(position));
    return Tenant{projection->Publish(position), position};
  }();
  return tenant;
}

void Run(benchmark::State& state, std::string_view type, std::string_view period,
         std::vector<std::pair<std::string, std::string>> params) {
  const Tenant& t = BusyYear();
  const readside::report::TypeSpec* spec = readside::report::FindType("financial", type);
  auto p = readside::projection::ParsePeriod(period);
  std::vector<double> micros;
  size_t bytes = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    readside::report::Document doc = readside::report::BuildReport(
        readside::report::ReportRequest{*t.view, *spec, *p, params, kNow});
    std::string json = readside::report::ToJson(doc);
    benchmark::DoNotOptimize(json.data());
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - start).count());
    bytes = json.size();
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.counters["json_bytes"] = static_cast<double>(bytes);
  state.counters["events"] = static_cast<double>(t.events);
}

void BM_PnlYearJson(benchmark::State& state) { Run(state, "pnl", "2024", {{"compare", "prev"}}); }
void BM_BalanceSheetYearEndJson(benchmark::State& state) { Run(state, "balance_sheet", "2024-12", {}); }
void BM_CashFlowYearJson(benchmark::State& state) { Run(state, "cash_flow", "2024", {}); }
void BM_ArAgingYearEndJson(benchmark::State& state) { Run(state, "ar_aging", "2024-12", {}); }

BENCHMARK(BM_PnlYearJson)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_BalanceSheetYearEndJson)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_CashFlowYearJson)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_ArAgingYearEndJson)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
