#pragma once
// The subcommands of the readside binary, apart from their command-line parsing (main.cc).
// Each returns the process exit code.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "app/readside_server.h"
#include "ingest/ingest_client.h"
#include "kafka/kafka_options.h"
#include "sim/generator.h"

namespace readside::app {

int RunServe(const ServeOptions& options);

// A duration flag's value: 0 (off), or a positive number with a unit, ms, s, m, h or d (no
// unit: seconds): "250ms", "10m". InvalidArgument naming `flag` otherwise.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text,
                                                        std::string_view flag);

struct DemoOptions {
  ServeOptions serve;  // serve.data_dir empty: a fresh temporary directory
  std::vector<std::string> tenants = {"acme-corp", "beta-inc", "gamma-llc"};
  int history_days = 90;           // simulated history loaded at start
  // The simulated workforce (and its payroll) is fixed per tenant size while sales scale with
  // the events' density; 120,000 events over 90 days for the three demo tenants gives
  // businesses that earn their payroll (last month's net margins 16-30 % at seed 42; 60,000
  // gave margins of -28 % to -47 %, which read as a broken demo). docs/decisions.md.
  uint64_t history_events = 120'000;
  double live_events_per_second = 20;
  uint64_t seed = 42;
  // Kafka in the demo: a kafka-dev cluster in the process, the simulator producing to it and
  // the server consuming from it (operations.md).
  bool kafka = false;
};
int RunDemo(DemoOptions options);

struct ProduceOptions {
  std::string input = "-";  // NDJSON file, or - for stdin
  kafka::KafkaOptions kafka;  // brokers and --kafka-config
  std::string topic;
  size_t batch = 10'000;  // lines awaited together
};
int RunProduce(const ProduceOptions& options);

struct KafkaDevOptions {
  uint16_t port = 0;  // 0: the first broker's own (ephemeral) port
  int brokers = 1;
  std::vector<std::string> topics = {"erp-events:4"};  // NAME[:PARTITIONS]
};
int RunKafkaDev(const KafkaDevOptions& options);

struct GenerateOptions {
  sim::GeneratorOptions generator;
  std::string start = "2024-01-01T00:00:00Z";
  double days = 90;
  std::string out = "-";
  // Also writes, per tenant, the control totals its ERP services would report for the
  // generated stream (docs/consistency.md), in the body format of POST /admin/reconcile/{org};
  // "{org}" in the path is the organization (required with several tenants). Empty: none.
  std::string control_totals;
  bool control_totals_ids = true;  // with each total's entity ids
};
int RunGenerate(GenerateOptions options);

int RunIngest(const ingest::IngestCommandOptions& options);

struct RebuildOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string token;
  std::string org;  // empty: every tenant
};
// Asks the server at options.url to rebuild its read models from the store (blue/green) and
// prints progress until they are swapped in. Exit 0 when done.
int RunRebuild(const RebuildOptions& options);

struct WatchOptions {
  std::string organization;
  std::string url = "http://127.0.0.1:8080";
  std::string token;
  std::string period;                // empty: the tenant's current month
  std::vector<std::string> domains;  // empty: every domain (those the token lacks show hidden)
  bool once = false;                 // one plain snapshot (also when stdout is no terminal)
  bool reconnect = true;             // with backoff after a lost connection
  std::chrono::milliseconds once_timeout{10'000};  // --once: wait this long for every domain
};
// Shows the tenant's live metrics (GET /analytics/real-time/{org}) updating in place, or
// prints one snapshot. Exit 0 when the user quits or the snapshot is complete, 1 when the
// server refuses or closes the connection (its code and reason on stderr), 2 on bad options.
int RunWatch(const WatchOptions& options);

struct TokenOptions {
  std::vector<std::string> organizations;  // one → `org`; several or "*" → `orgs`
  std::vector<std::string> roles;
  std::string ttl = "1h";                  // 900, 15m, 1h, 7d
  std::string subject = "dev";
  std::string secret_file;       // HS256
  std::string private_key_file;  // RS256 (RSA) or ES256 (EC P-256), PEM
  std::string kid;
  std::string issuer;
  std::string audience;
};
// Prints a signed token; exit 2 on bad options.
int RunToken(const TokenOptions& options);
absl::StatusOr<std::string> MintToken(const TokenOptions& options);
absl::StatusOr<int64_t> ParseTtl(std::string_view ttl);  // seconds

}  // namespace readside::app
