// Report exports (src/render): a 100,000-row table to CSV and to XLSX (libxlsxwriter's
// normal and constant_memory modes), and a 20-page PDF.
//
//   render_bench [Google Benchmark flags]      timings
//   render_bench --peak_rss=FORMAT [--rows=N]  builds the document, renders it once in a
//       forked child and prints JSON {"format", "rows", "seconds", "bytes", "doc_rss_mb",
//       "peak_rss_mb"}: the resident size of the document alone and the child's peak RSS
//       (getrusage ru_maxrss) with the rendering. FORMAT is csv, xlsx,
//       xlsx_constant_memory or pdf.
//   render_bench --write=DIR                   writes the inputs of the LibreOffice peer
//       (bench/render_peer.py): DIR/table100k.csv and DIR/table20pages.csv, the same tables
//       the timings render, and our DIR/table20pages.pdf for its page count.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "render/csv.h"
#include "render/pdf.h"
#include "render/sample_document.h"
#include "render/xlsx.h"

namespace {

using readside::render::testing::LargeTableDocument;

constexpr size_t kRows = 100'000;
constexpr size_t kTwentyPageRows = 920;  // LargeTableDocument(920) lays out on 20 A4 pages

const readside::report::Document& Large() {
  static const readside::report::Document doc = LargeTableDocument(kRows);
  return doc;
}
const readside::report::Document& TwentyPages() {
  static const readside::report::Document doc = LargeTableDocument(kTwentyPageRows);
  return doc;
}

readside::render::XlsxOptions XlsxMode(bool constant_memory) {
  return {.constant_memory_rows = constant_memory ? 1 : std::numeric_limits<size_t>::max()};
}

void BM_Csv100k(benchmark::State& state) {
  const auto& doc = Large();
  size_t bytes = 0;
  for (auto _ : state) {
    auto csv = readside::render::ToCsv(doc, "");
    if (!csv.ok()) state.SkipWithError(csv.status().ToString().c_str());
    bytes = csv->size();
    benchmark::DoNotOptimize(csv->data());
  }
  state.counters["rows"] = static_cast<double>(kRows);
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Csv100k)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Xlsx100k(benchmark::State& state) {
  const auto& doc = Large();
  const auto options = XlsxMode(state.range(0) != 0);
  size_t bytes = 0;
  for (auto _ : state) {
    auto xlsx = readside::render::ToXlsx(doc, options);
    if (!xlsx.ok()) state.SkipWithError(xlsx.status().ToString().c_str());
    bytes = xlsx->size();
  }
  state.counters["rows"] = static_cast<double>(kRows);
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Xlsx100k)->ArgName("constant_memory")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

int Pages(const std::string& pdf) {
  int pages = 0;
  for (size_t at = 0; (at = pdf.find("/Type /Page", at)) != std::string::npos; at += 11) {
    pages += pdf.compare(at + 11, 1, "s") != 0;  // not "/Type /Pages"
  }
  return pages;
}

void BM_Pdf20Pages(benchmark::State& state) {
  const auto& doc = TwentyPages();
  std::string last;
  for (auto _ : state) {
    auto pdf = readside::render::ToPdf(doc);
    if (!pdf.ok()) state.SkipWithError(pdf.status().ToString().c_str());
    last = std::move(*pdf);
  }
  state.counters["pages"] = Pages(last);
  state.counters["bytes"] = static_cast<double>(last.size());
}
BENCHMARK(BM_Pdf20Pages)->Unit(benchmark::kMillisecond)->UseRealTime();

double MaxRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

double CurrentRssMb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

absl::StatusOr<std::string> RenderOnce(const readside::report::Document& doc,
                                       const std::string& format) {
  if (format == "csv") return readside::render::ToCsv(doc, "");
  if (format == "xlsx" || format == "xlsx_constant_memory") {
    return readside::render::ToXlsx(doc, XlsxMode(format == "xlsx_constant_memory"));
  }
  if (format == "pdf") return readside::render::ToPdf(doc);
  return absl::InvalidArgumentError("unknown format " + format);
}

// Builds the document, then renders it in a forked child: the child's peak RSS starts at
// what the document holds (Linux starts a child's high-water mark at its size at fork), so
// peak − document is what rendering added.
int PeakRss(const std::string& format, size_t rows) {
  const readside::report::Document doc = LargeTableDocument(rows);
  malloc_trim(0);
  const double doc_mb = CurrentRssMb();
  std::fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::string> out = RenderOnce(doc, format);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!out.ok()) {
      std::fprintf(stderr, "%s\n", out.status().ToString().c_str());
      _exit(1);
    }
    std::printf(
        "{\"format\": \"%s\", \"rows\": %zu, \"seconds\": %.4f, \"bytes\": %zu, "
        "\"doc_rss_mb\": %.1f, \"peak_rss_mb\": %.1f}\n",
        format.c_str(), rows, seconds, out->size(), doc_mb, MaxRssMb());
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int Write(const std::string& dir) {
  auto write = [&](const std::string& name, const absl::StatusOr<std::string>& bytes) {
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), bytes.status().ToString().c_str());
      return false;
    }
    std::ofstream(dir + "/" + name, std::ios::binary) << *bytes;
    return true;
  };
  bool ok = write("table100k.csv", readside::render::ToCsv(Large(), "")) &&
            write("table20pages.csv", readside::render::ToCsv(TwentyPages(), "")) &&
            write("table20pages.pdf", readside::render::ToPdf(TwentyPages()));
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string peak, write;
  size_t rows = kRows;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--peak_rss=", 11) == 0) peak = argv[i] + 11;
    if (std::strncmp(argv[i], "--rows=", 7) == 0) rows = std::strtoul(argv[i] + 7, nullptr, 10);
    if (std::strncmp(argv[i], "--write=", 8) == 0) write = argv[i] + 8;
  }
  if (!peak.empty()) return PeakRss(peak, rows);
  if (!write.empty()) return Write(write);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
