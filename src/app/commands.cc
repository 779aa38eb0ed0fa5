#include "app/commands.h"
#include "kafka/dev_cluster.h"
#include "kafka/producer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <thread>

#include <charconv>
#include <map>
#include <optional>
#include <unordered_set>

#include "common/clock.h"
#include "common/time_util.h"
#include "event/parser.h"
#include "ingest/ingest_service.h"
#include "projection/control_totals.h"

namespace readside::app {

int RunServe(const ServeOptions& options) {
  ReadsideServer server(options);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "readside serve: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("listening on %s\n", server.address().c_str());
  std::fflush(stdout);
  server.Run();
  std::printf("readside: stopped\n");
  return 0;
}

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text,
                                                        std::string_view flag) {
  int64_t n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(r.ptr, static_cast<size_t>(text.data() + text.size() - r.ptr));
  const int64_t scale = unit == "ms"                 ? 1
                        : unit.empty() || unit == "s" ? 1000
                        : unit == "m"                 ? 60'000
                        : unit == "h"                 ? 3'600'000
                        : unit == "d"                 ? 86'400'000
                                                      : 0;
  if (r.ec != std::errc() || r.ptr == text.data() || scale == 0 || n < 0 ||
      n > int64_t{10} * 365 * 86'400'000 / scale) {
    return absl::InvalidArgumentError(std::string(flag) +
                                      " must be 0 or a duration such as 500ms, 90s, 10m, 1h "
                                      "or 1d, got '" + std::string(text) + "'");
  }
  return std::chrono::milliseconds(n * scale);
}

namespace {

// The control totals of a generated stream, per tenant (GenerateOptions::control_totals):
// what the ERP's services recorded, i.e. every line readside would accept, once per event id.
class GeneratedTotals {
 public:
  explicit GeneratedTotals(bool with_ids) : with_ids_(with_ids) {}
  void Add(std::string_view line) {
    errors_.clear();
    if (!parser_.ParseOne(line, &event_, &errors_)) return;  // readside rejects it too
    if (!seen_.insert(event_.organization_id + '\n' + event_.event_id).second) return;  // re-sent
    auto it = tenants_.find(event_.organization_id);
    if (it == tenants_.end()) {
      // The simulator configures no tenant: months in UTC, as readside buckets them then.
      it = tenants_.emplace(event_.organization_id,
                            projection::ControlTotalsBuilder(projection::LocalCalendar::Utc()))
               .first;
    }
    it->second.Add(event_);
  }
  // Writes each tenant's body to `path` ("{org}" replaced); false after printing why not.
  bool Write(const std::string& path, const std::vector<std::string>& tenants) const {
    if (tenants.size() > 1 && path.find("{org}") == std::string::npos) {
      std::fprintf(stderr, "readside generate: --control-totals needs {org} in its path with "
                           "several tenants\n");
      return false;
    }
    for (const std::string& org : tenants) {
      std::string file = path;
      if (size_t at = file.find("{org}"); at != std::string::npos) file.replace(at, 5, org);
      auto it = tenants_.find(org);
      static const projection::TotalsMap kNone;
      std::string body = projection::ControlTotalsBody(
          org, "UTC", it == tenants_.end() ? kNone : it->second.cells(), with_ids_);
      std::ofstream out(file, std::ios::binary);
      out << body << "\n";
      if (!out) {
        std::fprintf(stderr, "readside generate: cannot write %s\n", file.c_str());
        return false;
      }
    }
    return true;
  }

 private:
  bool with_ids_;
  event::EventParser parser_;
  event::Event event_;
  std::vector<event::FieldError> errors_;
  std::unordered_set<std::string> seen_;
  std::map<std::string, projection::ControlTotalsBuilder> tenants_;
};

}  // namespace

int RunGenerate(GenerateOptions options) {
  int64_t start;
  if (!ParseRfc3339(options.start, &start)) {
    std::fprintf(stderr, "readside generate: --start must be RFC 3339, got %s\n",
                 options.start.c_str());
    return 2;
  }
  options.generator.start_unix_micros = start;
  if (options.generator.total_events == 0) {
    options.generator.end_unix_micros =
        start + static_cast<int64_t>(options.days * static_cast<double>(kMicrosPerDay));
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (options.out != "-") {
    file.open(options.out, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "readside generate: cannot write %s\n", options.out.c_str());
      return 1;
    }
    out = &file;
  }
  sim::Generator gen(options.generator);
  std::optional<GeneratedTotals> totals;
  if (!options.control_totals.empty()) totals.emplace(options.control_totals_ids);
  std::string line, buffer;
  int64_t ts;
  while (gen.Next(&line, &ts)) {
    if (totals) totals->Add(line);
    buffer += line;
    buffer.push_back('\n');
    if (buffer.size() > (1 << 20)) {
      out->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out->flush();
  if (!*out) return 1;
  if (totals && !totals->Write(options.control_totals, options.generator.tenants)) return 1;
  return 0;
}

int RunIngest(const ingest::IngestCommandOptions& options) {
  absl::StatusOr<ingest::IngestSummary> s = ingest::RunIngest(options, std::cerr);
  if (!s.ok()) {
    std::fprintf(stderr, "readside ingest: %s\n", std::string(s.status().message()).c_str());
    return 1;
  }
  std::printf("sent %llu events in %.1f s (%.0f events/s): accepted %llu, duplicates %llu, "
              "conflicts %llu, rejected %llu, retries %llu, last position %llu\n",
              static_cast<unsigned long long>(s->sent), s->seconds,
              s->seconds > 0 ? static_cast<double>(s->sent) / s->seconds : 0.0,
              static_cast<unsigned long long>(s->accepted),
              static_cast<unsigned long long>(s->duplicates),
              static_cast<unsigned long long>(s->conflicts),
              static_cast<unsigned long long>(s->rejected),
              static_cast<unsigned long long>(s->retries),
              static_cast<unsigned long long>(s->last_position));
  return 0;
}

namespace {

// Feeds NDJSON batches into the running server and waits for durability. The simulator is a
// source with no caller to answer: its malformed lines land in the dead-letter store.
bool Feed(ingest::IngestService* ingest, const std::string& body,
          kafka::KafkaProducer* producer = nullptr) {
  if (producer != nullptr) return kafka::ProduceNdjson(producer, body).ok();  // demo --kafka
  std::promise<absl::StatusOr<size_t>> done;
  ingest->IngestUnattended(body, "demo-simulator",
                           [&done](absl::StatusOr<size_t> r) { done.set_value(std::move(r)); });
  return done.get_future().get().ok();
}

void StreamDemoEvents(ReadsideServer* server, const DemoOptions& o, std::atomic<bool>* stop,
                      kafka::KafkaProducer* producer) {
  const Clock& clock = SystemClock::Get();
  int64_t now = clock.NowMicros();
  sim::GeneratorOptions g;
  g.seed = o.seed;
  g.tenants = o.tenants;
  g.start_unix_micros = now - int64_t{o.history_days} * kMicrosPerDay;
  g.events_per_second = static_cast<double>(o.history_events) /
                        (static_cast<double>(o.history_days) * 86400.0);
  g.out_of_order_fraction = 0.02;
  g.duplicate_fraction = 0.005;
  g.malformed_fraction = 0.002;
  if (server->store()->LastPosition() > 0) {
    // A store from an earlier demo: its history is there already; stream live only, with a
    // seed of its own so that new events never reuse earlier event ids.
    g.seed ^= static_cast<uint64_t>(now);
    g.start_unix_micros = now;
  }
  sim::Generator gen(g);
  std::string line, body;
  int64_t ts = 0;
  size_t in_body = 0;
  // History: as fast as the store takes it.
  while (!stop->load() && gen.Next(&line, &ts)) {
    body += line;
    body.push_back('\n');
    if (++in_body == 1000 || ts >= now) {
      Feed(server->ingest(), body, producer);
      body.clear();
      in_body = 0;
    }
    if (ts >= now) break;
  }
  // Live: simulated time follows the wall clock.
  gen.SetEventsPerSecond(o.live_events_per_second);
  while (!stop->load()) {
    int64_t t = clock.NowMicros();
    gen.AdvanceClockTo(t);
    while (gen.Next(&line, &ts)) {
      body += line;
      body.push_back('\n');
      ++in_body;
      if (ts > t) break;
    }
    if (in_body > 0) Feed(server->ingest(), body, producer);
    body.clear();
    in_body = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// Serves with the simulator feeding it until SIGTERM/SIGINT; the store is closed on return.
int ServeDemo(DemoOptions options) {
  std::unique_ptr<kafka::DevCluster> cluster;
  std::unique_ptr<kafka::KafkaProducer> producer;
  if (options.kafka) {
    auto c = kafka::DevCluster::Start(1, 0, {{"erp-events", 4}});
    if (!c.ok()) {
      std::fprintf(stderr, "readside demo: %s\n", std::string(c.status().message()).c_str());
      return 1;
    }
    cluster = std::move(*c);
    options.serve.kafka.brokers = cluster->bootstrap();
    options.serve.kafka.topics = {"erp-events"};
    auto p = kafka::KafkaProducer::Create(options.serve.kafka, "erp-events");
    if (!p.ok()) {
      std::fprintf(stderr, "readside demo: %s\n", std::string(p.status().message()).c_str());
      return 1;
    }
    producer = std::move(*p);
  }
  // The banner below leads with the sign-in link; nothing is printed before it.
  options.serve.announce_web_app = false;
  ReadsideServer server(options.serve);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "readside demo: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::string addr = server.address();
  std::string token, operator_token;
  if (!options.serve.keys.secret_file.empty()) {
    TokenOptions t{.organizations = options.tenants, .roles = {"admin"}, .ttl = "24h",
                   .subject = "demo", .secret_file = options.serve.keys.secret_file,
                   .kid = options.serve.keys.secret_kid};
    if (auto minted = MintToken(t); minted.ok()) token = *minted;
    // The operator's: every tenant ("*"), for what belongs to none (dead letters, the
    // rebuild slot, /metrics).
    t.organizations = {"*"};
    t.subject = "demo-operator";
    if (auto minted = MintToken(t); minted.ok()) operator_token = *minted;
  }
  std::string tenants;
  for (const std::string& t : options.tenants) tenants += (tenants.empty() ? "" : ", ") + t;
  // The sign-in link first (web.md "Sign-in"): the token rides in the fragment, which the
  // browser never sends; the app stores it for the tab and removes it from the address bar.
  std::printf("readside demo\n\n");
  if (token.empty()) {
    std::printf(
        "  Open the web app: %s/ (sign in with a token signed with your configured key)\n",
        addr.c_str());
  } else {
    std::printf("  Open the web app: %s/#token=%s\n"
                "    (an admin of %s for 24 h; the part after # never leaves the browser)\n",
                addr.c_str(), token.c_str(), tenants.c_str());
    if (!operator_token.empty()) {
      std::printf("  As the operator (every tenant; dead letters): %s/o/%s/operations#token=%s\n",
                  addr.c_str(), options.tenants[0].c_str(), operator_token.c_str());
    }
  }
  if (!server.web_app_built()) {
    std::printf("    The web app is not built here: install Node.js 20 and npm, then run `make "
                "build`.\n");
  }
  if (token.empty()) token = "<a token signed with your configured key>";
  const char* org = options.tenants[0].c_str();
  std::printf(
      "\n"
      "  listening on %s (data in %s)\n"
      "  simulating %d days of ERP history for %zu tenants, then %.0f live events/s\n\n"
      "  API reference: %s/docs\n\n"
      "  the same admin token for the API (24 h; mint others with `readside token`):\n"
      "    export TOKEN=%s\n\n"
      "  try:\n"
      "    curl -s %s/health/ready\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" '%s/analytics/dashboard/%s'\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" "
      "'%s/analytics/series/%s?domain=finance&metric=total_revenue&granularity=week'\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" '%s/events/%s?limit=3'\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" "
      "'%s/events/%s?event_type=crm.opportunity.won&limit=5'\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" "
      "'%s/reports/financial/%s?type=balance_sheet'\n"
      "    curl -s -o pnl.pdf -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
      "-d '{\"organization_id\":\"%s\",\"report\":\"financial\",\"type\":\"pnl\"}' "
      "%s/reports/export/pdf\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" '%s/search/%s?q=smith&limit=5'\n"
      "    curl -s -H \"Authorization: Bearer $TOKEN\" '%s/dashboards/%s'   (live numbers of the "
      "executive template)\n"
      "    curl -s %s/metrics | grep readside_ingest\n"
      "    curl -s -H \"Authorization: Bearer $(build/readside token --secret-file %s --org '*' "
      "--roles admin)\" '%s/admin/dead-letters?limit=2'   (every tenant: an operator token)\n"
      "  live (WebSocket; docs/live.md):\n"
      "    build/readside watch %s --url %s --token $TOKEN   (a terminal view, updating in place)\n"
      "    tools/live.py ws://%s/analytics/real-time/%s '{\"type\":\"subscribe\",\"domain\":\"crm\"}'\n"
      "  Ctrl-C stops.\n",
      addr.c_str(), options.serve.data_dir.c_str(), options.history_days,
      options.tenants.size(), options.live_events_per_second, addr.c_str(), token.c_str(),
      addr.c_str(),
      addr.c_str(), org, addr.c_str(), org, addr.c_str(), org, addr.c_str(), org, addr.c_str(),
      org, org, addr.c_str(), addr.c_str(), org, addr.c_str(), org, addr.c_str(),
      options.serve.keys.secret_file.c_str(), addr.c_str(), org, addr.c_str(),
      addr.substr(addr.find("://") + 3).c_str(), org);
  std::fflush(stdout);
  std::atomic<bool> stop{false};
  if (cluster) {
    std::printf("  Kafka (kafka-dev, in this process): bootstrap %s, topic erp-events; the "
                "simulator produces, the server consumes\n",
                cluster->bootstrap().c_str());
    std::fflush(stdout);
  }
  std::thread feeder([&] { StreamDemoEvents(&server, options, &stop, producer.get()); });
  server.Run();
  stop = true;
  feeder.join();
  return 0;
}

}  // namespace

int RunDemo(DemoOptions options) {
  bool temporary = options.serve.data_dir.empty();
  if (temporary) {
    // Each demo starts clean: the simulator's history is relative to now, so replaying it
    // into an old store would only produce idempotency conflicts.
    char dir[] = "/tmp/readside-demo-XXXXXX";
    if (mkdtemp(dir) == nullptr) {
      std::perror("readside demo: cannot create a temporary data directory");
      return 1;
    }
    options.serve.data_dir = dir;
  }
  if (options.serve.keys.empty()) {
    // The demo signs its own tokens: a random HS256 secret kept with its data.
    std::filesystem::create_directories(options.serve.data_dir);
    std::string path = options.serve.data_dir + "/jwt-secret";
    if (!std::filesystem::exists(path)) {
      std::random_device random;
      std::string secret;
      for (int i = 0; i < 32; ++i) {
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02x", random() & 0xff);
        secret += hex;
      }
      std::ofstream out(path, std::ios::binary);
      out << secret << "\n";
      if (!out) {
        std::fprintf(stderr, "readside demo: cannot write %s\n", path.c_str());
        return 1;
      }
      std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write);
    }
    options.serve.keys.secret_file = path;
  }
  int code = ServeDemo(options);
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(options.serve.data_dir, ec);  // the store is closed by now
  }
  return code;
}

}  // namespace readside::app
