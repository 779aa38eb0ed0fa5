// `readside produce` and `readside kafka-dev` (operations.md "Kafka ingestion").

#include <algorithm>
#include <csignal>
#include <map>
#include <thread>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "kafka/dev_cluster.h"
#include "kafka/producer.h"

namespace readside::app {

int RunProduce(const ProduceOptions& o) {
  if (o.topic.empty()) {
    std::fprintf(stderr, "readside produce: --topic is required\n");
    return 2;
  }
  auto producer = kafka::KafkaProducer::Create(o.kafka, o.topic);
  if (!producer.ok()) {
    std::fprintf(stderr, "readside produce: %s\n", std::string(producer.status().message()).c_str());
    return 2;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.input != "-") {
    file.open(o.input, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "readside produce: cannot read %s\n", o.input.c_str());
      return 1;
    }
    in = &file;
  }
  std::string line, chunk;
  size_t lines = 0, total = 0;
  std::map<int32_t, int64_t> last;
  auto flush = [&]() -> bool {
    if (chunk.empty()) return true;
    size_t n = 0;
    auto r = kafka::ProduceNdjson(producer->get(), chunk, &n);
    chunk.clear();
    lines = 0;
    if (!r.ok()) {
      std::fprintf(stderr, "readside produce: after %zu messages: %s\n", total,
                   std::string(r.status().message()).c_str());
      return false;
    }
    total += n;
    for (const auto& [p, off] : r->last_offsets) last[p] = std::max(last[p], off);
    return true;
  };
  while (std::getline(*in, line)) {
    chunk += line;
    chunk.push_back('\n');
    if (++lines >= o.batch && !flush()) return 1;
  }
  if (!flush()) return 1;
  std::string offsets;
  for (const auto& [p, off] : last) offsets += (offsets.empty() ? "" : ",") + std::to_string(p) + ":" + std::to_string(off);
  // stdout: the offsets, for min_offsets; stderr: the summary.
  std::printf("%s\n", offsets.c_str());
  std::fprintf(stderr, "readside produce: %zu messages to %s (last offsets %s)\n", total,
               o.topic.c_str(), offsets.empty() ? "none" : offsets.c_str());
  return 0;
}

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

int RunKafkaDev(const KafkaDevOptions& o) {
  std::vector<std::pair<std::string, int>> topics;
  for (const std::string& t : o.topics) {
    auto parsed = kafka::DevCluster::ParseTopic(t);
    if (!parsed.ok()) {
      std::fprintf(stderr, "readside kafka-dev: %s\n", std::string(parsed.status().message()).c_str());
      return 2;
    }
    topics.push_back(*parsed);
  }
  auto cluster = kafka::DevCluster::Start(o.brokers, o.port, topics);
  if (!cluster.ok()) {
    std::fprintf(stderr, "readside kafka-dev: %s\n", std::string(cluster.status().message()).c_str());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("kafka-dev: bootstrap %s\n", (*cluster)->bootstrap().c_str());
  std::printf("kafka-dev: %d broker(s); topics", o.brokers);
  for (const auto& [name, partitions] : topics) std::printf(" %s (%d partitions)", name.c_str(), partitions);
  std::printf("; in memory only, for tests and demos. Ctrl-C stops it.\n");
  std::printf("  readside serve --kafka-brokers %s --kafka-topics %s …\n", (*cluster)->bootstrap().c_str(),
              topics.empty() ? "erp-events" : topics[0].first.c_str());
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

}  // namespace readside::app
